#pragma once
// Pretrained word vectors for the `bilstm` learner's embedding, read from
// the text formats word2vec and GloVe write: one word a line followed by its
// numbers, separated by spaces; word2vec's first line ("COUNT DIM") is
// recognised and skipped. gzip-compressed files are read as they are. Only
// the vocabulary's words are kept, so a file of millions of words costs the
// memory of the vocabulary; a word matches exactly, or else by its lowercase
// form when no exact line exists (cased word2vec files, lowercase
// vocabularies). Lines of the wrong width are an error naming the line.

#include <cstdint>
#include <string>
#include <vector>

#include "text/vocabulary.h"

namespace sluice {

struct WordVectors {
  int dim = 0;
  std::vector<float> rows;     // vocabulary.size() x dim; zero where not found
  std::vector<uint8_t> found;  // per vocabulary id
  size_t found_count = 0;
  int64_t lines = 0;

  static WordVectors Read(const std::string& path, const Vocabulary& vocabulary);
};

}  // namespace sluice
