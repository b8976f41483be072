// Lua 5.4's pattern language (manual §6.4.1), reimplemented so that matching can be metered:
// every step of the backtracking matcher is counted and charged to the invocation's instruction
// budget, so a pathological pattern ends with the instruction or deadline limit instead of
// stalling a server thread. Semantics follow the reference manual: character classes (%a %c %d
// %g %l %p %s %u %w %x and their complements), sets, quantifiers * + - ?, anchors, captures
// (position captures included), back-references %1-%9, %b and %f; at most 32 captures and 200
// levels of matcher recursion ("pattern too complex").
#include "triggers/lua_stdlib_guards.h"

#include <string.h>  // memmem (GNU)

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "triggers/lua_util.h"

namespace cognate::triggers {
namespace {

constexpr int kMaxCaptures = 32;
constexpr int kMaxMatchDepth = 200;
constexpr ptrdiff_t kCaptureUnfinished = -1;
constexpr ptrdiff_t kCapturePosition = -2;
constexpr char kEscape = '%';
constexpr uint64_t kStepBatch = 1024;

struct Capture {
  const char* init;
  ptrdiff_t length;
};

struct MatchState {
  const char* src_init;  // the subject
  const char* src_end;   // one past its last character (always a NUL: Lua strings end in one)
  const char* p_end;     // one past the pattern's last character
  lua_State* L;
  int depth_left;
  int level;  // captures open or closed so far
  uint64_t steps;
  Capture capture[kMaxCaptures];
};

inline int Byte(char c) { return static_cast<unsigned char>(c); }

void Step(MatchState* ms) {
  if (++ms->steps >= kStepBatch) {
    const uint64_t steps = ms->steps;
    ms->steps = 0;
    ChargeSteps(ms->L, steps);
  }
}

void FlushSteps(MatchState* ms) {
  if (ms->steps == 0) return;
  const uint64_t steps = ms->steps;
  ms->steps = 0;
  ChargeSteps(ms->L, steps);
}

void Prepare(MatchState* ms, lua_State* L, const char* s, size_t ls, const char* p, size_t lp) {
  ms->L = L;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->steps = 0;
  ms->level = 0;
  ms->depth_left = kMaxMatchDepth;
}

void Restart(MatchState* ms) {
  ms->level = 0;
  ms->depth_left = kMaxMatchDepth;
}

const char* MatchAt(MatchState* ms, const char* s, const char* p);

// One past the single-character class starting at p.
const char* ClassEnd(MatchState* ms, const char* p) {
  const char c = *p++;
  if (c == kEscape) {
    if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (*p == '^') p++;
    do {  // the first character after '[' or '[^' is part of the set, even a ']'
      if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
      if (*(p++) == kEscape && p < ms->p_end) p++;
    } while (*p != ']');
    return p + 1;
  }
  return p;
}

bool MatchClass(int c, int class_letter) {
  bool result = false;
  switch (std::tolower(class_letter)) {
    case 'a':
      result = std::isalpha(c) != 0;
      break;
    case 'c':
      result = std::iscntrl(c) != 0;
      break;
    case 'd':
      result = std::isdigit(c) != 0;
      break;
    case 'g':
      result = std::isgraph(c) != 0;
      break;
    case 'l':
      result = std::islower(c) != 0;
      break;
    case 'p':
      result = std::ispunct(c) != 0;
      break;
    case 's':
      result = std::isspace(c) != 0;
      break;
    case 'u':
      result = std::isupper(c) != 0;
      break;
    case 'w':
      result = std::isalnum(c) != 0;
      break;
    case 'x':
      result = std::isxdigit(c) != 0;
      break;
    default:
      return class_letter == c;  // %. stands for the character itself
  }
  return std::isupper(class_letter) ? !result : result;
}

// p points at '[' and set_end at the closing ']'.
bool MatchSet(int c, const char* p, const char* set_end) {
  bool found = true;
  if (*(p + 1) == '^') {
    found = false;
    p++;
  }
  while (++p < set_end) {
    if (*p == kEscape) {
      p++;
      if (MatchClass(c, Byte(*p))) return found;
    } else if (*(p + 1) == '-' && p + 2 < set_end) {
      p += 2;
      if (Byte(*(p - 2)) <= c && c <= Byte(*p)) return found;
    } else if (Byte(*p) == c) {
      return found;
    }
  }
  return !found;
}

bool SingleMatch(MatchState* ms, const char* s, const char* p, const char* ep) {
  if (s >= ms->src_end) return false;
  const int c = Byte(*s);
  switch (*p) {
    case '.':
      return true;
    case kEscape:
      return MatchClass(c, Byte(*(p + 1)));
    case '[':
      return MatchSet(c, p, ep - 1);
    default:
      return Byte(*p) == c;
  }
}

const char* MatchBalance(MatchState* ms, const char* s, const char* p) {
  if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= ms->src_end || *s != *p) return nullptr;
  const char open = *p;
  const char close = *(p + 1);
  int depth = 1;
  while (++s < ms->src_end) {
    Step(ms);
    if (*s == close) {
      if (--depth == 0) return s + 1;
    } else if (*s == open) {
      depth++;
    }
  }
  return nullptr;
}

// Greedy repetition: the longest run first, then shorter ones.
const char* MaxExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
  ptrdiff_t count = 0;
  while (SingleMatch(ms, s + count, p, ep)) {
    count++;
    Step(ms);
  }
  for (; count >= 0; count--) {
    const char* result = MatchAt(ms, s + count, ep + 1);
    if (result != nullptr) return result;
  }
  return nullptr;
}

