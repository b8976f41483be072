// The limits of one invocation: the byte-counting allocator, the instruction/deadline count
// hook, and the stickiness that makes a hit limit win over a script that catches its error.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <lua.hpp>

#include "triggers/lua_util.h"
#include "triggers/sandbox_state.h"

namespace cognate::triggers {

void* Allocate(void* ud, void* block, size_t old_size, size_t new_size) noexcept {
  auto* budget = static_cast<CallBudget*>(ud);
  const size_t old_bytes = block != nullptr ? old_size : 0;  // else old_size is a type tag
  if (new_size == 0) {
    std::free(block);
    budget->used -= old_bytes;
    return nullptr;
  }
  if (new_size <= old_bytes) {
    void* smaller = std::realloc(block, new_size);
    if (smaller == nullptr) return nullptr;
    budget->used -= old_bytes - new_size;
    return smaller;
  }
  const size_t growth = new_size - old_bytes;
  const bool retry = budget->phase == CallBudget::Phase::kRefused &&
                     budget->refused_block == block && budget->refused_old_size == old_size &&
                     budget->refused_new_size == new_size;
  if (budget->hit == LimitKind::kMemory ||
      (budget->phase == CallBudget::Phase::kRefused && !retry)) {
    budget->Hit(LimitKind::kMemory);
    return nullptr;
  }
  const size_t room = budget->memory_limit - std::min(budget->used, budget->memory_limit);
  if (growth > room) {
    if (retry) {
      budget->Hit(LimitKind::kMemory);
    } else {
      budget->phase = CallBudget::Phase::kRefused;
      budget->refused_block = block;
      budget->refused_old_size = old_size;
      budget->refused_new_size = new_size;
    }
    return nullptr;
  }
  void* bigger = std::realloc(block, new_size);
  if (bigger == nullptr) return nullptr;
  budget->used += growth;
  budget->phase = CallBudget::Phase::kNormal;
  return bigger;
}

std::string LimitMessage(LimitKind kind, const CallBudget& budget) {
  switch (kind) {
    case LimitKind::kMemory:
      return "memory limit exceeded";
    case LimitKind::kInstructions:
      return "instruction limit exceeded";
    case LimitKind::kDeadline:
    case LimitKind::kNone: {
      char text[64];
      std::snprintf(text, sizeof text, "Task timed out after %.2f seconds",
                    static_cast<double>(budget.deadline_ms) / 1000.0);
      return text;
    }
  }
  return "limit exceeded";
}

void CheckBudget(lua_State* L, CallBudget& budget, uint64_t steps) {
  if (budget.hit == LimitKind::kNone) {
    budget.instructions_used +=
        std::min(steps, std::numeric_limits<uint64_t>::max() - budget.instructions_used);
    if (budget.instructions_used > budget.instruction_limit) {
      budget.Hit(LimitKind::kInstructions);
    } else if (SteadyClock::now() >= budget.deadline) {
      budget.Hit(LimitKind::kDeadline);
    } else {
      return;
    }
  }
  // From now on this thread fails at every instruction, so a pcall that catches the error
  // cannot get far.
  lua_sethook(L, &Hook, LUA_MASKCOUNT, 1);
  const std::string message = LimitMessage(budget.hit, budget);
  luaL_error(L, "%s", message.c_str());
}

void Hook(lua_State* L, lua_Debug* /*ar*/) {
  Sandbox::State* state = StateOf(L);
  CheckBudget(L, state->budget, kHookInterval);
}

bool LimitPending(const Sandbox::State* state) {
  return state->budget.hit != LimitKind::kNone ||
         state->budget.phase == CallBudget::Phase::kRefused;
}

[[noreturn]] void RaiseLimit(lua_State* L, Sandbox::State* state) {
  state->budget.Hit(LimitKind::kMemory);  // only if nothing else was hit first
  CheckBudget(L, state->budget, 0);
  std::abort();  // unreachable: CheckBudget raised
}

void ChargeSteps(lua_State* L, uint64_t steps) {
  Sandbox::State* state = StateOf(L);
  if (state == nullptr) return;
  CheckBudget(L, state->budget, steps);
}

}  // namespace cognate::triggers
