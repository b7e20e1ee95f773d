#include "io/s3/s3_file.h"

#include <fnmatch.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/sanitizer.h"
#include "common/state_directory.h"
#include "io/file_set.h"

namespace sluice {

namespace {

// What listings learned: each object's size, ETag and time, and which URIs
// are folders.
struct Registry {
  std::mutex mutex;
  std::map<std::string, S3Object> objects;
  std::set<std::string> folders;
  // The last bytes of objects read as files (a Parquet footer is read each
  // time the file is opened: once from S3, then from here), by URI + ETag.
  std::map<std::string, std::shared_ptr<const std::string>> tails;
};

constexpr uint64_t kTailBytes = 64u << 10;

Registry& Known() {
  static Registry registry;
  return registry;
}

void Remember(const std::string& bucket, const S3Object& object) {
  std::lock_guard<std::mutex> lock(Known().mutex);
  Known().objects["s3://" + bucket + "/" + object.key] = object;
}

// A data object under a folder: only key=value/ folders between (as a local
// directory is walked), and a data file's name.
bool InFolder(const std::string& folder_key, const std::string& key) {
  std::string rest = key.substr(folder_key.size());
  size_t slash;
  while ((slash = rest.find('/')) != std::string::npos) {
    const std::string part = rest.substr(0, slash);
    if (part.find('=') == std::string::npos || part[0] == '.' || part[0] == '_') return false;
    rest = rest.substr(slash + 1);
  }
  return IsDataFileName(rest);
}

// Buffers for bytes fetched ahead, reused. One holds a row group's column
// chunks (tens of MiB); a fresh one costs a page fault and a zeroed page per
// 4 KiB as the response lands in it, which was a fifth of the CPU of a
// Parquet read from S3. So buffers are mapped in 2 MiB steps with huge pages
// asked for (one fault per 2 MiB where the kernel grants them), and a
// released one waits for the next fetch: at most kIdleBuffers of them and
// kIdleBytes in all; the rest are unmapped.
class BufferRecycler {
 public:
  BufferRecycler() { idle_.reserve(kIdleBuffers); }

  // A buffer of at least `length` bytes, not zeroed (a fetch fills every
  // byte it reads), given back when the last holder lets go.
  std::shared_ptr<uint8_t> Take(size_t length) {
#if SLUICE_ADDRESS_SANITIZER
    // Exact and from the heap, so that a read past the range is reported.
    return std::shared_ptr<uint8_t>(new uint8_t[std::max<size_t>(length, 1)], std::default_delete<uint8_t[]>());
#else
    Mapping taken;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto best = idle_.end();
      for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (it->capacity >= length && (best == idle_.end() || it->capacity < best->capacity)) best = it;
      }
      if (best != idle_.end()) {
        taken = *best;
        idle_bytes_ -= taken.capacity;
        idle_.erase(best);
      }
    }
    if (taken.bytes == nullptr) {
      // Room for a slightly larger range next time (row groups vary in size).
      taken.capacity = ((length + length / 8) | (kHugePage - 1)) + 1;
      void* bytes = mmap(nullptr, taken.capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (bytes == MAP_FAILED) throw std::bad_alloc();
      madvise(bytes, taken.capacity, MADV_HUGEPAGE);  // a hint: where refused, 4 KiB pages
      taken.bytes = static_cast<uint8_t*>(bytes);
    }
    return std::shared_ptr<uint8_t>(taken.bytes, [this, taken](uint8_t*) { Give(taken); });
#endif
  }

 private:
  struct Mapping {
    uint8_t* bytes = nullptr;
    size_t capacity = 0;
  };
  [[maybe_unused]] static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kIdleBuffers = 8;
  static constexpr size_t kIdleBytes = size_t{256} << 20;

  void Give(Mapping mapping) noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // idle_ has room reserved for kIdleBuffers: this never allocates.
      if (idle_.size() < kIdleBuffers && idle_bytes_ + mapping.capacity <= kIdleBytes) {
        idle_.push_back(mapping);
        idle_bytes_ += mapping.capacity;
        return;
      }
    }
    munmap(mapping.bytes, mapping.capacity);
  }

  std::mutex mutex_;
  std::vector<Mapping> idle_;
  size_t idle_bytes_ = 0;
};

// Never destroyed: a buffer may be given back while statics are torn down.
BufferRecycler& PrefetchBuffers() {
  static BufferRecycler* recycler = new BufferRecycler;
  return *recycler;
}