// Lazy repetition: the shortest run first.
const char* MinExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
  for (;;) {
    const char* result = MatchAt(ms, s, ep + 1);
    if (result != nullptr) return result;
    if (!SingleMatch(ms, s, p, ep)) return nullptr;
    s++;
    Step(ms);
  }
}

const char* StartCapture(MatchState* ms, const char* s, const char* p, ptrdiff_t what) {
  if (ms->level >= kMaxCaptures) luaL_error(ms->L, "too many captures");
  ms->capture[ms->level].init = s;
  ms->capture[ms->level].length = what;
  ms->level++;
  const char* result = MatchAt(ms, s, p);
  if (result == nullptr) ms->level--;
  return result;
}

int CaptureToClose(MatchState* ms) {
  for (int level = ms->level - 1; level >= 0; level--) {
    if (ms->capture[level].length == kCaptureUnfinished) return level;
  }
  return luaL_error(ms->L, "invalid pattern capture");
}

const char* EndCapture(MatchState* ms, const char* s, const char* p) {
  const int level = CaptureToClose(ms);
  ms->capture[level].length = s - ms->capture[level].init;
  const char* result = MatchAt(ms, s, p);
  if (result == nullptr) ms->capture[level].length = kCaptureUnfinished;
  return result;
}

int CheckCapture(MatchState* ms, int letter) {
  const int level = letter - '1';
  if (level < 0 || level >= ms->level || ms->capture[level].length == kCaptureUnfinished) {
    return luaL_error(ms->L, "invalid capture index %%%d", level + 1);
  }
  return level;
}

const char* MatchBackReference(MatchState* ms, const char* s, int letter) {
  const int level = CheckCapture(ms, letter);
  const ptrdiff_t length = ms->capture[level].length;
  if (length < 0) return nullptr;  // a position capture never matches text
  const auto size = static_cast<size_t>(length);
  ChargeSteps(ms->L, size / 64);
  if (static_cast<size_t>(ms->src_end - s) >= size &&
      std::memcmp(ms->capture[level].init, s, size) == 0) {
    return s + size;
  }
  return nullptr;
}

// Matches pattern p at subject position s; returns the end of the match or nullptr.
const char* MatchAt(MatchState* ms, const char* s, const char* p) {
  if (ms->depth_left-- == 0) luaL_error(ms->L, "pattern too complex");
  while (p != ms->p_end) {
    Step(ms);
    const char c = *p;
    if (c == '(') {
      s = *(p + 1) == ')' ? StartCapture(ms, s, p + 2, kCapturePosition)
                          : StartCapture(ms, s, p + 1, kCaptureUnfinished);
      break;
    }
    if (c == ')') {
      s = EndCapture(ms, s, p + 1);
      break;
    }
    if (c == '$' && p + 1 == ms->p_end) {
      s = s == ms->src_end ? s : nullptr;
      break;
    }
    if (c == kEscape && *(p + 1) == 'b') {
      s = MatchBalance(ms, s, p + 2);
      if (s == nullptr) break;
      p += 4;
      continue;
    }
    if (c == kEscape && *(p + 1) == 'f') {
      p += 2;
      if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
      const char* ep = ClassEnd(ms, p);
      const char previous = s == ms->src_init ? '\0' : *(s - 1);
      const char current = s < ms->src_end ? *s : '\0';
      if (!MatchSet(Byte(previous), p, ep - 1) && MatchSet(Byte(current), p, ep - 1)) {
        p = ep;
        continue;
      }
      s = nullptr;
      break;
    }
    if (c == kEscape && std::isdigit(Byte(*(p + 1)))) {
      s = MatchBackReference(ms, s, Byte(*(p + 1)));
      if (s == nullptr) break;
      p += 2;
      continue;
    }
    // A single-character class, perhaps followed by a quantifier.
    const char* ep = ClassEnd(ms, p);
    if (!SingleMatch(ms, s, p, ep)) {
      if (*ep == '*' || *ep == '?' || *ep == '-') {  // zero repetitions are fine
        p = ep + 1;
        continue;
      }
      s = nullptr;
      break;
    }
    if (*ep == '?') {
      const char* result = MatchAt(ms, s + 1, ep + 1);
      if (result != nullptr) {
        s = result;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (*ep == '+') {
      s = MaxExpand(ms, s + 1, p, ep);
      break;
    }
    if (*ep == '*') {
      s = MaxExpand(ms, s, p, ep);
      break;
    }
    if (*ep == '-') {
      s = MinExpand(ms, s, p, ep);
      break;
    }
    s++;
    p = ep;
  }
  ms->depth_left++;
  return s;
}

// Capture i of a match [s, e): pushes a position capture and returns kCapturePosition, else
// returns its length and sets *text. Capture 0 of a pattern without captures is the whole match.
ptrdiff_t GetCapture(MatchState* ms, int i, const char* s, const char* e, const char** text) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    *text = s;
    return e - s;
  }
  const ptrdiff_t length = ms->capture[i].length;
  *text = ms->capture[i].init;
  if (length == kCaptureUnfinished) luaL_error(ms->L, "unfinished capture");
  if (length == kCapturePosition) {
    lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  }
  return length;
}

