#include "text/ngram_features.h"

#include "common/hash.h"

namespace sluice {

void NgramFeatures(const Vocabulary& vocabulary, const std::vector<std::string>& tokens, uint32_t buckets,
                   std::vector<int32_t>& out) {
  const int32_t base = static_cast<int32_t>(vocabulary.size());
  for (const auto& token : tokens) {
    int32_t id = vocabulary.Id(token);
    if (id != Vocabulary::kUnknown) out.push_back(id);
  }
  // Every document ends with an end-of-text word, as fastText's lines do: its
  // embedding acts as a learned bias, and the last word pairs with it.
  out.push_back(kEndOfText);
  if (buckets == 0) return;
  static const uint64_t kEndHash = Hash64(std::string_view("</s>"));
  for (size_t i = 0; i < tokens.size(); ++i) {
    uint64_t next = i + 1 < tokens.size() ? Hash64(tokens[i + 1]) : kEndHash;
    uint64_t h = MixInt(Hash64(tokens[i]), next);
    out.push_back(base + static_cast<int32_t>(h % buckets));
  }
}

}  // namespace sluice
