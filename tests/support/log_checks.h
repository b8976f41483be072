// Checks every engine test runs on the log it leaves behind (EngineTest::TearDown):
//  - every event is in the event catalogue, with only the fields the catalogue declares, and
//    the personal ones never in plain text;
//  - replaying the log alone (audit::ProjectStoredEvent over audit::DecodeEvent, with the keys
//    the vault still holds) rebuilds exactly the live read models, erased users included; and so
//    does audit::LogProjector, in batches of several sizes, as `cognate replay` runs it.
#pragma once

#include <string_view>

#include "tests/support/in_memory_event_store.h"

namespace cognate::testing {

void ExpectEventsMatchCatalogue(InMemoryEventStore& store, std::string_view master_key);
void ExpectReplayRebuildsReadModels(InMemoryEventStore& store, std::string_view master_key);

}  // namespace cognate::testing
