#include "pipeline/pipeline_keys.h"

#include <algorithm>
#include <sstream>

namespace sluice {

const std::vector<PipelineKey>& PipelineKeys() {
  static const std::vector<PipelineKey> keys = {
      {"name", "string", "the file's name", "A name for the pipeline, shown in the summary."},
      {"seed", "integer", "42", "Seed for the split and the learner; the same seed, data and thread count give the same model."},
      {"threads", "integer", "0", "Worker threads for reading, prep and training; 0 uses every core."},
      {"output", "path", "required", "The artifact directory to write (replaced atomically at the end of the run); it must be absent, empty or a model directory sluice wrote, else the run is refused before it starts. Or s3://bucket/prefix: written locally, uploaded when the run succeeded (docs/connectors.md)."},
      {"rejects", "path", "<output>/rejects.csv", "Where rejected input rows go, with file, line and reason."},
      {"registry", "bool", "true", "Whether a successful run registers its artifact as a new version in the model registry (.sluice/runs.db, a copy under .sluice/models/)."},
      {"checks", "list", "none", "Data checks run on the source's rows before prep: completeness, range, allowed, unique, pattern, row_count, expression, each with name, severity (error or warn) and max_failing (docs/pipeline.md, Data checks). A failed error check ends the run before training (exit 3)."},
      {"source.uri", "uri", "required", "The input: a file, a directory of files (a Parquet dataset, Hive-style key=value folders included) or a glob; a path or file:// URI, or s3://bucket/key, s3://bucket/prefix/ or an s3:// glob. CSV (optionally gzip), JSON Lines or Parquet. Or a database: postgres://user@host:port/db with source.query or source.table (docs/connectors.md). Not needed with train.prepared."},
      {"source.format", "string", "auto", "csv, tsv, jsonl, parquet, or auto (by extension)."},
      {"source.query", "string", "none", "With a postgres:// or postgresql:// source.uri (PostgreSQL or Redshift): the SELECT whose rows are the input. Only the columns the pipeline reads are fetched (docs/connectors.md)."},
      {"source.table", "string", "none", "With a postgres:// source.uri: a table or view to read whole, NAME or SCHEMA.NAME (or ?table=NAME in the uri); instead of source.query."},
      {"source.endpoint", "url", "none", "The S3-compatible endpoint (http://HOST:PORT or https://...) of every s3:// URI the pipeline names, ahead of AWS_ENDPOINT_URL and the profile's endpoint_url (docs/connectors.md)."},
      {"source.partition_by", "string", "none", "With a postgres:// source.uri: a numeric, date or timestamp column split at its quantiles into source.partitions ranges of about equal row counts, read on connections of their own (by the threads, and across MPI ranks by the ranks) in one shared snapshot (docs/connectors.md). Rows are numbered range by range, so the split differs from an unpartitioned read's but repeats exactly. Needed to read a database across MPI ranks."},
      {"source.partitions", "integer", "ranks x threads", "With source.partition_by: how many ranges (1 to 4096; or ?partitions=N in the uri). Each range is one query on the server, a full scan of the table unless the column is indexed. Row numbers, so the train/valid/test split, depend on it and on nothing else: set it to get the same split whatever the threads and ranks that read."},
      {"source.delimiter", "string", ",", "CSV field delimiter (one character)."},
      {"source.quote", "string", "\" (none for .tsv)", "The character that quotes CSV fields, or none. Tab-separated files have no quoting unless this is set."},
      {"source.header", "bool", "true", "Whether the first CSV record names the columns (else column_1, column_2...)."},
      {"source.max_reject_rate", "number", "0.01", "The largest share of rows (blank lines left out) that may be rejected: past it the run fails with exit 3, the count and the first reasons, before training. 1 accepts any share, 0 none."},
      {"source.max_line_bytes", "integer", "67108864 (64 MiB)", "The longest CSV record or JSON line read; a longer one is a rejected row (skipped to the next newline), so one endless line cannot exhaust memory. A header longer than this is an error."},
      {"source.null_values", "list of strings", "\"\", NULL, null, NA, N/A, NaN, nan", "Unquoted field values read as null in non-string columns."},
      {"source.schema.<column>", "type", "inferred", "Overrides the inferred type of a column: bool, int64, float64, string, timestamp, categorical. Or a map of the two keys below."},
      {"source.schema.<column>.type", "type", "inferred", "The column's type, as above."},
      {"source.schema.<column>.format", "string", "none", "How a timestamp column's text is read: epoch_s, epoch_ms, epoch_us, or a pattern such as \"%d/%m/%Y %H:%M\" (docs/pipeline.md, Types). Kept in the artifact: serving reads the same way."},
      {"prep.filter", "expression", "none", "Keep only rows where this condition is true (it may use derived columns). Rows it drops are counted as filtered."},
      {"prep.derive.<name>", "expression", "none", "A derived column computed from input columns (and earlier derived ones), in file order."},
      {"prep.impute.<column>", "string", "none", "Shorthand for prep.impute.<column>.strategy."},
      {"prep.impute.<column>.strategy", "string", "none", "What a null becomes: none (left missing for the learner), drop (row filtered at training), mean, median, constant."},
      {"prep.impute.<column>.value", "number", "0", "The value for strategy constant."},
      {"prep.onehot", "list of columns", "none", "Columns to one-hot encode with the default cap (shorthand)."},
      {"prep.onehot.<column>", "map", "none", "A column to one-hot encode: one feature per category seen in the train split."},
      {"prep.onehot.<column>.max_categories", "integer", "32", "The most frequent categories kept; the rest seen in training share an \"other\" feature; unseen ones encode as all zeros."},
      {"prep.standardize", "list of columns", "none", "Numeric columns scaled to zero mean and unit variance (fitted on the train split)."},
      {"prep.features", "list of columns", "every numeric or one-hot column but the target", "The model's input columns, in order."},
      {"split.train", "number", "0.8", "Fraction of rows in the train split."},
      {"split.valid", "number", "0.1", "Fraction of rows in the validation split (early stopping, per-round metric)."},
      {"split.test", "number", "0.1", "Fraction of rows in the test split (final metrics)."},
      {"split.seed", "integer", "seed", "Seed of the split; a row's split depends only on it, its file and its line."},
      {"train.learner", "string or list", "xgboost (ngram with train.text)", "The learner: xgboost for tables; for text ngram (fastText-style), bilstm (LibTorch), or both (\"ngram, bilstm\" or a list: each trained on the same tokens, each model in OUTPUT/LEARNER, compared in the summary)."},
      {"train.text", "column", "none", "A text job: the column holding the text (train.target holds its label, strings or integers). No prep section is needed. Settings in train.params, shared: min_count (1), max_vocabulary (200000), max_tokens (256), lowercase, strip_html, strip_urls (true). ngram: dim (64), epochs (10), learning_rate (0.5), buckets (200000 hashed word pairs), shuffle (true: a fresh example order each epoch; false: input order, as fastText reads its file), hogwild (false: one thread, the same model every run; true: every thread updates the weights without locks, as fastText does: faster, but runs differ). bilstm: dim (100), hidden (128), layers (1), dropout (0.3), pooling (max or mean), epochs (5), batch_size (32), learning_rate (0.002, Adam), clip_norm (5; 0 none), vectors (a word2vec / GloVe text file, gzip allowed), freeze_vectors (false)."},
      {"train.params.<learner>.<name>", "string", "none", "A text learner's own setting (e.g. bilstm.learning_rate), winning over the unprefixed key; also written as a map under the learner's name."},
      {"train.prepared", "path", "none", "Train from a `sluice prep` output directory (its Parquet train/valid/test datasets and θ) instead of reading source and running prep; source, prep and split keys are then not used."},
      {"train.target", "column", "required", "The label column (numeric; 0/1 for binary classification; any type for multi:softprob, docs/pipeline.md Classification)."},
      {"train.rounds", "integer", "100", "Boosting rounds (the most, with early stopping)."},
      {"train.checkpoint_every", "integer", "0", "Write a checkpoint every N boosting rounds (xgboost) or N mini-batches (bilstm: weights, Adam's state, data position, random streams) into OUTPUT.checkpoints/ (0: none). A run killed at any moment (SIGKILL too) and started again with the same command resumes from the newest checkpoint whose data, parameters and thread count match, and trains the model an uninterrupted run gives, bit for bit (bilstm: with one thread); SIGTERM / SIGINT write one and exit 130. A tabular run's finished steps (prep, train) are also recorded in OUTPUT.run/ with content hashes and skipped on a restart. Both directories are removed when the run ends well. The ngram learner does not checkpoint."},
      {"train.checkpoint_keep", "integer", "2", "How many of the newest checkpoints to keep."},
      {"train.early_stopping_rounds", "integer", "0", "Stop when the validation metric has not improved for this many rounds (0: off); the model keeps the best round."},
      {"train.params.<name>", "string", "XGBoost's", "Any XGBoost parameter (max_depth, eta, objective, eval_metric, subsample...); an unknown name is an error. tree_method is hist."},
      {"tune.space", "map", "none", "A search instead of one training (`sluice run` or `sluice tune`): pipeline key -> {type: int|float, low, high, log: true|false, grid: [...]} or {type: categorical, values: [...]} (a plain list is categorical too). Keys: train.params.<name>, train.rounds, train.early_stopping_rounds, prep.* (e.g. prep.impute.fare.strategy: [mean, median]). Each trial trains with its values set; the best trial's model (by the validation metric) becomes the artifact, with every trial in trials.jsonl."},
      {"tune.strategy", "string", "bayesian", "bayesian (a Gaussian process, Matern 5/2 with fitted hyper-parameters, and expected improvement), grid or random."},
      {"tune.trials", "integer", "30 (grid: the whole grid)", "How many trials the search runs (a killed search counts the trials it had finished). To extend a finished search, start another with tune.warm_start set to its artifact."},
      {"tune.parallel", "integer or auto", "auto", "Trials at once, the threads split between them. auto: as many as divide the threads, at most the trials (bayesian: 1 + trials/16), their copies of the training data within a quarter of memory; 1 under MPI. Proposal n treats the 2(K-1) trials before it as running and waits for older ones, so a search is deterministic for a seed, data and threads however many run at once."},
      {"tune.seed", "integer", "seed", "Seed of the search's own randomness (the trials train with seed)."},
      {"tune.grid_points", "integer", "5", "grid: values per int or float parameter without a grid list (ints with fewer values: each)."},
      {"tune.initial_points", "integer", "parameters + 1 (3-10)", "bayesian: trials from a Latin hypercube before the Gaussian process proposes."},
      {"tune.early_stopping", "string", "none", "median: stop a trial whose best validation value so far is worse than the median of finished trials' at the same round (recorded as pruned)."},
      {"tune.early_stopping_warmup", "integer", "train.rounds / 4", "Rounds a trial always runs before the median rule applies."},
      {"tune.early_stopping_min_trials", "integer", "3", "Finished trials needed before the median rule stops any."},
      {"tune.warm_start", "path", "none", "An earlier search's trials (a tuned artifact directory or its trials.jsonl): those in the space inform the search without counting as its trials."},
      {"steps", "list of maps", "none", "The run as a graph of steps instead of the fixed prep -> train -> evaluate: each {name, type, needs, ...} with type ingest, prep, train, tune, evaluate, transform, deploy or command; run in dependency order, independent steps at once, unchanged steps taken from the cache. Step keys: docs/pipeline.md#steps."},
      {"parallel_steps", "integer", "2", "How many steps of a `steps:` graph run at once."},
  };
  return keys;
}

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  std::string part;
  while (std::getline(stream, part, '.')) parts.push_back(part);
  return parts;
}

bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string>& parts) {
  if (parts.size() != pattern.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (pattern[i].front() == '<') continue;
    if (pattern[i] != parts[i]) return false;
  }
  return true;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool IsKnownKey(const std::string& path) {
  auto parts = Split(path);
  for (const auto& key : PipelineKeys()) {
    if (Matches(Split(key.path), parts)) return true;
  }
  return false;
}

bool IsKnownMapPrefix(const std::string& path) {
  auto parts = Split(path);
  for (const auto& key : PipelineKeys()) {
    auto pattern = Split(key.path);
    if (pattern.size() <= parts.size()) continue;
    pattern.resize(parts.size());
    if (Matches(pattern, parts)) return true;
  }
  return false;
}

std::string ClosestKey(const std::string& path) {
  std::string best;
  size_t best_distance = 4;
  for (const auto& key : PipelineKeys()) {
    size_t distance = EditDistance(path, key.path);
    if (distance < best_distance) {
      best_distance = distance;
      best = key.path;
    }
  }
  return best;
}

std::string PipelineKeysMarkdown() {
  std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& key : PipelineKeys()) {
    out += std::string("| `") + key.path + "` | " + key.type + " | " + key.default_value + " | " + key.description + " |\n";
  }
  return out;
}

}  // namespace sluice
