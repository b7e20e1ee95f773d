#pragma once
// Where S3 requests go and who signs them, found the way the AWS CLI finds
// them:
//   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
//                else the profile (AWS_PROFILE, else "default") in
//                AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), then in
//                AWS_CONFIG_FILE (~/.aws/config); none: requests go unsigned
//                (public buckets)
//   region       AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1
//   endpoint     a pipeline's source.endpoint (SetS3Endpoint), else
//                AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
//                endpoint_url; else https://s3.REGION.amazonaws.com
//   addressing   the profile's `s3 = \n addressing_style = path|virtual`;
//                path-style by default for a custom endpoint (MinIO, s3rver,
//                Ceph), virtual-hosted for AWS
//   attempts     AWS_MAX_ATTEMPTS (5 by default): tries of one request
//   stall        SLUICE_S3_STALL_SECONDS (30 by default): a request that
//                moves under 1 KiB/s that long (a server that stopped
//                answering) is cut and tried again
// A secret never leaves this struct but as a signature.

#include <string>

#include "io/s3/sigv4.h"

namespace sluice {

struct S3Settings {
  AwsCredentials credentials;
  std::string credentials_from;  // "the environment", "profile default in /root/.aws/credentials", "nowhere"
  std::string region = "us-east-1";
  std::string endpoint;          // scheme://host[:port], no trailing slash
  bool path_style = false;
  int max_attempts = 5;
  int stall_seconds = 30;
};

// Reads the environment and the AWS files (once per process; later calls
// return the first result). Throws a usage error for a profile that AWS_PROFILE
// names but no file holds, or an endpoint that is not http(s)://.
const S3Settings& DefaultS3Settings();
S3Settings LoadS3Settings();
// The endpoint every s3:// URI of this process goes to (a pipeline's
// source.endpoint), ahead of the environment; set before the first request.
void SetS3Endpoint(const std::string& endpoint);

// s3://bucket/key -> {bucket, key}; a usage error for anything else.
struct S3Location {
  std::string bucket;
  std::string key;  // may be empty (the whole bucket) or end in '/'
};
S3Location ParseS3Uri(const std::string& uri);

}  // namespace sluice
