#include "pipeline/text_corpus.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "cluster/communicator.h"
#include "cluster/rank_outputs.h"
#include "common/error.h"
#include "common/format.h"
#include "common/log.h"
#include "common/progress.h"
#include "io/reject_file.h"
#include "common/uri.h"
#include "io/table_source.h"
#include "pipeline/prep_passes.h"
#include "text/tokenizer.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

// The share of cut texts past which a run warns (the summary always says).
constexpr double kTruncatedWarningShare = 0.05;

// The rows of each split once θ is fitted, and the valid and test rows
// filtered for a label training never saw.
struct SplitCounts {
  int64_t rows[3] = {0, 0, 0};
  int64_t unseen_label = 0;
  int64_t kept() const { return rows[0] + rows[1] + rows[2]; }
};

// θ on the train split — vocabulary and labels, merged in input order —
// then valid and test rows whose label training never saw filtered out.
// Strings as bytes, each after its length: labels and reject lines may
// hold any bytes, which JSON could not carry unchanged.
std::string PackStrings(const std::vector<std::string>& strings) {
  std::string out;
  for (const auto& text : strings) {
    const uint64_t length = text.size();
    out.append(reinterpret_cast<const char*>(&length), sizeof length).append(text);
  }
  return out;
}

void UnpackStrings(const std::string& bytes, std::vector<std::string>& out) {
  for (size_t at = 0; at + sizeof(uint64_t) <= bytes.size();) {
    uint64_t length = 0;
    std::memcpy(&length, bytes.data() + at, sizeof length);
    at += sizeof length;
    if (length > bytes.size() - at) ThrowInternal("a rank's strings are cut short");
    out.push_back(bytes.substr(at, length));
    at += length;
  }
}

// Across MPI ranks θ is the whole source's: every rank's token counts and
// train labels, gathered on every rank (the vocabulary breaks ties by
// token, the label map sorts: neither depends on the order of merging).
SplitCounts FitTheta(TextCorpus& corpus, const std::vector<TokenCounts>& part_counts, const PipelineSpec& spec,
                     const TextParams& params, Communicator& job) {
  TokenCounts counts;
  std::vector<std::string> train_labels;
  for (size_t i = 0; i < corpus.parts.size(); ++i) {
    counts.Merge(part_counts[i]);
    for (const auto& row : corpus.parts[i]) {
      if (row.split == SplitPart::kTrain) train_labels.push_back(row.label);
    }
  }
  if (job.size() > 1) {
    std::sort(train_labels.begin(), train_labels.end());
    train_labels.erase(std::unique(train_labels.begin(), train_labels.end()), train_labels.end());
    TokenCounts all;
    for (const auto& theirs : job.AllGather(counts.Serialize())) all.Merge(TokenCounts::Deserialize(theirs));
    counts = std::move(all);
    std::vector<std::string> all_labels;
    for (const auto& theirs : job.AllGather(PackStrings(train_labels))) UnpackStrings(theirs, all_labels);
    train_labels = std::move(all_labels);
  }
  if (train_labels.empty()) ThrowInputData(RedactUri(spec.source.uri) + ": no usable row is left in the train split");
  corpus.vocabulary = Vocabulary::Fit(counts, params.min_count, params.max_vocabulary);
  corpus.labels = LabelMap::Fit(train_labels);
  SplitCounts split;
  for (auto& part : corpus.parts) {
    std::erase_if(part, [&](const TextRow& row) {
      if (corpus.labels.Id(row.label)) {
        ++split.rows[static_cast<int>(row.split)];
        return false;
      }
      ++split.unseen_label;
      return true;
    });
  }
  if (job.size() > 1) {
    const auto sums = SumOverRanks({split.rows[0], split.rows[1], split.rows[2], split.unseen_label}, job);
    split = {{sums[0], sums[1], sums[2]}, sums[3]};
  }
  return split;
}

// The row accounting, checked to add up; a warning when many texts were cut.
void AccountRows(TextCorpus& corpus, const ScanTotals& totals, const SplitCounts& split, int64_t truncated,
                 const TextParams& params) {
  const int64_t kept = split.kept(), unseen_label = split.unseen_label;
  if (kept + unseen_label + corpus.rows_rejected + totals.rows_blank != totals.rows_read) {
    ThrowInternal("row accounting is off: read " + std::to_string(totals.rows_read) + ", accounted " +
                  std::to_string(kept + unseen_label + corpus.rows_rejected + totals.rows_blank));
  }
  RowCounts& rows = corpus.rows;
  rows.read = totals.rows_read;
  rows.rejected = corpus.rows_rejected;
  rows.blank = totals.rows_blank;
  rows.filtered = unseen_label;
  rows.filtered_unseen_label = unseen_label;
  rows.kept = kept;
  rows.train = split.rows[0];
  rows.valid = split.rows[1];
  rows.test = split.rows[2];
  rows.texts = RowCounts::TextCuts{kept + unseen_label, truncated, static_cast<int64_t>(params.tokenizer.max_tokens)};
  // A cut text loses its end, where reviews often say what they think: past
  // a few percent the default max_tokens is hiding part of the data.
  const double cut_share =
      kept + unseen_label > 0 ? static_cast<double>(truncated) / static_cast<double>(kept + unseen_label) : 0;
  if (cut_share > kTruncatedWarningShare) {
    char warning[256];
    std::snprintf(warning, sizeof warning,
                  "sluice: warning: %.1f%% of the texts (%s) are longer than max_tokens (%zu) and were cut; "
                  "raise train.params.max_tokens to read them whole",
                  100 * cut_share, FormatCount(truncated).c_str(), params.tokenizer.max_tokens);
    Log(LogLevel::kWarning, warning);
  }
}

}  // namespace

