#pragma once
// The input features of the `ngram` learner (fastText's supervised model):
// a document's word ids from the vocabulary (unknown words left out), plus
// each adjacent word pair hashed into `buckets` extra ids after the
// vocabulary. Pairs are hashed from the words themselves, so a pair of
// out-of-vocabulary words still has a feature.

#include <cstdint>
#include <string>
#include <vector>

#include "text/vocabulary.h"

namespace sluice {

// Appends the feature ids of `tokens` to `out`; ids lie in
// [0, vocabulary.size() + buckets).
void NgramFeatures(const Vocabulary& vocabulary, const std::vector<std::string>& tokens, uint32_t buckets,
                   std::vector<int32_t>& out);

}  // namespace sluice
