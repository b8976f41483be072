-- UserMigration: moves users from a legacy system the first time they sign in. The legacy table
-- is embedded here (salted SHA-256 password hashes, as an old app might have kept them); a real
-- deployment would carry an export of it. A user who signs in with the right password is
-- created in the pool, confirmed, with the password they just typed; anyone else stays unknown.
-- (grace's legacy password is "Legacy-Passw0rd!".)
local legacy = {
  ["grace"] = { salt = "4f1d", hash = "2b41b2279cddc8aacf58efce73d850c2a9bbda3c9829fb8fa573f544489b6868",
                email = "grace@example.com", name = "Grace Hopper" },
}

local function legacy_hash(salt, password)
  return cognate.sha256(salt .. ":" .. password)
end

function handler(event)
  if event.triggerSource ~= "UserMigration_Authentication" then
    return event
  end
  local record = legacy[string.lower(event.userName)]
  if record == nil or legacy_hash(record.salt, event.request.password) ~= record.hash then
    return event  -- no attributes: "no such user", and the sign-in fails as for anyone unknown
  end
  event.response.userAttributes = {
    email = record.email,
    email_verified = "true",
    name = record.name,
  }
  event.response.finalUserStatus = "CONFIRMED"
  event.response.messageAction = "SUPPRESS"
  cognate.log("migrated " .. event.userName)
  return event
end
