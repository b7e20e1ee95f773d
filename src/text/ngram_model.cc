#include "text/ngram_model.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"

namespace sluice {

namespace {

constexpr char kMagic[8] = {'S', 'L', 'N', 'G', 'R', 'M', '0', '1'};

// Weights shared by Hogwild threads: plain moves on x86, but defined behaviour.
float RelaxedLoad(const float& value) {
  return std::atomic_ref<float>(const_cast<float&>(value)).load(std::memory_order_relaxed);
}
void RelaxedStore(float& value, float x) { std::atomic_ref<float>(value).store(x, std::memory_order_relaxed); }

// Softmax in place over n logits.
void Softmax(float* values, int n) {
  float top = *std::max_element(values, values + n);
  float sum = 0;
  for (int i = 0; i < n; ++i) {
    values[i] = std::exp(values[i] - top);
    sum += values[i];
  }
  for (int i = 0; i < n; ++i) values[i] /= sum;
}

}  // namespace

void NgramModel::Predict(const int32_t* ids, size_t count, float* probabilities) const {
  std::vector<float> hidden(static_cast<size_t>(dim_), 0.0f);
  size_t used = 0;
  for (size_t k = 0; k < count; ++k) {
    if (ids[k] < 0 || static_cast<size_t>(ids[k]) >= features_) continue;
    const float* row = input_.data() + static_cast<size_t>(ids[k]) * dim_;
    for (int d = 0; d < dim_; ++d) hidden[d] += RelaxedLoad(row[d]);
    ++used;
  }
  if (used > 0) {
    for (auto& h : hidden) h /= static_cast<float>(used);
  }
  for (int c = 0; c < classes_; ++c) {
    const float* row = output_.data() + static_cast<size_t>(c) * dim_;
    float logit = 0;
    for (int d = 0; d < dim_; ++d) logit += RelaxedLoad(row[d]) * hidden[d];
    probabilities[c] = logit;
  }
  Softmax(probabilities, classes_);
}

void NgramModel::Predict(const TextExamples& docs, float* probabilities) const {
  for (size_t i = 0; i < docs.size(); ++i) Predict(docs.doc(i), docs.length(i), probabilities + i * static_cast<size_t>(classes_));
}

nlohmann::json NgramModel::Describe() const {
  return {{"learner", "ngram"}, {"dim", dim_}, {"num_features", features_}, {"classes", classes_}};
}

NgramModel NgramModel::Train(const TextExamples& examples, const NgramConfig& config,
                             const std::function<void(int, double)>& on_epoch, const TextRanks* ranks) {
  if (config.num_classes < 2) ThrowInputData("ngram: at least two classes are needed");
  if (ranks && ranks->size <= 1) ranks = nullptr;
  // Across ranks: this rank's weight in the average, and every rank's examples.
  const double all_examples = ranks ? ranks->Sum(static_cast<double>(examples.size())) : static_cast<double>(examples.size());
  const float share = all_examples > 0 ? static_cast<float>(static_cast<double>(examples.size()) / all_examples) : 0.0f;
  NgramModel model;
  model.features_ = config.num_features;
  model.classes_ = config.num_classes;
  model.dim_ = config.dim;
  model.input_.resize(model.features_ * static_cast<size_t>(model.dim_));
  model.output_.assign(static_cast<size_t>(model.classes_) * model.dim_, 0.0f);
  std::mt19937_64 init(config.seed);
  std::uniform_real_distribution<float> uniform(-1.0f / model.dim_, 1.0f / model.dim_);
  for (auto& w : model.input_) w = uniform(init);

  const size_t n = examples.size();
  // Reproducible unless the caller chose Hogwild's speed over it.
  const int threads = config.hogwild ? std::max(1, config.threads) : 1;
  // The learning rate decays with the share of all features seen, as
  // fastText's does with tokens: a long document moves it further.
  const uint64_t total_steps = std::max<uint64_t>(1, static_cast<uint64_t>(examples.ids.size()) * config.epochs);
  std::atomic<uint64_t> steps_done{0};
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    // Each epoch visits the examples in a fresh order (seeded: reproducible),
    // or, asked for, in input order as fastText reads its file.
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
    if (config.shuffle) {
      std::mt19937_64 shuffle(config.seed + static_cast<uint64_t>(epoch) * 7919);
      std::shuffle(order.begin(), order.end(), shuffle);
    }
    std::vector<double> losses(static_cast<size_t>(threads), 0.0);
    auto work = [&](int t) {
      std::vector<float> hidden(static_cast<size_t>(model.dim_)), grad(static_cast<size_t>(model.dim_));
      std::vector<float> scores(static_cast<size_t>(model.classes_));
      size_t begin = n * static_cast<size_t>(t) / threads, end = n * static_cast<size_t>(t + 1) / threads;
      for (size_t i = begin; i < end; ++i) {
        const uint32_t e = order[i];
        const int32_t* ids = examples.ids.data() + examples.offsets[e];
        const size_t count = examples.offsets[e + 1] - examples.offsets[e];
        const int32_t label = examples.labels[e];
        double progress = static_cast<double>(steps_done.fetch_add(count, std::memory_order_relaxed)) / total_steps;
        float lr = static_cast<float>(config.learning_rate * std::max(0.0, 1.0 - progress));
        if (count == 0) continue;
        std::fill(hidden.begin(), hidden.end(), 0.0f);
        for (size_t k = 0; k < count; ++k) {
          const float* row = model.input_.data() + static_cast<size_t>(ids[k]) * model.dim_;
          for (int d = 0; d < model.dim_; ++d) hidden[d] += RelaxedLoad(row[d]);
        }
        for (auto& h : hidden) h /= static_cast<float>(count);
        for (int c = 0; c < model.classes_; ++c) {
          const float* row = model.output_.data() + static_cast<size_t>(c) * model.dim_;
          float logit = 0;
          for (int d = 0; d < model.dim_; ++d) logit += RelaxedLoad(row[d]) * hidden[d];
          scores[c] = logit;
        }
        Softmax(scores.data(), model.classes_);
        losses[t] -= std::log(std::max(scores[label], 1e-10f));
        // The softmax loss's gradient: the output rows move toward the
        // example, the input rows by the back-propagated mean.
        std::fill(grad.begin(), grad.end(), 0.0f);
        for (int c = 0; c < model.classes_; ++c) {
          float alpha = lr * ((c == label ? 1.0f : 0.0f) - scores[c]);
          float* row = model.output_.data() + static_cast<size_t>(c) * model.dim_;
          for (int d = 0; d < model.dim_; ++d) {
            float w = RelaxedLoad(row[d]);
            grad[d] += alpha * w;
            RelaxedStore(row[d], w + alpha * hidden[d]);
          }
        }
        const float scale = 1.0f / static_cast<float>(count);
        for (size_t k = 0; k < count; ++k) {
          float* row = model.input_.data() + static_cast<size_t>(ids[k]) * model.dim_;
          for (int d = 0; d < model.dim_; ++d) RelaxedStore(row[d], RelaxedLoad(row[d]) + grad[d] * scale);
        }
      }
    };
    if (threads == 1) {
      work(0);
    } else {
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) workers.emplace_back(work, t);
      for (auto& worker : workers) worker.join();
    }
    double loss = 0;
    for (double l : losses) loss += l;
    if (ranks) {
      for (auto* weights : {&model.input_, &model.output_}) {
        for (auto& w : *weights) w *= share;
        ranks->sum_floats(weights->data(), weights->size());
      }
      loss = ranks->Sum(loss);
    }
    if (on_epoch) on_epoch(epoch, all_examples > 0 ? loss / all_examples : 0.0);
  }
  return model;
}

