#include "history/sqlite_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <string>

#include "common/error.h"
#include "common/file_system.h"

namespace sluice {

namespace {

// A file of ours: the default VFS's file lies right after it in memory.
struct ShimFile {
  sqlite3_file base;
  const char* path;  // owned by SQLite for the file's life
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

ShimFile* Shim(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file); }

sqlite3_vfs* real_vfs = nullptr;
sqlite3_io_methods shim_methods;

// SQLITE_OK, or the code for the error the seam throws before this write.
int Ask(sqlite3_file* file, const char* operation, int io_error) {
  try {
    FileSystem::Default().BeforeLibraryWrite(operation, Shim(file)->path ? Shim(file)->path : "the run history");
  } catch (const Error& error) {
    return std::strstr(error.what(), "no space left on device") ? SQLITE_FULL : io_error;
  }
  return SQLITE_OK;
}

int Close(sqlite3_file* file) { return Shim(file)->real()->pMethods->xClose(Shim(file)->real()); }
int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  return Shim(file)->real()->pMethods->xRead(Shim(file)->real(), buffer, amount, offset);
}
int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  if (int code = Ask(file, "write", SQLITE_IOERR_WRITE); code != SQLITE_OK) return code;
  return Shim(file)->real()->pMethods->xWrite(Shim(file)->real(), buffer, amount, offset);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int code = Ask(file, "truncate", SQLITE_IOERR_TRUNCATE); code != SQLITE_OK) return code;
  return Shim(file)->real()->pMethods->xTruncate(Shim(file)->real(), size);
}
int Sync(sqlite3_file* file, int flags) {
  if (int code = Ask(file, "sync", SQLITE_IOERR_FSYNC); code != SQLITE_OK) return code;
  return Shim(file)->real()->pMethods->xSync(Shim(file)->real(), flags);
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return Shim(file)->real()->pMethods->xFileSize(Shim(file)->real(), size);
}
int Lock(sqlite3_file* file, int level) { return Shim(file)->real()->pMethods->xLock(Shim(file)->real(), level); }
int Unlock(sqlite3_file* file, int level) { return Shim(file)->real()->pMethods->xUnlock(Shim(file)->real(), level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Shim(file)->real()->pMethods->xCheckReservedLock(Shim(file)->real(), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Shim(file)->real()->pMethods->xFileControl(Shim(file)->real(), op, arg);
}
int SectorSize(sqlite3_file* file) { return Shim(file)->real()->pMethods->xSectorSize(Shim(file)->real()); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Shim(file)->real()->pMethods->xDeviceCharacteristics(Shim(file)->real());
}
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Shim(file)->real()->pMethods->xShmMap(Shim(file)->real(), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Shim(file)->real()->pMethods->xShmLock(Shim(file)->real(), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Shim(file)->real()->pMethods->xShmBarrier(Shim(file)->real()); }
int ShmUnmap(sqlite3_file* file, int remove) { return Shim(file)->real()->pMethods->xShmUnmap(Shim(file)->real(), remove); }
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return Shim(file)->real()->pMethods->xFetch(Shim(file)->real(), offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Shim(file)->real()->pMethods->xUnfetch(Shim(file)->real(), offset, page);
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  ShimFile* shim = Shim(file);
  shim->base.pMethods = nullptr;
  shim->path = name;
  const int code = real_vfs->xOpen(real_vfs, name, shim->real(), flags, out_flags);
  // Only a file the real VFS opened gets our methods (so only it is closed).
  if (shim->real()->pMethods) shim->base.pMethods = &shim_methods;
  return code;
}

}  // namespace

const char* SluiceSqliteVfs() {
  static std::once_flag once;
  static sqlite3_vfs vfs;
  std::call_once(once, [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    vfs = *real_vfs;
    vfs.zName = "sluice";
    vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + real_vfs->szOsFile;
    vfs.pNext = nullptr;
    vfs.xOpen = Open;
    shim_methods = {3,     Close,   Read,   Write,       Truncate,   Sync,    FileSize,   Lock,   Unlock,
                    CheckReservedLock, FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier,
                    ShmUnmap, Fetch, Unfetch};
    sqlite3_vfs_register(&vfs, 0);
  });
  return "sluice";
}

}  // namespace sluice
