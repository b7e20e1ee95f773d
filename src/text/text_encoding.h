#pragma once
// The ids each text learner reads for a tokenized document: `ngram` its
// n-gram features (text/ngram_features), `bilstm` the word ids in order
// (unknown words as the vocabulary's unknown id). Training and prediction
// both go through here, so they cannot disagree.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/vocabulary.h"

namespace sluice {

// Appends the ids of `tokens` for `learner` to `out`.
void EncodeForLearner(std::string_view learner, const Vocabulary& vocabulary, uint32_t buckets,
                      const std::vector<std::string>& tokens, std::vector<int32_t>& out);

}  // namespace sluice
