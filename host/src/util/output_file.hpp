// Outputs are written under a unique temporary name beside the target and renamed into place
// only when complete, so a failed, killed or concurrent run never leaves a partial file and never
// clobbers another run's temporary file. The temporary files of a process are also removed when
// it is interrupted (SIGINT, SIGTERM, SIGHUP) once install_signal_cleanup() has been called.
#ifndef LITECAST_HOST_UTIL_OUTPUT_FILE_HPP
#define LITECAST_HOST_UTIL_OUTPUT_FILE_HPP

#include <string>

namespace litecast::util {

class TempOutput {
 public:
  // Creates an empty temporary file next to `target`. Throws litecast::Error naming `target`
  // when it exists and is not a regular file, or when its directory cannot be written.
  explicit TempOutput(const std::string& target);
  ~TempOutput();  // removes the temporary file unless commit() succeeded
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;

  const std::string& path() const { return tmp_; }
  const std::string& target() const { return target_; }
  // Renames the temporary file onto the target (atomic within a file system); throws on failure.
  void commit();
  // Removes the temporary file now.
  void discard();

 private:
  std::string target_, tmp_;
  int slot_ = -1;
};

// Installs the handlers that remove every live TempOutput's file, then let the signal end the
// process as it would have. Idempotent.
void install_signal_cleanup();

}  // namespace litecast::util

#endif
