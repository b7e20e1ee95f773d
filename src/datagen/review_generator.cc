#include "datagen/review_generator.h"

#include <random>
#include <vector>

#include "common/atomic_file.h"

namespace sluice {

namespace {

const std::vector<std::string> kPositive = {
    "great", "excellent", "love it", "works perfectly", "highly recommend", "fantastic", "very happy",
    "five stars", "amazing value", "best purchase", "sturdy", "comfortable", "fast shipping", "superb",
    "delighted", "exceeded my expectations", "worth every penny", "très bien", "😀", "❤️"};
const std::vector<std::string> kNegative = {
    "terrible", "broke after a week", "waste of money", "very disappointed", "do not buy", "awful",
    "returned it", "poor quality", "stopped working", "one star", "flimsy", "uncomfortable", "refund",
    "worst purchase", "useless", "fell apart", "never again", "enttäuschend", "😡", "👎"};
const std::vector<std::string> kProducts = {
    "phone", "charger", "headset", "case", "battery", "cable", "speaker", "keyboard", "screen", "camera",
    "blender", "kettle", "jacket", "shoes", "backpack", "lamp", "mouse", "router", "watch", "tablet"};
const std::vector<std::string> kFiller = {
    "i bought this", "for my daughter", "last month", "after reading the reviews", "to be honest",
    "the color is", "it arrived", "on tuesday", "compared to my old one", "the box says", "overall",
    "as described", "for the price", "my husband thinks", "so far", "in the evening", "at work"};
const std::vector<std::string> kNegations = {"not", "never", "hardly", "isn't", "wasn’t"};

std::string CsvQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

ReviewDataTotals GenerateReviewData(const ReviewDataOptions& options) {
  std::mt19937_64 random(options.seed);
  auto pick = [&](const std::vector<std::string>& words) -> const std::string& { return words[random() % words.size()]; };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(random) < p; };
  ReviewDataTotals totals;
  auto writer = AtomicFileWriter::Open(options.output);
  std::string out = "review,label,source\n";
  for (int64_t row = 0; row < options.rows; ++row) {
    const bool positive = chance(0.5);
    std::string text;
    const int sentences = 1 + static_cast<int>(random() % 3);
    for (int s = 0; s < sentences; ++s) {
      if (!text.empty()) text += chance(0.5) ? ". " : ", ";
      text += pick(kFiller) + " the " + pick(kProducts) + " is ";
      // A negated phrase of the other polarity carries this review's sentiment.
      if (chance(0.2)) {
        text += pick(kNegations) + " " + pick(positive ? kNegative : kPositive);
      } else {
        text += pick(positive ? kPositive : kNegative);
      }
    }
    if (chance(0.05)) text = "<p>" + text + "</p> &amp; more";
    if (chance(0.03)) text += " see https://example.com/item/" + std::to_string(random() % 100000);
    if (chance(0.02)) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    // Label noise: real labels are not perfect either.
    const bool labelled_positive = chance(0.02) ? !positive : positive;
    std::string label = labelled_positive ? "positive" : "negative";
    // Dirt, on purpose.
    const double dirt = std::uniform_real_distribution<double>(0, 1)(random);
    if (dirt < 0.002) {
      text.clear();
      ++totals.dirty_rows;
    } else if (dirt < 0.004) {
      label.clear();
      ++totals.dirty_rows;
    } else if (dirt < 0.005) {
      text += " \xff\xfe broken bytes";
      ++totals.dirty_rows;
    }
    out += CsvQuote(text) + "," + label + ",synthetic (sluice datagen reviews)\n";
    ++totals.rows;
    if (out.size() > (1 << 20)) {
      totals.bytes += out.size();
      writer.Write(out);
      out.clear();
    }
  }
  totals.bytes += out.size();
  writer.Write(out);
  writer.Commit();
  return totals;
}

}  // namespace sluice
