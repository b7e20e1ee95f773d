// The BiLSTM network on LibTorch, built as the plugin libsluice_torch.so
// (text/bilstm_backend.h says why). Torch's headers are seen here alone.
// Failures are thrown as std::runtime_error; the caller names the file or
// step.

#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include "text/bilstm_backend.h"
#include "text/text_ranks.h"
#include "text/word_vectors.h"

namespace sluice {
namespace {

namespace rnn = torch::nn::utils::rnn;

struct Net : torch::nn::Module {
  explicit Net(const BiLstmConfig& c) : mean_pooling(c.mean_pooling) {
    embedding = register_module(
        "embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(static_cast<int64_t>(c.vocabulary_size), c.dim)
                                              .padding_idx(0)));
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(c.dim, c.hidden)
                                                       .num_layers(c.layers)
                                                       .dropout(c.layers > 1 ? c.dropout : 0.0)
                                                       .bidirectional(true)
                                                       .batch_first(true)));
    dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
    output = register_module("output", torch::nn::Linear(2 * c.hidden, c.num_classes));
  }

  // ids: [batch, time] int64, padded with 0; lengths: [batch] int64, all > 0.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& lengths) {
    const int64_t steps = ids.size(1);
    torch::Tensor x = dropout(embedding(ids));
    auto packed = rnn::pack_padded_sequence(x, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
    auto [states, unused] = rnn::pad_packed_sequence(std::get<0>(lstm->forward_with_packed_input(packed)),
                                                     /*batch_first=*/true, 0.0, steps);
    torch::Tensor mask = (torch::arange(steps).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2);
    torch::Tensor pooled =
        mean_pooling ? (states * mask).sum(1) / lengths.unsqueeze(1).to(torch::kFloat)
                     : states.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity()).amax(1);
    return output(dropout(pooled));
  }

  bool mean_pooling;
  torch::nn::Embedding embedding{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear output{nullptr};
};

// One mini-batch of documents as tensors.
struct Batch {
  torch::Tensor ids, lengths, labels;
  int64_t tokens = 0;
};

// The documents `rows` of `docs`, padded to the longest. An empty document
// reads as one padding token (a zero embedding).
Batch MakeBatch(const TextExamples& docs, const uint32_t* rows, size_t count) {
  size_t steps = 1;
  for (size_t i = 0; i < count; ++i) steps = std::max(steps, docs.length(rows[i]));
  Batch batch;
  batch.ids = torch::zeros({static_cast<int64_t>(count), static_cast<int64_t>(steps)}, torch::kLong);
  batch.lengths = torch::empty({static_cast<int64_t>(count)}, torch::kLong);
  batch.labels = torch::empty({static_cast<int64_t>(count)}, torch::kLong);
  int64_t* ids = batch.ids.data_ptr<int64_t>();
  int64_t* lengths = batch.lengths.data_ptr<int64_t>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  for (size_t i = 0; i < count; ++i) {
    const size_t n = docs.length(rows[i]);
    const int32_t* doc = docs.doc(rows[i]);
    for (size_t t = 0; t < n; ++t) ids[i * steps + t] = doc[t];
    lengths[i] = static_cast<int64_t>(std::max<size_t>(n, 1));
    labels[i] = docs.labels[rows[i]];
    batch.tokens += static_cast<int64_t>(n);
  }
  return batch;
}

