// The one exception type of litecast's C++ API: a user-facing message, already complete
// (it names the file, node or key). The CLI prints it as one line and exits non-zero.
#ifndef LITECAST_ERROR_HPP
#define LITECAST_ERROR_HPP

#include <stdexcept>
#include <string>

namespace litecast {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace litecast

#endif  // LITECAST_ERROR_HPP
