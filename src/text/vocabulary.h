#pragma once
// Word ids for the learners, fitted on the train split (part of θ): tokens
// seen at least min_count times, the max_size most frequent (ties by
// token), numbered from 2 in that order. Id 0 is padding, id 1 every token
// not in the vocabulary (out of vocabulary). Counting is mergeable, so
// partial counts from many batches combine in input order.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

class TokenCounts {
 public:
  void Add(const std::vector<std::string>& tokens);
  void Merge(const TokenCounts& other);
  size_t distinct() const { return counts_.size(); }
  // As bytes and back, to merge counts made by other processes (MPI ranks).
  std::string Serialize() const;
  static TokenCounts Deserialize(const std::string& bytes);

 private:
  friend class Vocabulary;
  std::unordered_map<std::string, int64_t> counts_;
};

class Vocabulary {
 public:
  static constexpr int32_t kPadding = 0;
  static constexpr int32_t kUnknown = 1;

  static Vocabulary Fit(const TokenCounts& counts, int64_t min_count, size_t max_size);
  static Vocabulary FromJson(const nlohmann::json& json);
  nlohmann::json ToJson() const;

  // Ids including padding and unknown.
  size_t size() const { return tokens_.size() + 2; }
  int32_t Id(std::string_view token) const;
  const std::string& Token(int32_t id) const;
  // The ids of `tokens`, appended to `out`.
  void Encode(const std::vector<std::string>& tokens, std::vector<int32_t>& out) const;

 private:
  void Index();

  std::vector<std::string> tokens_;  // id 2 onwards
  std::unordered_map<std::string_view, int32_t> ids_;
};

}  // namespace sluice
