#pragma once
// Progress of a long stage. On a terminal it redraws one line on stderr at
// most ten times a second; otherwise it prints one plain line when the stage
// ends, so logs stay readable. Advance() is safe from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace sluice {

class Progress {
 public:
  // total_bytes may be 0 when unknown (a gzip stream, a pipe).
  Progress(std::string label, uint64_t total_bytes);
  ~Progress();

  void Advance(uint64_t bytes, uint64_t rows);
  // Ends the line; `summary` is appended to the final report.
  void Finish(const std::string& summary = "");

  // Quiet mode: nothing is printed (--json, tests of library code).
  static void SetEnabled(bool enabled);

 private:
  void Draw(bool final_line, const std::string& summary);

  std::string label_;
  uint64_t total_bytes_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> rows_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex draw_mutex_;
  bool terminal_;
  bool finished_ = false;
};

}  // namespace sluice
