// The length of the well-formed UTF-8 sequence (RFC 3629) that starts a byte range: shared by the
// trigger sandbox's text checks and the fast JSON parser, which must refuse exactly what nlohmann
// refuses (overlong forms, surrogates, code points past U+10FFFF, cut-off sequences).
#pragma once

#include <cstddef>

namespace cognate {

// 1 for an ASCII byte, 2 to 4 for a well-formed multi-byte sequence, 0 if the sequence is
// ill-formed or cut off by the end of the range. Precondition: remaining ≥ 1.
inline size_t Utf8SequenceLength(const unsigned char* s, size_t remaining) {
  const unsigned char lead = s[0];
  if (lead < 0x80) return 1;
  size_t length = 0;
  // Only the second byte's range depends on the lead byte; the others are always 80–BF.
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) second_high = 0x9F;  // surrogates U+D800–DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) second_high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (remaining < length) return 0;
  if (s[1] < second_low || s[1] > second_high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return length;
}

}  // namespace cognate
