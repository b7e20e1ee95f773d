#include "text/vocabulary.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace sluice {

void TokenCounts::Add(const std::vector<std::string>& tokens) {
  for (const auto& token : tokens) ++counts_[token];
}

void TokenCounts::Merge(const TokenCounts& other) {
  for (const auto& [token, count] : other.counts_) counts_[token] += count;
}

// Each token: its length (4 bytes), its bytes, its count (8 bytes).
std::string TokenCounts::Serialize() const {
  std::string out;
  for (const auto& [token, count] : counts_) {
    const uint32_t length = static_cast<uint32_t>(token.size());
    out.append(reinterpret_cast<const char*>(&length), sizeof length);
    out.append(token);
    out.append(reinterpret_cast<const char*>(&count), sizeof count);
  }
  return out;
}

TokenCounts TokenCounts::Deserialize(const std::string& bytes) {
  TokenCounts out;
  size_t at = 0;
  while (at < bytes.size()) {
    uint32_t length = 0;
    int64_t count = 0;
    if (at + sizeof length > bytes.size()) ThrowInternal("token counts cut short");
    std::memcpy(&length, bytes.data() + at, sizeof length);
    at += sizeof length;
    if (at + length + sizeof count > bytes.size()) ThrowInternal("token counts cut short");
    std::string token = bytes.substr(at, length);
    at += length;
    std::memcpy(&count, bytes.data() + at, sizeof count);
    at += sizeof count;
    out.counts_[std::move(token)] += count;
  }
  return out;
}

Vocabulary Vocabulary::Fit(const TokenCounts& counts, int64_t min_count, size_t max_size) {
  std::vector<std::pair<std::string_view, int64_t>> kept;
  for (const auto& [token, count] : counts.counts_) {
    if (count >= min_count) kept.emplace_back(token, count);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_size > 0 && kept.size() > max_size) kept.resize(max_size);
  Vocabulary vocabulary;
  vocabulary.tokens_.reserve(kept.size());
  for (const auto& [token, count] : kept) vocabulary.tokens_.emplace_back(token);
  vocabulary.Index();
  return vocabulary;
}

void Vocabulary::Index() {
  ids_.clear();
  ids_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], static_cast<int32_t>(i + 2));
}

Vocabulary Vocabulary::FromJson(const nlohmann::json& json) {
  Vocabulary vocabulary;
  vocabulary.tokens_ = json.at("tokens").get<std::vector<std::string>>();
  vocabulary.Index();
  if (vocabulary.ids_.size() != vocabulary.tokens_.size()) ThrowInputData("vocabulary: a token appears twice");
  return vocabulary;
}

nlohmann::json Vocabulary::ToJson() const { return {{"padding_id", kPadding}, {"unknown_id", kUnknown}, {"tokens", tokens_}}; }

int32_t Vocabulary::Id(std::string_view token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnknown : it->second;
}

const std::string& Vocabulary::Token(int32_t id) const {
  static const std::string kPad = "<pad>", kUnk = "<unk>";
  if (id == kPadding) return kPad;
  if (id < 2 || static_cast<size_t>(id - 2) >= tokens_.size()) return kUnk;
  return tokens_[static_cast<size_t>(id - 2)];
}

void Vocabulary::Encode(const std::vector<std::string>& tokens, std::vector<int32_t>& out) const {
  for (const auto& token : tokens) out.push_back(Id(token));
}

}  // namespace sluice
