#include "text/word_vectors.h"

#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>

#include "common/error.h"

namespace sluice {

namespace {

// Lines of a plain or gzip file (zlib reads both), without the newline.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) ThrowUsage("train.params.vectors: cannot open " + path);
    buffer_.resize(1 << 20);
  }
  ~LineReader() { gzclose(file_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool Next(std::string& line) {
    line.clear();
    for (;;) {
      if (pos_ == end_) {
        int got = gzread(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
        if (got < 0) {
          int code = 0;
          ThrowInputData(path_ + ": " + gzerror(file_, &code));
        }
        if (got == 0) return !line.empty();
        pos_ = 0;
        end_ = static_cast<size_t>(got);
      }
      const char* start = buffer_.data() + pos_;
      const void* newline = std::memchr(start, '\n', end_ - pos_);
      if (newline) {
        const size_t n = static_cast<size_t>(static_cast<const char*>(newline) - start);
        line.append(start, n);
        pos_ += n + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
      line.append(start, end_ - pos_);
      pos_ = end_;
    }
  }

 private:
  std::string path_;
  gzFile file_;
  std::string buffer_;
  size_t pos_ = 0, end_ = 0;
};

std::string AsciiLower(std::string_view word) {
  std::string out(word);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

WordVectors WordVectors::Read(const std::string& path, const Vocabulary& vocabulary) {
  WordVectors out;
  LineReader reader(path);
  std::string line;
  std::vector<float> values;
  std::vector<uint8_t> exact(vocabulary.size(), 0);
  while (reader.Next(line)) {
    ++out.lines;
    const std::string where = path + ":" + std::to_string(out.lines);
    const size_t space = line.find(' ');
    if (line.empty()) continue;
    if (space == std::string::npos || space == 0) ThrowInputData(where + ": expected a word and its numbers");
    std::string_view word(line.data(), space);
    values.clear();
    const char* p = line.c_str() + space;
    for (;;) {
      while (*p == ' ' || *p == '\t') ++p;
      if (*p == '\0') break;
      char* end = nullptr;
      errno = 0;
      float value = std::strtof(p, &end);
      if (end == p || (*end != ' ' && *end != '\t' && *end != '\0')) {
        ThrowInputData(where + ": '" + std::string(p, std::min<size_t>(std::strcspn(p, " \t"), 40)) + "' is not a number");
      }
      values.push_back(value);
      p = end;
    }
    // word2vec's header: two integers, the second the dimension.
    if (out.lines == 1 && values.size() == 1 && word.find_first_not_of("0123456789") == std::string_view::npos) {
      continue;
    }
    if (out.dim == 0) {
      if (values.empty()) ThrowInputData(where + ": a word with no numbers");
      out.dim = static_cast<int>(values.size());
      out.rows.assign(vocabulary.size() * values.size(), 0.0f);
      out.found.assign(vocabulary.size(), 0);
    } else if (values.size() != static_cast<size_t>(out.dim)) {
      ThrowInputData(where + ": " + std::to_string(values.size()) + " numbers where the first vector had " +
                     std::to_string(out.dim));
    }
    auto take = [&](int32_t id, bool is_exact) {
      if (id < 2 || exact[id] || (out.found[id] && !is_exact)) return;
      std::copy(values.begin(), values.end(), out.rows.begin() + static_cast<ptrdiff_t>(id) * out.dim);
      if (!out.found[id]) ++out.found_count;
      out.found[id] = 1;
      exact[id] = is_exact;
    };
    take(vocabulary.Id(word), true);
    std::string lower = AsciiLower(word);
    if (lower != word) take(vocabulary.Id(lower), false);
  }
  if (out.dim == 0) ThrowInputData(path + ": no word vectors in the file");
  return out;
}

}  // namespace sluice
