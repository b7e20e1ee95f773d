#include "serve/model_registry.h"

#include <algorithm>

#include "common/error.h"

namespace sluice {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool ModelRegistry::ValidName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::shared_ptr<const ServedModel> ModelRegistry::Load(const std::string& name, const std::string& dir,
                                                       ModelMetrics* metrics, bool cold) const {
  auto start = std::chrono::steady_clock::now();
  auto model = std::make_shared<ServedModel>();
  model->name = name;
  model->dir = dir;
  model->artifact = ScoringArtifact::Load(dir);
  if (model->artifact->encoded_features() > 0) {
    model->batcher = std::make_unique<RequestBatcher>(*model->artifact, options_.batch_window, options_.max_batch_rows,
                                                      metrics);
  }
  metrics->Loaded(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), cold);
  return model;
}

std::shared_ptr<ModelRegistry::Slot> ModelRegistry::Find(const std::string& name) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = slots_.find(name);
  return it == slots_.end() ? nullptr : it->second;
}

void ModelRegistry::Add(const std::string& name, const std::string& dir) {
  if (!ValidName(name)) {
    ThrowUsage("model name '" + name + "': use letters, digits, '.', '_' and '-' only");
  }
  std::shared_ptr<ModelMetrics> metrics;
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    if (slots_.count(name)) throw ModelNameTaken("model name '" + name + "' is already in use");
    auto& kept = metrics_[name];
    if (!kept) kept = std::make_shared<ModelMetrics>();
    metrics = kept;
  }
  auto slot = std::make_shared<Slot>();
  slot->dir = dir;
  slot->metrics = metrics;
  slot->current = Load(name, dir, metrics.get(), false);
  slot->last_used_ms = NowMs();
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!slots_.emplace(name, slot).second) throw ModelNameTaken("model name '" + name + "' is already in use");
  order_.push_back(name);
  if (default_name_.empty()) default_name_ = name;
}

bool ModelRegistry::Remove(const std::string& name) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!slots_.erase(name)) return false;
  order_.erase(std::remove(order_.begin(), order_.end(), name), order_.end());
  return true;
}

bool ModelRegistry::Reload(const std::string& name) {
  auto slot = Find(name);
  if (!slot) return false;
  // Load outside the slot's lock: requests keep being served by the old one.
  auto fresh = Load(name, slot->dir, slot->metrics.get(), false);
  std::lock_guard<std::mutex> lock(slot->mutex);
  slot->current = std::move(fresh);
  slot->last_used_ms = NowMs();
  return true;
}

std::vector<std::string> ModelRegistry::ReloadAll() {
  std::vector<std::string> names;
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    names = order_;
  }
  std::vector<std::string> failures;
  for (const auto& name : names) {
    try {
      Reload(name);
    } catch (const std::exception& error) {
      failures.push_back(name + ": " + error.what());
    }
  }
  return failures;
}

void ModelRegistry::UnloadIdle() {
  if (options_.idle_unload.count() <= 0) return;
  std::vector<std::shared_ptr<Slot>> slots;
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    for (const auto& [name, slot] : slots_) slots.push_back(slot);
  }
  const int64_t now = NowMs();
  for (auto& slot : slots) {
    std::lock_guard<std::mutex> lock(slot->mutex);
    if (slot->current && now - slot->last_used_ms.load() > options_.idle_unload.count()) slot->current.reset();
  }
}

std::shared_ptr<const ServedModel> ModelRegistry::Acquire(const std::string& name) {
  auto slot = Find(name);
  if (!slot) return nullptr;
  std::lock_guard<std::mutex> lock(slot->mutex);
  slot->last_used_ms = NowMs();
  if (!slot->current) slot->current = Load(name, slot->dir, slot->metrics.get(), true);  // a cold start
  return slot->current;
}

ModelMetrics* ModelRegistry::Metrics(const std::string& name) {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : it->second.get();
}

std::string ModelRegistry::default_name() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return default_name_;
}

bool ModelRegistry::IsWarm(const std::string& name) const {
  auto slot = Find(name);
  if (!slot) return false;
  std::lock_guard<std::mutex> lock(slot->mutex);
  return slot->current != nullptr;
}

size_t ModelRegistry::size() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return slots_.size();
}

nlohmann::json ModelRegistry::List() const {
  std::vector<std::pair<std::string, std::shared_ptr<Slot>>> slots;
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    for (const auto& name : order_) slots.emplace_back(name, slots_.at(name));
  }
  nlohmann::json out = nlohmann::json::array();
  const int64_t now = NowMs();
  for (const auto& [name, slot] : slots) {
    std::lock_guard<std::mutex> lock(slot->mutex);
    nlohmann::json entry = {{"name", name}, {"path", slot->dir}, {"loaded", slot->current != nullptr},
                            {"idle_seconds", (now - slot->last_used_ms.load()) / 1000.0}};
    if (slot->current) {
      entry["model"] = slot->current->manifest().value("name", "");
      entry["kind"] = slot->current->artifact->kind();
    }
    out.push_back(entry);
  }
  return out;
}

std::vector<std::pair<std::string, const ModelMetrics*>> ModelRegistry::AllMetrics() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::pair<std::string, const ModelMetrics*>> out;
  for (const auto& [name, metrics] : metrics_) out.emplace_back(name, metrics.get());
  return out;
}

}  // namespace sluice
