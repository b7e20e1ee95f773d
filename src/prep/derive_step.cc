#include "prep/derive_step.h"

#include "common/error.h"

namespace sluice {

DeriveStep DeriveStep::Compile(const std::vector<std::pair<std::string, std::string>>& derive,
                               const Schema& schema) {
  DeriveStep step;
  step.definitions_ = derive;
  step.output_schema_ = schema;
  for (const auto& [name, text] : derive) {
    std::string where = "prep.derive." + name;
    if (step.output_schema_.Find(name)) ThrowUsage(where + ": a column named '" + name + "' already exists");
    std::shared_ptr<Expression> expression = Expression::Compile(text, step.output_schema_, where);
    step.output_schema_.Add({name, expression->type()});
    step.expressions_.push_back(std::move(expression));
  }
  return step;
}

void DeriveStep::Apply(RecordBatch& batch) const {
  size_t base = output_schema_.size() - expressions_.size();
  for (size_t i = 0; i < expressions_.size(); ++i) {
    auto result = expressions_[i]->Evaluate(batch);
    const Field& field = output_schema_.field(base + i);
    // A column reference borrows the batch's column: copy it before adding.
    batch.AddColumn(field, Column(*result));
  }
}

}  // namespace sluice
