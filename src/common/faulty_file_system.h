#pragma once
// For tests: a FileSystem that passes every operation to the real one and
// fails the Nth (counting NewWritableFile, NewAppendableFile, Append, Sync,
// Close, Rename and CreateDirectories) with ENOSPC, EIO, or a short write
// (half the bytes written, then ENOSPC: how a full disk shows). Installed
// for the scope of a FaultScope. ForEachFault() and EachFault() run a write
// once per operation it makes, failing each in turn, as LevelDB's fault
// tests do.

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/error.h"
#include "common/file_system.h"

namespace sluice {

enum class Fault { kNoSpace, kIoError, kShortWrite };

class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem(FileSystem& real, Fault fault, int fail_at) : real_(real), fault_(fault), fail_at_(fail_at) {}

  int operations() const { return operations_; }
  bool failed() const { return failed_; }

  std::unique_ptr<WritableFile> NewWritableFile(const std::string& path) override {
    MaybeFail("create", path);
    return std::make_unique<File>(*this, path, real_.NewWritableFile(path));
  }
  std::unique_ptr<WritableFile> NewAppendableFile(const std::string& path) override {
    MaybeFail("open", path);
    return std::make_unique<File>(*this, path, real_.NewAppendableFile(path));
  }
  void Rename(const std::string& from, const std::string& to) override {
    MaybeFail("rename " + from + " to", to);
    real_.Rename(from, to);
  }
  void CreateDirectories(const std::string& path) override {
    MaybeFail("create", path);
    real_.CreateDirectories(path);
  }
  void LinkOrCopyFile(const std::string& from, const std::string& to) override {
    MaybeFail("copy " + from + " to", to);
    real_.LinkOrCopyFile(from, to);
  }
  void RemoveAll(const std::string& path) noexcept override { real_.RemoveAll(path); }
  void BeforeLibraryWrite(const std::string& operation, const std::string& path) override {
    MaybeFail(operation, path);  // a short write is ENOSPC here: the library sees only the error
  }

 private:
  class File : public WritableFile {
   public:
    File(FaultyFileSystem& owner, std::string path, std::unique_ptr<WritableFile> real)
        : owner_(owner), path_(std::move(path)), real_(std::move(real)) {}
    void Append(std::string_view bytes) override {
      if (owner_.Due() && owner_.fault_ == Fault::kShortWrite) {
        real_->Append(bytes.substr(0, bytes.size() / 2));
        real_->Sync();
        ThrowFileError(ENOSPC, "write", path_);
      }
      owner_.MaybeFailNow("write", path_);
      real_->Append(bytes);
    }
    void Sync() override {
      owner_.MaybeFail("sync", path_);
      real_->Sync();
    }
    void Close() override {
      owner_.MaybeFail("close", path_);
      real_->Close();
    }

   private:
    FaultyFileSystem& owner_;
    std::string path_;
    std::unique_ptr<WritableFile> real_;
  };

  // Counts one operation; true when it is the one to fail.
  bool Due() {
    if (++operations_ != fail_at_) return false;
    failed_ = true;
    return true;
  }
  void MaybeFail(const std::string& what, const std::string& path) {
    if (Due()) Throw(what, path);
  }
  // For an Append already counted by Due().
  void MaybeFailNow(const std::string& what, const std::string& path) {
    if (failed_ && operations_ == fail_at_ && !thrown_) Throw(what, path);
  }
  void Throw(const std::string& what, const std::string& path) {
    thrown_ = true;
    ThrowFileError(fault_ == Fault::kIoError ? EIO : ENOSPC, what, path);
  }

  FileSystem& real_;
  Fault fault_;
  int fail_at_;
  int operations_ = 0;
  bool failed_ = false;
  bool thrown_ = false;
};

// Installs a FileSystem as the default for its lifetime.
class FaultScope {
 public:
  explicit FaultScope(FileSystem& file_system) { FileSystem::SetDefaultForTesting(&file_system); }
  ~FaultScope() { FileSystem::SetDefaultForTesting(nullptr); }
  FaultScope(const FaultScope&) = delete;
  FaultScope& operator=(const FaultScope&) = delete;
};

// What EachFault did: how many operations failed in turn, and how many of
// those runs ended in an Error.
struct FaultRuns {
  int operations = 0;
  int errors = 0;
};

// Runs `write` with its 1st, 2nd, ... file operation failing with `fault`
// until a run makes fewer operations than the one to fail (so every
// operation has failed once). `on_error(error)` sees each Error a run ends
// in; `after()` (may be empty) runs after every run that met its fault,
// outside the fault. An injected fault that ends in no Error is a failure of
// the writer, unless `may_absorb`: a library that does its own I/O (SQLite)
// may recover from one (a failed checkpoint as it closes) and rightly say
// nothing.
inline FaultRuns EachFault(Fault fault, const std::function<void()>& write,
                           const std::function<void(const Error&)>& on_error, const std::function<void()>& after,
                           bool may_absorb) {
  FileSystem& real = FileSystem::Default();
  FaultRuns runs;
  for (int fail_at = 1;; ++fail_at) {
    FaultyFileSystem faulty(real, fault, fail_at);
    bool threw = false;
    {
      FaultScope scope(faulty);
      try {
        write();
      } catch (const Error& error) {
        threw = true;
        if (!faulty.failed()) throw;  // a real error, not the injected one
        ++runs.errors;
        on_error(error);
      }
    }
    if (!faulty.failed()) {
      runs.operations = fail_at - 1;
      return runs;
    }
    if (!threw && !may_absorb) {
      throw std::logic_error("an injected fault was swallowed at operation " + std::to_string(fail_at));
    }
    if (after) after();
  }
}

// EachFault for sluice's own writers, where every fault must end in an
// Error: `check(error)` proves the old state survived. Returns how many
// operations failed in turn.
inline int ForEachFault(Fault fault, const std::function<void()>& write,
                        const std::function<void(const Error&)>& check) {
  return EachFault(fault, write, check, nullptr, false).operations;
}

// Every file under `dir` (relative path -> content), folders as "/" entries:
// what a failed write must leave exactly as it was.
inline std::map<std::string, std::string> SnapshotTree(const std::string& dir) {
  std::map<std::string, std::string> tree;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string relative = std::filesystem::relative(it->path(), dir).string();
    if (it->is_directory()) {
      tree[relative + "/"] = "";
    } else {
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      tree[relative] = content.str();
    }
  }
  return tree;
}

}  // namespace sluice
