// What the micro benchmarks share: a scratch directory that is removed with everything in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace cognate::bench {

// A fresh directory under the temporary directory ($TMPDIR, else /tmp), removed on destruction.
// Durable appends are measured on whatever file system that is.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::error_code ec;
    std::string pattern = (std::filesystem::temp_directory_path(ec) / (name + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cognate::bench
