// The stored-event encoding: round trips, the hash covers every field, and damaged values are
// rejected as kDataLoss rather than misread.
#include "storage/event_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "storage/keys.h"
#include "storage/sha256.h"

namespace cognate::storage {
namespace {

StoredEvent SampleEvent() {
  StoredEvent event;
  event.sequence = 300;
  event.stream = "user/us-east-1_abc/1234";
  event.stream_version = 7;
  event.type = "user.signed_in";
  event.schema_version = 2;
  event.occurred_at_ms = 1700000000123;
  event.actor = "user:1234";
  event.payload = R"({"client":"x"})";
  event.prev_hash = std::string(kHashSize, '\x11');
  NewEvent tail{event.type, event.schema_version, event.occurred_at_ms, event.actor, event.payload};
  event.hash = ChainHash(
      event.prev_hash,
      EncodeEventFields(event.sequence, event.stream, event.stream_version, EncodeEventTail(tail)));
  return event;
}

void ExpectSameEvent(const StoredEvent& a, const StoredEvent& b) {
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.stream_version, b.stream_version);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.schema_version, b.schema_version);
  EXPECT_EQ(a.occurred_at_ms, b.occurred_at_ms);
  EXPECT_EQ(a.actor, b.actor);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.prev_hash, b.prev_hash);
  EXPECT_EQ(a.hash, b.hash);
}

TEST(EventCodec, RoundTrips) {
  StoredEvent event = SampleEvent();
  Result<StoredEvent> decoded = DecodeStoredEvent(EncodeStoredEvent(event));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(event, *decoded);
}

TEST(EventCodec, EncodeStoredEventIsWhatTheAppendPathStores) {
  // Import stores EncodeStoredEventTo's bytes next to events the append path encoded; the chain
  // and VerifyChain need them to be the same bytes.
  StoredEvent event = SampleEvent();
  NewEvent tail{event.type, event.schema_version, event.occurred_at_ms, event.actor, event.payload};
  const std::string fields =
      EncodeEventFields(event.sequence, event.stream, event.stream_version, EncodeEventTail(tail));
  const std::string appended = EncodeStoredValue(fields, event.prev_hash, event.hash);
  EXPECT_EQ(EncodeStoredEvent(event), appended);
  std::string reused = "left over from a longer previous event, which must not survive";
  EncodeStoredEventTo(event, &reused);
  EXPECT_EQ(reused, appended);
}

TEST(EventCodec, RoundTripsExtremeNumbersAndEmptyStrings) {
  StoredEvent event = SampleEvent();
  event.sequence = std::numeric_limits<uint64_t>::max();
  event.stream_version = std::numeric_limits<uint64_t>::max();
  event.schema_version = std::numeric_limits<int>::min();
  event.occurred_at_ms = std::numeric_limits<int64_t>::min();
  event.actor = "";
  event.payload = std::string("\0\xff", 2);
  Result<StoredEvent> decoded = DecodeStoredEvent(EncodeStoredEvent(event));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(event, *decoded);

  event.occurred_at_ms = std::numeric_limits<int64_t>::max();
  event.schema_version = std::numeric_limits<int>::max();
  decoded = DecodeStoredEvent(EncodeStoredEvent(event));
  ASSERT_TRUE(decoded.ok());
  ExpectSameEvent(event, *decoded);
}

TEST(EventCodec, IsCompact) {
  // A typical sign-in: the envelope beyond the strings and the two hashes is a few bytes.
  StoredEvent event = SampleEvent();
  size_t strings =
      event.stream.size() + event.type.size() + event.actor.size() + event.payload.size();
  EXPECT_LE(EncodeStoredEvent(event).size(), strings + 2 * kHashSize + 20);
}

TEST(EventCodec, HashCoversEveryField) {
  const StoredEvent base = SampleEvent();
  auto hash_of = [](const StoredEvent& e) {
    NewEvent tail{e.type, e.schema_version, e.occurred_at_ms, e.actor, e.payload};
    return ChainHash(e.prev_hash, EncodeEventFields(e.sequence, e.stream, e.stream_version,
                                                    EncodeEventTail(tail)));
  };
  ASSERT_EQ(hash_of(base), base.hash);
  std::vector<StoredEvent> variants(9, base);
  variants[0].sequence++;
  variants[1].stream += "x";
  variants[2].stream_version++;
  variants[3].type += "x";
  variants[4].schema_version++;
  variants[5].occurred_at_ms++;
  variants[6].actor += "x";
  variants[7].payload += "x";
  variants[8].prev_hash[0] = 'x';
  for (const StoredEvent& variant : variants) EXPECT_NE(hash_of(variant), base.hash);
}

TEST(EventCodec, HashIsSha256OfPrevHashThenFields) {
  const std::string fields = "abc";
  EXPECT_EQ(ChainHash(GenesisHash(), fields), Sha256Of(std::string(32, '\0') + fields));
  EXPECT_EQ(HexEncode(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EventCodec, RejectsTruncatedValues) {
  const std::string value = EncodeStoredEvent(SampleEvent());
  for (size_t size = 0; size < value.size(); ++size) {
    // Dropping bytes from the end removes hash bytes first, which shifts the field boundary:
    // every shorter value must fail to decode or decode to different fields, never crash.
    Result<StoredEvent> decoded = DecodeStoredEvent(value.substr(0, size));
    if (decoded.ok()) {
      EXPECT_NE(EncodeStoredEvent(*decoded), value);
    } else {
      EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST(EventCodec, RejectsUnknownFormatAndTrailingBytes) {
  StoredEvent event = SampleEvent();
  std::string value = EncodeStoredEvent(event);
  std::string bad_format = value;
  bad_format[0] = 9;
  EXPECT_EQ(DecodeStoredEvent(bad_format).status().code(), StatusCode::kDataLoss);

  std::string fields(HashedFields(value));
  std::string trailing = EncodeStoredValue(fields + "x", event.prev_hash, event.hash);
  EXPECT_EQ(DecodeStoredEvent(trailing).status().code(), StatusCode::kDataLoss);
}

TEST(EventCodec, RejectsOverlongVarint) {
  // format, then a sequence varint of eleven continuation bytes.
  std::string fields(12, '\xff');
  fields[0] = '\x01';
  std::string value = EncodeStoredValue(fields, GenesisHash(), GenesisHash());
  EXPECT_EQ(DecodeStoredEvent(value).status().code(), StatusCode::kDataLoss);
}

TEST(Keys, BigEndianSortsNumerically) {
  EXPECT_LT(EncodeBigEndian64(255), EncodeBigEndian64(256));
  EXPECT_LT(EncodeBigEndian64(1), EncodeBigEndian64(uint64_t{1} << 56));
  EXPECT_EQ(DecodeBigEndian64(EncodeBigEndian64(0x0102030405060708)), 0x0102030405060708u);
  EXPECT_FALSE(DecodeBigEndian64("short").has_value());
}

TEST(Keys, StreamIndexKeysOfOneStreamShareAPrefixNoOtherStreamHas) {
  EXPECT_TRUE(StreamIndexKey("a", 5).starts_with(StreamIndexPrefix("a")));
  EXPECT_FALSE(StreamIndexKey("ab", 5).starts_with(StreamIndexPrefix("a")));
  EXPECT_FALSE(std::string("a").starts_with(StreamIndexPrefix("a")));
  EXPECT_FALSE(IsValidName(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidName(""));
}

}  // namespace
}  // namespace cognate::storage
