#include <gtest/gtest.h>

#include "common/error.h"
#include "text/label_map.h"
#include "text/tokenizer.h"
#include "text/vocabulary.h"

namespace sluice {
namespace {

std::vector<std::string> Tokens(std::string_view text, TokenizerOptions options = {}) {
  std::vector<std::string> tokens;
  std::string error;
  EXPECT_TRUE(Tokenizer(options).Tokenize(text, tokens, &error)) << error;
  return tokens;
}

using Words = std::vector<std::string>;

TEST(Tokenizer, SplitsOnNonWordCharactersKeepingApostrophesInsideWords) {
  EXPECT_EQ(Tokens("Don't stop -- it's GREAT, really!!"), (Words{"don't", "stop", "it's", "great", "really"}));
  EXPECT_EQ(Tokens("I don’t like ’quotes’ or dogs' tails"), (Words{"i", "don't", "like", "quotes", "or", "dogs", "tails"}));
  EXPECT_EQ(Tokens("snake_case and 4K at 3.5 stars"), (Words{"snake_case", "and", "4k", "at", "3", "5", "stars"}));
  EXPECT_EQ(Tokens(""), Words{});
  EXPECT_EQ(Tokens("  ...  !!  "), Words{});
}

TEST(Tokenizer, FoldsCaseAndNormalizesUnicode) {
  // Full case folding (ß -> ss), compatibility forms (ﬁ ligature, fullwidth
  // letters), composed and decomposed accents meeting in one form.
  EXPECT_EQ(Tokens("STRASSE Straße"), (Words{"strasse", "strasse"}));
  EXPECT_EQ(Tokens("ﬁne ＡＢＣ"), (Words{"fine", "abc"}));
  EXPECT_EQ(Tokens("caf\u00e9 cafe\u0301"), (Words{"caf\u00e9", "caf\u00e9"}));
  EXPECT_EQ(Tokens("ΣΊΣΥΦΟΣ Привет"), (Words{"σίσυφοσ", "привет"}));
  // Scripts without spaces stay one run; each emoji is a token of its own.
  EXPECT_EQ(Tokens("東京タワー great😀😀!"), (Words{"東京タワー", "great", "😀", "😀"}));
  TokenizerOptions keep_case;
  keep_case.lowercase = false;
  EXPECT_EQ(Tokens("Keep Case", keep_case), (Words{"Keep", "Case"}));
}

TEST(Tokenizer, StripsHtmlAndUrlsAndCapsLength) {
  EXPECT_EQ(Tokens("<p>Great<br/>phone</p> &amp; case &lt;3"), (Words{"great", "phone", "case", "3"}));
  EXPECT_EQ(Tokens("see https://example.com/a?b=c and www.x.org now"), (Words{"see", "and", "now"}));
  EXPECT_EQ(Tokens("a < b and c > d"), (Words{"a", "b", "and", "c", "d"}));  // not tags
  TokenizerOptions short_options;
  short_options.max_tokens = 3;
  std::vector<std::string> tokens;
  bool truncated = false;
  ASSERT_TRUE(Tokenizer(short_options).Tokenize("one two three four five", tokens, nullptr, &truncated));
  EXPECT_EQ(tokens, (Words{"one", "two", "three"}));
  EXPECT_TRUE(truncated);
}

TEST(Tokenizer, InvalidUtf8IsAnErrorNotACrash) {
  std::vector<std::string> tokens;
  std::string error;
  EXPECT_FALSE(Tokenizer({}).Tokenize("bad \xff\xfe bytes", tokens, &error));
  EXPECT_EQ(error, "invalid UTF-8");
  EXPECT_FALSE(Tokenizer({}).Tokenize("cut \xe2\x82", tokens, &error));
}

TEST(Vocabulary, KeepsFrequentTokensAndMapsTheRestToUnknown) {
  TokenCounts a, b;
  a.Add({"good", "good", "bad", "meh"});
  b.Add({"good", "bad", "rare"});
  a.Merge(b);
  Vocabulary vocabulary = Vocabulary::Fit(a, 2, 10);
  EXPECT_EQ(vocabulary.size(), 4u);  // padding, unknown, good, bad
  EXPECT_EQ(vocabulary.Id("good"), 2);
  EXPECT_EQ(vocabulary.Id("bad"), 3);
  EXPECT_EQ(vocabulary.Id("rare"), Vocabulary::kUnknown);
  EXPECT_EQ(Vocabulary::Fit(a, 1, 1).size(), 3u);  // max size keeps the most frequent
  Vocabulary loaded = Vocabulary::FromJson(vocabulary.ToJson());
  std::vector<int32_t> ids;
  loaded.Encode({"bad", "good", "never"}, ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 2, 1}));
}

TEST(LabelMap, NumbersIntegerLabelsInOrderAndRefusesOneClass) {
  LabelMap numbers = LabelMap::Fit({"10", "2", "1", "2"});
  EXPECT_EQ(numbers.labels(), (Words{"1", "2", "10"}));
  LabelMap words = LabelMap::Fit({"pos", "neg", "neutral"});
  EXPECT_EQ(words.Id("neg"), 0);
  EXPECT_EQ(words.Id("unseen"), std::nullopt);
  EXPECT_EQ(LabelMap::FromJson(words.ToJson()).Label(2), "pos");
  EXPECT_THROW(LabelMap::Fit({"pos", "pos"}), Error);
}

}  // namespace
}  // namespace sluice
