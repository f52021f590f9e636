// LibTorch's exceptions as one line for a user: no C++ backtrace, no interpreter traceback,
// never empty (LibTorch's messages may start with a newline).
#ifndef LITECAST_HOST_GRAPH_TORCH_MESSAGE_HPP
#define LITECAST_HOST_GRAPH_TORCH_MESSAGE_HPP

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace litecast::graph {

// LibTorch's archive reader (PytorchStreamReader over miniz) explains a damaged .pt in terms of
// its own internals; say what that means for the user's file instead.
inline std::string archive_message(const std::string& message) {
  auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
  if (has("not a ZIP archive")) return "not a zip archive (TorchScript files are zip archives from torch.jit.save)";
  if (has("central directory") || has("failed reading zip archive") || has("invalid header or archive is corrupted"))
    return "truncated or damaged archive (the zip structure is incomplete)";
  if (has("not in a subdirectory") || has("file not found") || has("failed locating file")) {
    const size_t at = message.find("locating file ");
    std::string what;
    if (at != std::string::npos) what = message.substr(at + 14, message.find(':', at + 14) - at - 14);
    return what.empty() ? "a zip archive that is not a TorchScript archive"
                        : "incomplete TorchScript archive (" + what + " is missing)";
  }
  if (has("CRC-32") || has("crc")) return "damaged archive (checksum mismatch)";
  if (has("PytorchStreamReader") || has("inline_container")) return "damaged TorchScript archive";
  return "";
}

inline std::string torch_message(const std::string& message) {
  if (std::string archive = archive_message(message); !archive.empty()) return archive;
  // TorchScript interpreter errors carry tracebacks before the error itself.
  const size_t at = message.rfind("RuntimeError: ");
  const std::string tail = at == std::string::npos ? message : message.substr(at + 14);
  size_t begin = 0;
  while (begin < tail.size()) {
    size_t end = tail.find('\n', begin);
    if (end == std::string::npos) end = tail.size();
    std::string line = tail.substr(begin, end - begin);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      line = line.substr(first);
      if (line.rfind("[enforce fail at ", 0) == 0 && line.find("] ") != std::string::npos) {
        line = line.substr(line.find("] ") + 2);
        if (line.rfind(". ", 0) == 0) line = line.substr(2);
      }
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
      return line;
    }
    begin = end + 1;
  }
  return "LibTorch gave no reason";
}

inline std::string torch_message(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return torch_message(c10->what_without_backtrace());
  return torch_message(std::string(e.what()));
}

}  // namespace litecast::graph

#endif
