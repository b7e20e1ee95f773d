#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace sluice {

namespace {

constexpr double kWidth = 640, kHeight = 300;
constexpr double kLeft = 70, kRight = 20, kTop = 24, kBottom = 46;
const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

std::string Num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  void Add(double v) {
    if (!std::isfinite(v)) return;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  void Settle(bool from_zero) {
    if (!std::isfinite(low)) low = 0, high = 1;
    if (from_zero) low = std::min(low, 0.0);
    if (high - low < 1e-12) {
      double pad = std::abs(high) > 0 ? std::abs(high) * 0.1 : 1;
      low -= pad;
      high += pad;
    }
  }
};

// Round-number ticks covering [low, high]: steps of 1, 2 or 5 x 10^k.
std::vector<double> Ticks(Range* range) {
  const double span = range->high - range->low;
  const double raw = span / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) {
      step = m * magnitude;
      break;
    }
  }
  range->low = std::floor(range->low / step) * step;
  range->high = std::ceil(range->high / step) * step;
  std::vector<double> ticks;
  for (double t = range->low; t <= range->high + step * 1e-6; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

class Frame {
 public:
  Frame(Range x, Range y) : x_(x), y_(y) {
    x_ticks_ = Ticks(&x_);
    y_ticks_ = Ticks(&y_);
  }
  double X(double v) const { return kLeft + (v - x_.low) / (x_.high - x_.low) * (kWidth - kLeft - kRight); }
  double Y(double v) const { return kHeight - kBottom - (v - y_.low) / (y_.high - y_.low) * (kHeight - kTop - kBottom); }
  const Range& x() const { return x_; }
  const Range& y() const { return y_; }

  std::string Axes(const ChartAxes& axes) const {
    std::string out;
    for (double t : y_ticks_) {
      out += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(Y(t)) +
             "\" y2=\"" + Num(Y(t)) + "\"/>";
      out += "<text class=\"tick\" x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(Y(t) + 4) + "\" text-anchor=\"end\">" +
             ShortNumber(t) + "</text>";
    }
    for (double t : x_ticks_) {
      out += "<text class=\"tick\" x=\"" + Num(X(t)) + "\" y=\"" + Num(kHeight - kBottom + 16) + "\" text-anchor=\"middle\">" +
             ShortNumber(t) + "</text>";
    }
    out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(kHeight - kBottom) +
           "\" y2=\"" + Num(kHeight - kBottom) + "\"/>";
    out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft) + "\" y1=\"" + Num(kTop) + "\" y2=\"" +
           Num(kHeight - kBottom) + "\"/>";
    out += "<text class=\"label\" x=\"" + Num((kLeft + kWidth - kRight) / 2) + "\" y=\"" + Num(kHeight - 8) +
           "\" text-anchor=\"middle\">" + EscapeHtml(axes.x_label) + "</text>";
    out += "<text class=\"label\" transform=\"translate(16 " + Num((kTop + kHeight - kBottom) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + EscapeHtml(axes.y_label) + "</text>";
    return out;
  }

 private:
  Range x_, y_;
  std::vector<double> x_ticks_, y_ticks_;
};

std::string Open(const std::string& id, double height = kHeight) {
  return "<svg class=\"chart\" data-chart=\"" + EscapeHtml(id) + "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
         Num(kWidth) + " " + Num(height) + "\" width=\"" + Num(kWidth) + "\" height=\"" + Num(height) + "\" role=\"img\">";
}

std::string Legend(const std::vector<std::string>& names) {
  std::string out;
  double x = kLeft + 8;
  for (size_t i = 0; i < names.size(); ++i) {
    const char* colour = kPalette[i % 6];
    out += "<rect x=\"" + Num(x) + "\" y=\"6\" width=\"12\" height=\"4\" fill=\"" + colour + "\"/>";
    out += "<text class=\"legend\" x=\"" + Num(x + 16) + "\" y=\"12\">" + EscapeHtml(names[i]) + "</text>";
    x += 28 + 7.0 * static_cast<double>(names[i].size());
  }
  return out;
}

std::string Empty(const std::string& id, const std::string& why) {
  return Open(id, 60) + "<text class=\"empty\" x=\"10\" y=\"34\">" + EscapeHtml(why) + "</text></svg>";
}

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string ShortNumber(double value) {
  char buffer[48];
  const double magnitude = std::abs(value);
  if (magnitude >= 1e4 && magnitude < 1e15) {
    // Whole, with thousands separators: 300,000 rather than 3e+05.
    std::snprintf(buffer, sizeof buffer, "%.0f", std::abs(value));
    std::string digits = buffer, grouped;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
      grouped += digits[i];
    }
    return (value < 0 ? "-" : "") + grouped;
  }
  std::snprintf(buffer, sizeof buffer, magnitude > 0 && magnitude < 1e-4 ? "%.3g" : "%.4g", value);
  return buffer;
}

