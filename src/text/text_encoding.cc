#include "text/text_encoding.h"

#include "common/error.h"
#include "text/ngram_features.h"

namespace sluice {

void EncodeForLearner(std::string_view learner, const Vocabulary& vocabulary, uint32_t buckets,
                      const std::vector<std::string>& tokens, std::vector<int32_t>& out) {
  if (learner == "ngram") {
    NgramFeatures(vocabulary, tokens, buckets, out);
  } else if (learner == "bilstm") {
    vocabulary.Encode(tokens, out);
  } else {
    ThrowInternal("no text encoding for learner '" + std::string(learner) + "'");
  }
}

}  // namespace sluice
