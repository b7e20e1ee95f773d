#include "text/text_learner.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

// Two classes told apart by one word each; the rest is shared noise.
struct Corpus {
  Vocabulary vocabulary;
  std::vector<std::vector<std::string>> docs;
  std::vector<int32_t> labels;
};

Corpus TinyCorpus() {
  Corpus corpus;
  TokenCounts counts;
  for (int i = 0; i < 60; ++i) {
    const bool good = i % 2 == 0;
    corpus.docs.push_back({"the", good ? "great" : "awful", "film", i % 3 == 0 ? "really" : "quite"});
    corpus.labels.push_back(good ? 1 : 0);
    counts.Add(corpus.docs.back());
  }
  corpus.vocabulary = Vocabulary::Fit(counts, 1, 100);
  return corpus;
}

// A learner's settings travel with its model: a learner made fresh from the
// name and the manifest section encodes exactly as the trained one did, and
// its loaded model scores the same.
TEST(TextLearner, EachLearnerReloadsItsEncodingAndModelFromItsOwnFile) {
  const Corpus corpus = TinyCorpus();
  for (const std::string name : {"ngram", "bilstm"}) {
    auto learner = MakeTextLearner(name);
    ASSERT_TRUE(learner->SetParam("epochs", "epochs", "2"));
    if (name == "ngram") {
      ASSERT_TRUE(learner->SetParam("ngram.buckets", "buckets", "64"));
    }
    TextExamples examples;
    std::vector<int32_t> ids;
    for (size_t i = 0; i < corpus.docs.size(); ++i) {
      ids.clear();
      learner->Encode(corpus.vocabulary, corpus.docs[i], ids);
      examples.Add(ids, corpus.labels[i]);
    }
    TextTraining training;
    training.train = &examples;
    TextExamples none;
    training.valid = &none;
    training.vocabulary = &corpus.vocabulary;
    training.num_classes = 2;
    training.log = [](const std::string&) {};
    TrainedText trained = learner->Train(training);
    ASSERT_NE(nullptr, trained.model) << name;

    ScratchDirectory dir("text-learner");
    const std::string file = dir.path() + "/" + learner->file_name();
    trained.model->Save(file);
    nlohmann::json section = trained.model->Describe();
    learner->Describe(section);
    auto fresh = MakeTextLearner(name);
    auto loaded = fresh->Load(file, section, corpus.vocabulary, 2, "test");
    std::vector<int32_t> again;
    fresh->Encode(corpus.vocabulary, corpus.docs[0], again);
    ids.clear();
    learner->Encode(corpus.vocabulary, corpus.docs[0], ids);
    EXPECT_EQ(ids, again) << name;
    EXPECT_EQ(learner->num_features(corpus.vocabulary), fresh->num_features(corpus.vocabulary)) << name;
    std::vector<float> before(examples.size() * 2), after(examples.size() * 2);
    trained.model->Predict(examples, before.data());
    loaded->Predict(examples, after.data());
    EXPECT_EQ(before, after) << name;
    // A model of another shape is refused, naming where it was read.
    EXPECT_THROW(MakeTextLearner(name)->Load(file, section, corpus.vocabulary, 3, "test"), Error) << name;
  }
}

TEST(TextLearner, UnknownNamesAndSettingsAreRefused) {
  EXPECT_FALSE(IsTextLearner("svm"));
  EXPECT_THROW(MakeTextLearner("svm"), Error);
  EXPECT_FALSE(MakeTextLearner("ngram")->SetParam("hidden", "hidden", "8"));
  EXPECT_THROW(MakeTextLearner("bilstm")->SetParam("dropout", "dropout", "1.5"), Error);
}

}  // namespace
}  // namespace sluice
