#pragma once
// Charts as inline SVG text, for a report that must open with no network
// and no script: axes with round-number ticks, and the data drawn as marks.
// Every chart is one <svg class="chart" data-chart="NAME"> and every data
// mark carries class "mark", so a test can find each chart and check that
// it drew something. Text is escaped; numbers are formatted for people.

#include <string>
#include <vector>

namespace sluice {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
};

struct ChartAxes {
  std::string x_label, y_label;
  bool y_from_zero = false;
};

// Lines over a shared x (curves, ROC, resource use); `diagonal` draws y = x.
std::string LineChart(const std::string& id, const std::vector<ChartSeries>& series, const ChartAxes& axes,
                      bool diagonal = false);
// Points (predicted vs actual), at most `max_points` of them (evenly
// thinned), with the y = x line.
std::string ScatterChart(const std::string& id, const std::vector<double>& x, const std::vector<double>& y,
                         const ChartAxes& axes, size_t max_points = 2000);
// A histogram of `values` in `bins` equal bins.
std::string HistogramChart(const std::string& id, const std::vector<double>& values, int bins, const ChartAxes& axes);
// Horizontal bars, one per label, largest first as given; `unit` follows each value.
std::string BarChart(const std::string& id, const std::vector<std::string>& labels, const std::vector<double>& values,
                     const std::string& value_label);

struct TimelineItem {
  std::string label;
  double start = 0, end = 0;  // seconds since the run started
  std::string status;         // colours the bar: succeeded, cached, failed...
};
std::string TimelineChart(const std::string& id, const std::vector<TimelineItem>& items);

// A 2 x 2 confusion matrix: rows actual (1, 0), columns predicted (1, 0).
std::string ConfusionChart(const std::string& id, long long true_positive, long long false_negative,
                           long long false_positive, long long true_negative);

std::string EscapeHtml(const std::string& text);
// 1234.5 -> "1,234.5"; 0.000123 -> "0.000123"; at most 4 significant digits.
std::string ShortNumber(double value);

}  // namespace sluice
