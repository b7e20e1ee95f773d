#include "serve/request_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "serve/bearer_auth.h"

namespace sluice {
namespace {

// A model whose prediction is the sum of a row's features, and which counts
// its calls; slow enough that concurrent requests queue behind a call.
class SumModel : public ScoringArtifact {
 public:
  const nlohmann::json& manifest() const override { return manifest_; }
  const char* kind() const override { return "sum"; }
  void InputTypes(const Schema&, std::map<std::string, DataType>*, std::map<std::string, std::string>*) const override {}
  std::vector<Field> Outputs(const std::string&) const override { return {}; }
  std::unique_ptr<RowScorer> ScorerFor(const Schema&) const override { return nullptr; }
  std::string Invoke(PayloadFormat, PayloadFormat, std::string_view, bool, ModelCall*, uint64_t*) const override {
    return "";
  }
  size_t encoded_features() const override { return 2; }
  size_t encoded_outputs() const override { return 1; }
  void PredictEncoded(const float* features, size_t rows, float* out) const override {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (size_t r = 0; r < rows; ++r) out[r] = features[2 * r] + features[2 * r + 1];
  }
  mutable std::atomic<int> calls{0};

 private:
  nlohmann::json manifest_;
};

TEST(RequestBatcher, ConcurrentRequestsShareModelCallsAndGetTheirOwnRows) {
  SumModel model;
  ModelMetrics metrics;
  RequestBatcher batcher(model, std::chrono::microseconds(0), 4096, &metrics);
  constexpr int kClients = 8, kRequests = 20;
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kRequests; ++i) {
        size_t rows = 1 + (c + i) % 3;
        std::vector<float> features, out(rows);
        for (size_t r = 0; r < rows; ++r) {
          features.push_back(static_cast<float>(c * 1000 + i));
          features.push_back(static_cast<float>(r));
        }
        batcher.Predict(features.data(), rows, out.data());
        for (size_t r = 0; r < rows; ++r) {
          if (out[r] != static_cast<float>(c * 1000 + i) + static_cast<float>(r)) ++wrong;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(wrong.load(), 0);
  // Requests queued behind a running call were batched: fewer calls than requests.
  EXPECT_LT(model.calls.load(), kClients * kRequests);
}

TEST(RequestBatcher, AModelErrorReachesItsCaller) {
  class Failing : public SumModel {
   public:
    void PredictEncoded(const float*, size_t, float*) const override { throw std::runtime_error("model failed"); }
  } failing;
  RequestBatcher batcher(failing, std::chrono::microseconds(0), 1, nullptr);
  float features[2] = {1, 2}, out[1];
  EXPECT_THROW(batcher.Predict(features, 1, out), std::runtime_error);
}

TEST(BearerAuth, ComparesWholeTokensOnly) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace sluice
