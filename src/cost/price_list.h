#pragma once
// The instance price list `sluice cost` prices runs with (cost/prices.yaml):
// per instance type its vCPUs, memory, On-Demand and Spot hourly prices,
// and the region, date and sources the prices come from.

#include <map>
#include <string>

namespace sluice {

struct InstancePrice {
  std::string type;
  int vcpus = 0;
  double memory_gib = 0;
  int gpus = 0;
  double on_demand = 0;  // per hour
  double spot = 0;       // per hour
  double cpu_speed = 1;  // one vCPU against one core of the measuring machine
};

struct PriceList {
  std::string region, date, currency, file;
  double billing_minimum_seconds = 0;
  std::map<std::string, InstancePrice> instances;

  // The type's prices; usage error listing the known types when missing.
  const InstancePrice& Find(const std::string& type) const;
};

// Reads a price list; usage errors name the file and the entry.
PriceList LoadPriceList(const std::string& path);

// Where the shipped list is: $SLUICE_PRICES, else cost/prices.yaml beside
// the executable's ../share/sluice/ or in the source tree it was built from.
std::string DefaultPriceListPath();

}  // namespace sluice
