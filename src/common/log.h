#pragma once
// What sluice says on stderr while it works, in one place: as plain lines
// (the default), or with --log-format json as one JSON object a line —
// {"time", "level", "component", "message", and the context: run_id,
// pipeline, step} — for a log shipper. A message's component is its
// leading word before ": " ("train: round 10/200" -> "train").
//
// Progress drawn in place on a terminal is text-mode only; JSON logs get
// the same milestones as lines.

#include <string>

namespace sluice {

enum class LogFormat { kText, kJson };
enum class LogLevel { kInfo, kWarning, kError };

// "text" or "json"; false for anything else.
bool ParseLogFormat(const std::string& name, LogFormat* format);
void SetLogFormat(LogFormat format);
LogFormat CurrentLogFormat();
// Adds (or with an empty value removes) a field every JSON line carries.
void SetLogContext(const std::string& key, const std::string& value);

// Text lines start with `prefix` from now on (a rank of an MPI job names
// itself: "[rank 1 host-b] ").
void SetLogLinePrefix(const std::string& prefix);

// One line on stderr, thread-safe.
void Log(LogLevel level, const std::string& message);
inline void LogInfo(const std::string& message) { Log(LogLevel::kInfo, message); }

// Whether progress may be redrawn in place (stderr is a terminal and the
// format is text).
bool LogDrawsInPlace();

}  // namespace sluice