class S3File : public RandomAccessFile {
 public:
  S3File(std::string uri, S3Object object)
      : uri_(std::move(uri)), location_(ParseS3Uri(uri_)), object_(std::move(object)) {}
  const std::string& name() const override { return uri_; }
  uint64_t size() const override { return object_.size; }
  void ReadAt(uint64_t offset, size_t length, uint8_t* out) const override {
    if (const std::shared_ptr<const uint8_t> held = View(offset, length)) {
      std::memcpy(out, held.get(), length);
      return;
    }
    S3Client::Default().GetRange(location_.bucket, location_.key, offset, length, out, object_.etag);
  }

  // The footer's bytes and bytes fetched ahead, in place (a column chunk is
  // decoded where the response landed, not copied first).
  std::shared_ptr<const uint8_t> View(uint64_t offset, size_t length) const override {
    if (offset > object_.size || length > object_.size - offset) ThrowInputData(uri_ + ": read past the end of the object");
    const uint64_t tail_start = object_.size - std::min(object_.size, kTailBytes);
    if (offset >= tail_start && length > 0) {
      const std::shared_ptr<const std::string> tail = Tail(tail_start);
      return std::shared_ptr<const uint8_t>(tail, reinterpret_cast<const uint8_t*>(tail->data()) + (offset - tail_start));
    }
    return TakePrefetched(offset, length);
  }

  void WillNeed(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const override {
    std::vector<std::pair<uint64_t, uint64_t>> sorted = ranges;
    std::sort(sorted.begin(), sorted.end());
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < sorted.size();) {
      // Adjacent ranges (no gap) become one request.
      const uint64_t start = sorted[i].first;
      uint64_t end = start + sorted[i].second;
      for (++i; i < sorted.size() && sorted[i].first == end; ++i) end += sorted[i].second;
      if (end > object_.size || start >= end || prefetched_.count(start)) continue;
      if (pending_bytes_ + (end - start) > kMaxPrefetchBytes) return;  // enough in flight
      pending_bytes_ += end - start;
      const size_t length = static_cast<size_t>(end - start);
      Prefetch& entry = prefetched_[start];
      entry.length = length;
      entry.bytes = std::async(std::launch::async, [this, start, length] {
                      std::shared_ptr<uint8_t> bytes = PrefetchBuffers().Take(length);
                      S3Client::Default().GetRange(location_.bucket, location_.key, start, length, bytes.get(),
                                                   object_.etag);
                      return bytes;
                    }).share();
    }
  }

  ~S3File() override {
    for (auto& [start, entry] : prefetched_) {
      if (entry.bytes.valid()) entry.bytes.wait();
    }
  }

 private:
  // Bytes fetched ahead (WillNeed), dropped once every byte was read.
  struct Prefetch {
    size_t length = 0;
    size_t consumed = 0;
    std::shared_future<std::shared_ptr<uint8_t>> bytes;
  };
  static constexpr uint64_t kMaxPrefetchBytes = 512u << 20;

  // Bytes [offset, offset + length) where a fetch ahead holds them (waiting
  // for it; its error is rethrown), else nullptr. A fetch is forgotten once
  // every byte of it was taken; its buffer lives while a taker holds it.
  std::shared_ptr<const uint8_t> TakePrefetched(uint64_t offset, size_t length) const {
    std::shared_future<std::shared_ptr<uint8_t>> bytes;
    uint64_t start = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = prefetched_.upper_bound(offset);
      if (found == prefetched_.begin()) return nullptr;
      --found;
      start = found->first;
      if (offset + length > start + found->second.length) return nullptr;
      bytes = found->second.bytes;
    }
    const std::shared_ptr<uint8_t> data = bytes.get();  // rethrows the fetch's error
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = prefetched_.find(start);
      if (found != prefetched_.end() && (found->second.consumed += length) >= found->second.length) {
        pending_bytes_ -= found->second.length;
        prefetched_.erase(found);
      }
    }
    return std::shared_ptr<const uint8_t>(data, data.get() + (offset - start));
  }

  std::shared_ptr<const std::string> Tail(uint64_t tail_start) const {
    const std::string id = uri_ + "\n" + object_.etag;
    {
      std::lock_guard<std::mutex> lock(Known().mutex);
      auto found = Known().tails.find(id);
      if (found != Known().tails.end()) return found->second;
    }
    auto bytes = std::make_shared<std::string>(static_cast<size_t>(object_.size - tail_start), '\0');
    S3Client::Default().GetRange(location_.bucket, location_.key, tail_start, bytes->size(),
                                 reinterpret_cast<uint8_t*>(bytes->data()), object_.etag);
    std::lock_guard<std::mutex> lock(Known().mutex);
    return Known().tails.emplace(id, std::move(bytes)).first->second;
  }

  std::string uri_;
  S3Location location_;
  S3Object object_;
  mutable std::mutex mutex_;
  mutable std::map<uint64_t, Prefetch> prefetched_;
  mutable uint64_t pending_bytes_ = 0;
};

