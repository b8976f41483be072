// Key layout of the RocksDB store: column family names and the byte strings used as keys and
// small values. storage/FORMAT.md is the specification; this file is its only implementation.
//
// Pure functions on values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cognate::storage {

// Column families. "default" also exists (RocksDB requires it) and stays empty.
inline constexpr char kEventsFamily[] = "events";    // BE64(sequence) -> encoded event
inline constexpr char kStreamsFamily[] = "streams";  // stream -> BE64(version);
                                                     // stream \0 BE64(version) -> BE64(sequence)
inline constexpr char kClaimsFamily[] = "claims";    // claim key -> owner
inline constexpr char kRowsFamily[] = "rows";        // table \0 key -> value
inline constexpr char kMetaFamily[] = "meta";        // see the kMeta* keys
inline constexpr char kVaultFamily[] = "vault";      // secret key -> value (wrapped by the caller)

// Keys of the meta family.
inline constexpr char kMetaFormatVersion[] = "format_version";      // one byte: kFormatVersion
inline constexpr char kMetaLastSequence[] = "last_sequence";        // BE64
inline constexpr char kMetaLastHash[] = "last_hash";                // 32 raw bytes
inline constexpr char kMetaAppliedSequence[] = "applied_sequence";  // BE64

// Bumped (with a migration) whenever anything in FORMAT.md changes incompatibly.
inline constexpr uint8_t kFormatVersion = 1;

// 8-byte big-endian, so byte order equals numeric order.
std::string EncodeBigEndian64(uint64_t value);
// Empty optional unless `bytes` is exactly 8 bytes.
std::optional<uint64_t> DecodeBigEndian64(std::string_view bytes);

// The events family key of a sequence number.
inline std::string EventKey(uint64_t sequence) { return EncodeBigEndian64(sequence); }

// The streams family key of one stream version: stream \0 BE64(version). Stream names never
// contain \0 (Append rejects them), so the current-version key `stream` never collides with it.
std::string StreamIndexKey(std::string_view stream, uint64_t version);
// The same into `out` (replacing its content), so a loop can reuse one buffer.
void AssignStreamIndexKey(std::string* out, std::string_view stream, uint64_t version);
// stream \0: every index key of `stream` starts with it, and no other key does.
std::string StreamIndexPrefix(std::string_view stream);

// The rows family key: table \0 key. Table names never contain \0.
std::string RowKey(std::string_view table, std::string_view key);
// The same into `out` (replacing its content), so a loop can reuse one buffer.
void AssignRowKey(std::string* out, std::string_view table, std::string_view key);

// True if `name` is usable as a stream or table name: non-empty and without \0.
bool IsValidName(std::string_view name);

}  // namespace cognate::storage
