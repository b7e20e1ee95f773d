#include "io/s3/s3_settings.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include "common/error.h"

namespace sluice {

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// An AWS INI file: section -> key -> value. A nested block ("s3 =" followed
// by indented lines) gives keys "s3.addressing_style".
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

IniFile ReadIni(const std::string& path) {
  IniFile out;
  std::ifstream in(path);
  std::string line, section, nested;
  while (std::getline(in, line)) {
    const std::string text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      section = Trim(text.substr(1, text.size() - 2));
      nested.clear();
      continue;
    }
    const size_t equals = text.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = Trim(text.substr(0, equals));
    const std::string value = Trim(text.substr(equals + 1));
    const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!indented) nested.clear();
    if (value.empty() && !indented) {
      nested = key;
      continue;
    }
    out[section][nested.empty() || !indented ? key : nested + "." + key] = value;
  }
  return out;
}

std::string HomeFile(const char* override_variable, const char* name) {
  std::string path = Env(override_variable);
  if (!path.empty()) return path;
  const std::string home = Env("HOME");
  return home.empty() ? "" : home + "/.aws/" + name;
}

// Variable `name` as a whole number from 1 to `most`; `fallback` when unset.
int IntFromEnv(const char* name, int fallback, long most) {
  const std::string text = Env(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < 1 || value > most) {
    ThrowUsage(std::string(name) + "=" + text + ": expected 1 to " + std::to_string(most));
  }
  return static_cast<int>(value);
}

std::mutex& OverrideMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& EndpointOverride() {
  static std::string endpoint;
  return endpoint;
}

}  // namespace

void SetS3Endpoint(const std::string& endpoint) {
  std::lock_guard<std::mutex> lock(OverrideMutex());
  EndpointOverride() = endpoint;
}

S3Settings LoadS3Settings() {
  S3Settings settings;
  const std::string profile = Env("AWS_PROFILE").empty() ? "default" : Env("AWS_PROFILE");
  const std::string credentials_path = HomeFile("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  const std::string config_path = HomeFile("AWS_CONFIG_FILE", "config");
  const IniFile credentials_file = credentials_path.empty() ? IniFile{} : ReadIni(credentials_path);
  const IniFile config_file = config_path.empty() ? IniFile{} : ReadIni(config_path);
  auto in_file = [&](const IniFile& file, const std::string& section) -> const std::map<std::string, std::string>* {
    auto found = file.find(section);
    return found == file.end() ? nullptr : &found->second;
  };
  const auto* profile_credentials = in_file(credentials_file, profile);
  const auto* profile_config = in_file(config_file, profile == "default" ? "default" : "profile " + profile);
  if (!Env("AWS_PROFILE").empty() && !profile_credentials && !profile_config) {
    ThrowUsage("AWS_PROFILE=" + profile + ": no such profile in " + credentials_path + " or " + config_path);
  }
  auto setting = [&](const std::string& key) -> std::string {
    for (const auto* section : {profile_config, profile_credentials}) {
      if (!section) continue;
      auto found = section->find(key);
      if (found != section->end()) return found->second;
    }
    return "";
  };

  if (!Env("AWS_ACCESS_KEY_ID").empty()) {
    settings.credentials = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
    settings.credentials_from = "the environment (AWS_ACCESS_KEY_ID)";
    if (settings.credentials.secret_access_key.empty()) {
      ThrowUsage("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
  } else {
    for (const auto& [found_section, path] :
         {std::pair{profile_credentials, credentials_path}, std::pair{profile_config, config_path}}) {
      const auto* section = found_section;  // a lambda cannot capture a structured binding (clang 14)
      if (!section || !section->count("aws_access_key_id")) continue;
      auto value = [section](const char* key) {
        auto found = section->find(key);
        return found == section->end() ? std::string() : found->second;
      };
      settings.credentials = {value("aws_access_key_id"), value("aws_secret_access_key"), value("aws_session_token")};
      settings.credentials_from = "profile " + profile + " in " + path;
      break;
    }
    if (settings.credentials.empty()) settings.credentials_from = "nowhere (requests go unsigned)";
  }

  for (const std::string& candidate : {Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"), setting("region")}) {
    if (!candidate.empty()) {
      settings.region = candidate;
      break;
    }
  }
  std::string chosen_endpoint;
  {
    std::lock_guard<std::mutex> lock(OverrideMutex());
    chosen_endpoint = EndpointOverride();
  }
  for (const std::string& candidate :
       {chosen_endpoint, Env("AWS_ENDPOINT_URL_S3"), Env("AWS_ENDPOINT_URL"), setting("endpoint_url")}) {
    if (!candidate.empty()) {
      settings.endpoint = candidate;
      break;
    }
  }
  const std::string style = setting("s3.addressing_style");
  if (settings.endpoint.empty()) {
    settings.endpoint = "https://s3." + settings.region + ".amazonaws.com";
    settings.path_style = style == "path";
  } else {
    if (settings.endpoint.rfind("http://", 0) != 0 && settings.endpoint.rfind("https://", 0) != 0) {
      ThrowUsage("S3 endpoint '" + settings.endpoint + "': expected http://HOST[:PORT] or https://HOST[:PORT]");
    }
    while (!settings.endpoint.empty() && settings.endpoint.back() == '/') settings.endpoint.pop_back();
    settings.path_style = style != "virtual";
  }
  settings.stall_seconds = IntFromEnv("SLUICE_S3_STALL_SECONDS", settings.stall_seconds, 3600);
  settings.max_attempts = IntFromEnv("AWS_MAX_ATTEMPTS", settings.max_attempts, 100);
  return settings;
}

const S3Settings& DefaultS3Settings() {
  static std::once_flag once;
  static S3Settings settings;
  std::call_once(once, [] { settings = LoadS3Settings(); });
  return settings;
}

S3Location ParseS3Uri(const std::string& uri) {
  if (uri.rfind("s3://", 0) != 0) ThrowUsage(uri + ": not an s3:// URI");
  const std::string rest = uri.substr(5);
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) location.key = rest.substr(slash + 1);
  if (location.bucket.empty()) ThrowUsage(uri + ": no bucket (expected s3://BUCKET/KEY)");
  return location;
}

}  // namespace sluice
