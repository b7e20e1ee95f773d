#pragma once
// Reading a train.params value of a text job: a number in a range, or a
// flag. A bad one is a usage error naming the key (train.params.KEY).

#include <string>

namespace sluice {

double ParamNumber(const std::string& key, const std::string& text, double low, double high);
bool ParamFlag(const std::string& key, const std::string& text);

}  // namespace sluice
