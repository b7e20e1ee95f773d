#pragma once
// Metrics in the Prometheus text exposition format (version 0.0.4), as
// node-exporter's textfile collector reads them: families with HELP and
// TYPE, samples with escaped label values. Written atomically (a temporary
// file renamed), so a scrape never reads half a file.

#include <string>
#include <utility>
#include <vector>

namespace sluice {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a family; its samples follow. `type`: gauge or counter.
  PrometheusText& Family(const std::string& name, const std::string& type, const std::string& help);
  PrometheusText& Sample(const MetricLabels& labels, double value);
  const std::string& text() const { return text_; }

 private:
  std::string name_;
  std::string text_;
};

void WritePrometheusFile(const std::string& path, const std::string& text);

}  // namespace sluice
