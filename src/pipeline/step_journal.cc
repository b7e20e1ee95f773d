#include "pipeline/step_journal.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/content_hash.h"

namespace sluice {

namespace fs = std::filesystem;

StepJournal::StepJournal(std::string dir, const std::string& key, bool* cleared) : dir_(std::move(dir)), key_(key) {
  *cleared = false;
  const std::string path = dir_ + "/steps.json";
  if (fs::exists(path)) {
    nlohmann::json json = nlohmann::json::parse(ReadFileToString(path), nullptr, false);
    if (!json.is_discarded() && json.value("key", "") == key_ && json.contains("steps") && json["steps"].is_object()) {
      steps_ = json["steps"];
    } else {
      *cleared = true;
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) ThrowIo("cannot create " + dir_ + ": " + ec.message());
}

bool StepJournal::Finished(const std::string& step, std::string* why_not) const {
  if (!steps_.contains(step)) return false;
  for (const auto& [output, hash] : steps_[step]["outputs"].items()) {
    std::string now = fs::exists(PathOf(output)) ? ContentHash(PathOf(output)) : "";
    if (now != hash.get<std::string>()) {
      *why_not = PathOf(output) + (now.empty() ? " is gone" : " changed since it was written");
      return false;
    }
  }
  return true;
}

void StepJournal::Record(const std::string& step, const std::vector<std::string>& outputs) {
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& output : outputs) hashes[output] = ContentHash(PathOf(output));
  steps_[step] = {{"outputs", hashes}};
  Write();
}

void StepJournal::Reset(const std::string& step, const std::vector<std::string>& outputs) {
  if (steps_.erase(step) > 0) Write();
  std::error_code ec;
  for (const auto& output : outputs) fs::remove_all(PathOf(output), ec);
}

void StepJournal::Remove() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void StepJournal::Write() const {
  WriteFileAtomically(dir_ + "/steps.json", nlohmann::json{{"key", key_}, {"steps", steps_}}.dump(2) + "\n");
}

std::string StepJournal::ContentHash(const std::string& path) { return sluice::ContentHash(path); }

}  // namespace sluice
