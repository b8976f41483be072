// The PHC string format of Argon2id hashes, as libargon2 writes and reads it:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64 no padding>$<hash, base64 no padding>
// "v=" may be absent (then the version is 0x10). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/crypto/password_hasher.h"
#include "engine/status.h"

namespace cognate::crypto {

struct Argon2idPhc {
  uint32_t version = 0x13;
  Argon2Params params;
  std::string salt;  // raw bytes
  std::string hash;  // raw bytes
};

std::string EncodeArgon2idPhc(const Argon2idPhc& phc);

// Checks the shape only (cost parameters are the caller's to bound). Errors: kInvalidArgument
// for another scheme, a malformed version, parameters, salt or hash, a salt under 8 bytes or a
// hash under 4 (libargon2's minimums), or base64 that is not canonical.
Result<Argon2idPhc> DecodeArgon2idPhc(std::string_view text);

}  // namespace cognate::crypto
