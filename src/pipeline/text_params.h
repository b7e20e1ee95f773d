#pragma once
// The settings of a text job's learners, from train.params. A key applies
// to every learner of the run that has it (`epochs: 5`); prefixed with a
// learner's name it applies to that learner alone and wins
// (`bilstm.learning_rate: 0.002`). Tokenizer and vocabulary settings are
// shared: the text is tokenized once for all learners. An unknown key, a
// prefix naming a learner the run does not train, or a value out of range
// is a usage error naming the key.

#include <map>
#include <string>
#include <vector>

#include <memory>

#include "text/text_learner.h"
#include "text/tokenizer.h"

namespace sluice {

struct TextParams {
  // In the order train.learner lists them, each with its own settings set.
  std::vector<std::shared_ptr<TextLearner>> learners;
  TokenizerOptions tokenizer;
  int64_t min_count = 1;
  size_t max_vocabulary = 200000;

  std::vector<std::string> learner_names() const;
  // The learner named `name` (a usage error when the run does not train it).
  const TextLearner& learner(const std::string& name) const;
};

// `learner_list`: train.learner, one learner or several separated by commas.
TextParams ParseTextParams(const std::string& learner_list, const std::map<std::string, std::string>& params);

}  // namespace sluice
