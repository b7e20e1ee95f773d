#pragma once
// The syntax of sluice's expression language, parsed into an untyped tree.
// Binding to a schema and evaluation live in expression.h.
//
//   expr    := or
//   or      := and ("or" and)*            also ||
//   and     := not ("and" not)*           also &&
//   not     := "not" not | cmp            also !
//   cmp     := add (("="|"=="|"!="|"<>"|"<"|"<="|">"|">=") add)?
//   add     := mul (("+"|"-") mul)*
//   mul     := unary (("*"|"/"|"%") unary)*
//   unary   := "-" unary | primary
//   primary := number | 'string' | true | false | null
//            | name | "quoted name" | `quoted name` | name "(" args ")" | "(" expr ")"
//            | "cast" "(" expr "as" type ")"   (the type becomes a string argument)

#include <memory>
#include <string>
#include <vector>

namespace sluice {

// Limits that keep parsing, binding and evaluation (all recursive) far from
// the stack's end, on a server thread too: nesting of parentheses, calls and
// unary operators, and the height of the tree (a chain of binary operators).
constexpr int kMaxExpressionDepth = 256;
constexpr int kMaxExpressionHeight = 1024;

struct SyntaxNode {
  enum class Kind { kNumber, kString, kBool, kNull, kColumn, kUnary, kBinary, kCall };
  Kind kind;
  std::string text;  // operator, function or column name, string literal, number text
  bool bool_value = false;
  size_t position = 0;  // character offset in the source, for messages
  int height = 1;       // of the subtree: 1 for a leaf
  std::vector<std::unique_ptr<SyntaxNode>> children;
};

// Throws a usage Error: "<where>: <problem> at position N in '<text>'"
// (an excerpt around N when the text is long).
std::unique_ptr<SyntaxNode> ParseExpression(const std::string& text, const std::string& where);

}  // namespace sluice
