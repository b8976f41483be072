// `cognate audit`: the events of a data directory that answer the filters, oldest first, as a
// table or as JSON lines; or, with --as-of, one user exactly as they stood at a moment.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "api/log_access.h"
#include "api/log_commands.h"
#include "engine/audit/event_catalog.h"
#include "engine/audit/event_query.h"
#include "engine/audit/user_history.h"

namespace cognate::api {
namespace {

const char kAuditUsage[] =
    "usage: cognate audit [--data DIR] [--pool ID] [--user NAME] [--type T[,T...]] [--since TIME]\n"
    "                     [--until TIME] [--client ID] [--ip ADDRESS] [--format table|jsonl]\n"
    "       cognate audit [--data DIR] --as-of TIME --pool ID --user NAME [--format table|jsonl]\n"
    "NAME is a username, an alias (email, phone, preferred username) or a sub; --user needs --pool.\n"
    "TIME is ISO 8601 (2026-11-23T10:00:00Z). A type ending in * is a prefix (user.sign_in*).\n";

int Usage(const std::string& problem) {
  std::cerr << "cognate audit: " << problem << "\n" << kAuditUsage;
  return 2;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string Field(const nlohmann::json& data, const char* name) {
  auto it = data.find(name);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One line of the table: the event's own fields, compactly, without the columns shown apart and
// without bulky or secret-looking material.
std::string Summary(const nlohmann::json& event) {
  nlohmann::json data = event["data"];
  for (const char* shown : {audit::kClientField, audit::kIpField, audit::kUserAgentField, "client_id",
                            "password_hash", "srp_salt", "srp_verifier_sealed", "refresh_hash", "keys",
                            "secret_sealed", "source"}) {
    data.erase(shown);
  }
  std::string text = data.dump();
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return text == "{}" ? "" : text;
}

void PrintTableRow(const nlohmann::json& event) {
  const nlohmann::json& data = event["data"];
  std::string client = Field(data, "client_id");
  if (client.empty()) client = Field(data, audit::kClientField);
  std::string ip = Field(data, audit::kIpField);
  std::cout << std::left << std::setw(8) << event["sequence"].get<uint64_t>() << " "
            << event["time"].get<std::string>() << "  " << std::setw(26) << event["type"].get<std::string>() << " "
            << std::setw(28) << event["actor"].get<std::string>() << " " << std::setw(26)
            << (client.empty() ? "-" : client) << " " << std::setw(15) << (ip.empty() ? "-" : ip) << " "
            << event["stream"].get<std::string>() << " " << Summary(event) << "\n";
}

int PrintAsOf(LogAccess& access, const audit::KeyLookup& keys, const audit::EventFilter& filter,
              const std::string& as_of, bool jsonl) {
  if (filter.pool_id.empty() || filter.user.empty()) return Usage("--as-of needs --pool and --user");
  auto at = audit::ParseIsoTime(as_of);
  if (!at.ok()) return Usage(at.status().message());
  auto resolved = audit::ResolveUser(access.store(), keys, access.cipher(), filter.pool_id, filter.user);
  if (!resolved.ok()) {
    std::cerr << "cognate audit: " << resolved.status().ToString() << "\n";
    return 1;
  }
  if (resolved->subs.empty()) {
    std::cerr << "cognate audit: no user " << filter.user << " in pool " << filter.pool_id << "\n";
    return 1;
  }
  int status = 0;
  for (const std::string& sub : resolved->subs) {
    auto user = audit::FoldUserAsOf(access.store(), keys, filter.pool_id, sub, *at);
    if (!user.ok()) {
      std::cerr << "cognate audit: " << user.status().ToString() << "\n";
      status = 1;
      continue;
    }
    nlohmann::json view = audit::UserAsOfJson(*user, *at);
    std::cout << (jsonl ? view.dump() : view.dump(2)) << "\n";
  }
  return status;
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"data", "pool", "user", "type", "since", "until", "client", "ip", "format", "as-of"});
  if (!flags.ok()) return Usage(flags.status().message());
  auto flag = [&](const char* name) { return flags->count(name) ? flags->at(name) : std::string(); };
  const std::string format = flags->count("format") ? flag("format") : "table";
  if (format != "table" && format != "jsonl") return Usage("--format is table or jsonl");
  const bool jsonl = format == "jsonl";

  audit::EventFilter filter;
  filter.pool_id = flag("pool");
  filter.user = flag("user");
  filter.types = SplitCommas(flag("type"));
  filter.client_id = flag("client");
  filter.ip = flag("ip");
  if (!filter.user.empty() && filter.pool_id.empty()) return Usage("--user needs --pool");
  for (const auto& [name, target] : {std::pair{"since", &filter.since_ms}, std::pair{"until", &filter.until_ms}}) {
    if (!flags->count(name)) continue;
    auto ms = audit::ParseIsoTime(flags->at(name));
    if (!ms.ok()) return Usage(ms.status().message());
    *target = *ms;
  }

  const std::string data = flags->count("data") ? flag("data") : "./data";
  auto access = LogAccess::Open(data);
  if (!access.ok()) {
    std::cerr << "cognate audit: " << access.status().ToString() << "\n";
    return 1;
  }
  storage::RocksEventStore& store = (*access)->store();
  const audit::KeyLookup keys = (*access)->keys();
  if (!(*access)->cipher()) std::cerr << "cognate audit: no master key in " << data << "; personal fields are shown as erased\n";

  if (flags->count("as-of")) return PrintAsOf(**access, keys, filter, flag("as-of"), jsonl);

  audit::ResolvedUser resolved;
  if (!filter.user.empty()) {
    auto found = audit::ResolveUser(store, keys, (*access)->cipher(), filter.pool_id, filter.user);
    if (!found.ok()) {
      std::cerr << "cognate audit: " << found.status().ToString() << "\n";
      return 1;
    }
    resolved = std::move(found).value();
  }
  audit::EventMatcher matcher(filter, resolved);
  if (!jsonl) {
    std::cout << std::left << std::setw(8) << "SEQ" << " " << std::setw(24) << "TIME" << "  " << std::setw(26)
              << "TYPE" << " " << std::setw(28) << "ACTOR" << " " << std::setw(26) << "CLIENT" << " "
              << std::setw(15) << "IP" << " STREAM DATA\n";
  }
  uint64_t matched = 0;
  Status read = audit::ForEachBatch(store, store.LastSequence(), 4096, [&](std::vector<StoredEvent>& batch) {
    for (const StoredEvent& stored : batch) {
      std::optional<Result<audit::DecodedEvent>> decoded;
      auto decode = [&]() -> const audit::DecodedEvent* {
        if (!decoded) decoded.emplace(audit::DecodeEvent(stored, keys));
        return decoded->ok() ? &decoded->value() : nullptr;
      };
      if (!matcher.Matches(stored, decode)) continue;
      const audit::DecodedEvent* event = decode();
      if (!event) {
        std::cerr << "cognate audit: " << decoded->status().message() << "\n";
        continue;
      }
      ++matched;
      nlohmann::json view = audit::EventJson(stored, *event);
      if (jsonl) {
        std::cout << view.dump() << "\n";
      } else {
        PrintTableRow(view);
      }
    }
    return Status::Ok();
  });
  if (!read.ok()) {
    std::cerr << "cognate audit: " << read.ToString() << "\n";
    return 1;
  }
  if (!jsonl) std::cerr << matched << " event(s)\n";
  return 0;
}

}  // namespace cognate::api
