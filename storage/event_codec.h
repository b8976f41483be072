// The binary encoding of a stored event (the value in the events column family) and the chain
// hash over it. storage/FORMAT.md is the specification; this file is its only implementation.
//
// An encoded event is `fields || prev_hash (32) || hash (32)`, where `fields` is
//   u8 format (1) | varint sequence | varint stream_version | lp stream |
//   lp type | zigzag-varint schema_version | zigzag-varint occurred_at_ms | lp actor | lp payload
// (lp = varint length, then the bytes) and hash = SHA-256(prev_hash || fields).
// The part from `type` onwards depends only on the NewEvent (the "tail"), so callers can encode
// it before the sequence is known.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/ports/event_store.h"
#include "engine/status.h"

namespace cognate::storage {

inline constexpr uint8_t kEventFormat = 1;
inline constexpr size_t kHashSize = 32;

// 32 zero bytes: the prev_hash of event #1.
const std::string& GenesisHash();

// The fields from `type` onwards.
std::string EncodeEventTail(const NewEvent& event);

// The hashed fields of an event whose tail was encoded by EncodeEventTail.
std::string EncodeEventFields(uint64_t sequence, std::string_view stream, uint64_t stream_version,
                              std::string_view tail);

// SHA-256(prev_hash || fields), raw 32 bytes.
std::string ChainHash(std::string_view prev_hash, std::string_view fields);

// The full stored value: fields || prev_hash || hash. `prev_hash` and `hash` must be 32 bytes.
std::string EncodeStoredValue(std::string_view fields, std::string_view prev_hash,
                              std::string_view hash);

// Encodes `event` as stored, using its prev_hash and hash as given (not recomputed). For tests,
// tools and imports; the append path uses the functions above.
std::string EncodeStoredEvent(const StoredEvent& event);
// The same into `out` (replacing its content), so a loop can reuse one buffer.
void EncodeStoredEventTo(const StoredEvent& event, std::string* out);

// Decodes a stored value. kDataLoss if it is truncated, has trailing bytes, an unknown format
// byte or out-of-range numbers. The hash is not checked (see VerifyChain).
Result<StoredEvent> DecodeStoredEvent(std::string_view value);

// The `fields` part of a stored value (everything but the two hashes); empty if too short.
std::string_view HashedFields(std::string_view value);

}  // namespace cognate::storage
