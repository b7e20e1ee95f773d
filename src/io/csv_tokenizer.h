#pragma once
// Splits CSV text (RFC 4180) into records and fields: quoted fields may hold
// delimiters, doubled quotes and newlines; CRLF and LF both end a record; empty
// lines are skipped (and counted). Field views stay valid until the next call
// to Next().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  // Whether `quote` quotes fields. Tab-separated files have no quoting (the
  // IANA text/tab-separated-values format): a '"' there is text, so TSV
  // turns quoting off unless the pipeline set source.quote.
  bool quoting = true;
  bool quoting_set = false;
  bool header = true;
  // Most fields a record may have (0: no limit). A longer record is an error
  // ("more than N fields") and is skipped to its end without keeping its
  // fields, so a line of a million commas costs no memory.
  size_t max_fields = 0;
};

struct CsvField {
  std::string_view text;
  bool quoted = false;
};

class CsvTokenizer {
 public:
  CsvTokenizer(const char* data, size_t size, int64_t first_line, const CsvOptions& options);

  // Reads the next record; false at the end of the text.
  bool Next();
  const std::vector<CsvField>& fields() const { return fields_; }
  // The line the record starts on, and its raw text (without the newline).
  int64_t line() const { return line_; }
  std::string_view raw() const { return raw_; }
  // Non-empty when the record is malformed (a quote problem); fields() then
  // holds what could be read.
  const std::string& error() const { return error_; }
  // Bytes consumed so far.
  size_t offset() const { return pos_; }
  // Empty lines (LF or CRLF alone) skipped so far.
  int64_t empty_lines() const { return empty_lines_; }
  // Whether the record is blank: every field unquoted and empty or spaces
  // and tabs only (a line of bare delimiters).
  bool blank() const;

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  int64_t next_line_;
  int64_t line_ = 0;
  int64_t empty_lines_ = 0;
  CsvOptions options_;
  std::vector<CsvField> fields_;
  std::vector<size_t> scratch_fields_;   // fields whose text lives in scratch_
  std::vector<std::pair<size_t, size_t>> scratch_spans_;
  std::string scratch_;
  std::string_view raw_;
  std::string error_;
};

}  // namespace sluice
