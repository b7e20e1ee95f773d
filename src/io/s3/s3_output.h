#pragma once
// An output named s3://bucket/key (run's output, transform --output,
// convert's output, prep --out): the verb writes it locally first, under the
// state directory (.sluice/s3-staging/<hash of the URI>/NAME), with every
// local rule (atomic renames, checkpoints, resumes), and Publish() uploads it
// when the verb has succeeded. So the object appears only when complete: a
// file is one PUT, or a multipart upload completed last (8 MiB or larger
// parts, four in flight) and aborted on any failure, so nothing
// half-written is ever visible under its key. A directory (an artifact, a
// dataset, prepared data) is uploaded file by file with its manifests
// (sluice-model.json, manifest.json, prep.json) last, then the keys the
// previous sluice output there had and this one has not are deleted.
//
// sluice never deletes what it did not write: the constructor checks the
// destination before any work, as CheckOutputPath does for a path. A file
// output replaces an object; a directory output writes under an empty
// prefix or over the same kind of sluice output (a usage error, exit 2,
// names anything else). The local copy stays after publishing: the model
// registry and `--resume` use it.
//
// Across MPI ranks every rank writes its share into the same staging
// folder, as it would into a local output (so the state directory must be
// one every rank sees, like any output directory under MPI); rank 0 checks
// the destination before any rank starts (the others get its verdict, so a
// refusal ends every rank with the same message) and uploads at the end,
// once the verb has joined the ranks' files.

#include <string>
#include <vector>

#include "common/output_guard.h"
#include "io/source_shard.h"

namespace sluice {

class S3Output {
 public:
  S3Output(std::string uri, OutputKind kind);
  // The output of a job's ranks (see above; `ranks` is this rank's place in
  // the job and its all-gather); in a job of one, the above.
  S3Output(std::string uri, OutputKind kind, const SourceShard& ranks);
  const std::string& uri() const { return uri_; }
  // Where the verb writes instead.
  const std::string& local_path() const { return local_path_; }
  // Uploads what local_path() holds to the URI (see above), and any
  // `local_path().rejects.csv` beside a file output to `URI.rejects.csv`.
  // On a rank other than 0 it does nothing: rank 0 uploads for the job.
  void Publish();

 private:
  // Throws a usage error where the destination holds what sluice may not
  // replace; remembers the keys an earlier output left.
  void CheckDestination();

  std::string uri_;
  OutputKind kind_;
  std::string local_path_;
  std::vector<std::string> old_keys_;  // under a directory output's prefix, before the run
  bool uploads_ = true;                // false on ranks other than 0
};

// Uploads one local file to s3://bucket/key: one PUT under 16 MiB, else a
// multipart upload (aborted if any part fails).
void UploadFileToS3(const std::string& local_path, const std::string& bucket, const std::string& key);

}  // namespace sluice
