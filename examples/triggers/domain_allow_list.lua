-- PreSignUp: only addresses of allowed domains may sign up; people from the home domain are
-- trusted at once (confirmed, email verified), everybody else confirms by code as usual.
local allowed = { ["example.com"] = true, ["partner.example.org"] = true }
local trusted = "example.com"

function handler(event)
  local email = event.request.userAttributes.email
  if email == nil or email == cognate.null then
    error("An email address is required.")
  end
  local domain = string.lower(string.match(email, "@(.+)$") or "")
  if not allowed[domain] then
    error("Sign-up is not open to " .. domain)
  end
  if domain == trusted then
    event.response.autoConfirmUser = true
    event.response.autoVerifyEmail = true
  end
  cognate.log("sign-up from " .. domain)
  return event
end
