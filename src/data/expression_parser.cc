#include "data/expression_parser.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"

namespace sluice {

namespace {

struct Token {
  enum class Kind { kEnd, kNumber, kString, kIdentifier, kQuotedIdentifier, kOperator };
  Kind kind;
  std::string text;
  size_t position;
};

class Parser {
 public:
  Parser(const std::string& text, const std::string& where) : text_(text), where_(where) {
    Tokenize();
  }

  std::unique_ptr<SyntaxNode> ParseAll() {
    auto node = ParseOr();
    if (Peek().kind != Token::Kind::kEnd) Fail("unexpected '" + Peek().text + "'", Peek().position);
    return node;
  }

 private:
  [[noreturn]] void Fail(const std::string& problem, size_t position) const {
    ThrowUsage(where_ + ": " + problem + " at position " + std::to_string(position + 1) + " in '" +
               Excerpt(position) + "'");
  }

  // The text around `position`, at most ~120 characters: a huge expression is not echoed whole.
  std::string Excerpt(size_t position) const {
    constexpr size_t kContext = 60;
    if (text_.size() <= 2 * kContext) return text_;
    const size_t from = position > kContext ? position - kContext : 0;
    const size_t to = std::min(text_.size(), position + kContext);
    return (from > 0 ? "..." : "") + text_.substr(from, to - from) + (to < text_.size() ? "..." : "");
  }

  // Each nested '(', call, 'not' or unary '-' descends one level; past
  // kMaxExpressionDepth the expression is refused rather than the stack overflowed.
  class Descent {
   public:
    Descent(Parser& parser, size_t position) : parser_(parser) {
      if (++parser_.depth_ > kMaxExpressionDepth) {
        parser_.Fail("nested deeper than " + std::to_string(kMaxExpressionDepth) + " levels", position);
      }
    }
    ~Descent() { --parser_.depth_; }

   private:
    Parser& parser_;
  };

  // Adds `child` under `node`; a tree taller than kMaxExpressionHeight (a
  // chain of thousands of operators) is refused, as evaluation recurses on it.
  void Attach(SyntaxNode& node, std::unique_ptr<SyntaxNode> child) {
    node.height = std::max(node.height, child->height + 1);
    if (node.height > kMaxExpressionHeight) {
      Fail("more than " + std::to_string(kMaxExpressionHeight) + " operators deep", node.position);
    }
    node.children.push_back(std::move(child));
  }

