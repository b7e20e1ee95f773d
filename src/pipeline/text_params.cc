#include "pipeline/text_params.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "common/error.h"
#include "common/format.h"
#include "text/param_value.h"

namespace sluice {

namespace {

bool SetShared(TextParams& out, const std::string& key, const std::string& name, const std::string& value) {
  if (name == "min_count") {
    out.min_count = static_cast<int64_t>(ParamNumber(key, value, 1, 1e9));
  } else if (name == "max_vocabulary") {
    out.max_vocabulary = static_cast<size_t>(ParamNumber(key, value, 1, 1e8));
  } else if (name == "max_tokens") {
    out.tokenizer.max_tokens = static_cast<size_t>(ParamNumber(key, value, 0, 1e6));
  } else if (name == "lowercase") {
    out.tokenizer.lowercase = ParamFlag(key, value);
  } else if (name == "strip_html") {
    out.tokenizer.strip_html = ParamFlag(key, value);
  } else if (name == "strip_urls") {
    out.tokenizer.strip_urls = ParamFlag(key, value);
  } else {
    return false;
  }
  return true;
}

constexpr const char* kSharedKeys = "min_count, max_vocabulary, max_tokens, lowercase, strip_html, strip_urls";

}  // namespace

std::vector<std::string> TextParams::learner_names() const {
  std::vector<std::string> names;
  for (const auto& learner : learners) names.push_back(learner->name());
  return names;
}

const TextLearner& TextParams::learner(const std::string& name) const {
  for (const auto& learner : learners) {
    if (name == learner->name()) return *learner;
  }
  ThrowUsage("train.learner: the run does not train '" + name + "'");
}

TextParams ParseTextParams(const std::string& learner_list, const std::map<std::string, std::string>& params) {
  TextParams out;
  std::string known;
  for (const auto& name : TextLearnerNames()) known += (known.empty() ? "" : ", ") + name;
  size_t start = 0;
  while (start <= learner_list.size()) {
    size_t comma = std::min(learner_list.find(',', start), learner_list.size());
    std::string name = learner_list.substr(start, comma - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!IsTextLearner(name)) {
      ThrowUsage("train.learner: '" + name + "' cannot train on text (" + known + ", or several: \"ngram, bilstm\")");
    }
    for (const auto& learner : out.learners) {
      if (name == learner->name()) ThrowUsage("train.learner: '" + name + "' is listed twice");
    }
    out.learners.push_back(MakeTextLearner(name));
    start = comma + 1;
  }
  std::string allowed = kSharedKeys;
  for (const auto& learner : out.learners) allowed += std::string("; ") + learner->name() + ": " + learner->param_names();

  // Unprefixed keys first, so that a learner's own key wins whatever the order.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [key, value] : params) {
      const size_t dot = key.find('.');
      if ((dot != std::string::npos) != (pass == 1)) continue;
      if (dot == std::string::npos) {
        bool known_key = SetShared(out, key, key, value);
        for (const auto& learner : out.learners) known_key |= learner->SetParam(key, key, value);
        if (!known_key) ThrowUsage("train.params." + key + ": not a setting of the text job (" + allowed + ")");
        continue;
      }
      const std::string learner_name = key.substr(0, dot), name = key.substr(dot + 1);
      if (!IsTextLearner(learner_name)) {
        ThrowUsage("train.params." + key + ": '" + learner_name + "' is not a text learner (" + known + ")");
      }
      TextParams scratch;
      if (SetShared(scratch, key, name, value)) {
        ThrowUsage("train.params." + key + ": tokenizer and vocabulary settings are shared by every learner; write " + name);
      }
      // Settings of a learner this run does not train are checked, then left
      // unused: one file can keep both learners' settings.
      std::shared_ptr<TextLearner> target;
      for (const auto& learner : out.learners) {
        if (learner_name == learner->name()) target = learner;
      }
      if (!target) target = MakeTextLearner(learner_name);
      if (!target->SetParam(key, name, value)) {
        ThrowUsage("train.params." + key + ": not a setting of the " + learner_name + " learner (" +
                   target->param_names() + ")");
      }
    }
  }
  return out;
}

}  // namespace sluice
