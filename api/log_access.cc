#include "api/log_access.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "api/server_files.h"

namespace cognate::api {

Result<std::unique_ptr<LogAccess>> LogAccess::Open(const std::string& data_dir) {
  std::unique_ptr<LogAccess> access(new LogAccess());
  const std::string path = data_dir + "/store";
  std::error_code ec;
  if (!std::filesystem::exists(path + "/CURRENT", ec)) return NotFoundError("no store in " + data_dir);
  std::string scratch = (std::filesystem::temp_directory_path(ec) / "cognate-follower-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) return UnavailableError("cannot make a scratch directory");
  access->follower_dir_ = scratch;
  storage::RocksOptions options;
  options.path = path;
  options.follower_dir = scratch;
  options.create_if_missing = false;
  auto store = storage::RocksEventStore::Open(options);
  if (!store.ok()) return store.status();
  access->store_ = std::move(store).value();
  if (Status caught_up = access->store_->CatchUp(); !caught_up.ok()) return caught_up;
  auto master_key = LoadMasterKey(data_dir);
  if (master_key.ok()) access->cipher_.emplace(*master_key);
  return access;
}

audit::KeyLookup LogAccess::keys() {
  if (!cipher_) return {};
  if (!vault_) vault_.emplace(*store_, *cipher_);
  return vault_->AsLookup();
}

LogAccess::~LogAccess() {
  vault_.reset();
  store_.reset();
  std::error_code ec;
  if (!follower_dir_.empty()) std::filesystem::remove_all(follower_dir_, ec);
}

Result<std::map<std::string, std::string>> ParseFlags(const std::vector<std::string>& args,
                                                      const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return InvalidArgumentError("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::string value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) return InvalidArgumentError("--" + name + " needs a value");
      value = args[++i];
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return InvalidArgumentError("unknown option --" + name);
    }
    flags[name] = value;
  }
  return flags;
}

}  // namespace cognate::api
