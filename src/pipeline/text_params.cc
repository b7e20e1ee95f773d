#include "pipeline/text_params.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "common/error.h"
#include "common/format.h"

namespace sluice {

namespace {

double Number(const std::string& key, const std::string& text, double low, double high) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value >= low && value <= high)) {
    ThrowUsage("train.params." + key + ": '" + text + "' is not a number in [" + FormatDouble(low) + ", " +
               FormatDouble(high) + "]");
  }
  return value;
}

bool Flag(const std::string& key, const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  ThrowUsage("train.params." + key + ": expected true or false, got '" + text + "'");
}

// Setters by key; each returns false when the key is not its learner's.
using Setter = std::function<bool(TextParams&, const std::string& key, const std::string& name, const std::string& value)>;

bool SetShared(TextParams& out, const std::string& key, const std::string& name, const std::string& value) {
  if (name == "min_count") {
    out.min_count = static_cast<int64_t>(Number(key, value, 1, 1e9));
  } else if (name == "max_vocabulary") {
    out.max_vocabulary = static_cast<size_t>(Number(key, value, 1, 1e8));
  } else if (name == "max_tokens") {
    out.tokenizer.max_tokens = static_cast<size_t>(Number(key, value, 0, 1e6));
  } else if (name == "lowercase") {
    out.tokenizer.lowercase = Flag(key, value);
  } else if (name == "strip_html") {
    out.tokenizer.strip_html = Flag(key, value);
  } else if (name == "strip_urls") {
    out.tokenizer.strip_urls = Flag(key, value);
  } else {
    return false;
  }
  return true;
}

bool SetNgram(TextParams& out, const std::string& key, const std::string& name, const std::string& value) {
  if (name == "dim") {
    out.ngram.dim = static_cast<int>(Number(key, value, 1, 1024));
  } else if (name == "epochs") {
    out.ngram.epochs = static_cast<int>(Number(key, value, 1, 10000));
  } else if (name == "learning_rate") {
    out.ngram.learning_rate = Number(key, value, 1e-6, 100);
  } else if (name == "buckets") {
    out.buckets = static_cast<uint32_t>(Number(key, value, 0, 1 << 26));
  } else if (name == "shuffle") {
    out.ngram.shuffle = Flag(key, value);
  } else if (name == "hogwild") {
    out.ngram.hogwild = Flag(key, value);
  } else {
    return false;
  }
  return true;
}

bool SetBiLstm(TextParams& out, const std::string& key, const std::string& name, const std::string& value) {
  BiLstmConfig& c = out.bilstm;
  if (name == "dim") {
    c.dim = static_cast<int>(Number(key, value, 1, 4096));
  } else if (name == "epochs") {
    c.epochs = static_cast<int>(Number(key, value, 1, 10000));
  } else if (name == "learning_rate") {
    c.learning_rate = Number(key, value, 1e-7, 10);
  } else if (name == "hidden") {
    c.hidden = static_cast<int>(Number(key, value, 1, 8192));
  } else if (name == "layers") {
    c.layers = static_cast<int>(Number(key, value, 1, 16));
  } else if (name == "dropout") {
    c.dropout = Number(key, value, 0, 0.95);
  } else if (name == "pooling") {
    if (value != "max" && value != "mean") ThrowUsage("train.params." + key + ": expected max or mean, got '" + value + "'");
    c.mean_pooling = value == "mean";
  } else if (name == "batch_size") {
    c.batch_size = static_cast<int>(Number(key, value, 1, 65536));
  } else if (name == "clip_norm") {
    c.clip_norm = Number(key, value, 0, 1e6);
  } else if (name == "vectors") {
    if (value.empty()) ThrowUsage("train.params." + key + ": an empty path");
    out.vectors = value;
  } else if (name == "freeze_vectors") {
    c.freeze_vectors = Flag(key, value);
  } else {
    return false;
  }
  return true;
}

const std::map<std::string, std::pair<Setter, const char*>>& Learners() {
  static const std::map<std::string, std::pair<Setter, const char*>> learners = {
      {"ngram", {SetNgram, "dim, epochs, learning_rate, buckets, shuffle, hogwild"}},
      {"bilstm",
       {SetBiLstm,
        "dim, epochs, learning_rate, hidden, layers, dropout, pooling, batch_size, clip_norm, vectors, freeze_vectors"}},
  };
  return learners;
}

constexpr const char* kSharedKeys = "min_count, max_vocabulary, max_tokens, lowercase, strip_html, strip_urls";

}  // namespace

TextParams ParseTextParams(const std::string& learner_list, const std::map<std::string, std::string>& params) {
  TextParams out;
  size_t start = 0;
  while (start <= learner_list.size()) {
    size_t comma = std::min(learner_list.find(',', start), learner_list.size());
    std::string name = learner_list.substr(start, comma - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!Learners().count(name)) {
      ThrowUsage("train.learner: '" + name + "' cannot train on text (ngram, bilstm, or both: \"ngram, bilstm\")");
    }
    if (std::find(out.learners.begin(), out.learners.end(), name) != out.learners.end()) {
      ThrowUsage("train.learner: '" + name + "' is listed twice");
    }
    out.learners.push_back(name);
    start = comma + 1;
  }
  std::string allowed = kSharedKeys;
  for (const auto& learner : out.learners) allowed += "; " + learner + ": " + Learners().at(learner).second;

  // Unprefixed keys first, so that a learner's own key wins whatever the order.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [key, value] : params) {
      const size_t dot = key.find('.');
      if ((dot != std::string::npos) != (pass == 1)) continue;
      if (dot == std::string::npos) {
        bool known = SetShared(out, key, key, value);
        for (const auto& learner : out.learners) known |= Learners().at(learner).first(out, key, key, value);
        if (!known) ThrowUsage("train.params." + key + ": not a setting of the text job (" + allowed + ")");
        continue;
      }
      const std::string learner = key.substr(0, dot), name = key.substr(dot + 1);
      if (!Learners().count(learner)) {
        ThrowUsage("train.params." + key + ": '" + learner + "' is not a text learner (ngram, bilstm)");
      }
      TextParams scratch;
      if (SetShared(scratch, key, name, value)) {
        ThrowUsage("train.params." + key + ": tokenizer and vocabulary settings are shared by every learner; write " + name);
      }
      // Settings of a learner this run does not train are checked, then left
      // unused: one file can keep both learners' settings.
      const bool trained = std::find(out.learners.begin(), out.learners.end(), learner) != out.learners.end();
      if (!Learners().at(learner).first(trained ? out : scratch, key, name, value)) {
        ThrowUsage("train.params." + key + ": not a setting of the " + learner + " learner (" +
                   Learners().at(learner).second + ")");
      }
    }
  }
  return out;
}

}  // namespace sluice
