#include "api/server_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/crypto/encoding.h"
#include "engine/crypto/random.h"

namespace cognate::api {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Writes a new file readable by its owner only; fails if it already exists.
Status WriteSecretFile(const std::string& path, const std::string& contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return UnavailableError("cannot create " + path + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      ::close(fd);
      return UnavailableError("cannot write " + path + ": " + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return UnavailableError("cannot sync " + path);
  return Status::Ok();
}

Result<std::string> LoadOrCreate(const std::string& path, const std::string& fresh) {
  auto existing = ReadFile(path);
  if (existing.ok()) return existing;
  if (Status written = WriteSecretFile(path, fresh); !written.ok()) {
    // Another process may have won the race to create it.
    auto again = ReadFile(path);
    if (again.ok()) return again;
    return written;
  }
  return fresh;
}

}  // namespace

Result<std::string> LoadOrCreateMasterKey(const std::string& data_dir) {
  if (const char* env = std::getenv("COGNATE_MASTER_KEY"); env && *env) {
    auto key = crypto::Base64Decode(env);
    if (!key.ok() || key->size() != 32) return InvalidArgumentError("COGNATE_MASTER_KEY must be base64 of 32 bytes");
    return key;
  }
  auto key = LoadOrCreate(data_dir + "/master.key", crypto::RandomBytes(32));
  if (key.ok() && key->size() != 32) return DataLossError(data_dir + "/master.key is not a 32-byte key");
  return key;
}

Result<std::string> LoadMasterKey(const std::string& data_dir) {
  if (const char* env = std::getenv("COGNATE_MASTER_KEY"); env && *env) return LoadOrCreateMasterKey(data_dir);
  auto key = ReadFile(data_dir + "/master.key");
  if (!key.ok()) return NotFoundError("no master key in " + data_dir + " (master.key) or COGNATE_MASTER_KEY");
  if (key->size() != 32) return DataLossError(data_dir + "/master.key is not a 32-byte key");
  return key;
}

Result<std::string> LoadOrCreateAdminKey(const std::string& data_dir) {
  const std::string fresh = "AKIA" + crypto::RandomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") + ":" +
                            crypto::RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  auto key = LoadOrCreate(data_dir + "/admin.key", fresh + "\n");
  if (!key.ok()) return key;
  std::string text = std::move(key).value();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Result<std::pair<std::string, std::string>> ParseAdminKey(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgumentError("an admin key is ID:SECRET, got '" + text + "'");
  }
  return std::make_pair(text.substr(0, colon), text.substr(colon + 1));
}

}  // namespace cognate::api
