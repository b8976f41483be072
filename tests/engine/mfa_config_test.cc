// Pool MFA configuration: SetUserPoolMfaConfig / GetUserPoolMfaConfig, what DescribeUserPool and
// UpdateUserPool make of it, and the PoolSettings the sign-in code reads.
#include <gtest/gtest.h>

#include <string>

#include "engine/pool/pool_settings.h"
#include "tests/support/engine_fixture.h"

namespace cognate::testing {
namespace {

constexpr char kRoleArn[] = "arn:aws:iam::000000000000:role/sms";

class MfaConfigTest : public EngineTest {
 protected:
  json Describe(const std::string& pool_id) {
    return CallOk(&UserPoolService::DescribeUserPool, {{"UserPoolId", pool_id}})["UserPool"];
  }
  // The settings the engine decides with: DescribeUserPool's view is the stored configuration
  // plus read-only fields, which ReadPoolSettings ignores.
  PoolSettings Settings(const std::string& pool_id) { return ReadPoolSettings(Describe(pool_id)); }
  json GetMfa(const std::string& pool_id) {
    return CallOk(&UserPoolService::GetUserPoolMfaConfig, {{"UserPoolId", pool_id}});
  }
};

TEST_F(MfaConfigTest, GetUserPoolMfaConfig_NewPoolHasMfaOff) {
  const std::string pool = CreatePool();

  json out = GetMfa(pool);

  EXPECT_EQ(out["MfaConfiguration"], "OFF");
  EXPECT_EQ(out["SoftwareTokenMfaConfiguration"], json({{"Enabled", false}}));
  EXPECT_FALSE(out.contains("SmsMfaConfiguration"));
  EXPECT_FALSE(out.contains("EmailMfaConfiguration"));
  const PoolSettings settings = Settings(pool);
  EXPECT_EQ(settings.mfa_configuration, "OFF");
  EXPECT_FALSE(settings.sms_mfa_enabled);
  EXPECT_FALSE(settings.software_token_mfa_enabled);
  EXPECT_FALSE(settings.email_mfa_enabled);
  EXPECT_EQ(settings.sms_authentication_message, "Your authentication code is {####}. ");
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_EnablesSoftwareTokenMfa) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  json out = CallOk(&UserPoolService::SetUserPoolMfaConfig,
                    {{"UserPoolId", pool},
                     {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
                     {"MfaConfiguration", "OPTIONAL"}});

  ExpectEventsSince(mark, {"userpool.updated"});
  EXPECT_EQ(out["MfaConfiguration"], "OPTIONAL");
  EXPECT_EQ(out["SoftwareTokenMfaConfiguration"], json({{"Enabled", true}}));
  EXPECT_FALSE(out.contains("SmsMfaConfiguration"));
  EXPECT_EQ(GetMfa(pool), out);
  EXPECT_EQ(Describe(pool)["MfaConfiguration"], "OPTIONAL");
  const PoolSettings settings = Settings(pool);
  EXPECT_EQ(settings.mfa_configuration, "OPTIONAL");
  EXPECT_TRUE(settings.software_token_mfa_enabled);
  EXPECT_FALSE(settings.sms_mfa_enabled);
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_SmsFactorSetsThePoolsSmsFields) {
  const std::string pool = CreatePool();

  json sms = {{"SmsAuthenticationMessage", "Your sign-in code: {####}"},
              {"SmsConfiguration", {{"SnsCallerArn", kRoleArn}, {"ExternalId", "x-1"}}}};
  json out =
      CallOk(&UserPoolService::SetUserPoolMfaConfig,
             {{"UserPoolId", pool}, {"SmsMfaConfiguration", sms}, {"MfaConfiguration", "ON"}});

  EXPECT_EQ(out["SmsMfaConfiguration"], sms);
  EXPECT_EQ(out["MfaConfiguration"], "ON");
  json described = Describe(pool);
  EXPECT_EQ(described["MfaConfiguration"], "ON");
  EXPECT_EQ(described["SmsAuthenticationMessage"], "Your sign-in code: {####}");
  EXPECT_EQ(described["SmsConfiguration"], sms["SmsConfiguration"]);
  const PoolSettings settings = Settings(pool);
  EXPECT_TRUE(settings.sms_mfa_enabled);
  EXPECT_FALSE(settings.software_token_mfa_enabled);
  EXPECT_EQ(settings.sms_authentication_message, "Your sign-in code: {####}");
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_SmsFactorKeepsThePoolsSmsConfigurationWhenOmitted) {
  const std::string pool = CreatePool({{"SmsConfiguration", {{"SnsCallerArn", kRoleArn}}}});

  json out =
      CallOk(&UserPoolService::SetUserPoolMfaConfig, {{"UserPoolId", pool},
                                                      {"SmsMfaConfiguration", json::object()},
                                                      {"MfaConfiguration", "OPTIONAL"}});

  EXPECT_EQ(out["SmsMfaConfiguration"], json({{"SmsConfiguration", {{"SnsCallerArn", kRoleArn}}}}));
  EXPECT_EQ(Describe(pool)["SmsConfiguration"], json({{"SnsCallerArn", kRoleArn}}));
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_EmailFactor) {
  const std::string pool = CreatePool();

  json email = {{"Message", "Sign in with {####}"}, {"Subject", "Your code"}};
  json out = CallOk(
      &UserPoolService::SetUserPoolMfaConfig,
      {{"UserPoolId", pool}, {"EmailMfaConfiguration", email}, {"MfaConfiguration", "OPTIONAL"}});

  EXPECT_EQ(out["EmailMfaConfiguration"], email);
  const PoolSettings settings = Settings(pool);
  EXPECT_TRUE(settings.email_mfa_enabled);
  EXPECT_EQ(settings.email_mfa_message, "Sign in with {####}");
  EXPECT_EQ(settings.email_mfa_subject, "Your code");
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_WebAuthnIsKeptWithMfaOff) {
  const std::string pool = CreatePool();

  json web_authn = {{"RelyingPartyId", "auth.example.com"}, {"UserVerification", "preferred"}};
  json out = CallOk(
      &UserPoolService::SetUserPoolMfaConfig,
      {{"UserPoolId", pool}, {"WebAuthnConfiguration", web_authn}, {"MfaConfiguration", "OFF"}});

  EXPECT_EQ(out["WebAuthnConfiguration"], web_authn);
  EXPECT_EQ(GetMfa(pool)["WebAuthnConfiguration"], web_authn);
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_ReplacesTheWholeConfiguration) {
  // Given TOTP and SMS enabled, MFA required
  const std::string pool = CreatePool();
  CallOk(&UserPoolService::SetUserPoolMfaConfig,
         {{"UserPoolId", pool},
          {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
          {"SmsMfaConfiguration", {{"SmsConfiguration", {{"SnsCallerArn", kRoleArn}}}}},
          {"MfaConfiguration", "ON"}});

  // When a call names only TOTP, and then one names nothing
  json totp_only = CallOk(&UserPoolService::SetUserPoolMfaConfig,
                          {{"UserPoolId", pool},
                           {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
                           {"MfaConfiguration", "ON"}});
  EXPECT_FALSE(totp_only.contains("SmsMfaConfiguration"));
  EXPECT_FALSE(Settings(pool).sms_mfa_enabled);
  json nothing = CallOk(&UserPoolService::SetUserPoolMfaConfig, {{"UserPoolId", pool}});

  // Then MFA is off and no factor is left
  EXPECT_EQ(nothing["MfaConfiguration"], "OFF");
  EXPECT_EQ(nothing["SoftwareTokenMfaConfiguration"], json({{"Enabled", false}}));
  const PoolSettings settings = Settings(pool);
  EXPECT_EQ(settings.mfa_configuration, "OFF");
  EXPECT_FALSE(settings.software_token_mfa_enabled);
  // The SNS settings stay the pool's.
  EXPECT_EQ(Describe(pool)["SmsConfiguration"], json({{"SnsCallerArn", kRoleArn}}));
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_RejectsMfaOnWithoutAFactor) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  for (const char* mode : {"ON", "OPTIONAL"}) {
    ExpectError(Call(&UserPoolService::SetUserPoolMfaConfig,
                     {{"UserPoolId", pool}, {"MfaConfiguration", mode}}),
                ErrorCode::kInvalidParameter,
                "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must "
                "be enabled.");
    ExpectError(Call(&UserPoolService::SetUserPoolMfaConfig,
                     {{"UserPoolId", pool},
                      {"SoftwareTokenMfaConfiguration", {{"Enabled", false}}},
                      {"MfaConfiguration", mode}}),
                ErrorCode::kInvalidParameter);
  }

  ExpectNoEventsSince(mark);
  EXPECT_EQ(Describe(pool)["MfaConfiguration"], "OFF");
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_RejectsMfaOffWithAFactor) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();

  for (const json& factor :
       {json{{"SoftwareTokenMfaConfiguration", {{"Enabled", true}}}},
        json{{"SmsMfaConfiguration", {{"SmsAuthenticationMessage", "Code {####}"}}}},
        json{{"EmailMfaConfiguration", {{"Message", "Code {####}"}}}}}) {
    json request = factor;
    request["UserPoolId"] = pool;
    request["MfaConfiguration"] = "OFF";
    ExpectError(
        Call(&UserPoolService::SetUserPoolMfaConfig, request), ErrorCode::kInvalidParameter,
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.");
  }

  ExpectNoEventsSince(mark);
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_ValidatesTheRequest) {
  const std::string pool = CreatePool();
  const uint64_t mark = LastSequence();
  const json totp = {{"Enabled", true}};

  for (const json& bad : {
           json{{"MfaConfiguration", "SOMETIMES"}, {"SoftwareTokenMfaConfiguration", totp}},
           json{{"MfaConfiguration", "ON"},
                {"SoftwareTokenMfaConfiguration", {{"Enabled", "yes"}}}},
           json{{"MfaConfiguration", "ON"}, {"SoftwareTokenMfaConfiguration", true}},
           json{{"MfaConfiguration", "ON"},
                {"SmsMfaConfiguration", {{"SmsAuthenticationMessage", "no placeholder"}}}},
           json{{"MfaConfiguration", "ON"},
                {"SmsMfaConfiguration", {{"SmsConfiguration", {{"ExternalId", "x"}}}}}},
           json{{"MfaConfiguration", "ON"},
                {"EmailMfaConfiguration", {{"Message", "no code here"}}}},
           json{{"MfaConfiguration", "ON"},
                {"SoftwareTokenMfaConfiguration", totp},
                {"WebAuthnConfiguration", {{"UserVerification", "always"}}}},
       }) {
    json request = bad;
    request["UserPoolId"] = pool;
    ExpectError(Call(&UserPoolService::SetUserPoolMfaConfig, request),
                ErrorCode::kInvalidParameter);
  }

  ExpectNoEventsSince(mark);
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_UnknownPoolIsResourceNotFound) {
  ExpectError(Call(&UserPoolService::SetUserPoolMfaConfig,
                   {{"UserPoolId", "us-east-1_nosuchpol"},
                    {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
                    {"MfaConfiguration", "OPTIONAL"}}),
              ErrorCode::kResourceNotFound, "User pool us-east-1_nosuchpol does not exist.");
  ExpectError(Call(&UserPoolService::GetUserPoolMfaConfig, {{"UserPoolId", "us-east-1_nosuchpol"}}),
              ErrorCode::kResourceNotFound);
  ExpectError(Call(&UserPoolService::GetUserPoolMfaConfig, json::object()),
              ErrorCode::kInvalidParameter);
}

TEST_F(MfaConfigTest, SetUserPoolMfaConfig_SameConfigurationAppendsNothing) {
  const std::string pool = CreatePool();
  const json request = {{"UserPoolId", pool},
                        {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
                        {"MfaConfiguration", "OPTIONAL"}};
  CallOk(&UserPoolService::SetUserPoolMfaConfig, request);
  const uint64_t mark = LastSequence();

  json out = CallOk(&UserPoolService::SetUserPoolMfaConfig, request);

  ExpectNoEventsSince(mark);
  EXPECT_EQ(out["MfaConfiguration"], "OPTIONAL");
}

TEST_F(MfaConfigTest, UpdateUserPool_KeepsTheFactorsSetUserPoolMfaConfigEnabled) {
  const std::string pool = CreatePool();
  CallOk(&UserPoolService::SetUserPoolMfaConfig,
         {{"UserPoolId", pool},
          {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
          {"EmailMfaConfiguration", {{"Message", "Code {####}"}}},
          {"MfaConfiguration", "OPTIONAL"}});

  CallOk(&UserPoolService::UpdateUserPool, {{"UserPoolId", pool}, {"MfaConfiguration", "ON"}});

  json out = GetMfa(pool);
  EXPECT_EQ(out["MfaConfiguration"], "ON");
  EXPECT_EQ(out["SoftwareTokenMfaConfiguration"], json({{"Enabled", true}}));
  EXPECT_EQ(out["EmailMfaConfiguration"], json({{"Message", "Code {####}"}}));
}

TEST_F(MfaConfigTest, PoolWithSmsConfigurationHasSmsMfaUntilSetOtherwise) {
  // A pool that CreateUserPool gave MFA and an SMS configuration: SMS is its factor.
  const std::string pool = CreatePool({{"MfaConfiguration", "OPTIONAL"},
                                       {"SmsAuthenticationMessage", "MFA code {####}"},
                                       {"SmsConfiguration", {{"SnsCallerArn", kRoleArn}}}});

  json out = GetMfa(pool);
  EXPECT_EQ(out["MfaConfiguration"], "OPTIONAL");
  EXPECT_EQ(out["SmsMfaConfiguration"], json({{"SmsAuthenticationMessage", "MFA code {####}"},
                                              {"SmsConfiguration", {{"SnsCallerArn", kRoleArn}}}}));
  EXPECT_TRUE(Settings(pool).sms_mfa_enabled);
  EXPECT_EQ(Settings(pool).sms_authentication_message, "MFA code {####}");

  CallOk(&UserPoolService::SetUserPoolMfaConfig,
         {{"UserPoolId", pool},
          {"SoftwareTokenMfaConfiguration", {{"Enabled", true}}},
          {"MfaConfiguration", "OPTIONAL"}});
  EXPECT_FALSE(Settings(pool).sms_mfa_enabled);
  EXPECT_TRUE(Settings(pool).software_token_mfa_enabled);
}

TEST_F(MfaConfigTest, DeviceConfigurationSettings) {
  const std::string plain = CreatePool();
  const std::string tracking = CreatePool(
      {{"DeviceConfiguration",
        {{"ChallengeRequiredOnNewDevice", true}, {"DeviceOnlyRememberedOnUserPrompt", true}}}});
  const std::string always = CreatePool({{"DeviceConfiguration", json::object()}});

  const PoolSettings none = Settings(plain);
  EXPECT_FALSE(none.device_tracking);
  EXPECT_FALSE(none.challenge_required_on_new_device);
  EXPECT_FALSE(none.device_only_remembered_on_user_prompt);
  const PoolSettings prompt = Settings(tracking);
  EXPECT_TRUE(prompt.device_tracking);
  EXPECT_TRUE(prompt.challenge_required_on_new_device);
  EXPECT_TRUE(prompt.device_only_remembered_on_user_prompt);
  const PoolSettings remembered = Settings(always);
  EXPECT_TRUE(remembered.device_tracking);
  EXPECT_FALSE(remembered.challenge_required_on_new_device);
  EXPECT_FALSE(remembered.device_only_remembered_on_user_prompt);
}

}  // namespace
}  // namespace cognate::testing