void PushCapture(MatchState* ms, int i, const char* s, const char* e) {
  const char* text = nullptr;
  const ptrdiff_t length = GetCapture(ms, i, s, e, &text);
  if (length != kCapturePosition) lua_pushlstring(ms->L, text, static_cast<size_t>(length));
}

int PushCaptures(MatchState* ms, const char* s, const char* e) {
  const int count = (ms->level == 0 && s != nullptr) ? 1 : ms->level;
  luaL_checkstack(ms->L, count, "too many captures");
  for (int i = 0; i < count; i++) PushCapture(ms, i, s, e);
  return count;
}

bool HasSpecials(const char* p, size_t lp) {
  for (size_t i = 0; i < lp; i++) {
    if (p[i] != '\0' && std::strchr("^$*+?.([%-", p[i]) != nullptr) return true;
  }
  return false;
}

// A 1-based string position (negative counts from the end) clamped to at least 1.
size_t Position(lua_Integer position, size_t length) {
  if (position > 0) return static_cast<size_t>(position);
  if (position == 0) return 1;
  if (position < -static_cast<lua_Integer>(length)) return 1;
  return length - static_cast<size_t>(-position) + 1;
}

int FindOrMatch(lua_State* L, bool find) {
  size_t ls = 0;
  size_t lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  const size_t init = Position(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || !HasSpecials(p, lp))) {
    ChargeSteps(L, (ls - init) / 64);  // memmem is linear (two-way algorithm)
    const void* found = memmem(s + init, ls - init, p, lp);
    if (found != nullptr) {
      const ptrdiff_t start = static_cast<const char*>(found) - s;
      lua_pushinteger(L, start + 1);
      lua_pushinteger(L, start + static_cast<ptrdiff_t>(lp));
      return 2;
    }
  } else {
    MatchState ms;
    const char* s1 = s + init;
    const bool anchor = *p == '^';
    if (anchor) {
      p++;
      lp--;
    }
    Prepare(&ms, L, s, ls, p, lp);
    do {
      Restart(&ms);
      const char* e = MatchAt(&ms, s1, p);
      if (e != nullptr) {
        FlushSteps(&ms);
        if (find) {
          lua_pushinteger(L, (s1 - s) + 1);
          lua_pushinteger(L, e - s);
          return PushCaptures(&ms, nullptr, nullptr) + 2;
        }
        return PushCaptures(&ms, s1, e);
      }
    } while (s1++ < ms.src_end && !anchor);
    FlushSteps(&ms);
  }
  luaL_pushfail(L);
  return 1;
}

int Find(lua_State* L) { return FindOrMatch(L, true); }
int Match(lua_State* L) { return FindOrMatch(L, false); }

struct GMatchState {
  const char* src;        // where the next search starts
  const char* p;          // the pattern
  const char* lastmatch;  // end of the last match, so an empty match cannot repeat there
  MatchState ms;
};

int GMatchNext(lua_State* L) {
  auto* gm = static_cast<GMatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  gm->ms.L = L;  // the iterator may be called from another coroutine
  for (const char* src = gm->src; src <= gm->ms.src_end; src++) {
    Restart(&gm->ms);
    const char* e = MatchAt(&gm->ms, src, gm->p);
    if (e != nullptr && e != gm->lastmatch) {
      gm->src = gm->lastmatch = e;
      FlushSteps(&gm->ms);
      return PushCaptures(&gm->ms, src, e);
    }
  }
  FlushSteps(&gm->ms);
  return 0;
}

