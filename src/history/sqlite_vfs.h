#pragma once
// The run history's writes through sluice's file-system seam: a SQLite VFS,
// "sluice", that passes everything to the default one but asks
// FileSystem::Default().BeforeLibraryWrite() before each write, truncation
// and sync, and turns the error it throws into the SQLite code for it
// (SQLITE_FULL for a full disk, SQLITE_IOERR_* otherwise). Tests that inject
// faults at the seam so reach runs.db too.

namespace sluice {

// Registers the VFS once (not as the default); returns its name for sqlite3_open_v2.
const char* SluiceSqliteVfs();

}  // namespace sluice
