#pragma once
// Objects in S3 as the inputs sluice reads: the objects a source URI names
// (s3://bucket/key, s3://bucket/prefix/ with every data object under it,
// Hive key=value/ prefixes included, or a glob), each read as a
// RandomAccessFile (Parquet: ranged GETs, the footer first, then only the
// column chunks a scan needs, from many threads at once) or a ByteStream
// (CSV / JSON Lines: 8 MiB ranges, four in flight ahead of the reader; gzip
// objects inflated as they stream). Every read after the listing carries
// If-Match with the ETag first seen, so an object rewritten while it is read
// is an error (exit 3), never a mix of two versions.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_stream.h"
#include "io/random_access_file.h"
#include "io/s3/s3_client.h"

namespace sluice {

bool IsS3Uri(const std::string& uri);

// The objects `uri` names, as s3:// URIs in key order; a usage error naming
// the URI when there are none. Their sizes and ETags are kept for the opens
// that follow.
std::vector<std::string> ResolveS3Files(const std::string& uri);
// Whether `uri` names a prefix (a folder of objects) rather than one object.
bool IsS3Folder(const std::string& uri);
// The object's size, ETag and time (from the listing, else a HEAD).
S3Object S3ObjectInfo(const std::string& uri);

std::unique_ptr<RandomAccessFile> OpenS3File(const std::string& uri);
// Bytes [begin, end) of the object (end clipped to its size); `inflate`:
// gunzip as it streams (the whole object only).
std::unique_ptr<ByteStream> OpenS3Stream(const std::string& uri, uint64_t begin, uint64_t end, bool inflate);
// Whether the object starts with gzip's magic bytes.
bool IsS3ObjectGzip(const std::string& uri);

// A folder of objects (a model artifact, prepared data) as a local directory: every object
// under the prefix downloaded into the state directory's s3-cache/<hash of
// the URI>/, reused while every object's ETag is the one downloaded, else
// downloaded anew into a fresh folder renamed over the old one (so a reader
// never sees half a download). At most kMaxFolderObjects objects and
// kMaxFolderBytes bytes: a usage error past either. Returns the directory.
//
// `check`, when given, judges a fresh copy before it is kept (a model's
// files against its manifest). Objects change one by one while a prefix is
// replaced, so a copy it finds inconsistent (an input-data error), like an
// object that changed while it was read, is downloaded again, up to
// kFolderAttempts times a second apart and more, before the error stands.
std::string DownloadS3Folder(const std::string& uri, const std::function<void(const std::string&)>& check = nullptr);
inline constexpr int kFolderAttempts = 3;
inline constexpr size_t kMaxFolderObjects = 10000;
inline constexpr uint64_t kMaxFolderBytes = 16ull << 30;

}  // namespace sluice
