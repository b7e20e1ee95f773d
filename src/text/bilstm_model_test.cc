#include "text/bilstm_model.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "text/vocabulary.h"
#include "text/word_vectors.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// Reviews of 6 to 14 noise words with one sentiment word; "not" right
// before it flips the label, so word order matters (a bag of words cannot
// tell "not great" from "great ... not").
std::vector<std::pair<std::vector<std::string>, int>> NegatedReviews(size_t n, uint64_t seed) {
  const std::vector<std::string> good = {"great", "love", "excellent", "perfect", "happy"};
  const std::vector<std::string> bad = {"awful", "hate", "broken", "terrible", "refund"};
  std::vector<std::string> noise;
  for (int i = 0; i < 100; ++i) noise.push_back(std::string("w").append(std::to_string(i)));
  std::mt19937_64 random(seed);
  std::vector<std::pair<std::vector<std::string>, int>> reviews;
  for (size_t i = 0; i < n; ++i) {
    const bool positive_word = random() % 2;
    const bool negated = random() % 2;
    std::vector<std::string> words;
    const size_t length = 6 + random() % 9;
    for (size_t k = 0; k < length; ++k) words.push_back(noise[random() % noise.size()]);
    const size_t at = random() % words.size();
    words.insert(words.begin() + static_cast<long>(at), (positive_word ? good : bad)[random() % 5]);
    if (negated) {
      words.insert(words.begin() + static_cast<long>(at), "not");
    } else if (random() % 2) {
      words.push_back("not");  // "not" elsewhere changes nothing
    }
    reviews.push_back({words, positive_word != negated ? 1 : 0});
  }
  return reviews;
}

struct Encoded {
  Vocabulary vocabulary;
  TextExamples train, valid, test;
};

Encoded Encode() {
  auto train = NegatedReviews(3000, 1), valid = NegatedReviews(300, 2), test = NegatedReviews(500, 3);
  TokenCounts counts;
  for (const auto& [words, label] : train) counts.Add(words);
  Encoded out{Vocabulary::Fit(counts, 1, 0), {}, {}, {}};
  auto encode = [&](const auto& reviews, TextExamples& examples) {
    for (const auto& [words, label] : reviews) {
      std::vector<int32_t> ids;
      out.vocabulary.Encode(words, ids);
      examples.Add(ids, label);
    }
  };
  encode(train, out.train);
  encode(valid, out.valid);
  encode(test, out.test);
  return out;
}

BiLstmConfig SmallConfig(size_t vocabulary_size) {
  BiLstmConfig config;
  config.vocabulary_size = vocabulary_size;
  config.dim = 16;
  config.hidden = 24;
  config.dropout = 0.1;
  config.epochs = 4;
  config.batch_size = 32;
  config.learning_rate = 0.01;
  config.threads = 1;
  return config;
}

TEST(BiLstmModel, LearnsWordOrderAndRoundTripsThroughAFile) {
  Encoded data = Encode();
  std::vector<BiLstmEpoch> epochs;
  BiLstmModel model = BiLstmModel::Train(data.train, data.valid, SmallConfig(data.vocabulary.size()), nullptr,
                                         [&](const BiLstmEpoch& e) { epochs.push_back(e); });
  ASSERT_EQ(epochs.size(), 4u);
  EXPECT_LT(epochs.back().train_loss, epochs.front().train_loss);
  EXPECT_GT(epochs.back().tokens, 30000);
  std::vector<float> p(data.test.size() * 2);
  model.Predict(data.test, p.data());
  int correct = 0;
  for (size_t i = 0; i < data.test.size(); ++i) correct += (p[2 * i + 1] > p[2 * i]) == (data.test.labels[i] == 1);
  EXPECT_GE(correct, 475) << "accuracy " << correct / 500.0;  // >= 95%

  const std::string path = (fs::temp_directory_path() / std::string("bilstm-").append(std::to_string(::getpid())).append(".pt")).string();
  model.Save(path);
  BiLstmModel loaded = BiLstmModel::Load(path, BiLstmConfig::FromJson(model.config().ToJson()));
  std::vector<float> again(p.size());
  loaded.Predict(data.test, again.data());
  EXPECT_EQ(again, p);
  // One document at a time gives the same probabilities as a padded batch.
  TextExamples one;
  one.Add(std::vector<int32_t>(data.test.doc(7), data.test.doc(7) + data.test.length(7)), 0);
  float single[2];
  loaded.Predict(one, single);
  EXPECT_NEAR(single[1], p[15], 1e-5);
  // An empty document still gets probabilities.
  TextExamples empty;
  empty.Add({}, 0);
  loaded.Predict(empty, single);
  EXPECT_NEAR(single[0] + single[1], 1.0f, 1e-5);

  // Weights of another shape than the manifest says are refused.
  BiLstmConfig wider = model.config();
  wider.hidden = 32;
  EXPECT_THROW(BiLstmModel::Load(path, wider), Error);
  fs::resize_file(path, 200);
  EXPECT_THROW(BiLstmModel::Load(path, model.config()), Error);
  fs::remove(path);
}

