#pragma once
// What every text learner's trained model is to the rest of sluice: class
// probabilities for documents given as id lists, and a file of its own in
// the artifact. The ids a model reads (its "encoding") differ by learner —
// hashed n-gram features for `ngram`, word ids in order for `bilstm` — and
// are made by TextArtifact from the tokens. Const and safe from many threads.

#include <cstdint>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

// Documents as id lists (CSR) with their class ids (0 where unknown, as at
// prediction time).
struct TextExamples {
  std::vector<int32_t> ids;
  std::vector<size_t> offsets{0};
  std::vector<int32_t> labels;

  size_t size() const { return labels.size(); }
  size_t length(size_t i) const { return offsets[i + 1] - offsets[i]; }
  const int32_t* doc(size_t i) const { return ids.data() + offsets[i]; }
  void Add(const std::vector<int32_t>& document, int32_t label) {
    ids.insert(ids.end(), document.begin(), document.end());
    offsets.push_back(ids.size());
    labels.push_back(label);
  }
  void Clear() {
    ids.clear();
    offsets.assign(1, 0);
    labels.clear();
  }
};

class TextClassifier {
 public:
  virtual ~TextClassifier() = default;

  // The learner's name as pipeline files spell it ("ngram", "bilstm").
  virtual const char* learner() const = 0;
  virtual int num_classes() const = 0;
  // Class probabilities of every document in `docs` into `probabilities`
  // (docs.size() x num_classes, row-major).
  virtual void Predict(const TextExamples& docs, float* probabilities) const = 0;
  // Writes the model's file at `path`; its shape goes into the manifest.
  virtual void Save(const std::string& path) const = 0;
  virtual nlohmann::json Describe() const = 0;
};

}  // namespace sluice
