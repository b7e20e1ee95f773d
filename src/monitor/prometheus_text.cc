#include "monitor/prometheus_text.h"

#include <cmath>
#include <cstdio>

#include "common/atomic_file.h"

namespace sluice {

namespace {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

PrometheusText& PrometheusText::Family(const std::string& name, const std::string& type, const std::string& help) {
  name_ = name;
  text_ += "# HELP " + name + " " + EscapeHelp(help) + "\n# TYPE " + name + " " + type + "\n";
  return *this;
}

PrometheusText& PrometheusText::Sample(const MetricLabels& labels, double value) {
  text_ += name_;
  if (!labels.empty()) {
    text_ += "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      text_ += (i ? "," : "") + labels[i].first + "=\"" + EscapeLabel(labels[i].second) + "\"";
    }
    text_ += "}";
  }
  char number[40];
  if (std::isnan(value)) {
    std::snprintf(number, sizeof number, "NaN");
  } else if (std::isinf(value)) {
    std::snprintf(number, sizeof number, value > 0 ? "+Inf" : "-Inf");
  } else {
    std::snprintf(number, sizeof number, "%.17g", value);
  }
  text_ += " ";
  text_ += number;
  text_ += "\n";
  return *this;
}

void WritePrometheusFile(const std::string& path, const std::string& text) { WriteFileAtomically(path, text); }

}  // namespace sluice
