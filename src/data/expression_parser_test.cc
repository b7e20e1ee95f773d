#include "data/expression_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace sluice {
namespace {

std::string Repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// `open` `times` times, then `inner`, then `close` as often.
std::string Nest(const std::string& open, const std::string& inner, const std::string& close, int times) {
  std::string out = Repeat(open, times);
  out.append(inner);
  out.append(Repeat(close, times));
  return out;
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseExpression(text, "prep.derive.x");
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    return error.what();
  }
  return "";
}

TEST(ExpressionParser, NestingUpToTheLimitParses) {
  const int depth = kMaxExpressionDepth - 1;
  auto node = ParseExpression(Nest("(", "x", ")", depth), "x");
  EXPECT_EQ(node->kind, SyntaxNode::Kind::kColumn);
  auto calls = ParseExpression(Nest("abs(", "x", ")", depth), "x");
  EXPECT_EQ(calls->height, depth + 1);
}

TEST(ExpressionParser, ParenthesesTenThousandDeepAreRefusedNotACrash) {
  const std::string message = ErrorOf(Nest("(", "hour(x)", ")", 10000));
  EXPECT_NE(message.find("nested deeper than 256 levels"), std::string::npos) << message;
  EXPECT_NE(message.find("prep.derive.x"), std::string::npos);
  // The message quotes an excerpt, not 20,000 characters.
  EXPECT_LT(message.size(), 400u);
}

TEST(ExpressionParser, CallsNotAndMinusTenThousandDeepAreRefused) {
  EXPECT_NE(ErrorOf(Nest("abs(", "x", ")", 10000)).find("nested deeper"), std::string::npos);
  EXPECT_NE(ErrorOf(Nest("not ", "x", "", 10000)).find("nested deeper"), std::string::npos);
  EXPECT_NE(ErrorOf(Nest("-", "x", "", 100000)).find("nested deeper"), std::string::npos);
}

TEST(ExpressionParser, LongOperatorChainIsRefusedByHeight) {
  // No recursion while parsing a chain, but binding and evaluation recurse on the tree.
  const std::string message = ErrorOf(Nest("", "x", " + x", 100000));
  EXPECT_NE(message.find("operators deep"), std::string::npos) << message;
  auto node = ParseExpression(Nest("", "x", " + x", kMaxExpressionHeight - 2), "x");
  EXPECT_EQ(node->height, kMaxExpressionHeight - 1);
}

}  // namespace
}  // namespace sluice
