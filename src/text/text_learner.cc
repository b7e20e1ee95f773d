#include "text/text_learner.h"

#include <map>

#include "common/error.h"

namespace sluice {

// Built-in text learners, each defined in its own file; listed here rather
// than self-registered from static initializers, which a static library's
// linker would drop.
std::unique_ptr<TextLearner> MakeNgramLearner();
std::unique_ptr<TextLearner> MakeBiLstmLearner();

namespace {

const std::map<std::string, std::unique_ptr<TextLearner> (*)()>& Registry() {
  static const std::map<std::string, std::unique_ptr<TextLearner> (*)()> registry = {
      {"ngram", MakeNgramLearner},
      {"bilstm", MakeBiLstmLearner},
  };
  return registry;
}

}  // namespace

bool IsTextLearner(const std::string& name) { return Registry().count(name) > 0; }

std::vector<std::string> TextLearnerNames() {
  std::vector<std::string> names;
  for (const auto& [name, make] : Registry()) names.push_back(name);
  return names;
}

std::unique_ptr<TextLearner> MakeTextLearner(const std::string& name) {
  auto found = Registry().find(name);
  if (found == Registry().end()) {
    std::string known;
    for (const auto& known_name : TextLearnerNames()) known += (known.empty() ? "" : ", ") + known_name;
    ThrowUsage("train.learner: unknown text learner '" + name + "' (known: " + known + ")");
  }
  return found->second();
}

}  // namespace sluice
