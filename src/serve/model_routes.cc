#include "serve/model_routes.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "io/s3/s3_file.h"
#include "nlohmann/json.hpp"

namespace sluice {

namespace fs = std::filesystem;

namespace {


// Dumps JSON whatever bytes a client put in its strings.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Reply(HttpResponse& response, int status, const std::string& message) {
  response.status = status;
  response.content_type = "application/json";
  response.body = JsonError(message);
}

void ReplyJson(HttpResponse& response, const nlohmann::json& value) {
  response.status = 200;
  response.content_type = "application/json";
  response.body = Dump(value);
}

// Whether `path` resolves (symlinks followed) to somewhere inside `root`.
bool Inside(const std::string& root, const std::string& path) {
  std::error_code ec;
  fs::path real_root = fs::weakly_canonical(root, ec);
  if (ec) return false;
  fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return false;
  auto [root_end, ignored] = std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  return root_end == real_root.end() && real != real_root;
}

// A name from a path, safe to quote back in a message.
std::string Quoted(const std::string& name) {
  return "'" + (name.size() > 200 ? name.substr(0, 200) + "..." : name) + "'";
}

struct RouteMatch {
  enum Kind { kNone, kPing, kMetrics, kInvoke, kModels, kModel, kReload } kind = kNone;
  std::string model;     // kInvoke (empty: the default model), kModel, kReload
  const char* allow = "";  // the methods the route answers
};

RouteMatch MatchRoute(std::string_view path) {
  RouteMatch match;
  if (path == "/ping") return {RouteMatch::kPing, "", "GET, HEAD"};
  if (path == "/metrics") return {RouteMatch::kMetrics, "", "GET, HEAD"};
  if (path == "/invocations") return {RouteMatch::kInvoke, "", "POST"};
  if (path == "/models" || path == "/models/") return {RouteMatch::kModels, "", "GET, POST"};
  constexpr std::string_view kPrefix = "/models/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return match;
  std::string_view rest = path.substr(kPrefix.size());
  size_t slash = rest.find('/');
  std::string name = DecodePathSegment(rest.substr(0, slash));
  if (name.empty()) return match;
  if (slash == std::string_view::npos) return {RouteMatch::kModel, name, "GET, DELETE"};
  std::string_view action = rest.substr(slash + 1);
  if (action == "invocations") return {RouteMatch::kInvoke, name, "POST"};
  if (action == "reload") return {RouteMatch::kReload, name, "POST"};
  return match;
}

bool MethodAllowed(const RouteMatch& match, std::string_view method) {
  std::string_view allow = match.allow;
  size_t pos = allow.find(method);
  return pos != std::string_view::npos && (pos + method.size() == allow.size() || allow[pos + method.size()] == ',');
}

// Counts a request in flight for as long as it lives, whatever way it ends.
class InFlight {
 public:
  explicit InFlight(std::atomic<int64_t>& count) : count_(count) { ++count_; }
  ~InFlight() { --count_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int64_t>& count_;
};

}  // namespace

std::string JsonError(const std::string& message) { return Dump(nlohmann::json{{"error", message}}); }

std::string DecodePathSegment(std::string_view segment) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && hex(segment[i + 1]) >= 0 && hex(segment[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(segment[i + 1]) * 16 + hex(segment[i + 2])));
      i += 2;
    } else {
      out.push_back(segment[i]);
    }
  }
  return out;
}

ModelRoutes::ModelRoutes(ModelRegistry& registry, const BearerAuth* auth, Options options,
                         const HttpServerStats& server_stats)
    : registry_(registry), auth_(auth), options_(std::move(options)), server_stats_(server_stats) {}

Dispatch ModelRoutes::Route(const HttpRequest& head, HttpResponse& response) {
  RouteMatch match = MatchRoute(head.path);
  auto refuse = [&](int status, const std::string& message) {
    Reply(response, status, message);
    refused_.Add(status);
    return Dispatch::kAnswered;
  };
  if (match.kind != RouteMatch::kPing && auth_ && !auth_->Allows(std::string(head.Header("Authorization")))) {
    response.headers.push_back({"WWW-Authenticate", "Bearer"});
    return refuse(401, "missing or wrong bearer token");
  }
  if (match.kind == RouteMatch::kNone) return refuse(404, "no such route (docs/http-api.md lists them)");
  if (!MethodAllowed(match, head.method)) {
    response.headers.push_back({"Allow", match.allow});
    return refuse(405, std::string(head.method) + " is not served here; use " + match.allow);
  }
  switch (match.kind) {
    case RouteMatch::kInvoke: {
      const bool chunked = head.HasHeader("Transfer-Encoding");
      const std::string_view length = head.Header("Content-Length");
      if (!chunked && (length.empty() || length == "0")) return refuse(400, "the request has no body");
      // A small body for a loaded model is scored on the event loop: no
      // hand-off to another thread, which is most of a tiny request's cost.
      const std::string name = match.model.empty() ? registry_.default_name() : match.model;
      if (!chunked && std::strtoull(std::string(length).c_str(), nullptr, 10) <= options_.inline_max_body &&
          registry_.IsWarm(name)) {
        return Dispatch::kInline;
      }
      return Dispatch::kWorker;
    }
    case RouteMatch::kModels:
      return head.method == "POST" ? Dispatch::kWorker : Dispatch::kInline;
    case RouteMatch::kReload:
      return Dispatch::kWorker;
    default:
      return Dispatch::kInline;
  }
}