  void Tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
        size_t start = i;
        while (i < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[i])) || text_[i] == '.')) ++i;
        if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
          ++i;
          if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
          while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
        }
        tokens_.push_back({Token::Kind::kNumber, text_.substr(start, i - start), start});
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = i;
        while (i < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[i])) || text_[i] == '_')) ++i;
        tokens_.push_back({Token::Kind::kIdentifier, text_.substr(start, i - start), start});
      } else if (c == '\'' || c == '"' || c == '`') {
        size_t start = i++;
        std::string value;
        for (;;) {
          if (i >= text_.size()) Fail("unterminated quote", start);
          if (text_[i] == c) {
            if (i + 1 < text_.size() && text_[i + 1] == c) {
              value.push_back(c);
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          value.push_back(text_[i++]);
        }
        tokens_.push_back({c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedIdentifier, value, start});
      } else {
        static const char* kOperators[] = {"==", "!=", "<>", "<=", ">=", "&&", "||", "=", "<", ">",
                                           "+",  "-",  "*",  "/",  "%",  "(",  ")",  ",", "!"};
        bool matched = false;
        for (const char* op : kOperators) {
          std::string_view candidate(op);
          if (text_.compare(i, candidate.size(), candidate) == 0) {
            tokens_.push_back({Token::Kind::kOperator, std::string(candidate), i});
            i += candidate.size();
            matched = true;
            break;
          }
        }
        if (!matched) Fail(std::string("unexpected character '") + c + "'", i);
      }
    }
    tokens_.push_back({Token::Kind::kEnd, "end of expression", text_.size()});
  }

  const Token& Peek() const { return tokens_[pos_]; }
  Token Next() { return tokens_[pos_++]; }

  static std::string Lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  bool AcceptKeyword(const char* keyword) {
    if (Peek().kind == Token::Kind::kIdentifier && Lower(Peek().text) == keyword) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool AcceptOperator(const char* op) {
    if (Peek().kind == Token::Kind::kOperator && Peek().text == op) {
      ++pos_;
      return true;
    }
    return false;
  }

  static std::unique_ptr<SyntaxNode> Make(SyntaxNode::Kind kind, std::string text, size_t position) {
    auto node = std::make_unique<SyntaxNode>();
    node->kind = kind;
    node->text = std::move(text);
    node->position = position;
    return node;
  }

  std::unique_ptr<SyntaxNode> Binary(std::string op, size_t position, std::unique_ptr<SyntaxNode> left,
                                     std::unique_ptr<SyntaxNode> right) {
    auto node = Make(SyntaxNode::Kind::kBinary, std::move(op), position);
    Attach(*node, std::move(left));
    Attach(*node, std::move(right));
    return node;
  }

  std::unique_ptr<SyntaxNode> ParseOr() {
    auto left = ParseAnd();
    for (;;) {
      size_t position = Peek().position;
      if (!AcceptKeyword("or") && !AcceptOperator("||")) return left;
      left = Binary("or", position, std::move(left), ParseAnd());
    }
  }

  std::unique_ptr<SyntaxNode> ParseAnd() {
    auto left = ParseNot();
    for (;;) {
      size_t position = Peek().position;
      if (!AcceptKeyword("and") && !AcceptOperator("&&")) return left;
      left = Binary("and", position, std::move(left), ParseNot());
    }
  }

  std::unique_ptr<SyntaxNode> ParseNot() {
    size_t position = Peek().position;
    if (AcceptKeyword("not") || AcceptOperator("!")) {
      Descent descent(*this, position);
      auto node = Make(SyntaxNode::Kind::kUnary, "not", position);
      Attach(*node, ParseNot());
      return node;
    }
    return ParseComparison();
  }

  std::unique_ptr<SyntaxNode> ParseComparison() {
    auto left = ParseAdditive();
    static const char* kComparisons[] = {"==", "=", "!=", "<>", "<=", ">=", "<", ">"};
    for (const char* op : kComparisons) {
      size_t position = Peek().position;
      if (AcceptOperator(op)) {
        std::string canonical = op;
        if (canonical == "==") canonical = "=";
        if (canonical == "<>") canonical = "!=";
        auto node = Binary(canonical, position, std::move(left), ParseAdditive());
        for (const char* again : kComparisons) {
          if (Peek().kind == Token::Kind::kOperator && Peek().text == again) {
            Fail("comparisons do not chain; use 'and'", Peek().position);
          }
        }
        return node;
      }
    }
    return left;
  }

  std::unique_ptr<SyntaxNode> ParseAdditive() {
    auto left = ParseMultiplicative();
    for (;;) {
      size_t position = Peek().position;
      if (AcceptOperator("+")) {
        left = Binary("+", position, std::move(left), ParseMultiplicative());
      } else if (AcceptOperator("-")) {
        left = Binary("-", position, std::move(left), ParseMultiplicative());
      } else {
        return left;
      }
    }
  }

  std::unique_ptr<SyntaxNode> ParseMultiplicative() {
    auto left = ParseUnary();
    for (;;) {
      size_t position = Peek().position;
      if (AcceptOperator("*")) {
        left = Binary("*", position, std::move(left), ParseUnary());
      } else if (AcceptOperator("/")) {
        left = Binary("/", position, std::move(left), ParseUnary());
      } else if (AcceptOperator("%")) {
        left = Binary("%", position, std::move(left), ParseUnary());
      } else {
        return left;
      }
    }
  }

  std::unique_ptr<SyntaxNode> ParseUnary() {
    size_t position = Peek().position;
    if (AcceptOperator("-")) {
      Descent descent(*this, position);
      auto node = Make(SyntaxNode::Kind::kUnary, "-", position);
      Attach(*node, ParseUnary());
      return node;
    }
    return ParsePrimary();
  }

  std::unique_ptr<SyntaxNode> ParsePrimary() {
    Token token = Next();
    switch (token.kind) {
      case Token::Kind::kNumber:
        return Make(SyntaxNode::Kind::kNumber, token.text, token.position);
      case Token::Kind::kString:
        return Make(SyntaxNode::Kind::kString, token.text, token.position);
      case Token::Kind::kQuotedIdentifier:
        return Make(SyntaxNode::Kind::kColumn, token.text, token.position);
      case Token::Kind::kIdentifier: {
        std::string lower = Lower(token.text);
        if (lower == "true" || lower == "false") {
          auto node = Make(SyntaxNode::Kind::kBool, lower, token.position);
          node->bool_value = lower == "true";
          return node;
        }
        if (lower == "null") return Make(SyntaxNode::Kind::kNull, lower, token.position);
        if (AcceptOperator("(")) {
          Descent descent(*this, token.position);
          auto call = Make(SyntaxNode::Kind::kCall, lower, token.position);
          if (lower == "cast") {
            // cast(expr as type): the type name becomes a string argument.
            Attach(*call, ParseOr());
            if (!AcceptKeyword("as")) Fail("expected 'as' and a type in cast(x as type)", Peek().position);
            if (Peek().kind != Token::Kind::kIdentifier) Fail("expected a type name after 'as'", Peek().position);
            Token type = Next();
            Attach(*call, Make(SyntaxNode::Kind::kString, Lower(type.text), type.position));
            if (!AcceptOperator(")")) Fail("expected ')' after the type", Peek().position);
            return call;
          }
          if (!AcceptOperator(")")) {
            do {
              Attach(*call, ParseOr());
            } while (AcceptOperator(","));
            if (!AcceptOperator(")")) Fail("expected ')' or ','", Peek().position);
          }
          return call;
        }
        return Make(SyntaxNode::Kind::kColumn, token.text, token.position);
      }
      case Token::Kind::kOperator:
        if (token.text == "(") {
          Descent descent(*this, token.position);
          auto inner = ParseOr();
          if (!AcceptOperator(")")) Fail("expected ')'", Peek().position);
          return inner;
        }
        Fail("unexpected '" + token.text + "'", token.position);
      case Token::Kind::kEnd:
        Fail("unexpected end of expression", token.position);
    }
    Fail("unexpected token", token.position);
  }

  const std::string& text_;
  const std::string& where_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<SyntaxNode> ParseExpression(const std::string& text, const std::string& where) {
  Parser parser(text, where);
  return parser.ParseAll();
}

}  // namespace sluice
