#pragma once
// Derived columns: expressions evaluated in order, each appended to the batch
// so that later ones (and the filter) can use earlier ones. The same object
// runs at training and, rebuilt from the artifact, at serving.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/expression.h"
#include "data/record_batch.h"

namespace sluice {

class DeriveStep {
 public:
  // Compiles each (name, expression) against `schema` plus the columns
  // derived before it. Throws a usage error naming prep.derive.NAME.
  static DeriveStep Compile(const std::vector<std::pair<std::string, std::string>>& derive,
                            const Schema& schema);

  // Appends the derived columns to `batch`, whose schema must be the one compiled against.
  void Apply(RecordBatch& batch) const;
  const Schema& output_schema() const { return output_schema_; }
  const std::vector<std::pair<std::string, std::string>>& definitions() const { return definitions_; }

 private:
  std::vector<std::pair<std::string, std::string>> definitions_;
  std::vector<std::shared_ptr<Expression>> expressions_;
  Schema output_schema_;
};

}  // namespace sluice