void NgramModel::Save(const std::string& path) const {
  uint64_t header[3] = {features_, static_cast<uint64_t>(classes_), static_cast<uint64_t>(dim_)};
  auto writer = AtomicFileWriter::Open(path);
  writer.Write(std::string_view(kMagic, sizeof kMagic));
  writer.Write(std::string_view(reinterpret_cast<const char*>(header), sizeof header));
  writer.Write(std::string_view(reinterpret_cast<const char*>(input_.data()), input_.size() * sizeof(float)));
  writer.Write(std::string_view(reinterpret_cast<const char*>(output_.data()), output_.size() * sizeof(float)));
  writer.Commit();
}

NgramModel NgramModel::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowInputData(path + ": cannot open the ngram model");
  char magic[8];
  uint64_t header[3];
  in.read(magic, sizeof magic);
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (!in || std::memcmp(magic, kMagic, sizeof magic) != 0) ThrowInputData(path + ": not a sluice ngram model");
  if (header[1] < 2 || header[1] > 100000 || header[2] == 0 || header[2] > 4096 || header[0] > (uint64_t{1} << 31)) {
    ThrowInputData(path + ": implausible ngram model header");
  }
  // The file must hold exactly what the header promises before anything is allocated.
  const uint64_t floats = (header[0] + header[1]) * header[2];
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  if (size != sizeof magic + sizeof header + floats * sizeof(float)) ThrowInputData(path + ": truncated ngram model");
  in.seekg(static_cast<std::streamoff>(sizeof magic + sizeof header));
  NgramModel model;
  model.features_ = header[0];
  model.classes_ = static_cast<int>(header[1]);
  model.dim_ = static_cast<int>(header[2]);
  model.input_.resize(model.features_ * model.dim_);
  model.output_.resize(static_cast<size_t>(model.classes_) * model.dim_);
  in.read(reinterpret_cast<char*>(model.input_.data()), static_cast<std::streamsize>(model.input_.size() * sizeof(float)));
  in.read(reinterpret_cast<char*>(model.output_.data()), static_cast<std::streamsize>(model.output_.size() * sizeof(float)));
  if (!in) ThrowInputData(path + ": truncated ngram model");
  return model;
}

}  // namespace sluice
