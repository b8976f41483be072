#include "storage/event_codec.h"

#include <limits>
#include <optional>

#include "storage/sha256.h"

namespace cognate::storage {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Reads from the front of `in_`; every getter fails (empty optional) rather than over-read.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<uint64_t> Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return std::nullopt;
      auto byte = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      // The tenth byte may carry only the top bit of a 64-bit value.
      if (shift == 63 && byte > 1) return std::nullopt;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return std::nullopt;
  }

  std::optional<std::string_view> LengthPrefixed() {
    std::optional<uint64_t> size = Varint();
    if (!size || *size > in_.size()) return std::nullopt;
    std::string_view out = in_.substr(0, static_cast<size_t>(*size));
    in_.remove_prefix(static_cast<size_t>(*size));
    return out;
  }

  std::optional<uint8_t> Byte() {
    if (in_.empty()) return std::nullopt;
    auto b = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }

  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

const std::string& GenesisHash() {
  static const std::string kGenesis(kHashSize, '\0');
  return kGenesis;
}

std::string EncodeEventTail(const NewEvent& event) {
  std::string out;
  out.reserve(event.type.size() + event.actor.size() + event.payload.size() + 24);
  PutLengthPrefixed(&out, event.type);
  PutVarint(&out, ZigZag(event.schema_version));
  PutVarint(&out, ZigZag(event.occurred_at_ms));
  PutLengthPrefixed(&out, event.actor);
  PutLengthPrefixed(&out, event.payload);
  return out;
}

std::string EncodeEventFields(uint64_t sequence, std::string_view stream, uint64_t stream_version,
                              std::string_view tail) {
  std::string out;
  out.reserve(1 + 10 + 10 + 5 + stream.size() + tail.size() + 2 * kHashSize);
  out.push_back(static_cast<char>(kEventFormat));
  PutVarint(&out, sequence);
  PutVarint(&out, stream_version);
  PutLengthPrefixed(&out, stream);
  out.append(tail);
  return out;
}

std::string ChainHash(std::string_view prev_hash, std::string_view fields) {
  Sha256 sha;
  sha.Update(prev_hash);
  sha.Update(fields);
  return sha.Finish();
}

std::string EncodeStoredValue(std::string_view fields, std::string_view prev_hash,
                              std::string_view hash) {
  std::string out;
  out.reserve(fields.size() + prev_hash.size() + hash.size());
  out.append(fields);
  out.append(prev_hash);
  out.append(hash);
  return out;
}

std::string EncodeStoredEvent(const StoredEvent& event) {
  std::string out;
  EncodeStoredEventTo(event, &out);
  return out;
}

void EncodeStoredEventTo(const StoredEvent& event, std::string* out) {
  // Byte for byte what EncodeEventFields(EncodeEventTail(...)) + EncodeStoredValue produce, in
  // one buffer: imports encode every event of a log through here.
  out->clear();
  out->reserve(1 + 10 + 10 + 5 + event.stream.size() + 5 + event.type.size() + 20 + 5 +
               event.actor.size() + 5 + event.payload.size() + event.prev_hash.size() +
               event.hash.size());
  out->push_back(static_cast<char>(kEventFormat));
  PutVarint(out, event.sequence);
  PutVarint(out, event.stream_version);
  PutLengthPrefixed(out, event.stream);
  PutLengthPrefixed(out, event.type);
  PutVarint(out, ZigZag(event.schema_version));
  PutVarint(out, ZigZag(event.occurred_at_ms));
  PutLengthPrefixed(out, event.actor);
  PutLengthPrefixed(out, event.payload);
  out->append(event.prev_hash);
  out->append(event.hash);
}

Result<StoredEvent> DecodeStoredEvent(std::string_view value) {
  if (value.size() < 2 * kHashSize + 1) return DataLossError("event value too short");
  std::string_view fields = HashedFields(value);
  Reader r(fields);
  std::optional<uint8_t> format = r.Byte();
  if (!format || *format != kEventFormat) return DataLossError("unknown event format");
  std::optional<uint64_t> sequence = r.Varint();
  std::optional<uint64_t> version = r.Varint();
  std::optional<std::string_view> stream = r.LengthPrefixed();
  std::optional<std::string_view> type = r.LengthPrefixed();
  std::optional<uint64_t> schema = r.Varint();
  std::optional<uint64_t> occurred = r.Varint();
  std::optional<std::string_view> actor = r.LengthPrefixed();
  std::optional<std::string_view> payload = r.LengthPrefixed();
  if (!sequence || !version || !stream || !type || !schema || !occurred || !actor || !payload ||
      !r.done()) {
    return DataLossError("event fields truncated or with trailing bytes");
  }
  int64_t schema_version = UnZigZag(*schema);
  if (schema_version < std::numeric_limits<int>::min() ||
      schema_version > std::numeric_limits<int>::max()) {
    return DataLossError("schema_version out of range");
  }
  StoredEvent event;
  event.sequence = *sequence;
  event.stream = std::string(*stream);
  event.stream_version = *version;
  event.type = std::string(*type);
  event.schema_version = static_cast<int>(schema_version);
  event.occurred_at_ms = UnZigZag(*occurred);
  event.actor = std::string(*actor);
  event.payload = std::string(*payload);
  event.prev_hash = std::string(value.substr(value.size() - 2 * kHashSize, kHashSize));
  event.hash = std::string(value.substr(value.size() - kHashSize));
  return event;
}

std::string_view HashedFields(std::string_view value) {
  if (value.size() < 2 * kHashSize) return {};
  return value.substr(0, value.size() - 2 * kHashSize);
}

}  // namespace cognate::storage
