#ifndef LITECAST_GRAPH_MAPPED_LOAD_HPP
#define LITECAST_GRAPH_MAPPED_LOAD_HPP

#include <torch/script.h>

#include <cstdint>
#include <string>

namespace litecast::graph {

struct MappedLoadStats {
  uint64_t mapped_bytes = 0;  // tensor records mapped from the file
  uint64_t read_bytes = 0;    // everything read the ordinary way
};

// torch::jit::load of `path`, with each large tensor record mapped from the file (private,
// copy-on-write) instead of read into fresh memory: the weights are then the page cache's pages,
// so loading them costs no copy and no new memory. Records that cannot be mapped are read as
// LibTorch reads them. The result is the same module torch::jit::load gives.
torch::jit::Module load_mapped(const std::string& path, MappedLoadStats* stats = nullptr);

}  // namespace litecast::graph

#endif  // LITECAST_GRAPH_MAPPED_LOAD_HPP
