#include "tune/trial_journal.h"

#include <gtest/gtest.h>

#include <string>

#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {


class TrialJournalFaults : public ::testing::TestWithParam<Fault> {};

// A trial that cannot be appended is an error naming the journal; the trials
// recorded before it read back whole (a cut-short line is dropped on reopening).
TEST_P(TrialJournalFaults, AFailedAppendKeepsTheRecordedTrials) {
  ScratchDirectory scratch("journal-faults");
  const std::string path = scratch.Path("trials.jsonl");
  bool replaced = false;
  {
    TrialJournal journal(path, "search-key", &replaced);
    journal.Append({{"number", 1}, {"loss", 0.5}});
    journal.Append({{"number", 2}, {"loss", 0.4}});
  }
  int failures = ForEachFault(GetParam(), [&] {
    TrialJournal journal(path, "search-key", &replaced);
    journal.Append({{"number", 3}, {"loss", 0.3}, {"padding", std::string(1 << 16, 'p')}});
  }, [&](const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    const auto trials = TrialJournal::ReadTrials(path);
    ASSERT_GE(trials.size(), 2u);
    EXPECT_EQ(trials[0]["number"], 1);
    EXPECT_EQ(trials[1]["number"], 2);
    TrialJournal reopened(path, "search-key", &replaced);  // drops a cut-short third line
    EXPECT_EQ(reopened.trials().size(), 2u);
  });
  EXPECT_GT(failures, 3);
  EXPECT_EQ(TrialJournal::ReadTrials(path).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(EveryFault, TrialJournalFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