std::string LineChart(const std::string& id, const std::vector<ChartSeries>& series, const ChartAxes& axes, bool diagonal) {
  Range x, y;
  size_t points = 0;
  for (const auto& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x.Add(s.x[i]);
      y.Add(s.y[i]);
      ++points;
    }
  }
  if (points == 0) return Empty(id, "no data");
  if (diagonal) {
    x.Add(0), x.Add(1), y.Add(0), y.Add(1);
  }
  x.Settle(false);
  y.Settle(axes.y_from_zero);
  Frame frame(x, y);
  std::string out = Open(id) + frame.Axes(axes);
  if (diagonal) {
    out += "<line class=\"reference\" x1=\"" + Num(frame.X(0)) + "\" y1=\"" + Num(frame.Y(0)) + "\" x2=\"" + Num(frame.X(1)) +
           "\" y2=\"" + Num(frame.Y(1)) + "\"/>";
  }
  std::vector<std::string> names;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    std::string path;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      path += (path.empty() ? "M" : " L") + Num(frame.X(s.x[i])) + " " + Num(frame.Y(s.y[i]));
    }
    if (path.empty()) continue;
    // A single point still shows: a zero-length path with round caps.
    if (path.find('L') == std::string::npos) path += " l0.01 0";
    out += "<path class=\"mark\" d=\"" + path + "\" fill=\"none\" stroke=\"" + kPalette[k % 6] +
           "\" stroke-width=\"2\" stroke-linecap=\"round\"><title>" + EscapeHtml(s.name) + "</title></path>";
    names.push_back(s.name);
  }
  return out + Legend(names) + "</svg>";
}

std::string ScatterChart(const std::string& id, const std::vector<double>& xs, const std::vector<double>& ys,
                         const ChartAxes& axes, size_t max_points) {
  Range both;
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    both.Add(xs[i]);
    both.Add(ys[i]);
  }
  if (!std::isfinite(both.low)) return Empty(id, "no predictions");
  both.Settle(false);
  Frame frame(both, both);
  std::string out = Open(id) + frame.Axes(axes);
  const size_t n = std::min(xs.size(), ys.size());
  const size_t stride = std::max<size_t>(1, (n + max_points - 1) / max_points);
  for (size_t i = 0; i < n; i += stride) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    out += "<circle class=\"mark\" cx=\"" + Num(frame.X(xs[i])) + "\" cy=\"" + Num(frame.Y(ys[i])) + "\" r=\"2\"/>";
  }
  out += "<line class=\"reference\" x1=\"" + Num(frame.X(frame.x().low)) + "\" y1=\"" + Num(frame.Y(frame.y().low)) +
         "\" x2=\"" + Num(frame.X(frame.x().high)) + "\" y2=\"" + Num(frame.Y(frame.y().high)) + "\"/>";
  return out + "</svg>";
}

std::string HistogramChart(const std::string& id, const std::vector<double>& values, int bins, const ChartAxes& axes) {
  Range range;
  for (double v : values) range.Add(v);
  if (!std::isfinite(range.low) || bins <= 0) return Empty(id, "no values");
  range.Settle(false);
  std::vector<double> counts(static_cast<size_t>(bins), 0);
  const double width = (range.high - range.low) / bins;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    int bin = std::min(bins - 1, static_cast<int>((v - range.low) / width));
    counts[static_cast<size_t>(std::max(0, bin))] += 1;
  }
  Range y;
  for (double c : counts) y.Add(c);
  y.Settle(true);
  Frame frame(range, y);
  std::string out = Open(id) + frame.Axes(axes);
  for (int b = 0; b < bins; ++b) {
    const double c = counts[static_cast<size_t>(b)];
    if (c <= 0) continue;
    const double left = frame.X(range.low + b * width), right = frame.X(range.low + (b + 1) * width);
    out += "<rect class=\"mark\" x=\"" + Num(left) + "\" y=\"" + Num(frame.Y(c)) + "\" width=\"" + Num(std::max(0.5, right - left - 1)) +
           "\" height=\"" + Num(frame.Y(0) - frame.Y(c)) + "\"><title>" + ShortNumber(range.low + b * width) + " to " +
           ShortNumber(range.low + (b + 1) * width) + ": " + ShortNumber(c) + "</title></rect>";
  }
  return out + "</svg>";
}

