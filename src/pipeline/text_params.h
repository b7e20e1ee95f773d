#pragma once
// The settings of a text job's learners, from train.params. A key applies
// to every learner of the run that has it (`epochs: 5`); prefixed with a
// learner's name it applies to that learner alone and wins
// (`bilstm.learning_rate: 0.002`). Tokenizer and vocabulary settings are
// shared: the text is tokenized once for all learners. An unknown key, a
// prefix naming a learner the run does not train, or a value out of range
// is a usage error naming the key.

#include <map>
#include <string>
#include <vector>

#include "text/bilstm_model.h"
#include "text/ngram_model.h"
#include "text/tokenizer.h"

namespace sluice {

struct TextParams {
  std::vector<std::string> learners;  // in the order train.learner lists them
  TokenizerOptions tokenizer;
  int64_t min_count = 1;
  size_t max_vocabulary = 200000;
  uint32_t buckets = 200000;  // ngram: hashed word pairs
  NgramConfig ngram;
  BiLstmConfig bilstm;
  std::string vectors;  // bilstm: a word2vec / GloVe text file
};

// `learner_list`: train.learner, one learner or several separated by commas.
TextParams ParseTextParams(const std::string& learner_list, const std::map<std::string, std::string>& params);

}  // namespace sluice
