#include <gtest/gtest.h>

#include <fstream>

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

#include <filesystem>
#include <random>
#include <unistd.h>

#include "text/ngram_features.h"
#include "text/ngram_model.h"

namespace sluice {
namespace {

// Reviews of 8 words: two carry the sentiment (from a small positive or
// negative list), six are noise shared by both classes.
std::vector<std::pair<std::vector<std::string>, int>> SeparableReviews(size_t n, uint64_t seed) {
  const std::vector<std::string> good = {"great", "love", "excellent", "perfect", "happy"};
  const std::vector<std::string> bad = {"awful", "hate", "broken", "terrible", "refund"};
  std::vector<std::string> noise;
  for (int i = 0; i < 200; ++i) noise.push_back(std::string(1, 'a' + i % 26) + std::to_string(i / 26));
  std::mt19937_64 random(seed);
  std::vector<std::pair<std::vector<std::string>, int>> reviews;
  for (size_t i = 0; i < n; ++i) {
    int label = static_cast<int>(random() % 2);
    std::vector<std::string> words;
    for (int k = 0; k < 6; ++k) words.push_back(noise[random() % noise.size()]);
    const auto& pool = label ? good : bad;
    for (int k = 0; k < 2; ++k) words.insert(words.begin() + static_cast<long>(random() % words.size()), pool[random() % pool.size()]);
    reviews.push_back({words, label});
  }
  return reviews;
}

// The reviews as ngram examples, with the vocabulary fitted on them.
TextExamples NgramExamples(const std::vector<std::pair<std::vector<std::string>, int>>& reviews, uint32_t buckets,
                           Vocabulary* vocabulary) {
  TokenCounts counts;
  for (const auto& [words, label] : reviews) counts.Add(words);
  *vocabulary = Vocabulary::Fit(counts, 1, 0);
  TextExamples examples;
  std::vector<int32_t> features;
  for (const auto& [words, label] : reviews) {
    features.clear();
    NgramFeatures(*vocabulary, words, buckets, features);
    examples.Add(features, label);
  }
  return examples;
}

TEST(NgramModel, WithoutHogwildTheSameSeedGivesTheSameModelAtAnyThreadCount) {
  constexpr uint32_t kBuckets = 5000;
  Vocabulary vocabulary;
  TextExamples examples = NgramExamples(SeparableReviews(1000, 3), kBuckets, &vocabulary);
  auto model_bytes = [&](int threads) {
    NgramConfig config;
    config.num_features = vocabulary.size() + kBuckets;
    config.dim = 8;
    config.epochs = 3;
    config.threads = threads;
    NgramModel model = NgramModel::Train(examples, config, nullptr);
    std::string path =
        (std::filesystem::temp_directory_path() / ("ngram-same-" + std::to_string(::getpid()) + ".bin")).string();
    model.Save(path);
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    return bytes;
  };
  const std::string first = model_bytes(4);
  EXPECT_EQ(first, model_bytes(4));
  EXPECT_EQ(first, model_bytes(1));
}

TEST(NgramModel, LearnsASeparableTaskAndRoundTripsThroughAFile) {
  auto test = SeparableReviews(500, 2);
  constexpr uint32_t kBuckets = 10000;
  Vocabulary vocabulary;
  TextExamples examples = NgramExamples(SeparableReviews(2000, 1), kBuckets, &vocabulary);
  std::vector<int32_t> features;
  NgramConfig config;
  config.num_features = vocabulary.size() + kBuckets;
  config.dim = 16;
  config.epochs = 5;
  config.threads = 2;
  config.hogwild = true;
  std::vector<double> losses;
  NgramModel model = NgramModel::Train(examples, config, [&](int, double loss) { losses.push_back(loss); });
  ASSERT_EQ(losses.size(), 5u);
  EXPECT_LT(losses.back(), losses.front());
  int correct = 0;
  std::vector<std::vector<float>> predicted;
  for (const auto& [words, label] : test) {
    features.clear();
    NgramFeatures(vocabulary, words, kBuckets, features);
    std::vector<float> p(2);
    model.Predict(features.data(), features.size(), p.data());
    correct += (p[1] > p[0]) == (label == 1);
    predicted.push_back(p);
  }
  EXPECT_GE(correct, 475) << "accuracy " << correct / 500.0;  // >= 95%

  std::string path = (std::filesystem::temp_directory_path() / ("ngram-" + std::to_string(::getpid()) + ".bin")).string();
  model.Save(path);
  NgramModel loaded = NgramModel::Load(path);
  for (size_t i = 0; i < test.size(); ++i) {
    features.clear();
    NgramFeatures(vocabulary, test[i].first, kBuckets, features);
    std::vector<float> p(2);
    loaded.Predict(features.data(), features.size(), p.data());
    ASSERT_EQ(p, predicted[i]);
  }
  // A file cut short is refused before anything is allocated from its header.
  std::filesystem::resize_file(path, 100);
  EXPECT_THROW(NgramModel::Load(path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Counts made by several processes (MPI ranks) merge through bytes into the
// counts one process makes, so every rank fits the same vocabulary.
TEST(TokenCounts, SerializedCountsMergeIntoWhatOneProcessCounts) {
  const std::vector<std::vector<std::string>> docs = {
      {"good", "film"}, {"bad", "film", "\xff\x00odd"}, {"good", "good"}, {std::string("with\0nul", 8), "film"}};
  TokenCounts whole, first, second;
  for (size_t i = 0; i < docs.size(); ++i) {
    whole.Add(docs[i]);
    (i < 2 ? first : second).Add(docs[i]);
  }
  TokenCounts merged;
  merged.Merge(TokenCounts::Deserialize(first.Serialize()));
  merged.Merge(TokenCounts::Deserialize(second.Serialize()));
  EXPECT_EQ(merged.distinct(), whole.distinct());
  EXPECT_EQ(Vocabulary::Fit(merged, 1, 100).ToJson(), Vocabulary::Fit(whole, 1, 100).ToJson());
  EXPECT_ANY_THROW(TokenCounts::Deserialize(first.Serialize().substr(0, 5)));
}

}  // namespace
}  // namespace sluice
