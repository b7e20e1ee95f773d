#include "cost/price_list.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "common/error.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

double Number(const YAML::Node& node, const std::string& where, bool required, double fallback) {
  if (!node) {
    if (required) ThrowUsage(where + ": missing");
    return fallback;
  }
  try {
    double value = node.as<double>();
    if (value < 0) ThrowUsage(where + ": must not be negative");
    return value;
  } catch (const YAML::Exception&) {
    ThrowUsage(where + ": '" + node.as<std::string>("?") + "' is not a number");
  }
}

}  // namespace

const InstancePrice& PriceList::Find(const std::string& type) const {
  auto it = instances.find(type);
  if (it != instances.end()) return it->second;
  std::string known;
  for (const auto& [name, price] : instances) known += (known.empty() ? "" : ", ") + name;
  ThrowUsage("no instance type " + type + " in " + file + " (known: " + known + ")");
}

PriceList LoadPriceList(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    ThrowUsage(path + ": cannot read the price list");
  } catch (const YAML::Exception& error) {
    ThrowUsage(path + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  PriceList list;
  list.file = path;
  list.region = root["region"].as<std::string>("");
  list.date = root["date"].as<std::string>("");
  list.currency = root["currency"].as<std::string>("USD");
  list.billing_minimum_seconds = Number(root["billing_minimum_seconds"], path + ": billing_minimum_seconds", false, 0);
  if (!root["instances"] || !root["instances"].IsMap() || root["instances"].size() == 0) {
    ThrowUsage(path + ": instances: a map of instance type -> {vcpus, on_demand, spot}");
  }
  for (const auto& entry : root["instances"]) {
    InstancePrice price;
    price.type = entry.first.as<std::string>();
    const std::string where = path + ": instances." + price.type;
    const YAML::Node& node = entry.second;
    price.vcpus = static_cast<int>(Number(node["vcpus"], where + ".vcpus", true, 0));
    if (price.vcpus < 1) ThrowUsage(where + ".vcpus: at least 1");
    price.memory_gib = Number(node["memory_gib"], where + ".memory_gib", false, 0);
    price.gpus = static_cast<int>(Number(node["gpus"], where + ".gpus", false, 0));
    price.on_demand = Number(node["on_demand"], where + ".on_demand", true, 0);
    price.spot = Number(node["spot"], where + ".spot", false, price.on_demand);
    price.cpu_speed = Number(node["cpu_speed"], where + ".cpu_speed", false, 1);
    if (price.cpu_speed <= 0) ThrowUsage(where + ".cpu_speed: must be above 0");
    list.instances[price.type] = price;
  }
  return list;
}

std::string DefaultPriceListPath() {
  if (const char* path = std::getenv("SLUICE_PRICES"); path && *path) return path;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {exe.parent_path() / "../share/sluice/prices.yaml", fs::path(SLUICE_SOURCE_ROOT) / "cost/prices.yaml"}) {
      if (fs::exists(candidate, ec)) return candidate.lexically_normal().string();
    }
  }
  return (fs::path(SLUICE_SOURCE_ROOT) / "cost/prices.yaml").string();
}

}  // namespace sluice
