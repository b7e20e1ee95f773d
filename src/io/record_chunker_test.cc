#include "io/record_chunker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "common/scratch_directory.h"

namespace sluice {
namespace {

// `content` in a file of `scratch`, as the chunker reads a file.
std::string WriteFile(const ScratchDirectory& scratch, const std::string& content) {
  const std::string path = scratch.Path("input.csv");
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(RecordChunker, RecordLongerThanTheLimitIsSkippedToTheNextNewline) {
  const std::string long_record = "\"" + std::string(5000, 'x') + "\n" + std::string(100, 'y');  // an unclosed quote
  ScratchDirectory scratch("chunker");
  const std::string path = WriteFile(scratch, "a,b\n1,2\n" + long_record + "\n3,4\n5,6\n");
  auto stream = ByteStream::Open(path);
  RecordChunker chunker(*stream, 64, true, '"', 1000);
  std::string records;
  std::vector<SkippedRecord> skipped;
  int64_t line_of_3 = 0;
  while (auto chunk = chunker.Next()) {
    for (auto& record : chunk->skipped) skipped.push_back(record);
    std::string text(chunk->data(), chunk->size);
    if (auto at = text.find("3,4"); at != std::string::npos) {
      line_of_3 = chunk->first_line + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
    }
    records += text;
  }
  // The skip ends at the first newline past the limit; what follows is read
  // as records again (here a line of y's, which the tokenizer then rejects).
  EXPECT_EQ(records, "a,b\n1,2\n" + std::string(100, 'y') + "\n3,4\n5,6\n");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].line, 3);
  EXPECT_EQ(skipped[0].bytes, 5002u);  // through the newline after the x's
  EXPECT_EQ(skipped[0].excerpt.substr(0, 3), "\"xx");
  EXPECT_EQ(line_of_3, 5);
}

TEST(RecordChunker, EndlessLastRecordIsSkippedAtTheEnd) {
  ScratchDirectory scratch("chunker");
  const std::string path = WriteFile(scratch, "h\n1\n" + std::string(100000, 'z'));
  auto stream = ByteStream::Open(path);
  RecordChunker chunker(*stream, 16, false, '"', 4096);
  std::string records;
  size_t skipped = 0;
  while (auto chunk = chunker.Next()) {
    skipped += chunk->skipped.size();
    records.append(chunk->data(), chunk->size);
  }
  EXPECT_EQ(records, "h\n1\n");
  EXPECT_EQ(skipped, 1u);
}

}  // namespace
}  // namespace sluice
