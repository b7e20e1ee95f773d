#include "common/progress.h"
#include "common/log.h"

#include <unistd.h>

#include <cstdio>

#include "common/format.h"

namespace sluice {

namespace {
std::atomic<bool> g_enabled{true};
}

void Progress::SetEnabled(bool enabled) { g_enabled = enabled; }

Progress::Progress(std::string label, uint64_t total_bytes)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      terminal_(LogDrawsInPlace()) {}

Progress::~Progress() {
  if (!finished_) Finish();
}

void Progress::Advance(uint64_t bytes, uint64_t rows) {
  bytes_ += bytes;
  rows_ += rows;
  if (!terminal_ || !g_enabled) return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false, "");
}

void Progress::Finish(const std::string& summary) {
  std::lock_guard<std::mutex> lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (g_enabled) Draw(true, summary);
}

void Progress::Draw(bool final_line, const std::string& summary) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = label_ + ": " + FormatCount(static_cast<int64_t>(rows_.load())) + " rows";
  if (total_bytes_ > 0 && !final_line) {
    int width = 24;
    double fraction = std::min(1.0, static_cast<double>(bytes_.load()) / total_bytes_);
    int filled = static_cast<int>(fraction * width);
    line = label_ + " [" + std::string(filled, '#') + std::string(width - filled, '.') + "] " +
           std::to_string(static_cast<int>(fraction * 100)) + "% " +
           FormatCount(static_cast<int64_t>(rows_.load())) + " rows";
  }
  line += ", " + FormatSeconds(elapsed);
  if (!summary.empty()) line += ", " + summary;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else if (final_line) {
    LogInfo(line);
  }
  std::fflush(stderr);
}

}  // namespace sluice