void ModelRoutes::Handle(const HttpRequest& request, HttpResponse& response) {
  RouteMatch match = MatchRoute(request.path);
  switch (match.kind) {
    case RouteMatch::kPing:
      if (registry_.size() == 0) return Reply(response, 503, "no model is loaded");
      response.body = "{\"status\":\"ok\"}";
      return;
    case RouteMatch::kMetrics:
      response.content_type = "text/plain; version=0.0.4";
      response.body = RenderMetrics(registry_.AllMetrics(), in_flight_.load(), refused_.Snapshot()) +
                      RenderServerMetrics(server_stats_);
      return;
    case RouteMatch::kInvoke:
      return Invoke(match.model, request, response);
    case RouteMatch::kModels:
      if (request.method == "POST") return LoadModel(request, response);
      return ReplyJson(response, {{"models", registry_.List()}});
    case RouteMatch::kModel: {
      if (request.method == "DELETE") {
        if (!registry_.Remove(match.model)) return Reply(response, 404, "no model named " + Quoted(match.model));
        return ReplyJson(response, {{"unloaded", match.model}});
      }
      for (const auto& entry : registry_.List()) {
        if (entry["name"] == match.model) return ReplyJson(response, entry);
      }
      return Reply(response, 404, "no model named " + Quoted(match.model));
    }
    case RouteMatch::kReload:
      return Reload(match.model, response);
    case RouteMatch::kNone:
      break;
  }
  Reply(response, 404, "no such route");
}

void ModelRoutes::Invoke(const std::string& requested, const HttpRequest& request, HttpResponse& response) {
  InFlight in_flight(in_flight_);
  const auto start = std::chrono::steady_clock::now();
  const std::string name = requested.empty() ? registry_.default_name() : requested;
  ModelMetrics* metrics = registry_.Metrics(name);
  uint64_t rows = 0;
  try {
    std::shared_ptr<const ServedModel> model;
    try {
      model = registry_.Acquire(name);
    } catch (const std::exception& error) {
      // A cold start that failed: the server's fault, and perhaps passing.
      std::fprintf(stderr, "sluice serve: model '%s' could not be loaded: %s\n", name.c_str(), error.what());
      throw InvocationError(503, "model " + Quoted(name) + " could not be loaded (the server's log says why)");
    }
    if (!model) {
      if (requested.empty()) {
        throw InvocationError(404, "the default model " + Quoted(name) +
                                       " is not loaded (it was unloaded); POST /models/NAME/invocations names another");
      }
      throw InvocationError(404, "no model named " + Quoted(name) + " (GET /models lists them)");
    }
    std::string_view content_type = request.Header("Content-Type");
    PayloadFormat in = content_type.empty() ? PayloadFormat::kCsv : ParsePayloadFormat(content_type, "Content-Type");
    std::string_view accept = request.Header("Accept");
    PayloadFormat out = accept.empty() || accept.find("*/*") != std::string_view::npos ? in
                                                                                       : ParsePayloadFormat(accept, "Accept");
    const bool header = request.QueryParam("header") == "true";
    // θ on this thread; the model call may be shared with other requests.
    response.body = model->artifact->Invoke(in, out, request.body, header, model->batcher.get(), &rows);
    if (!model->batcher && metrics) metrics->BatchScored(rows, 1);
    response.content_type = MediaType(out);
    response.status = 200;
  } catch (const InvocationError& error) {
    Reply(response, error.status(), error.what());
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::kInputData || error.kind() == ErrorKind::kUsage) {
      Reply(response, 400, error.what());
    } else {
      std::fprintf(stderr, "sluice serve: model '%s': %s\n", name.c_str(), error.what());
      Reply(response, 500, "scoring failed (the server's log says why)");
    }
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sluice serve: model '%s': out of memory scoring a request of %zu bytes\n", name.c_str(),
                 request.body.size());
    Reply(response, 503, "the server is out of memory for this request; retry with fewer rows");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice serve: model '%s': %s\n", name.c_str(), error.what());
    Reply(response, 500, "scoring failed (the server's log says why)");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (metrics) {
    metrics->RequestFinished(response.status, seconds, response.status < 300 ? rows : 0);
  } else {
    refused_.Add(response.status);
  }
}

