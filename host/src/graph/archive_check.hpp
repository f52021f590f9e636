#ifndef LITECAST_GRAPH_ARCHIVE_CHECK_HPP
#define LITECAST_GRAPH_ARCHIVE_CHECK_HPP

#include <cstddef>
#include <string>

namespace litecast::graph {

// Checks, before LibTorch loads a TorchScript or torch.save archive, that each tensor record is
// as long as the storage its pickle declares. LibTorch trusts the declaration and reads past the
// end of a short record (a file damaged inside an intact zip directory). `what` names the file
// in the error. Archives this cannot read are left to LibTorch's own checks.
void check_archive_records(const std::string& path);
void check_archive_records(const char* data, size_t size, const std::string& what);

}  // namespace litecast::graph

#endif  // LITECAST_GRAPH_ARCHIVE_CHECK_HPP
