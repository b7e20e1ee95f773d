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
  if (buckets == 0) return;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    uint64_t h = MixInt(Hash64(tokens[i]), Hash64(tokens[i + 1]));
    out.push_back(base + static_cast<int32_t>(h % buckets));
  }
}

}  // namespace sluice
