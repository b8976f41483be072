-- Passwordless sign-in with CUSTOM_AUTH: one script serves all three challenge triggers (attach
-- it as DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse). The user asks
-- to sign in, a six-digit code goes to their email through the server's message sink, and the
-- right code within three tries signs them in. The code travels to the verifier in the private
-- challenge parameters, which the server keeps sealed in the session and never logs.
local function define(event)
  local session = event.request.session
  local n = #session
  if n > 0 and session[n].challengeResult == true then
    event.response.issueTokens = true
  elseif n >= 3 then
    event.response.failAuthentication = true
  else
    event.response.challengeName = "CUSTOM_CHALLENGE"
  end
  return event
end

local function new_code()
  local digits = {}
  for byte in string.gmatch(cognate.random_bytes(6), "%x%x") do
    digits[#digits + 1] = tostring(tonumber(byte, 16) % 10)
  end
  return table.concat(digits)
end

local function create(event)
  local session = event.request.session
  local code = new_code()  -- every challenge, retries included, gets a fresh code
  local email = event.request.userAttributes.email
  cognate.send_message {
    medium = "EMAIL",
    subject = "Your sign-in code",
    body = "Your sign-in code is " .. code .. ". It works once.",
    code = code,
  }
  event.response.publicChallengeParameters = { email = email, attempt = tostring(#session + 1) }
  event.response.privateChallengeParameters = { code = code }
  event.response.challengeMetadata = "CODE-" .. tostring(#session + 1)
  return event
end

local function verify(event)
  event.response.answerCorrect = event.request.challengeAnswer == event.request.privateChallengeParameters.code
  return event
end

function handler(event)
  local source = event.triggerSource
  if source == "DefineAuthChallenge_Authentication" then return define(event) end
  if source == "CreateAuthChallenge_Authentication" then return create(event) end
  if source == "VerifyAuthChallengeResponse_Authentication" then return verify(event) end
  return event
end