// Bytes [begin, end) of an object, in ranges fetched ahead on threads of
// their own.
class S3RangeStream : public ByteStream {
 public:
  static constexpr size_t kRangeBytes = 8u << 20;
  static constexpr size_t kAhead = 4;

  S3RangeStream(std::string uri, const S3Object& object, uint64_t begin, uint64_t end)
      : location_(ParseS3Uri(uri)), etag_(object.etag), next_(begin), end_(std::min(end, object.size)) {
    path_ = std::move(uri);
    file_size_ = object.size;
    modified_ns_ = object.modified_ns;
  }
  ~S3RangeStream() override {
    for (auto& piece : ahead_) {
      if (piece.valid()) piece.wait();
    }
  }

  size_t Read(char* buffer, size_t size) override {
    size_t total = 0;
    while (total < size) {
      if (offset_ == current_.size()) {
        Fill();
        if (ahead_.empty()) break;
        current_ = ahead_.front().get();  // rethrows the fetch's error
        ahead_.pop_front();
        offset_ = 0;
        continue;
      }
      const size_t take = std::min(size - total, current_.size() - offset_);
      std::memcpy(buffer + total, current_.data() + offset_, take);
      offset_ += take;
      total += take;
      position_ += take;
    }
    Fill();
    return total;
  }
  uint64_t position() const override { return position_; }

 private:
  void Fill() {
    while (ahead_.size() < kAhead && next_ < end_) {
      const uint64_t from = next_;
      const size_t length = static_cast<size_t>(std::min<uint64_t>(kRangeBytes, end_ - from));
      next_ += length;
      ahead_.push_back(std::async(std::launch::async, [this, from, length] {
        std::string bytes(length, '\0');
        S3Client::Default().GetRange(location_.bucket, location_.key, from, length,
                                     reinterpret_cast<uint8_t*>(bytes.data()), etag_);
        return bytes;
      }));
    }
  }

  S3Location location_;
  std::string etag_;
  uint64_t next_, end_;
  std::deque<std::future<std::string>> ahead_;
  std::string current_;
  size_t offset_ = 0;
  uint64_t position_ = 0;
};

// Gunzips another stream (members read through, as gzip -d does); a stream
// that ends inside a member is a truncated object.
class InflateStream : public ByteStream {
 public:
  explicit InflateStream(std::unique_ptr<ByteStream> inner) : inner_(std::move(inner)), input_(1u << 20, '\0') {
    path_ = inner_->path();
    file_size_ = inner_->file_size();
    modified_ns_ = inner_->modified_ns();
    if (inflateInit2(&z_, 15 + 32) != Z_OK) ThrowInternal("zlib inflateInit2 failed");
  }
  ~InflateStream() override { inflateEnd(&z_); }

  size_t Read(char* buffer, size_t size) override {
    size_t total = 0;
    while (total < size && !done_) {
      if (z_.avail_in == 0) {
        const size_t got = inner_->Read(input_.data(), input_.size());
        if (got == 0) {
          if (in_member_) {
            ThrowInputData(path_ + ": the gzip stream ends early, at byte " + std::to_string(inner_->position()) +
                           " of the object: it is truncated");
          }
          done_ = true;
          break;
        }
        z_.next_in = reinterpret_cast<Bytef*>(input_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      z_.next_out = reinterpret_cast<Bytef*>(buffer + total);
      z_.avail_out = static_cast<uInt>(std::min<size_t>(size - total, 1u << 30));
      const uInt before = z_.avail_out;
      in_member_ = true;
      const int code = inflate(&z_, Z_NO_FLUSH);
      total += before - z_.avail_out;
      if (code == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&z_);  // another member may follow
      } else if (code != Z_OK && code != Z_BUF_ERROR) {
        ThrowInputData(path_ + ": corrupt gzip data: " + (z_.msg ? z_.msg : "inflate failed"));
      }
    }
    return total;
  }
  uint64_t position() const override { return inner_->position(); }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::string input_;
  z_stream z_{};
  bool in_member_ = false;
  bool done_ = false;
};

}  // namespace

