#pragma once
// How many trials a search runs at once, and what each proposal may see.
//
// On a few cores, K trials of threads/K threads each get through a search
// faster than one trial with every thread: a boosting round on small data
// is a chain of short parallel loops, and the threads spend much of it
// waiting for each other (measured on the tune bench: 30 trials on 2 cores,
// 13.8 s one at a time against 9.2 s two at a time). The price is
// information: a Bayesian proposal made while trials run cannot use their
// results, so `auto` keeps the trials in flight few beside the search's
// length, and each worker holds its own training data, so it keeps their
// copies within a quarter of the machine's memory.
//
// Proposals stay deterministic with K workers: trial n sees trials below
// n - ProposalLag(K) as finished and the ones from there up to n - 1 as
// running, whatever the order they really finished in, and waits until
// the ones it counts as finished have. The same seed, data and threads give
// the same search, and a killed search resumed from its journal reruns the
// trials that were running with the proposals they had.

#include <cstdint>
#include <string>

namespace sluice {

struct ParallelTrialsInput {
  std::string strategy;        // bayesian, grid, random
  int trials = 0;              // trials still to run
  int threads = 1;             // the search's threads
  uint64_t worker_bytes = 0;   // one worker's training data, estimated
  uint64_t memory_bytes = 0;   // the machine's memory (0: unknown, no bound)
};

// tune.parallel: auto. A number of workers that divides `threads` (so none
// is left idle), at most `trials`; for bayesian at most 1 + trials / 16
// (the proposal lag stays under an eighth of the search); K copies of the
// training data within a quarter of memory. At least 1.
int AutoParallelTrials(const ParallelTrialsInput& input);

// How many of the latest trials a proposal treats as still running: 0 with
// one worker (each proposal sees every earlier trial), 2 (K - 1) with K, so
// that a worker rarely waits for a slow trial to finish before proposing.
int ProposalLag(int workers);

}  // namespace sluice
