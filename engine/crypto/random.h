// Cryptographically secure randomness from OpenSSL's CSPRNG (RAND_bytes).
//
// Every function is thread-safe (OpenSSL 3 keeps a DRBG per thread; draws of up to 64 bytes come
// from a per-thread buffer filled from it). None of them can fail: if the
// CSPRNG itself reports an error the process aborts, because no caller could continue safely
// with predictable secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cognate::crypto {

// `n` random bytes.
std::string RandomBytes(size_t n);

// `n` characters drawn uniformly and independently from `alphabet` (rejection sampling, so no
// modulo bias). Precondition: 1 ≤ alphabet.size() ≤ 256; alphabet characters should be distinct.
std::string RandomString(size_t n, std::string_view alphabet);

// A random (version 4, variant 10xx) UUID in canonical lowercase form,
// e.g. "3f0c2b8e-5d1a-4c7e-9b2f-0a1b2c3d4e5f".
std::string NewUuidV4();

// `n` uniformly random decimal digits (leading zeros allowed), e.g. a 6-digit confirmation code.
std::string RandomDigits(size_t n);

}  // namespace cognate::crypto
