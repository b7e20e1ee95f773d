#include "io/s3/s3_settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "common/error.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

// Each test starts from an environment without AWS settings and a HOME of
// its own, and leaves the process's environment as it found it.
class S3SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                             "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", "HOME"}) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      ::unsetenv(name);
    }
    ::setenv("HOME", home_.path().c_str(), 1);
    std::filesystem::create_directories(home_.Path(".aws"));
  }
  void TearDown() override {
    SetS3Endpoint("");
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                             "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", "HOME"}) {
      ::unsetenv(name);
    }
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  void Write(const std::string& name, const std::string& text) { std::ofstream(home_.Path(".aws/" + name)) << text; }

  ScratchDirectory home_{"s3-settings"};
  std::map<std::string, std::string> saved_;
};

TEST_F(S3SettingsTest, NothingSetMeansUnsignedRequestsToAwsInUsEast1) {
  const S3Settings settings = LoadS3Settings();
  EXPECT_TRUE(settings.credentials.empty());
  EXPECT_EQ(settings.credentials_from, "nowhere (requests go unsigned)");
  EXPECT_EQ(settings.region, "us-east-1");
  EXPECT_EQ(settings.endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(settings.path_style);
  EXPECT_EQ(settings.max_attempts, 5);
}

TEST_F(S3SettingsTest, TheEnvironmentComesBeforeTheFiles) {
  Write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  Write("config", "[default]\nregion = eu-west-1\n");
  ::setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ::setenv("AWS_SESSION_TOKEN", "token", 1);
  ::setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  ::setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
  const S3Settings settings = LoadS3Settings();
  EXPECT_EQ(settings.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(settings.credentials.session_token, "token");
  EXPECT_EQ(settings.credentials_from, "the environment (AWS_ACCESS_KEY_ID)");
  EXPECT_EQ(settings.region, "ap-south-1");
  EXPECT_EQ(settings.endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(settings.path_style);  // a custom endpoint: path-style unless the profile says virtual
  ::setenv("AWS_REGION", "us-west-2", 1);
  EXPECT_EQ(LoadS3Settings().region, "us-west-2");
  SetS3Endpoint("http://localhost:4568");
  EXPECT_EQ(LoadS3Settings().endpoint, "http://localhost:4568");
}

TEST_F(S3SettingsTest, AProfileIsReadFromTheCredentialsAndConfigFiles) {
  Write("credentials", "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = d\n\n"
                       "# a comment\n[lab]\naws_access_key_id = LABKEY\naws_secret_access_key = labsecret\n");
  Write("config", "[profile lab]\nregion = eu-central-1\nendpoint_url = https://minio.lab:9000\n"
                  "s3 =\n  addressing_style = virtual\n");
  ::setenv("AWS_PROFILE", "lab", 1);
  const S3Settings settings = LoadS3Settings();
  EXPECT_EQ(settings.credentials.access_key_id, "LABKEY");
  EXPECT_EQ(settings.credentials.secret_access_key, "labsecret");
  EXPECT_EQ(settings.credentials_from, "profile lab in " + home_.Path(".aws/credentials"));
  EXPECT_EQ(settings.region, "eu-central-1");
  EXPECT_EQ(settings.endpoint, "https://minio.lab:9000");
  EXPECT_FALSE(settings.path_style);
  ::unsetenv("AWS_PROFILE");
  EXPECT_EQ(LoadS3Settings().credentials.access_key_id, "DEFAULTKEY");
}

TEST_F(S3SettingsTest, MistakesAreUsageErrors) {
  ::setenv("AWS_PROFILE", "nosuch", 1);
  EXPECT_THROW(LoadS3Settings(), Error);
  ::unsetenv("AWS_PROFILE");
  ::setenv("AWS_ACCESS_KEY_ID", "KEY", 1);
  EXPECT_THROW(LoadS3Settings(), Error);  // no secret
  ::setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
  ::setenv("AWS_ENDPOINT_URL", "ftp://host", 1);
  EXPECT_THROW(LoadS3Settings(), Error);
  ::unsetenv("AWS_ENDPOINT_URL");
  ::setenv("AWS_MAX_ATTEMPTS", "0", 1);
  EXPECT_THROW(LoadS3Settings(), Error);
  ::setenv("AWS_MAX_ATTEMPTS", "3", 1);
  EXPECT_EQ(LoadS3Settings().max_attempts, 3);
}

TEST(S3Uri, BucketAndKeyAreSplitAtTheFirstSlash) {
  EXPECT_EQ(ParseS3Uri("s3://trips/2015/a.csv").bucket, "trips");
  EXPECT_EQ(ParseS3Uri("s3://trips/2015/a.csv").key, "2015/a.csv");
  EXPECT_EQ(ParseS3Uri("s3://trips").key, "");
  EXPECT_EQ(ParseS3Uri("s3://trips/2015/").key, "2015/");
  EXPECT_THROW(ParseS3Uri("s3:///key"), Error);
  EXPECT_THROW(ParseS3Uri("http://trips/key"), Error);
}

}  // namespace
}  // namespace sluice
