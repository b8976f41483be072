// ListUsers filter: a hand-written scanner for `name op "value"`. Syntax is checked before the
// attribute name, so a malformed filter naming an unknown attribute reports the syntax error.
#include "engine/user/list_users_filter.h"

#include <algorithm>
#include <array>
#include <utility>

namespace cognate::engine {
namespace {

constexpr std::array<std::string_view, 10> kSearchable = {
    "username",   "email",       "phone_number",       "name",
    "given_name", "family_name", "preferred_username", "cognito:user_status",
    "status",     "sub"};

Status ParseError() { return InvalidArgumentError("Error while parsing filter."); }

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '-' || c == '.';
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  std::string_view Name() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A double-quoted string with \" and \\ escapes; false if unterminated or a bad escape.
  bool Quoted(std::string& out) {
    if (!Consume("\"")) return false;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        char escaped = text_[pos_++];
        if (escaped != '"' && escaped != '\\') return false;
        out.push_back(escaped);
        continue;
      }
      out.push_back(c);
    }
    return false;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::optional<ListUsersFilter>> ParseListUsersFilter(std::string_view filter) {
  Scanner scanner(filter);
  scanner.SkipBlanks();
  if (scanner.AtEnd()) return std::optional<ListUsersFilter>();

  ListUsersFilter parsed;
  std::string_view name = scanner.Name();
  if (name.empty()) return ParseError();
  parsed.attribute = std::string(name);

  scanner.SkipBlanks();
  if (scanner.Consume("^=")) {
    parsed.prefix = true;
  } else if (scanner.Consume("=")) {
    parsed.prefix = false;
  } else {
    return ParseError();
  }

  scanner.SkipBlanks();
  if (scanner.Peek() != '"' || !scanner.Quoted(parsed.value)) return ParseError();
  scanner.SkipBlanks();
  if (!scanner.AtEnd()) return ParseError();

  if (std::find(kSearchable.begin(), kSearchable.end(), name) == kSearchable.end()) {
    return InvalidArgumentError("Invalid search attribute: " + parsed.attribute);
  }
  return std::optional<ListUsersFilter>(std::move(parsed));
}

bool MatchesFilter(const ListUsersFilter& filter, std::string_view attribute_value) {
  std::string_view wanted = filter.value;
  if (filter.prefix) {
    if (attribute_value.size() < wanted.size()) return false;
    attribute_value = attribute_value.substr(0, wanted.size());
  }
  if (filter.attribute == "cognito:user_status") return EqualsIgnoreCase(attribute_value, wanted);
  return attribute_value == wanted;
}

}  // namespace cognate::engine