bool IsS3Uri(const std::string& uri) { return uri.rfind("s3://", 0) == 0; }

std::vector<std::string> ResolveS3Files(const std::string& uri) {
  const S3Location location = ParseS3Uri(uri);
  S3Client& client = S3Client::Default();
  const std::string base = "s3://" + location.bucket + "/";
  std::vector<std::string> files;
  auto keep = [&](const S3Object& object) {
    Remember(location.bucket, object);
    files.push_back(base + object.key);
  };
  const size_t wildcard = location.key.find_first_of("*?[");
  if (wildcard != std::string::npos) {
    const size_t slash = location.key.rfind('/', wildcard);
    const std::string prefix = slash == std::string::npos ? "" : location.key.substr(0, slash + 1);
    for (const auto& object : client.List(location.bucket, prefix)) {
      if (::fnmatch(location.key.c_str(), object.key.c_str(), FNM_PATHNAME) == 0) keep(object);
    }
    if (files.empty()) ThrowUsage("source '" + uri + "': no object matches");
    return files;
  }
  std::string folder = location.key;
  if (!folder.empty() && folder.back() != '/') {
    // One object, or a folder named without its trailing slash.
    const auto objects = client.List(location.bucket, location.key);
    for (const auto& object : objects) {
      if (object.key == location.key) {
        keep(object);
        return files;
      }
    }
    folder += '/';
    bool any = false;
    for (const auto& object : objects) any = any || object.key.rfind(folder, 0) == 0;
    if (!any) ThrowUsage("source '" + uri + "': no such object, and no object under " + base + folder);
  }
  for (const auto& object : client.List(location.bucket, folder)) {
    if (InFolder(folder, object.key)) keep(object);
  }
  if (files.empty()) {
    ThrowUsage("source '" + uri + "': no .csv, .tsv, .jsonl or .parquet object under " + base + folder);
  }
  std::lock_guard<std::mutex> lock(Known().mutex);
  Known().folders.insert(uri);
  return files;
}

bool IsS3Folder(const std::string& uri) {
  if (!uri.empty() && uri.back() == '/') return true;
  std::lock_guard<std::mutex> lock(Known().mutex);
  return Known().folders.count(uri) > 0;
}

S3Object S3ObjectInfo(const std::string& uri) {
  {
    std::lock_guard<std::mutex> lock(Known().mutex);
    auto found = Known().objects.find(uri);
    if (found != Known().objects.end()) return found->second;
  }
  const S3Location location = ParseS3Uri(uri);
  auto object = S3Client::Default().Head(location.bucket, location.key);
  if (!object) ThrowUsage(uri + ": no such object");
  Remember(location.bucket, *object);
  return *object;
}

std::unique_ptr<RandomAccessFile> OpenS3File(const std::string& uri) {
  return std::make_unique<S3File>(uri, S3ObjectInfo(uri));
}

std::unique_ptr<ByteStream> OpenS3Stream(const std::string& uri, uint64_t begin, uint64_t end, bool inflate) {
  auto stream = std::make_unique<S3RangeStream>(uri, S3ObjectInfo(uri), begin, end);
  if (!inflate) return stream;
  return std::make_unique<InflateStream>(std::move(stream));
}

bool IsS3ObjectGzip(const std::string& uri) {
  const S3Object object = S3ObjectInfo(uri);
  if (object.size < 2) return false;
  uint8_t magic[2];
  const S3Location location = ParseS3Uri(uri);
  S3Client::Default().GetRange(location.bucket, location.key, 0, 2, magic, object.etag);
  return magic[0] == 0x1f && magic[1] == 0x8b;
}