TEST(BiLstmModel, OneThreadTrainsTheSameModelTwice) {
  Encoded data = Encode();
  BiLstmConfig config = SmallConfig(data.vocabulary.size());
  config.epochs = 1;
  BiLstmModel a = BiLstmModel::Train(data.train, data.valid, config, nullptr, {});
  BiLstmModel b = BiLstmModel::Train(data.train, data.valid, config, nullptr, {});
  std::vector<float> pa(data.test.size() * 2), pb(pa.size());
  a.Predict(data.test, pa.data());
  b.Predict(data.test, pb.data());
  EXPECT_EQ(pa, pb);
}

TEST(WordVectors, ReadsWord2VecAndGloveTextKeepingVocabularyWordsOnly) {
  TokenCounts counts;
  counts.Add({"good", "bad", "paris", "unseen"});
  Vocabulary vocabulary = Vocabulary::Fit(counts, 1, 0);
  const fs::path dir = fs::temp_directory_path() / std::string("vectors-").append(std::to_string(::getpid()));
  fs::create_directories(dir);
  // word2vec's header line; a cased word standing in for its lowercase form
  // unless the exact word follows; words outside the vocabulary skipped.
  {
    gzFile out = gzopen((dir / "w2v.txt.gz").c_str(), "wb");
    const std::string text = "4 3\nParis 9 9 9\ngood 1 2 3\nother 7 7 7\nbad -1 0.5 1e-1\r\n";
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
  }
  WordVectors vectors = WordVectors::Read((dir / "w2v.txt.gz").string(), vocabulary);
  EXPECT_EQ(vectors.dim, 3);
  EXPECT_EQ(vectors.found_count, 3u);
  const int32_t good = vocabulary.Id("good"), paris = vocabulary.Id("paris"), unseen = vocabulary.Id("unseen");
  EXPECT_EQ(std::vector<float>(vectors.rows.begin() + good * 3, vectors.rows.begin() + good * 3 + 3),
            (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(vectors.rows[paris * 3], 9.0f);
  EXPECT_FALSE(vectors.found[unseen]);
  // GloVe: no header; an exact lowercase line wins over a cased one.
  std::ofstream(dir / "glove.txt") << "Paris 9 9\nparis 4 5\ngood 1 1\n";
  vectors = WordVectors::Read((dir / "glove.txt").string(), vocabulary);
  EXPECT_EQ(vectors.dim, 2);
  EXPECT_EQ(vectors.rows[paris * 2], 4.0f);
  // A line of another width, or a word with text for a number, names the line.
  std::ofstream(dir / "bad.txt") << "good 1 2\nbad 1 2 3\n";
  try {
    WordVectors::Read((dir / "bad.txt").string(), vocabulary);
    FAIL() << "a ragged file was read";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("bad.txt:2: 3 numbers where the first vector had 2"), std::string::npos)
        << error.what();
  }
  std::ofstream(dir / "text.txt") << "good 1 x\n";
  EXPECT_THROW(WordVectors::Read((dir / "text.txt").string(), vocabulary), Error);
  EXPECT_THROW(WordVectors::Read((dir / "missing.txt").string(), vocabulary), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice
