#include "datagen/taxi_generator.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/thread_pool.h"

namespace sluice {

const char kTaxiHeader[] =
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,pickup_longitude,"
    "pickup_latitude,RatecodeID,store_and_fwd_flag,dropoff_longitude,dropoff_latitude,payment_type,fare_amount\n";

namespace {

// A small, fast, portable generator (xoshiro-style via splitmix), so files are
// identical across standard libraries.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return state_ = MixInt(state_, 0x7a3cULL); }
  double Uniform() { return UnitInterval(Next()); }
  double Normal() {
    double u1 = std::max(Uniform(), 1e-300), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

constexpr double kJfkLat = 40.6413, kJfkLon = -73.7781;
constexpr int64_t kStart2015 = 1420070400;  // 2015-01-01 00:00:00 UTC
constexpr double kKmPerMile = 1.609344;

double HaversineKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double r = M_PI / 180.0;
  double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * r) * std::cos(lat2 * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0088 * std::asin(std::sqrt(std::min(1.0, h)));
}

void AppendTime(std::string& out, int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400, rest = unix_seconds % 86400;
  // Civil date from days since 1970-01-01 (H. Hinnant).
  days += 719468;
  int64_t era = days / 146097;
  unsigned doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned day = doy - (153 * mp + 2) / 5 + 1;
  unsigned month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(year), month, day,
                static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  out += buffer;
}

void AppendFixed(std::string& out, double value, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  out += buffer;
}

}  // namespace

void AppendTaxiRows(int64_t first_row, int64_t count, uint64_t seed, std::string& out, int64_t* malformed) {
  // Busier in the evening, quiet before dawn.
  static const double kHourWeight[24] = {3.5, 2.6, 1.9, 1.4, 1.0, 1.0, 2.2, 3.8, 4.6, 4.6, 4.3, 4.4,
                                         4.7, 4.7, 4.9, 4.8, 4.3, 5.1, 6.0, 6.2, 5.7, 5.5, 5.2, 4.4};
  static double cumulative[24];
  static std::once_flag once;
  std::call_once(once, [] {
    double total = 0;
    for (double w : kHourWeight) total += w;
    double running = 0;
    for (int h = 0; h < 24; ++h) cumulative[h] = (running += kHourWeight[h]) / total;
  });

  for (int64_t row = first_row; row < first_row + count; ++row) {
    Random random(MixInt(static_cast<uint64_t>(row), seed));
    int64_t day = static_cast<int64_t>(random.Uniform() * 181);
    double u = random.Uniform();
    int hour = static_cast<int>(std::lower_bound(cumulative, cumulative + 24, u) - cumulative);
    hour = std::min(hour, 23);
    int64_t pickup = kStart2015 + day * 86400 + hour * 3600 + static_cast<int64_t>(random.Uniform() * 3600);
    int weekday = static_cast<int>((day + 4) % 7);  // 2015-01-01 was a Thursday (0 = Sunday)
    bool weekend = weekday == 0 || weekday == 6;

    double pickup_lat = 40.758 + 0.028 * random.Normal();
    double pickup_lon = -73.982 + 0.022 * random.Normal();
    int ratecode = 1;
    double dropoff_lat, dropoff_lon;
    double r = random.Uniform();
    if (r < 0.03) {
      ratecode = 2;  // JFK <-> Manhattan, flat fare
      dropoff_lat = kJfkLat + 0.004 * random.Normal();
      dropoff_lon = kJfkLon + 0.004 * random.Normal();
      if (random.Chance(0.5)) {
        std::swap(pickup_lat, dropoff_lat);
        std::swap(pickup_lon, dropoff_lon);
      }
    } else {
      if (r < 0.034) ratecode = 5;  // negotiated
      double km = std::exp(0.9 + 0.75 * random.Normal());
      km = std::min(km, 40.0);
      double angle = random.Uniform() * 2 * M_PI;
      dropoff_lat = pickup_lat + km / 111.0 * std::cos(angle);
      dropoff_lon = pickup_lon + km / (111.0 * std::cos(pickup_lat * M_PI / 180)) * std::sin(angle);
    }
    double straight_km = HaversineKm(pickup_lat, pickup_lon, dropoff_lat, dropoff_lon);
    double miles = std::max(0.01, straight_km * 1.3 / kKmPerMile * (1 + 0.06 * random.Normal()));

    bool rush = !weekend && ((hour >= 7 && hour < 10) || (hour >= 16 && hour < 20));
    bool overnight = hour >= 20 || hour < 6;
    double base_speed = rush ? 7.5 : overnight ? 17.0 : 11.0;
    double speed_mph = std::clamp(base_speed * (1 + 0.25 * random.Normal()), 2.5, 45.0);
    double minutes = miles / speed_mph * 60.0 + 1.0 + std::fabs(random.Normal());
    double slow_fraction = std::clamp((12.0 - speed_mph) / 12.0 + 0.1, 0.0, 1.0);

    double fare;
    if (ratecode == 2) {
      fare = 52.0;
    } else if (ratecode == 5) {
      fare = std::round(20 + 60 * random.Uniform());
    } else {
      fare = 2.5 + 2.5 * miles + 0.5 * minutes * slow_fraction;
      if (!weekend && hour >= 16 && hour < 20) fare += 1.0;
      if (overnight) fare += 0.5;
      fare += 0.35 * random.Normal();
      fare = std::max(2.5, std::round(fare * 2) / 2);
    }
    int64_t dropoff = pickup + static_cast<int64_t>(minutes * 60);

    // Dirt.
    bool missing_passengers = random.Chance(0.01);
    bool zero_pickup = random.Chance(0.004);
    bool zero_dropoff = random.Chance(0.004);
    if (random.Chance(0.003)) fare = -fare;
    if (random.Chance(0.001)) miles = 1000 + 8000 * random.Uniform();
    double malformed_draw = random.Uniform();

    int vendor = random.Chance(0.48) ? 1 : 2;
    double p = random.Uniform();
    int passengers = p < 0.70 ? 1 : p < 0.85 ? 2 : p < 0.90 ? 3 : p < 0.93 ? 4 : p < 0.97 ? 5 : 6;
    double q = random.Uniform();
    int payment = q < 0.60 ? 1 : q < 0.98 ? 2 : q < 0.99 ? 3 : 4;

    size_t line_start = out.size();
    out += vendor == 1 ? "1," : "2,";
    AppendTime(out, pickup);
    out.push_back(',');
    AppendTime(out, dropoff);
    out.push_back(',');
    if (!missing_passengers) AppendInt(out, passengers);
    out.push_back(',');
    AppendFixed(out, miles, 2);
    out.push_back(',');
    AppendFixed(out, zero_pickup ? 0.0 : pickup_lon, 6);
    out.push_back(',');
    AppendFixed(out, zero_pickup ? 0.0 : pickup_lat, 6);
    out.push_back(',');
    AppendInt(out, ratecode);
    out += random.Chance(0.01) ? ",Y," : ",N,";
    AppendFixed(out, zero_dropoff ? 0.0 : dropoff_lon, 6);
    out.push_back(',');
    AppendFixed(out, zero_dropoff ? 0.0 : dropoff_lat, 6);
    out.push_back(',');
    AppendInt(out, payment);
    out.push_back(',');
    AppendFixed(out, fare, 2);
    out.push_back('\n');
    if (malformed_draw < 0.0001) {
      // A line cut short, as a truncated upload leaves it.
      out.resize(line_start + (out.size() - line_start) / 2);
      out.push_back('\n');
      ++*malformed;
    } else if (malformed_draw < 0.0002) {
      // Text where a number belongs.
      size_t comma = out.rfind(',', out.size() - 2);
      out.resize(comma + 1);
      out += "n/a\n";
      ++*malformed;
    }
  }
}

TaxiDataTotals GenerateTaxiData(const TaxiDataOptions& options) {
  if (options.rows < 0) ThrowUsage("datagen: --rows must not be negative");
  if (options.output.empty()) ThrowUsage("datagen: --out is required");
  auto parent = std::filesystem::absolute(options.output).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  auto writer = AtomicFileWriter::Open(options.output);
  writer.Write(kTaxiHeader);
  constexpr int64_t kRowsPerChunk = 50000;
  int64_t chunks = (options.rows + kRowsPerChunk - 1) / kRowsPerChunk;
  std::mutex mutex;
  std::map<int64_t, std::string> waiting;
  int64_t next = 0;
  std::atomic<int64_t> malformed{0};
  uint64_t bytes = sizeof(kTaxiHeader) - 1;
  TaskGroup group(pool);
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    group.Limit(threads * 2);
    group.Submit([&, chunk] {
      std::string out;
      int64_t bad = 0;
      int64_t first = chunk * kRowsPerChunk;
      AppendTaxiRows(first, std::min(kRowsPerChunk, options.rows - first), options.seed, out, &bad);
      malformed += bad;
      std::lock_guard<std::mutex> lock(mutex);
      waiting.emplace(chunk, std::move(out));
      while (!waiting.empty() && waiting.begin()->first == next) {
        writer.Write(waiting.begin()->second);
        bytes += waiting.begin()->second.size();
        waiting.erase(waiting.begin());
        ++next;
      }
    });
  }
  group.Wait();
  writer.Commit();
  return TaxiDataTotals{options.rows, malformed.load(), bytes};
}

}  // namespace sluice