int GMatch(lua_State* L) {
  size_t ls = 0;
  size_t lp = 0;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  size_t init = Position(luaL_optinteger(L, 3, 1), ls) - 1;
  lua_settop(L, 2);  // the subject and pattern stay alive as upvalues of the iterator
  auto* gm = static_cast<GMatchState*>(lua_newuserdatauv(L, sizeof(GMatchState), 0));
  if (init > ls) init = ls + 1;  // start past the end: no match
  Prepare(&gm->ms, L, s, ls, p, lp);
  gm->src = s + init;
  gm->p = p;
  gm->lastmatch = nullptr;
  lua_pushcclosure(L, &Guarded<GMatchNext>, 3);
  return 1;
}

// Appends the replacement string (argument 3) for the match [s, e), expanding %0-%9 and %%.
void AddReplacementString(MatchState* ms, luaL_Buffer* b, const char* s, const char* e) {
  lua_State* L = ms->L;
  size_t length = 0;
  const char* text = lua_tolstring(L, 3, &length);
  const char* escape = nullptr;
  while ((escape = static_cast<const char*>(std::memchr(text, kEscape, length))) != nullptr) {
    luaL_addlstring(b, text, static_cast<size_t>(escape - text));
    const char* next = escape + 1;  // the string ends in a NUL, so this is readable
    if (*next == kEscape) {
      luaL_addchar(b, kEscape);
    } else if (*next == '0') {
      luaL_addlstring(b, s, static_cast<size_t>(e - s));
    } else if (std::isdigit(Byte(*next))) {
      const char* capture = nullptr;
      const ptrdiff_t capture_length = GetCapture(ms, *next - '1', s, e, &capture);
      if (capture_length == kCapturePosition) {
        luaL_addvalue(b);  // the position GetCapture pushed
      } else {
        luaL_addlstring(b, capture, static_cast<size_t>(capture_length));
      }
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", kEscape);
    }
    length -= static_cast<size_t>(next + 1 - text);
    text = next + 1;
  }
  luaL_addlstring(b, text, length);
}

// Appends the replacement for the match [s, e); false if the original text was kept.
bool AddReplacement(MatchState* ms, luaL_Buffer* b, const char* s, const char* e, int kind) {
  lua_State* L = ms->L;
  if (kind == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    const int count = PushCaptures(ms, s, e);
    lua_call(L, count, 1);
  } else if (kind == LUA_TTABLE) {
    PushCapture(ms, 0, s, e);
    lua_gettable(L, 3);
  } else {
    AddReplacementString(ms, b, s, e);
    return true;
  }
  if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  }
  luaL_addvalue(b);
  return true;
}

int GSub(lua_State* L) {
  size_t srcl = 0;
  size_t lp = 0;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const int kind = lua_type(L, 3);
  const lua_Integer max_replacements = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  luaL_argexpected(
      L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
      3, "string/function/table");
  const bool anchor = *p == '^';
  if (anchor) {
    p++;
    lp--;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  MatchState ms;
  Prepare(&ms, L, src, srcl, p, lp);
  const char* lastmatch = nullptr;
  lua_Integer replacements = 0;
  bool changed = false;
  while (replacements < max_replacements) {
    Restart(&ms);
    const char* e = MatchAt(&ms, src, p);
    if (e != nullptr && e != lastmatch) {
      replacements++;
      changed = AddReplacement(&ms, &b, src, e, kind) || changed;
      src = lastmatch = e;
    } else if (src < ms.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  FlushSteps(&ms);
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<size_t>(ms.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, replacements);
  return 2;
}

// string.rep: an empty piece (and separator) repeated n times is "", without looping n times.
// Otherwise the result needs at least n bytes, so the memory cap bounds the loop.
int Rep(lua_State* L) {
  size_t length = 0;
  size_t separator_length = 0;
  luaL_checklstring(L, 1, &length);
  const lua_Integer count = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &separator_length);
  if (count > 0 && length == 0 && separator_length == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  return CallWrapped(L);
}

}  // namespace

void InstallGuardedStringFunctions(lua_State* L, int index) {
  index = lua_absindex(L, index);
  SetFunction(L, index, "find", &Guarded<Find>);
  SetFunction(L, index, "match", &Guarded<Match>);
  SetFunction(L, index, "gmatch", &Guarded<GMatch>);
  SetFunction(L, index, "gsub", &Guarded<GSub>);
  WrapFunction(L, index, "rep", &Guarded<Rep>);
}

}  // namespace cognate::triggers
