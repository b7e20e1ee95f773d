#include "common/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>

#include "nlohmann/json.hpp"

namespace sluice {

namespace {

std::mutex g_mutex;
LogFormat g_format = LogFormat::kText;
std::map<std::string, std::string>& Context() {
  static std::map<std::string, std::string> context;
  return context;
}

// RFC 3339 in UTC with milliseconds: what log shippers parse without help.
std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];  // room for any int the format could be given
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buffer;
}

}  // namespace

bool ParseLogFormat(const std::string& name, LogFormat* format) {
  if (name == "text") *format = LogFormat::kText;
  else if (name == "json") *format = LogFormat::kJson;
  else return false;
  return true;
}

void SetLogFormat(LogFormat format) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_format = format;
}

LogFormat CurrentLogFormat() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_format;
}

void SetLogContext(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (value.empty()) {
    Context().erase(key);
  } else {
    Context()[key] = value;
  }
}

std::string& LinePrefix() {
  static std::string prefix;
  return prefix;
}

void SetLogLinePrefix(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(g_mutex);
  LinePrefix() = prefix;
}

void Log(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_format == LogFormat::kText) {
    std::fprintf(stderr, "%s%s\n", LinePrefix().c_str(), message.c_str());
    std::fflush(stderr);
    return;
  }
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["time"] = UtcNow();
  line["level"] = level == LogLevel::kError ? "error" : level == LogLevel::kWarning ? "warning" : "info";
  std::string text = message;
  const size_t colon = message.find(": ");
  if (colon != std::string::npos && colon < 40 && message.find(' ') >= colon) {
    line["component"] = message.substr(0, colon);
    text = message.substr(colon + 2);
  } else if (colon != std::string::npos && message.rfind("step ", 0) == 0 && message.find(' ', 5) >= colon) {
    // "step train: succeeded in 1.2 s" -> component step, step train.
    line["component"] = "step";
    line["step"] = message.substr(5, colon - 5);
    text = message.substr(colon + 2);
  }
  line["message"] = text;
  for (const auto& [key, value] : Context()) {
    if (!line.contains(key)) line[key] = value;
  }
  // Invalid UTF-8 in a message (a file name) is replaced, not thrown on.
  std::string out = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::fprintf(stderr, "%s\n", out.c_str());
  std::fflush(stderr);
}

bool LogDrawsInPlace() { return CurrentLogFormat() == LogFormat::kText && ::isatty(STDERR_FILENO) != 0; }

}  // namespace sluice
