#include "io/s3/s3_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <set>

#include "common/error.h"
#include "common/hash.h"
#include "common/state_directory.h"
#include "io/s3/s3_client.h"
#include "io/s3/s3_file.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kSinglePutBytes = 16u << 20;
constexpr uint64_t kPartBytes = 8u << 20;
constexpr size_t kInFlight = 4;

std::string ReadLocal(int fd, const std::string& path, uint64_t offset, size_t length) {
  std::string bytes(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno("cannot read " + path);
    if (n == 0) ThrowIo(path + ": ended early while it was uploaded");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

bool IsManifest(const std::string& name) {
  return name == "sluice-model.json" || name == "manifest.json" || name == "prep.json";
}

// Whether the keys under a prefix are the kind of output sluice writes there.
bool IsSluiceOutput(const std::vector<std::string>& relative_keys, OutputKind kind) {
  for (const auto& key : relative_keys) {
    const std::string name = key.substr(key.rfind('/') + 1);
    switch (kind) {
      case OutputKind::kArtifact:
        if (name == "sluice-model.json") return true;
        break;
      case OutputKind::kPreparedData:
        if (key == "prep.json") return true;
        break;
      case OutputKind::kDataset:
        if (name.rfind("part-", 0) != 0 || name.size() < 8 || name.compare(name.size() - 8, 8, ".parquet") != 0) {
          return false;
        }
        break;
      case OutputKind::kFile:
        return true;
    }
  }
  return kind == OutputKind::kDataset;
}

// .sluice/s3-staging/<hash of the URI>/NAME (NAME/ for a folder), its
// parent made: the same path on every rank that shares the state directory.
std::string StagingPath(const std::string& uri) {
  const S3Location location = ParseS3Uri(uri);
  std::string key = location.key;
  while (!key.empty() && key.back() == '/') key.pop_back();
  if (key.empty()) ThrowUsage(uri + ": name a key under the bucket (s3://" + location.bucket + "/NAME)");
  const std::string name = key.substr(key.rfind('/') + 1);
  std::string path = (fs::absolute(StateDirectory()) / "s3-staging" / ToHex64(Hash64(uri)) / name).string();
  fs::create_directories(fs::path(path).parent_path());
  if (uri.back() == '/') path += '/';
  return path;
}

}  // namespace

void UploadFileToS3(const std::string& local_path, const std::string& bucket, const std::string& key) {
  S3Client& client = S3Client::Default();
  const int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) ThrowErrno("cannot open " + local_path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const uint64_t size = fs::file_size(local_path);
  if (size < kSinglePutBytes) {
    client.Put(bucket, key, ReadLocal(fd, local_path, 0, static_cast<size_t>(size)));
    return;
  }
  // At most 10,000 parts (S3's limit): parts grow for a very large file.
  const uint64_t part_bytes = std::max<uint64_t>(kPartBytes, (size + 9999) / 10000);
  const size_t parts = static_cast<size_t>((size + part_bytes - 1) / part_bytes);
  const std::string upload_id = client.CreateMultipartUpload(bucket, key);
  std::vector<std::string> etags(parts);
  try {
    std::vector<std::future<void>> running;
    for (size_t part = 0; part < parts; ++part) {
      if (running.size() == kInFlight) {
        running.front().get();
        running.erase(running.begin());
      }
      running.push_back(std::async(std::launch::async, [&, part] {
        const uint64_t offset = part * part_bytes;
        const std::string bytes =
            ReadLocal(fd, local_path, offset, static_cast<size_t>(std::min(part_bytes, size - offset)));
        etags[part] = client.UploadPart(bucket, key, upload_id, static_cast<int>(part + 1), bytes.data(), bytes.size());
      }));
    }
    // Every part finishes (or fails) before the upload is completed or aborted.
    std::exception_ptr first_error;
    for (auto& part : running) {
      try {
        part.get();
      } catch (...) {
        if (!first_error) first_error = std::current_exception();
      }
    }
    if (first_error) std::rethrow_exception(first_error);
    client.CompleteMultipartUpload(bucket, key, upload_id, etags);
  } catch (...) {
    try {
      client.AbortMultipartUpload(bucket, key, upload_id);
    } catch (const std::exception&) {
      // The upload's own error is the one to report; S3's lifecycle rules
      // clean an upload that could not be aborted.
    }
    throw;
  }
}

S3Output::S3Output(std::string uri, OutputKind kind) : uri_(std::move(uri)), kind_(kind) {
  local_path_ = StagingPath(uri_);
  CheckDestination();
}

S3Output::S3Output(std::string uri, OutputKind kind, const SourceShard& ranks) : uri_(std::move(uri)), kind_(kind) {
  if (!ranks.active()) {
    *this = S3Output(uri_, kind_);
    return;
  }
  // Every rank stages into the same folder; rank 0 alone looks at the
  // destination, and its verdict travels as "<error kind> <message>".
  std::string verdict;
  if (ranks.index == 0) {
    try {
      *this = S3Output(uri_, kind_);
    } catch (const Error& error) {
      verdict = std::to_string(static_cast<int>(error.kind())) + " " + error.what();
    } catch (const std::exception& error) {
      verdict = std::to_string(static_cast<int>(ErrorKind::kIo)) + " " + uri_ + ": " + error.what();
    }
  } else {
    uploads_ = false;
  }
  verdict = ranks.all_gather(verdict)[0];
  if (!verdict.empty()) {
    const size_t space = verdict.find(' ');
    throw Error(static_cast<ErrorKind>(std::stoi(verdict.substr(0, space))), verdict.substr(space + 1));
  }
  if (ranks.index != 0) local_path_ = StagingPath(uri_);
}

void S3Output::CheckDestination() {
  const S3Location location = ParseS3Uri(uri_);
  std::string key = location.key;
  while (!key.empty() && key.back() == '/') key.pop_back();
  S3Client& client = S3Client::Default();
  if (kind_ == OutputKind::kFile) {
    // Any object is replaced; a "folder" of objects is not a file.
    for (const auto& object : client.List(location.bucket, key + "/")) {
      (void)object;
      ThrowUsage(uri_ + ": objects exist under " + uri_ + "/; a file output does not replace a folder");
    }
    return;
  }
  std::vector<std::string> relative;
  for (const auto& object : client.List(location.bucket, key + "/")) {
    relative.push_back(object.key.substr(key.size() + 1));
    old_keys_.push_back(object.key);
  }
  if (!relative.empty() && !IsSluiceOutput(relative, kind_)) {
    std::string listing;
    for (size_t i = 0; i < std::min<size_t>(relative.size(), 3); ++i) {
      if (i) listing += ", ";
      listing += relative[i];
    }
    if (relative.size() > 3) listing += ", ...";
    ThrowUsage(uri_ + ": holds objects sluice did not write there (" + listing + "); sluice writes this output only "
               "under an empty prefix or over an earlier output of the same kind: name another prefix");
  }
}

void S3Output::Publish() {
  if (!uploads_) return;
  const S3Location location = ParseS3Uri(uri_);
  std::string key = location.key;
  while (!key.empty() && key.back() == '/') key.pop_back();
  std::string local = local_path_;
  while (!local.empty() && local.back() == '/') local.pop_back();
  if (kind_ == OutputKind::kFile) {
    UploadFileToS3(local, location.bucket, key);
    if (fs::exists(local + ".rejects.csv")) UploadFileToS3(local + ".rejects.csv", location.bucket, key + ".rejects.csv");
    return;
  }
  std::vector<std::string> files, manifests;
  for (const auto& entry : fs::recursive_directory_iterator(local)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = fs::relative(entry.path(), local).string();
    if (relative.find(".tmp-") != std::string::npos) continue;  // a writer's leftover, not the output
    (IsManifest(entry.path().filename().string()) ? manifests : files).push_back(relative);
  }
  std::set<std::string> written;
  for (const auto* group : {&files, &manifests}) {
    std::vector<std::future<void>> running;
    for (const auto& relative : *group) {
      if (running.size() == kInFlight) {
        running.front().get();
        running.erase(running.begin());
      }
      written.insert(key + "/" + relative);
      running.push_back(std::async(std::launch::async, [&, relative] {
        UploadFileToS3(local + "/" + relative, location.bucket, key + "/" + relative);
      }));
    }
    for (auto& upload : running) upload.get();
  }
  // The earlier output's keys this one does not have.
  for (const auto& old : old_keys_) {
    if (!written.count(old)) S3Client::Default().Delete(location.bucket, old);
  }
}

}  // namespace sluice
