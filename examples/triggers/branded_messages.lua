-- CustomMessage: the pool's own voice for codes and invitations. The code and username stay
-- placeholders ({####}, {username}); the server fills them in after this runs, so the script
-- never sees a code.
local brand = "Acme"

function handler(event)
  local source = event.triggerSource
  local name = event.request.userAttributes.given_name or "there"
  if source == "CustomMessage_SignUp" or source == "CustomMessage_ResendCode" then
    event.response.emailSubject = brand .. ": confirm your address"
    event.response.emailMessage = "Hello " .. name .. ", your " .. brand .. " code is "
      .. event.request.codeParameter .. "."
    event.response.smsMessage = brand .. " code: " .. event.request.codeParameter
  elseif source == "CustomMessage_AdminCreateUser" then
    event.response.emailSubject = "Welcome to " .. brand
    event.response.emailMessage = "Hello " .. name .. ", sign in as " .. event.request.usernameParameter
      .. " with the temporary password " .. event.request.codeParameter .. "."
  end
  return event
end
