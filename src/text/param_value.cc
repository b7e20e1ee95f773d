#include "text/param_value.h"

#include <cstdlib>

#include "common/error.h"
#include "common/format.h"

namespace sluice {

double ParamNumber(const std::string& key, const std::string& text, double low, double high) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(value >= low && value <= high)) {
    ThrowUsage("train.params." + key + ": '" + text + "' is not a number in [" + FormatDouble(low) + ", " +
               FormatDouble(high) + "]");
  }
  return value;
}

bool ParamFlag(const std::string& key, const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  ThrowUsage("train.params." + key + ": expected true or false, got '" + text + "'");
}

}  // namespace sluice
