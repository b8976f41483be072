// ListUsers Filter parsing and matching, one TEST per rule.
#include "engine/user/list_users_filter.h"

#include <gtest/gtest.h>

namespace cognate::engine {
namespace {

ListUsersFilter MustParse(std::string_view text) {
  auto result = ParseListUsersFilter(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
  if (!result.ok() || !result->has_value()) {
    ADD_FAILURE() << "no filter parsed from " << text;
    return {};
  }
  return **result;
}

void ExpectParseError(std::string_view text) {
  auto result = ParseListUsersFilter(text);
  ASSERT_FALSE(result.ok()) << text;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "Error while parsing filter.") << text;
}

void ExpectBadAttribute(std::string_view text, std::string_view attribute) {
  auto result = ParseListUsersFilter(text);
  ASSERT_FALSE(result.ok()) << text;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "Invalid search attribute: " + std::string(attribute));
}

TEST(ListUsersFilter, EmptyFilterMeansNoFilter) {
  for (std::string_view text : {"", "   ", "\t"}) {
    auto result = ParseListUsersFilter(text);
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result->has_value());
  }
}

TEST(ListUsersFilter, ExactMatchOperator) {
  ListUsersFilter f = MustParse(R"(email = "bob@example.com")");
  EXPECT_EQ(f.attribute, "email");
  EXPECT_FALSE(f.prefix);
  EXPECT_EQ(f.value, "bob@example.com");
}

TEST(ListUsersFilter, PrefixOperator) {
  ListUsersFilter f = MustParse(R"(family_name ^= "Red")");
  EXPECT_EQ(f.attribute, "family_name");
  EXPECT_TRUE(f.prefix);
  EXPECT_EQ(f.value, "Red");
}

TEST(ListUsersFilter, WhitespaceAroundTokensIsOptional) {
  for (std::string_view text : {R"(username="jon")", R"(  username   =   "jon"  )",
                                "username\t=\t\"jon\"", R"(username= "jon")"}) {
    ListUsersFilter f = MustParse(text);
    EXPECT_EQ(f.attribute, "username") << text;
    EXPECT_EQ(f.value, "jon") << text;
  }
  ListUsersFilter f = MustParse(R"(name^="J")");
  EXPECT_TRUE(f.prefix);
}

TEST(ListUsersFilter, ValueKeepsInnerSpaces) {
  EXPECT_EQ(MustParse(R"(name = " Jon  Doe ")").value, " Jon  Doe ");
}

TEST(ListUsersFilter, EscapedQuoteAndBackslash) {
  EXPECT_EQ(MustParse(R"(name = "say \"hi\"")").value, R"(say "hi")");
  EXPECT_EQ(MustParse(R"(name = "back\\slash")").value, R"(back\slash)");
  EXPECT_EQ(MustParse(R"(name = "\\")").value, R"(\)");
}

TEST(ListUsersFilter, EmptyValueIsAllowed) {
  ListUsersFilter f = MustParse(R"(email ^= "")");
  EXPECT_EQ(f.value, "");
  EXPECT_TRUE(MatchesFilter(f, "anything"));
}

TEST(ListUsersFilter, EverySearchableAttributeParses) {
  for (std::string_view attribute :
       {"username", "email", "phone_number", "name", "given_name", "family_name",
        "preferred_username", "cognito:user_status", "status", "sub"}) {
    ListUsersFilter f = MustParse(std::string(attribute) + " = \"x\"");
    EXPECT_EQ(f.attribute, attribute);
  }
}

TEST(ListUsersFilter, RejectsMissingQuotes) {
  ExpectParseError("email = bob");
  ExpectParseError(R"(email = "bob)");
  ExpectParseError(R"(email = bob")");
  ExpectParseError(R"(email = 'bob')");
}

TEST(ListUsersFilter, RejectsUnknownEscape) {
  ExpectParseError(R"(email = "a\nb")");
  ExpectParseError(R"(email = "abc\)");
}

TEST(ListUsersFilter, RejectsBadOperator) {
  ExpectParseError(R"(email == "a")");
  ExpectParseError(R"(email != "a")");
  ExpectParseError(R"(email ~= "a")");
  ExpectParseError(R"(email ^ "a")");
  ExpectParseError(R"(email "a")");
  ExpectParseError(R"(email ^ = "a")");
}

TEST(ListUsersFilter, RejectsMissingPieces) {
  ExpectParseError(R"(= "a")");
  ExpectParseError("email");
  ExpectParseError("email =");
  ExpectParseError(R"("email" = "a")");
}

TEST(ListUsersFilter, RejectsTrailingGarbage) {
  ExpectParseError(R"(email = "a" x)");
  ExpectParseError(R"(email = "a" and name = "b")");
  ExpectParseError(R"(email = "a""b")");
}

TEST(ListUsersFilter, RejectsUnknownAttribute) {
  ExpectBadAttribute(R"(nickname = "a")", "nickname");
  ExpectBadAttribute(R"(Email = "a")", "Email");
  ExpectBadAttribute(R"(email_verified = "true")", "email_verified");
}

TEST(ListUsersFilter, CustomAttributesAreNotSearchable) {
  ExpectBadAttribute(R"(custom:foo = "a")", "custom:foo");
  ExpectBadAttribute(R"(custom:tier ^= "gold")", "custom:tier");
}

TEST(ListUsersFilter, SyntaxErrorWinsOverUnknownAttribute) { ExpectParseError("custom:foo = a"); }

TEST(ListUsersFilter, ExactMatchIsWholeValueAndCaseSensitive) {
  ListUsersFilter f = MustParse(R"(username = "Jon")");
  EXPECT_TRUE(MatchesFilter(f, "Jon"));
  EXPECT_FALSE(MatchesFilter(f, "jon"));
  EXPECT_FALSE(MatchesFilter(f, "Jonathan"));
  EXPECT_FALSE(MatchesFilter(f, "Jo"));
}

TEST(ListUsersFilter, PrefixMatch) {
  ListUsersFilter f = MustParse(R"(email ^= "bob")");
  EXPECT_TRUE(MatchesFilter(f, "bob@example.com"));
  EXPECT_TRUE(MatchesFilter(f, "bob"));
  EXPECT_FALSE(MatchesFilter(f, "bo"));
  EXPECT_FALSE(MatchesFilter(f, "alice@bob.com"));
}

TEST(ListUsersFilter, UserStatusMatchesCaseInsensitively) {
  ListUsersFilter f = MustParse(R"(cognito:user_status = "unconfirmed")");
  EXPECT_TRUE(MatchesFilter(f, "UNCONFIRMED"));
  EXPECT_FALSE(MatchesFilter(f, "CONFIRMED"));
  ListUsersFilter p = MustParse(R"(cognito:user_status ^= "force")");
  EXPECT_TRUE(MatchesFilter(p, "FORCE_CHANGE_PASSWORD"));
}

}  // namespace
}  // namespace cognate::engine
