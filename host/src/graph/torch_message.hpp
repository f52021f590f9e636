// LibTorch's exceptions as one line for a user: no C++ backtrace, no interpreter traceback,
// never empty (LibTorch's messages may start with a newline).
#ifndef LITECAST_HOST_GRAPH_TORCH_MESSAGE_HPP
#define LITECAST_HOST_GRAPH_TORCH_MESSAGE_HPP

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace litecast::graph {

inline std::string torch_message(const std::string& message) {
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
