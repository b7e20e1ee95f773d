#pragma once
// The one seam every write sluice makes goes through (LevelDB's Env): the
// files of artifacts, Parquet files and datasets, checkpoints, rejects,
// journals and reports are created, appended, synced, closed, renamed and
// removed here. The default is the real POSIX file system; tests install
// one that injects ENOSPC, EIO or a short write at any operation, to prove
// that every writer leaves the old state intact and names the path and the
// cause. Every failure is an IO Error whose message says what failed and on
// which path; a full disk reads "no space left on device: PATH".

#include <memory>
#include <string>
#include <string_view>

namespace sluice {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `bytes` (a short write is retried until it fails).
  virtual void Append(std::string_view bytes) = 0;
  // Flushes to the kernel and fsyncs.
  virtual void Sync() = 0;
  virtual void Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The process's file system: the real one unless a test installed another.
  static FileSystem& Default();
  // Installs `file_system` (not owned) as Default(); nullptr restores the real one.
  static void SetDefaultForTesting(FileSystem* file_system);

  // Creates or truncates `path` for writing.
  virtual std::unique_ptr<WritableFile> NewWritableFile(const std::string& path) = 0;
  // Opens `path` (created if missing) to append to its end: journals.
  virtual std::unique_ptr<WritableFile> NewAppendableFile(const std::string& path) = 0;
  virtual void Rename(const std::string& from, const std::string& to) = 0;
  virtual void CreateDirectories(const std::string& path) = 0;
  // Gives `to` the content of the file `from`: a hard link where the file
  // system allows one (sharing its bytes), else a copy.
  virtual void LinkOrCopyFile(const std::string& from, const std::string& to) = 0;
  // Removes a file or a directory tree; never throws (clean-up paths use it).
  virtual void RemoveAll(const std::string& path) noexcept = 0;

  // Said before a library that does its own I/O (SQLite, for the run
  // history) writes, truncates or syncs `path`; throws the error the write
  // is to fail with. The real file system lets every write through.
  virtual void BeforeLibraryWrite(const std::string& operation, const std::string& path) {}
};

// The IO error for `error_number` on `path`: "no space left on device: PATH",
// "disk quota exceeded: PATH", else "cannot WHAT PATH: strerror".
[[noreturn]] void ThrowFileError(int error_number, const std::string& what, const std::string& path);

}  // namespace sluice