namespace {

std::string DownloadS3FolderOnce(const std::string& uri, const std::function<void(const std::string&)>& check) {
  namespace fs = std::filesystem;
  const S3Location location = ParseS3Uri(uri);
  std::string prefix = location.key;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty()) prefix += '/';
  S3Client& client = S3Client::Default();
  std::vector<S3Object> objects = client.List(location.bucket, prefix);
  // Folder markers (empty objects whose key ends in '/', what the AWS
  // console's "Create folder" leaves) are folders, not files.
  objects.erase(std::remove_if(objects.begin(), objects.end(),
                               [](const S3Object& o) { return o.size == 0 && !o.key.empty() && o.key.back() == '/'; }),
                objects.end());
  if (objects.empty()) ThrowUsage(uri + ": no object under s3://" + location.bucket + "/" + prefix);
  if (objects.size() > kMaxFolderObjects) {
    ThrowUsage(uri + ": " + std::to_string(objects.size()) + " objects under it; a folder read whole holds at most " +
               std::to_string(kMaxFolderObjects));
  }
  uint64_t total = 0;
  std::string index;  // key and ETag of each object: what the cached copy holds
  for (const auto& object : objects) {
    total += object.size;
    index += object.key + "\t" + object.etag + "\n";
    const std::string relative = object.key.substr(prefix.size());
    // A key that would climb out of the folder is refused, never followed.
    if (relative.empty() || relative.front() == '/' || relative.back() == '/' ||
        ("/" + relative + "/").find("/../") != std::string::npos ||
        ("/" + relative + "/").find("/./") != std::string::npos) {
      ThrowUsage(uri + ": object key '" + object.key + "' cannot be a file in a local folder");
    }
  }
  if (total > kMaxFolderBytes) {
    ThrowUsage(uri + ": " + std::to_string(total) + " bytes under it; a folder read whole holds at most " +
               std::to_string(kMaxFolderBytes));
  }
  const fs::path cache = fs::absolute(StateDirectory()) / "s3-cache" / ToHex64(Hash64(uri));
  const fs::path folder = cache / "model";
  {
    std::ifstream held((cache / "index").string());
    std::string cached((std::istreambuf_iterator<char>(held)), std::istreambuf_iterator<char>());
    if (held && cached == index && fs::is_directory(folder)) return folder.string();
  }
  const fs::path fresh = cache / ("download.tmp-" + std::to_string(::getpid()));
  fs::remove_all(fresh);
  fs::create_directories(fresh);
  // Objects stream to disk in pieces: a large one never sits in memory whole.
  // A download that fails takes its half-written copy away with it.
  constexpr uint64_t kPiece = 32u << 20;
  std::vector<uint8_t> piece;
  try {
    for (const auto& object : objects) {
      const fs::path target = fresh / object.key.substr(prefix.size());
      fs::create_directories(target.parent_path());
      std::ofstream out(target, std::ios::binary);
      for (uint64_t at = 0; at < object.size && out; at += kPiece) {
        const size_t length = static_cast<size_t>(std::min(kPiece, object.size - at));
        piece.resize(length);
        client.GetRange(location.bucket, object.key, at, length, piece.data(), object.etag);
        out.write(reinterpret_cast<const char*>(piece.data()), static_cast<std::streamsize>(length));
      }
      out.close();
      if (!out) ThrowIo("cannot write " + target.string() + " (a copy of " + S3Name(location.bucket, object.key) + ")");
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(fresh, ignored);
    throw;
  }
  if (check) {
    try {
      check(fresh.string());
    } catch (const Error& error) {
      std::error_code ignored;
      fs::remove_all(fresh, ignored);
      // Name the objects, not the copy that is gone.
      std::string message = error.what();
      const std::string local = fresh.string() + "/", remote = "s3://" + location.bucket + "/" + prefix;
      for (size_t at; (at = message.find(local)) != std::string::npos;) message.replace(at, local.size(), remote);
      throw Error(error.kind(), message);
    } catch (...) {
      std::error_code ignored;
      fs::remove_all(fresh, ignored);
      throw;
    }
  }
  // The new copy replaces the old one whole: renamed aside, then away.
  const fs::path old = cache / ("old.tmp-" + std::to_string(::getpid()));
  std::error_code ignored;
  if (fs::exists(folder)) fs::rename(folder, old);
  fs::rename(fresh, folder);
  fs::remove_all(old, ignored);
  std::ofstream((cache / "index").string(), std::ios::trunc) << index;
  return folder.string();
}

}  // namespace

std::string DownloadS3Folder(const std::string& uri, const std::function<void(const std::string&)>& check) {
  for (int attempt = 1;; ++attempt) {
    try {
      return DownloadS3FolderOnce(uri, check);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::kInputData) throw;
      if (attempt == kFolderAttempts) {
        ThrowInputData(std::string(error.what()) + " (copied " + std::to_string(kFolderAttempts) + " times from " + uri +
                       ": it kept changing while it was read, or it is damaged there)");
      }
      Log(LogLevel::kWarning, uri + ": the copy is not consistent (" + error.what() + "); copying it again");
      std::this_thread::sleep_for(std::chrono::seconds(attempt));
    }
  }
}

}  // namespace sluice