// Batches of about equal length: a shuffled window of 50 batches' worth of
// documents is sorted by length and cut; the batches are then shuffled.
std::vector<std::vector<uint32_t>> BucketedBatches(const TextExamples& docs, size_t batch_size, std::mt19937_64& rng) {
  std::vector<uint32_t> order(docs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t window = batch_size * 50;
  std::vector<std::vector<uint32_t>> batches;
  for (size_t begin = 0; begin < order.size(); begin += window) {
    const auto first = order.begin() + static_cast<ptrdiff_t>(begin);
    const auto last = order.begin() + static_cast<ptrdiff_t>(std::min(order.size(), begin + window));
    std::stable_sort(first, last, [&](uint32_t a, uint32_t b) { return docs.length(a) < docs.length(b); });
    for (auto it = first; it < last; it += static_cast<ptrdiff_t>(std::min<size_t>(batch_size, last - it))) {
      batches.emplace_back(it, it + static_cast<ptrdiff_t>(std::min<size_t>(batch_size, last - it)));
    }
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

// Validation loss (summed cross-entropy) and correct predictions, in length order.
std::pair<double, double> EvaluateSums(Net& net, const TextExamples& docs) {
  torch::NoGradGuard no_grad;
  net.eval();
  std::vector<uint32_t> order(docs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return docs.length(a) < docs.length(b); });
  double loss = 0;
  int64_t correct = 0;
  for (size_t begin = 0; begin < order.size(); begin += 256) {
    const size_t count = std::min<size_t>(256, order.size() - begin);
    Batch batch = MakeBatch(docs, order.data() + begin, count);
    torch::Tensor logits = net.forward(batch.ids, batch.lengths);
    loss += torch::nn::functional::cross_entropy(
                logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
    correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
  }
  net.train();
  return {loss, static_cast<double>(correct)};
}

// Validation loss (mean cross-entropy) and accuracy: over this rank's
// documents, or summed over the ranks.
std::pair<double, double> Evaluate(Net& net, const TextExamples& docs, const TextRanks* ranks) {
  auto [loss, correct] = EvaluateSums(net, docs);
  double sums[3] = {loss, correct, static_cast<double>(docs.size())};
  if (ranks) ranks->sum_doubles(sums, 3);
  return {sums[0] / sums[2], sums[1] / sums[2]};
}

// Every parameter's values, one after another (the fused buffer the ranks sum).
std::vector<float> Flatten(const std::vector<torch::Tensor>& tensors) {
  size_t total = 0;
  for (const auto& t : tensors) total += static_cast<size_t>(t.numel());
  std::vector<float> flat;
  flat.reserve(total + 3);
  for (const auto& t : tensors) {
    const torch::Tensor c = t.detach().contiguous();
    flat.insert(flat.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  return flat;
}

void Unflatten(const float* flat, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    t.copy_(torch::from_blob(const_cast<float*>(flat), t.sizes(), torch::kFloat));
    flat += t.numel();
  }
}

// Rank 0's values on every rank: the others add zeros (exact in floating point).
void FromRankZero(std::vector<float>& values, const TextRanks& ranks) {
  if (ranks.rank != 0) std::fill(values.begin(), values.end(), 0.0f);
  ranks.sum_floats(values.data(), values.size());
}

// Torch's threads for the calling thread: `threads` for its own parallel
// loops (OpenMP), and one for OpenBLAS, whose own pool would otherwise
// compete with them for the same cores (measured: two threads of each on
// two cores trained 2.5x slower than OpenMP's two alone). OpenBLAS is looked
// up at run time, as the BLAS behind Torch is chosen by Debian's alternatives.
void SetTorchThreads(int threads) {
  using SetThreads = void (*)(int);
  static const SetThreads openblas_set_num_threads = [] {
    for (const char* library : {"libopenblas.so.0", "libblas.so.3"}) {
      if (void* handle = ::dlopen(library, RTLD_LAZY | RTLD_NOLOAD)) {
        if (void* symbol = ::dlsym(handle, "openblas_set_num_threads")) return reinterpret_cast<SetThreads>(symbol);
      }
    }
    return static_cast<SetThreads>(nullptr);
  }();
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  at::set_num_threads(std::max(1, threads));
}

// A Torch error's first line (its backtrace is for Torch's developers).
std::string FirstLine(const c10::Error& error) {
  std::string message = error.what_without_backtrace();
  return message.substr(0, message.find('\n'));
}

// Where a training is, besides its tensors: what a checkpoint records.
struct TrainingPosition {
  int epoch = 0;              // the epoch in progress
  int64_t next_batch = 0;     // its first batch not yet trained on
  int64_t steps = 0;          // mini-batches trained on in all
  double loss_sum = 0;        // the epoch's so far
  int64_t tokens = 0;         // the epoch's so far
  double best_loss = std::numeric_limits<double>::infinity();
  std::string shuffle_state;  // the shuffling stream when the epoch's batches were drawn
  std::vector<BiLstmEpoch> epochs_done;
};

torch::Tensor BytesTensor(const std::string& bytes) {
  return torch::from_blob(const_cast<char*>(bytes.data()), {static_cast<int64_t>(bytes.size())}, torch::kUInt8).clone();
}

std::string TensorBytes(const torch::Tensor& tensor) {
  torch::Tensor bytes = tensor.contiguous();
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(bytes.numel()));
}

std::string SaveTraining(Net& net, torch::optim::Adam& optimizer, const std::vector<torch::Tensor>& best,
                         const TrainingPosition& at) {
  torch::serialize::OutputArchive archive, net_archive, optimizer_archive;
  net.save(net_archive);
  archive.write("net", net_archive);
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("best_count", torch::tensor(static_cast<int64_t>(best.size())));
  for (size_t i = 0; i < best.size(); ++i) archive.write("best." + std::to_string(i), best[i]);
  archive.write("position", torch::tensor(std::vector<int64_t>{at.epoch, at.next_batch, at.steps, at.tokens}));
  archive.write("losses", torch::tensor(std::vector<double>{at.loss_sum, at.best_loss}, torch::kDouble));
  archive.write("shuffle_state", BytesTensor(at.shuffle_state));
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("torch_rng", generator.get_state());
  }
  std::vector<double> epochs;
  for (const auto& e : at.epochs_done) {
    epochs.insert(epochs.end(), {static_cast<double>(e.epoch), e.train_loss, e.valid_loss, e.valid_accuracy, e.seconds,
                                 static_cast<double>(e.tokens)});
  }
  archive.write("epochs", torch::tensor(epochs, torch::kDouble));
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

TrainingPosition LoadTraining(const std::string& blob, Net& net, torch::optim::Adam& optimizer,
                              std::vector<torch::Tensor>& best) {
  torch::serialize::InputArchive archive, net_archive, optimizer_archive;
  archive.load_from(blob.data(), blob.size());
  archive.read("net", net_archive);
  net.load(net_archive);
  archive.read("optimizer", optimizer_archive);
  optimizer.load(optimizer_archive);
  torch::Tensor count, position, losses, shuffle_state, torch_rng, epochs;
  archive.read("best_count", count);
  best.clear();
  for (int64_t i = 0; i < count.item<int64_t>(); ++i) {
    torch::Tensor tensor;
    archive.read("best." + std::to_string(i), tensor);
    best.push_back(tensor);
  }
  archive.read("position", position);
  archive.read("losses", losses);
  archive.read("shuffle_state", shuffle_state);
  archive.read("torch_rng", torch_rng);
  archive.read("epochs", epochs);
  TrainingPosition at;
  auto p = position.accessor<int64_t, 1>();
  at.epoch = static_cast<int>(p[0]);
  at.next_batch = p[1];
  at.steps = p[2];
  at.tokens = p[3];
  at.loss_sum = losses[0].item<double>();
  at.best_loss = losses[1].item<double>();
  at.shuffle_state = TensorBytes(shuffle_state);
  {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(torch_rng);
  }
  auto e = epochs.accessor<double, 1>();
  for (int64_t i = 0; i + 5 < epochs.numel(); i += 6) {
    BiLstmEpoch done;
    done.epoch = static_cast<int>(e[i]);
    done.train_loss = e[i + 1];
    done.valid_loss = e[i + 2];
    done.valid_accuracy = e[i + 3];
    done.seconds = e[i + 4];
    done.tokens = static_cast<int64_t>(e[i + 5]);
    at.epochs_done.push_back(done);
  }
  return at;
}

class TorchNetwork : public BiLstmNetwork {
 public:
  TorchNetwork(BiLstmConfig config, std::shared_ptr<Net> net) : config_(config), net_(std::move(net)) {}
  void Predict(const TextExamples& docs, float* probabilities) const override;
  std::string SaveToBytes() const override;
  int64_t parameters() const override {
    int64_t total = 0;
    for (const auto& p : net_->parameters()) total += p.numel();
    return total;
  }

 private:
  BiLstmConfig config_;
  std::shared_ptr<Net> net_;
};

// One epoch of data-parallel training (BiLstmModel::Train says how). The
// ranks take as many steps as the rank with the most batches; the fused
// buffer carries every trainable gradient, then the step's rows, its summed
// loss and whether a stop was asked, so one sum per step serves all.
// False when a stop was asked of any rank: all stop at the same step.
bool TrainEpochAcrossRanks(Net& net, torch::optim::Adam& optimizer, const std::vector<torch::Tensor>& trainable,
                           const TextExamples& train, const std::vector<std::vector<uint32_t>>& batches,
                           const BiLstmConfig& config, const TextRanks& ranks, const BiLstmCheckpoints* checkpoints,
                           const std::vector<torch::Tensor>& best, TrainingPosition& at) {
  std::vector<double> counts(static_cast<size_t>(ranks.size), 0.0);
  counts[static_cast<size_t>(ranks.rank)] = static_cast<double>(batches.size());
  ranks.sum_doubles(counts.data(), counts.size());
  const size_t steps = static_cast<size_t>(*std::max_element(counts.begin(), counts.end()));
  size_t gradients = 0;
  for (const auto& t : trainable) gradients += static_cast<size_t>(t.numel());
  std::vector<float> fused(gradients + 3);
  const int every = checkpoints ? checkpoints->every_steps : 0;
  // Every rank is at the same step of the epoch (they step together), so a
  // resumed epoch starts at the same index on all.
  for (size_t index = static_cast<size_t>(at.next_batch); index < steps; ++index) {
    optimizer.zero_grad();
    std::fill(fused.begin(), fused.end(), 0.0f);
    if (index < batches.size()) {
      const auto& rows = batches[index];
      Batch batch = MakeBatch(train, rows.data(), rows.size());
      torch::Tensor loss = torch::nn::functional::cross_entropy(
          net.forward(batch.ids, batch.lengths), batch.labels,
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
      loss.backward();
      size_t at_value = 0;
      for (const auto& t : trainable) {
        if (t.grad().defined()) {
          const torch::Tensor g = t.grad().contiguous();
          std::copy_n(g.data_ptr<float>(), g.numel(), fused.data() + at_value);
        }
        at_value += static_cast<size_t>(t.numel());
      }
      fused[gradients] = static_cast<float>(rows.size());
      fused[gradients + 1] = static_cast<float>(loss.item<double>());
      at.tokens += batch.tokens;
    }
    fused[gradients + 2] = checkpoints && checkpoints->stop_requested && checkpoints->stop_requested() ? 1.0f : 0.0f;
    ranks.sum_floats(fused.data(), fused.size());
    // A stop asked of any rank: every rank takes this step, keeps its state
    // after it in its own checkpoint, and all stop (a step computed but not
    // taken would draw dropout's random stream twice on resuming).
    const bool stop = fused[gradients + 2] > 0;
    const float rows = fused[gradients];
    at.loss_sum += fused[gradients + 1];
    ++at.steps;
    at.next_batch = static_cast<int64_t>(index + 1);
    if (rows > 0) {
      {
        torch::NoGradGuard no_grad;
        const float* at_value = fused.data();
        for (const auto& t : trainable) {
          // The global batch's mean gradient.
          torch::Tensor mean = torch::from_blob(const_cast<float*>(at_value), t.sizes(), torch::kFloat) / rows;
          if (t.grad().defined()) {
            t.mutable_grad().copy_(mean);
          } else {
            t.mutable_grad() = mean.clone();
          }
          at_value += t.numel();
        }
      }
      if (config.clip_norm > 0) torch::nn::utils::clip_grad_norm_(trainable, config.clip_norm);
      optimizer.step();
    }
    // Each rank's own checkpoint (its data position and shuffling stream are
    // its own); what a write says of a stop is the next step's fused flag's.
    if (every > 0 && (stop || at.steps % every == 0) && checkpoints->write) {
      checkpoints->write(at.steps, SaveTraining(net, optimizer, best, at));
    }
    if (stop) return false;
  }
  return true;
}

// The ranks must end with the same weights (they took the same steps from
// the same start); a rank that does not is a fault, not a model.
void CheckSameWeights(Net& net, const TextRanks& ranks) {
  const std::vector<float> mine = Flatten(net.parameters());
  std::vector<float> zero_s = mine;
  FromRankZero(zero_s, ranks);
  double differs = std::memcmp(mine.data(), zero_s.data(), mine.size() * sizeof(float)) != 0 ? 1.0 : 0.0;
  if (ranks.Sum(differs) > 0) throw std::runtime_error("the ranks' weights differ after training (a fault, not a model)");
}

class TorchBackendImpl : public BiLstmBackend {
 public:
  std::unique_ptr<BiLstmNetwork> Train(const TextExamples& train, const TextExamples& valid, const BiLstmConfig& config,
                                       const WordVectors* vectors, const std::function<void(const BiLstmEpoch&)>& on_epoch,
                                       const BiLstmCheckpoints* checkpoints, const TextRanks* ranks) const override;
  std::unique_ptr<BiLstmNetwork> Load(const std::string& path, const BiLstmConfig& config) const override;
};

std::unique_ptr<BiLstmNetwork> TorchBackendImpl::Train(const TextExamples& train, const TextExamples& valid,
                                                       const BiLstmConfig& config, const WordVectors* vectors,
                                                       const std::function<void(const BiLstmEpoch&)>& on_epoch,
                                                       const BiLstmCheckpoints* checkpoints,
                                                       const TextRanks* ranks) const {
  if (ranks && ranks->size <= 1) ranks = nullptr;
  SetTorchThreads(config.threads);
  torch::manual_seed(config.seed);
  auto net = std::make_shared<Net>(config);
  if (vectors) {
    torch::NoGradGuard no_grad;
    torch::Tensor weight = net->embedding->weight;
    float* rows = weight.data_ptr<float>();
    for (size_t id = 2; id < config.vocabulary_size; ++id) {
      if (vectors->found[id]) std::copy_n(vectors->rows.data() + id * config.dim, config.dim, rows + id * config.dim);
    }
    if (config.freeze_vectors) weight.set_requires_grad(false);
  }
  std::vector<torch::Tensor> trainable;
  for (auto& p : net->parameters()) {
    if (p.requires_grad()) trainable.push_back(p);
  }
  torch::optim::Adam optimizer(trainable, torch::optim::AdamOptions(config.learning_rate));
  std::mt19937_64 rng(config.seed);
  // Across ranks: rank 0's initial weights everywhere, and the documents
  // of every rank together for the epoch's mean loss.
  double train_documents = static_cast<double>(train.size());
  if (ranks) {
    std::vector<float> weights = Flatten(net->parameters());
    FromRankZero(weights, *ranks);
    Unflatten(weights.data(), net->parameters());
    train_documents = ranks->Sum(train_documents);
  }
  std::vector<torch::Tensor> best;
  TrainingPosition at;
  const int every = checkpoints ? checkpoints->every_steps : 0;
  if (checkpoints && !checkpoints->resume.empty()) {
    try {
      at = LoadTraining(checkpoints->resume, *net, optimizer, best);
    } catch (const c10::Error& error) {
      throw std::runtime_error("cannot resume from the checkpoint: " + FirstLine(error));
    }
    std::istringstream(at.shuffle_state) >> rng;
    for (const auto& done : at.epochs_done) {
      if (on_epoch) on_epoch(done);
    }
  }
  net->train();

  for (int epoch = at.epoch; epoch < config.epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    if (epoch != at.epoch || at.shuffle_state.empty()) {
      // A fresh epoch; a resumed one keeps what the checkpoint recorded.
      at.epoch = epoch;
      at.next_batch = 0;
      at.loss_sum = 0;
      at.tokens = 0;
      std::ostringstream state;
      state << rng;
      at.shuffle_state = state.str();
    }
    const auto batches = BucketedBatches(train, static_cast<size_t>(config.batch_size), rng);
    if (ranks) {
      if (!TrainEpochAcrossRanks(*net, optimizer, trainable, train, batches, config, *ranks, checkpoints, best, at)) {
        return nullptr;
      }
    }
    for (size_t index = static_cast<size_t>(at.next_batch); !ranks && index < batches.size(); ++index) {
      const auto& rows = batches[index];
      Batch batch = MakeBatch(train, rows.data(), rows.size());
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(batch.ids, batch.lengths), batch.labels);
      loss.backward();
      if (config.clip_norm > 0) torch::nn::utils::clip_grad_norm_(trainable, config.clip_norm);
      optimizer.step();
      at.loss_sum += loss.item<double>() * static_cast<double>(rows.size());
      at.tokens += batch.tokens;
      at.next_batch = static_cast<int64_t>(index + 1);
      ++at.steps;
      if (every > 0 && at.steps % every == 0 && checkpoints->write) {
        if (checkpoints->write(at.steps, SaveTraining(*net, optimizer, best, at))) return nullptr;
      } else if (checkpoints && checkpoints->stop_requested && checkpoints->stop_requested()) {
        // Every piece of the position is in the blob: resuming from any mini-batch is exact.
        if (every > 0 && checkpoints->write) checkpoints->write(at.steps, SaveTraining(*net, optimizer, best, at));
        return nullptr;
      }
    }
    BiLstmEpoch report;
    report.epoch = epoch;
    report.tokens = at.tokens;
    report.train_loss = at.loss_sum / train_documents;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.valid_loss = report.valid_accuracy = std::numeric_limits<double>::quiet_NaN();
    const double valid_documents = ranks ? ranks->Sum(static_cast<double>(valid.size())) : static_cast<double>(valid.size());
    if (valid_documents > 0) {
      std::tie(report.valid_loss, report.valid_accuracy) = Evaluate(*net, valid, ranks);
      if (report.valid_loss < at.best_loss) {
        at.best_loss = report.valid_loss;
        best.clear();
        for (const auto& p : net->parameters()) best.push_back(p.detach().clone());
      }
    }
    if (!std::isfinite(report.train_loss)) throw std::runtime_error("the training loss diverged (try a lower learning_rate)");
    at.epochs_done.push_back(report);
    at.shuffle_state.clear();
    if (on_epoch) on_epoch(report);
  }
  if (!best.empty()) {
    torch::NoGradGuard no_grad;
    auto parameters = net->parameters();
    for (size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best[i]);
  }
  net->eval();
  if (ranks) CheckSameWeights(*net, *ranks);
  return std::make_unique<TorchNetwork>(config, std::move(net));
}

void TorchNetwork::Predict(const TextExamples& docs, float* probabilities) const {
  // Inference runs on the caller's thread alone: servers and transforms
  // score many requests or batches at once, each on a thread of its own.
  static thread_local const bool single_threaded = [] {
    SetTorchThreads(1);
    return true;
  }();
  (void)single_threaded;
  c10::InferenceMode inference;
  std::vector<uint32_t> rows(docs.size());
  std::iota(rows.begin(), rows.end(), 0u);
  const size_t classes = static_cast<size_t>(config_.num_classes);
  for (size_t begin = 0; begin < rows.size(); begin += 256) {
    const size_t count = std::min<size_t>(256, rows.size() - begin);
    Batch batch = MakeBatch(docs, rows.data() + begin, count);
    torch::Tensor p = torch::softmax(net_->forward(batch.ids, batch.lengths), 1).contiguous();
    std::copy_n(p.data_ptr<float>(), count * classes, probabilities + begin * classes);
  }
}

std::string TorchNetwork::SaveToBytes() const {
  try {
    torch::serialize::OutputArchive archive;
    net_->save(archive);
    std::ostringstream out;
    archive.save_to(out);
    return out.str();
  } catch (const c10::Error& error) {
    throw std::runtime_error(FirstLine(error));
  }
}

std::unique_ptr<BiLstmNetwork> TorchBackendImpl::Load(const std::string& path, const BiLstmConfig& config) const {
  auto net = std::make_shared<Net>(config);
  // Loading replaces tensors whole, shapes included: the file must match the
  // shape the manifest promises, or predictions would index out of range.
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : net->parameters()) shapes.push_back(p.sizes().vec());
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    net->load(archive);
  } catch (const c10::Error& error) {
    throw std::runtime_error(FirstLine(error));
  }
  auto loaded = net->parameters();
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].sizes().vec() != shapes[i] || loaded[i].scalar_type() != torch::kFloat) {
      throw std::runtime_error("the weights do not have the shape the manifest gives");
    }
  }
  net->eval();
  return std::make_unique<TorchNetwork>(config, std::move(net));
}

}  // namespace
}  // namespace sluice

extern "C" __attribute__((visibility("default"))) const sluice::BiLstmBackend* sluice_bilstm_backend() {
  static const sluice::TorchBackendImpl backend;
  return &backend;
}