std::string BarChart(const std::string& id, const std::vector<std::string>& labels, const std::vector<double>& values,
                     const std::string& value_label) {
  if (labels.empty()) return Empty(id, "no values");
  const double row = 22, label_width = 190, top = 8;
  const double height = top + row * static_cast<double>(labels.size()) + 30;
  double high = 0;
  for (double v : values) high = std::max(high, v);
  if (high <= 0) high = 1;
  const double span = kWidth - label_width - 90;
  std::string out = Open(id, height);
  for (size_t i = 0; i < labels.size(); ++i) {
    const double y = top + row * static_cast<double>(i);
    const double w = std::max(1.0, values[i] / high * span);
    out += "<text class=\"tick\" x=\"" + Num(label_width - 8) + "\" y=\"" + Num(y + 15) + "\" text-anchor=\"end\">" +
           EscapeHtml(labels[i]) + "</text>";
    out += "<rect class=\"mark\" x=\"" + Num(label_width) + "\" y=\"" + Num(y + 3) + "\" width=\"" + Num(w) +
           "\" height=\"" + Num(row - 6) + "\"/>";
    out += "<text class=\"value\" x=\"" + Num(label_width + w + 6) + "\" y=\"" + Num(y + 15) + "\">" + ShortNumber(values[i]) +
           "</text>";
  }
  out += "<text class=\"label\" x=\"" + Num(label_width) + "\" y=\"" + Num(height - 8) + "\">" + EscapeHtml(value_label) + "</text>";
  return out + "</svg>";
}

std::string TimelineChart(const std::string& id, const std::vector<TimelineItem>& items) {
  if (items.empty()) return Empty(id, "no steps");
  const double row = 24, label_width = 150, top = 8;
  const double height = top + row * static_cast<double>(items.size()) + 40;
  Range x;
  x.Add(0);
  for (const auto& item : items) x.Add(item.end);
  x.Settle(true);
  std::vector<double> ticks = Ticks(&x);
  const double span = kWidth - label_width - kRight;
  auto at = [&](double t) { return label_width + (t - x.low) / (x.high - x.low) * span; };
  std::string out = Open(id, height);
  for (double t : ticks) {
    out += "<line class=\"grid\" x1=\"" + Num(at(t)) + "\" x2=\"" + Num(at(t)) + "\" y1=\"" + Num(top) + "\" y2=\"" +
           Num(height - 30) + "\"/>";
    out += "<text class=\"tick\" x=\"" + Num(at(t)) + "\" y=\"" + Num(height - 16) + "\" text-anchor=\"middle\">" +
           ShortNumber(t) + "</text>";
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    const double y = top + row * static_cast<double>(i);
    const double w = std::max(2.0, at(item.end) - at(item.start));
    out += "<text class=\"tick\" x=\"" + Num(label_width - 8) + "\" y=\"" + Num(y + 16) + "\" text-anchor=\"end\">" +
           EscapeHtml(item.label) + "</text>";
    out += "<rect class=\"mark status-" + EscapeHtml(item.status) + "\" x=\"" + Num(at(item.start)) + "\" y=\"" + Num(y + 4) +
           "\" width=\"" + Num(w) + "\" height=\"" + Num(row - 8) + "\"><title>" + EscapeHtml(item.label) + ": " +
           EscapeHtml(item.status) + ", " + ShortNumber(item.end - item.start) + " s</title></rect>";
  }
  out += "<text class=\"label\" x=\"" + Num(label_width + span / 2) + "\" y=\"" + Num(height - 2) +
         "\" text-anchor=\"middle\">seconds since the run started</text>";
  return out + "</svg>";
}

std::string ConfusionChart(const std::string& id, long long tp, long long fn, long long fp, long long tn) {
  const double cell = 90, left = 150, top = 40;
  std::string out = Open(id, top + 2 * cell + 40);
  const long long cells[2][2] = {{tp, fn}, {fp, tn}};
  const long long total = std::max(1LL, tp + fn + fp + tn);
  const char* rows[] = {"actual 1", "actual 0"};
  const char* cols[] = {"predicted 1", "predicted 0"};
  for (int c = 0; c < 2; ++c) {
    out += "<text class=\"tick\" x=\"" + Num(left + cell * c + cell / 2) + "\" y=\"" + Num(top - 10) +
           "\" text-anchor=\"middle\">" + cols[c] + "</text>";
  }
  for (int r = 0; r < 2; ++r) {
    out += "<text class=\"tick\" x=\"" + Num(left - 10) + "\" y=\"" + Num(top + cell * r + cell / 2 + 4) +
           "\" text-anchor=\"end\">" + rows[r] + "</text>";
    for (int c = 0; c < 2; ++c) {
      const double share = static_cast<double>(cells[r][c]) / static_cast<double>(total);
      char fill[32];
      std::snprintf(fill, sizeof fill, "rgba(31,119,180,%.2f)", 0.1 + 0.85 * share);
      out += "<rect class=\"mark\" x=\"" + Num(left + cell * c) + "\" y=\"" + Num(top + cell * r) + "\" width=\"" + Num(cell - 2) +
             "\" height=\"" + Num(cell - 2) + "\" fill=\"" + fill + "\"/>";
      out += "<text class=\"value\" x=\"" + Num(left + cell * c + cell / 2) + "\" y=\"" + Num(top + cell * r + cell / 2 + 5) +
             "\" text-anchor=\"middle\">" + ShortNumber(static_cast<double>(cells[r][c])) + "</text>";
    }
  }
  return out + "</svg>";
}

}  // namespace sluice