TextCorpus ReadCorpus(const PipelineSpec& spec, const TextParams& params, ThreadPool& pool, StagedFiles& staged,
                      const std::function<void(const std::string&)>& log) {
  auto read_start = RunClock::now();
  // Ingest: the text and label columns, both read as strings.
  SourceOptions source_options = spec.source;
  source_options.column_types[spec.text_column] = DataType::kString;
  source_options.column_types[spec.prep.target] = DataType::kString;
  auto source = TableSource::Open(source_options);
  TextCorpus corpus;
  corpus.raw_schema = source->schema();
  for (const auto& name : {spec.text_column, spec.prep.target}) {
    if (!source->schema().Find(name)) {
      ThrowUsage("train." + std::string(name == spec.text_column ? "text" : "target") + ": the source has no column '" +
                 name + "' (it has " + source->schema().ToString() + ")");
    }
  }
  source->Project({spec.text_column, spec.prep.target});
  const size_t text_index = *source->schema().Find(spec.text_column);
  const size_t label_index = *source->schema().Find(spec.prep.target);

  // Under MPI each rank reads its own share of the source (io/source_shard.h);
  // its rejects go to a file of its own, joined on rank 0 (named by rank 0's process).
  Communicator& job = Job();
  if (job.size() > 1) {
    source->SetShard({job.rank(), job.size(), [&job](const std::string& mine) { return job.AllGather(mine); }});
  }
  corpus.rejects_staged = fs::absolute(spec.output).string() + ".rejects-" + job.Broadcast(std::to_string(::getpid()), 0);
  if (job.rank() == 0) staged.Add(corpus.rejects_staged);
  if (job.size() > 1) staged.Add(RankPath(corpus.rejects_staged, job));
  std::error_code ec;
  fs::create_directories(fs::absolute(spec.output).parent_path(), ec);
  RejectFile rejects(RankPath(corpus.rejects_staged, job));
  const Tokenizer tokenizer(params.tokenizer);
  std::vector<TokenCounts> part_counts;
  std::mutex mutex;
  std::atomic<int64_t> truncated{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    std::vector<TextRow> rows;
    TokenCounts counts;
    std::vector<RejectedRow> unusable = std::move(batch.rejects);
    const Column& text = batch.columns[text_index];
    const Column& label = batch.columns[label_index];
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      auto reject = [&](std::string reason) { unusable.push_back({batch.lines[row], std::move(reason), ""}); };
      if (text.IsNull(row) || text.String(row).empty()) {
        reject("column " + spec.text_column + ": empty text");
        continue;
      }
      if (label.IsNull(row) || label.String(row).empty()) {
        reject("column " + spec.prep.target + ": missing label");
        continue;
      }
      TextRow out{batch.file_index, batch.lines[row], SplitOfRow(spec.prep.split, batch.file_index, batch.lines[row]), {},
                  std::string(label.String(row))};
      std::string error;
      bool cut = false;
      if (!tokenizer.Tokenize(text.String(row), out.tokens, &error, &cut)) {
        reject("column " + spec.text_column + ": " + error);
        continue;
      }
      if (out.tokens.empty()) {
        reject("column " + spec.text_column + ": no words in the text");
        continue;
      }
      truncated += cut;
      if (out.split == SplitPart::kTrain) counts.Add(out.tokens);
      rows.push_back(std::move(out));
    }
    std::sort(unusable.begin(), unusable.end(), [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
    rejects.Add(index, batch.source_name, std::move(unusable));
    std::lock_guard<std::mutex> lock(mutex);
    if (corpus.parts.size() <= index) {
      corpus.parts.resize(index + 1);
      part_counts.resize(index + 1);
    }
    corpus.parts[index] = std::move(rows);
    part_counts[index] = std::move(counts);
  });
  rejects.Close();
  int64_t cut = truncated.load();
  if (job.size() > 1) {
    // The whole source's counts and first rejects, on every rank.
    const auto sums = SumOverRanks({totals.rows_read, totals.rows_rejected, totals.rows_blank, rejects.count(), cut}, job);
    totals.rows_read = sums[0];
    totals.rows_rejected = sums[1];
    totals.rows_blank = sums[2];
    cut = sums[4];
    std::vector<std::string> firsts;
    for (const auto& theirs : job.AllGather(PackStrings(rejects.firsts()))) UnpackStrings(theirs, firsts);
    rejects.SetWholeSource(std::move(firsts), sums[3]);
    JoinRankFiles(corpus.rejects_staged, true, job);
  }
  CheckSourceRejectRate(spec, totals, rejects, corpus.rejects_staged);
  corpus.rows_rejected = rejects.count();
  corpus.first_reject = rejects.first();

  const SplitCounts split = FitTheta(corpus, part_counts, spec, params, job);
  AccountRows(corpus, totals, split, cut, params);
  corpus.data = {{"uri", RedactUri(spec.source.uri)}, {"files", source->files()}, {"fingerprint", totals.fingerprint}};
  corpus.read_seconds = SecondsSince(read_start);
  log("text: " + FormatCount(totals.rows_read) + " rows, vocabulary " +
      FormatCount(static_cast<int64_t>(corpus.vocabulary.size())) + ", " + std::to_string(corpus.labels.size()) +
      " classes");
  return corpus;
}

}  // namespace sluice
