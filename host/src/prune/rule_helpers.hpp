// Small helpers of the channel-dependency rules (channel_groups.cpp, layer_rules.cpp,
// shape_rules.cpp). Internal to the host.
#ifndef LITECAST_HOST_PRUNE_RULE_HELPERS_HPP
#define LITECAST_HOST_PRUNE_RULE_HELPERS_HPP

#include "prune/channel_groups.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace litecast::pruning {

// Product of v[from, to).
int64_t prod(const std::vector<int64_t>& v, size_t from, size_t to);
// A dim counted from the end made non-negative.
int64_t norm_dim(int64_t d, int64_t rank);
bool one_of(const std::string& kind, std::initializer_list<const char*> names);
// Positions [from, from + count) of a layout's axis as a layout; nullopt when a boundary falls
// inside a channel's repeated run.
std::optional<Layout> sub_layout(const Layout& l, int64_t from, int64_t count);

// Where the int list behind input `i` of `n` can be replaced: a whole prim::Constant int[], or
// element `element` of a prim::ListConstruct when that element is a constant.
struct IntListSource {
  torch::jit::Node* node = nullptr;  // the node whose input to replace
  size_t input = 0;
  bool whole_list = false;  // replace a whole int[] constant
  std::vector<int64_t> values;
};
std::optional<IntListSource> int_list_source(torch::jit::Node* n, size_t i, size_t element);

}  // namespace litecast::pruning

#endif
