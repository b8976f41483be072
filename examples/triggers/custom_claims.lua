-- PreTokenGeneration (LambdaVersion V2_0): adds the user's tenant to both tokens, a computed
-- "plan" claim to the ID token, hides the phone number, adds a scope, and puts every user in
-- an "everyone" group on top of their own.
function handler(event)
  local attributes = event.request.userAttributes
  local tenant = attributes["custom:tenant"] or "public"
  local groups = {}
  for _, g in ipairs(event.request.groupConfiguration.groupsToOverride) do
    groups[#groups + 1] = g
  end
  groups[#groups + 1] = "everyone"
  event.response.claimsAndScopeOverrideDetails = {
    idTokenGeneration = {
      claimsToAddOrOverride = { tenant = tenant, plan = (tenant == "public") and "free" or "business" },
      claimsToSuppress = { "phone_number" },
    },
    accessTokenGeneration = {
      claimsToAddOrOverride = { tenant = tenant },
      scopesToAdd = { "tenant/" .. tenant },
    },
    groupOverrideDetails = { groupsToOverride = groups },
  }
  return event
end
