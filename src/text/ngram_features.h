#pragma once
// The input features of the `ngram` learner (fastText's supervised model):
// a document's word ids from the vocabulary (unknown words left out), an
// end-of-text feature (id 0, the vocabulary's padding id, unused otherwise),
// plus each adjacent word pair — the last word paired with the end — hashed
// into `buckets` extra ids after the vocabulary. Pairs are hashed from the
// words themselves, so a pair of out-of-vocabulary words still has a feature.

#include <cstdint>
#include <string>
#include <vector>

#include "text/vocabulary.h"

namespace sluice {

constexpr int32_t kEndOfText = Vocabulary::kPadding;

// Appends the feature ids of `tokens` to `out`; ids lie in
// [0, vocabulary.size() + buckets).
void NgramFeatures(const Vocabulary& vocabulary, const std::vector<std::string>& tokens, uint32_t buckets,
                   std::vector<int32_t>& out);

}  // namespace sluice
