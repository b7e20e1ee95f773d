#include "io/csv_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

std::vector<std::vector<std::string>> Tokenize(const std::string& text, std::vector<int64_t>* lines = nullptr) {
  CsvTokenizer tokenizer(text.data(), text.size(), 1, CsvOptions{});
  std::vector<std::vector<std::string>> records;
  while (tokenizer.Next()) {
    std::vector<std::string> fields;
    for (const auto& field : tokenizer.fields()) fields.emplace_back(field.text);
    records.push_back(fields);
    if (lines) lines->push_back(tokenizer.line());
  }
  return records;
}

TEST(CsvTokenizer, QuotedNewlineStaysInField) {
  std::vector<int64_t> lines;
  auto records = Tokenize("a,\"x\ny\",c\nd,e,f\n", &lines);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0][1], "x\ny");
  EXPECT_EQ(records[1][0], "d");
  EXPECT_EQ(lines[1], 3);  // the second record starts on physical line 3
}

TEST(CsvTokenizer, DoubledQuotesAndEmbeddedDelimiters) {
  auto records = Tokenize("\"say \"\"hi\"\", ok\",2\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][0], "say \"hi\", ok");
  EXPECT_EQ(records[0][1], "2");
}

TEST(CsvTokenizer, CrlfEndsRecordsAndBlankLinesAreSkipped) {
  auto records = Tokenize("a,b\r\n\r\nc,\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0][1], "b");
  ASSERT_EQ(records[1].size(), 2u);
  EXPECT_EQ(records[1][1], "");
}

TEST(CsvTokenizer, EmptyLinesAreCountedAndBareDelimitersAreBlank) {
  const std::string text = "a,b\r\n\r\n,\r\n , \t\n\"\",\n\n";
  CsvTokenizer tokenizer(text.data(), text.size(), 1, CsvOptions{});
  std::vector<bool> blank;
  while (tokenizer.Next()) blank.push_back(tokenizer.blank());
  // "a,b" has values; ",", " , \t" are bare delimiters; "\"\"," holds a
  // quoted empty string, a value.
  EXPECT_EQ(blank, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(tokenizer.empty_lines(), 2);
}

TEST(CsvTokenizer, LastLineWithoutNewline) {
  auto records = Tokenize("a,b\nc,d");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1][1], "d");
}

TEST(CsvTokenizer, UnterminatedQuoteIsAnErrorNotAHang) {
  std::string text = "a,\"open\nb,c\n";
  CsvTokenizer tokenizer(text.data(), text.size(), 1, CsvOptions{});
  ASSERT_TRUE(tokenizer.Next());
  EXPECT_EQ(tokenizer.error(), "unterminated quoted field");
  EXPECT_FALSE(tokenizer.Next());
}

TEST(CsvTokenizer, TextAfterClosingQuoteIsAnError) {
  std::string text = "\"a\"b,c\nd,e\n";
  CsvTokenizer tokenizer(text.data(), text.size(), 1, CsvOptions{});
  ASSERT_TRUE(tokenizer.Next());
  EXPECT_FALSE(tokenizer.error().empty());
  ASSERT_TRUE(tokenizer.Next());
  EXPECT_TRUE(tokenizer.error().empty());
  EXPECT_EQ(tokenizer.fields()[0].text, "d");
}

}  // namespace
}  // namespace sluice
