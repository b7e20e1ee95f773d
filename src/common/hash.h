#pragma once
// Fast non-cryptographic hashing (xxHash's XXH3) for data fingerprints, the
// deterministic split and hashed features. Stable across runs and machines.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

uint64_t Hash64(const void* data, size_t size, uint64_t seed = 0);
inline uint64_t Hash64(std::string_view text, uint64_t seed = 0) {
  return Hash64(text.data(), text.size(), seed);
}

// Mixes an integer with a seed (splitmix64 finaliser): one number in, a
// well-spread 64-bit number out.
uint64_t MixInt(uint64_t value, uint64_t seed);

// Maps a hash to a uniform double in [0, 1).
inline double UnitInterval(uint64_t hash) { return static_cast<double>(hash >> 11) * 0x1.0p-53; }

// An order-dependent combination of parts hashed separately (e.g. one per
// chunk of a file hashed in parallel).
class FingerprintBuilder {
 public:
  void Add(uint64_t part_hash);
  void Add(std::string_view text) { Add(Hash64(text)); }
  std::string Hex() const;
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = 0x5eed5eed5eed5eedULL;
};

// XXH3 over a stream of pieces: the same digest as hashing them joined.
class StreamingHash {
 public:
  StreamingHash();
  ~StreamingHash();
  StreamingHash(const StreamingHash&) = delete;
  StreamingHash& operator=(const StreamingHash&) = delete;
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  void* state_;
};

std::string ToHex64(uint64_t value);

}  // namespace sluice