// SageMaker's multi-model load: {"model_name": NAME, "url": DIRECTORY}.
void ModelRoutes::LoadModel(const HttpRequest& request, HttpResponse& response) {
  if (options_.model_root.empty()) return Reply(response, 403, "loading models by API needs --model-root");
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("model_name") || !body.contains("url") || !body["model_name"].is_string() ||
      !body["url"].is_string()) {
    return Reply(response, 400, "expected {\"model_name\": NAME, \"url\": DIRECTORY}");
  }
  std::string name = body["model_name"], url = body["url"];
  if (url.rfind("file://", 0) == 0) url = url.substr(7);
  if (!ModelRegistry::ValidName(name)) {
    return Reply(response, 400, "model name " + Quoted(name) + ": use letters, digits, '.', '_' and '-' only");
  }
  if (IsS3Uri(options_.model_root)) {
    // A root in S3: the model's prefix must lie under it, no '.' or '..'
    // segment and no empty one, so a client cannot name another bucket or
    // climb out; the folder is downloaded (and cached) by the load.
    std::string root = options_.model_root;
    if (root.back() != '/') root += '/';
    if (!IsS3Uri(url)) url = root + url;
    const std::string rest = url.rfind(root, 0) == 0 ? url.substr(root.size()) : "";
    const std::string segments = "/" + rest + "/";
    if (rest.empty() || segments.find("/../") != std::string::npos || segments.find("/./") != std::string::npos ||
        rest.find("//") != std::string::npos) {
      return Reply(response, 403, Quoted(url) + " is not a folder inside --model-root " + options_.model_root);
    }
  } else {
    if (IsS3Uri(url)) return Reply(response, 403, Quoted(url) + " is not inside --model-root (a local directory)");
    if (!fs::path(url).is_absolute()) url = (fs::path(options_.model_root) / url).string();
    if (!Inside(options_.model_root, url)) return Reply(response, 403, Quoted(url) + " is not inside --model-root");
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(url) / "sluice-model.json", ec)) {
      return Reply(response, 400, Quoted(url) + " is not a sluice model (no sluice-model.json)");
    }
  }
  try {
    registry_.Add(name, url);
  } catch (const ModelNameTaken& error) {
    return Reply(response, 409, error.what());
  } catch (const Error& error) {
    // The directory is a model the server cannot load: the client named it.
    if (error.kind() == ErrorKind::kInputData || error.kind() == ErrorKind::kUsage) {
      return Reply(response, 400, error.what());
    }
    std::fprintf(stderr, "sluice serve: loading model '%s' from %s: %s\n", name.c_str(), url.c_str(), error.what());
    return Reply(response, 500, "the model could not be loaded (the server's log says why)");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice serve: loading model '%s' from %s: %s\n", name.c_str(), url.c_str(), error.what());
    return Reply(response, 400, Quoted(url) + " could not be loaded as a model (the server's log says why)");
  }
  ReplyJson(response, {{"loaded", name}});
}

void ModelRoutes::Reload(const std::string& name, HttpResponse& response) {
  try {
    if (!registry_.Reload(name)) return Reply(response, 404, "no model named " + Quoted(name));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice serve: reloading model '%s' failed: %s\n", name.c_str(), error.what());
    return Reply(response, 500, "reload failed, the previous model keeps serving: " + std::string(error.what()));
  }
  ReplyJson(response, {{"reloaded", name}});
}

void ModelRoutes::Answered(const HttpRequest* request, const HttpResponse& response, bool by_server) {
  if (by_server) refused_.Add(response.status);
  if (!options_.access_log) return;
  nlohmann::json line = {{"method", request ? std::string(request->method) : "-"},
                         {"path", request ? std::string(request->path.substr(0, 1024)) : "-"},
                         {"status", response.status},
                         {"bytes_in", request ? request->body.size() : 0},
                         {"bytes_out", response.body.size()}};
  std::fprintf(stderr, "%s\n", Dump(line).c_str());
}

}  // namespace sluice
