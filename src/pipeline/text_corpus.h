#pragma once
// The input of a text job, read once for every learner it trains: each
// usable row's file, line, split, tokens and label, in input order, with θ
// fitted on the train split (vocabulary, label map) and the row accounting.
// Rejected rows (unreadable, empty text, missing label, invalid UTF-8) are
// staged for the artifacts' rejects.csv; a valid / test label unseen in
// training is filtered and counted.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "data/schema.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_support.h"
#include "pipeline/text_params.h"
#include "prep/prep_plan.h"
#include "text/label_map.h"
#include "text/vocabulary.h"

namespace sluice {

// One usable row: where it came from, its split, tokens and label.
struct TextRow {
  uint32_t file;
  int64_t line;
  SplitPart split;
  std::vector<std::string> tokens;
  std::string label;
};

// The tokenized input every learner of the run trains on, with θ.
struct TextCorpus {
  std::vector<std::vector<TextRow>> parts;  // in input order
  Vocabulary vocabulary;
  LabelMap labels;
  RowCounts rows;  // the row accounting
  nlohmann::json data;  // uri, files, fingerprint
  Schema raw_schema;
  std::string rejects_staged;
  int64_t rows_rejected = 0;
  std::string first_reject;
  double read_seconds = 0;
};

// Reads, splits and tokenizes spec.source; `log` gets its progress lines.
TextCorpus ReadCorpus(const PipelineSpec& spec, const TextParams& params, ThreadPool& pool, StagedFiles& staged,
                      const std::function<void(const std::string&)>& log);

}  // namespace sluice
