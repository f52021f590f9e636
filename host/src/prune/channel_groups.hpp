// Channel dependencies on a flat graph: which channels must be pruned together.
//
// Every tensor whose channels matter gets a Layout: its channel axis described as a run of
// segments, each a range of one channel *space*. A convolution or linear layer creates a new
// space (its output channels); ops that keep channels (activations, pooling, normalisation,
// depthwise convolution) pass the layout on; residual additions and multiplications unite the
// spaces of their operands (union-find); concatenation lays segments end to end (offsets into
// the concatenated axis); flatten/reshape into a linear layer repeats each channel over the
// spatial positions; split slices segments; a channel shuffle of G whole layers joins them and
// interleaves their channels (one-channel segments). Parameters whose dims follow channels (weights,
// biases, BatchNorm/LayerNorm/GroupNorm/PReLU parameters) are recorded as slices, and
// constants that encode channel counts (depthwise `groups`, view sizes, split sizes,
// normalized_shape) as patches. Any op not modelled that sees a channel axis fixes the spaces
// it sees: their groups are left whole, with that op named as the reason. The rules per op
// family live in layer_rules.cpp and shape_rules.cpp.
#ifndef LITECAST_HOST_PRUNE_CHANNEL_GROUPS_HPP
#define LITECAST_HOST_PRUNE_CHANNEL_GROUPS_HPP

#include "prune/flat_graph.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace litecast::pruning {

struct Segment {
  int space = -1;
  int64_t start = 0;  // first channel of the space in this segment
  int64_t len = 0;    // channels
  int64_t rep = 1;    // consecutive positions per channel (flatten of H x W into features)
};

struct Layout {
  int64_t axis = 1;
  std::vector<Segment> segs;
  int64_t positions() const {
    int64_t n = 0;
    for (const Segment& s : segs) n += s.len * s.rep;
    return n;
  }
};

// A parameter dim whose positions follow a layout.
struct ParamSlice {
  int param = -1;
  int64_t dim = 0;
  Layout layout;
};

// Dim 1 of a grouped convolution's weight: each of `groups` blocks of output rows keeps the
// input channels its own block of the input layout keeps (equal counts per block).
struct GroupedSlice {
  int param = -1;
  int64_t groups = 1;
  Layout in;
};

// A constant input of a node in some method graph to replace once the kept channels are known.
struct Patch {
  torch::jit::Node* node = nullptr;
  size_t input = 0;
  std::string what;  // for messages
  // Computes the new constant from the kept-position counter.
  std::function<c10::IValue(const std::function<int64_t(const Layout&)>& kept)> value;
};

// One convolution or linear call, for the report and MAC counts.
struct LayerCall {
  std::string name;
  std::string op;  // conv, depthwise_conv, grouped_conv, conv_transpose, linear
  int weight = -1;
  int bias = -1;
  std::optional<Layout> in, out;  // channel layouts of input and output (when prunable)
  int64_t in_channels = 0, out_channels = 0, groups = 1;
  int64_t kernel = 1;                 // kernel elements
  int64_t out_elems_per_channel = 0;  // batch x spatial positions of the output
};

struct Producer {
  int param = -1;  // the weight
  int64_t out_dim = 0;
  std::string layer;  // its name
  std::string op;
};

class ChannelGroups {
 public:
  explicit ChannelGroups(const FlatGraph& g);

  int find(int space) const;
  int64_t space_size(int space) const { return spaces_.at(space).size; }
  // "" when the group of `space` may be pruned.
  const std::string& fixed_reason(int space) const { return spaces_.at(find(space)).fixed; }
  // Root space -> its producers, in graph order.
  const std::map<int, std::vector<Producer>>& producers() const { return producers_; }
  const std::vector<int>& group_order() const { return order_; }  // roots, by first producer
  const std::vector<ParamSlice>& slices() const { return slices_; }
  const std::vector<GroupedSlice>& grouped_slices() const { return grouped_; }
  // The group of `space` keeps the same number of channels in each of this many equal blocks
  // (the groups of grouped convolutions it feeds or comes from).
  int64_t blocks(int space) const { return spaces_.at(find(space)).blocks; }
  const std::vector<Patch>& patches() const { return patches_; }
  const std::vector<LayerCall>& layers() const { return layers_; }
  // The output spaces of the last layer when it is a linear one (skip_last_fc), as roots; its
  // inputs are pruned with their producers.
  std::vector<int> last_fc_outputs() const;
  void fix(int space, const std::string& reason);

 private:
  int fresh(int64_t size, const std::string& reason = "");
  void require_blocks(int space, int64_t blocks, const std::string& where);
  void unite(int a, int b);
  void fix(const Layout& l, const std::string& reason);
  void fix_value(int v, const std::string& reason);
  bool unite_layouts(const Layout& a, const Layout& b, const std::string& reason);
  std::optional<Layout>& layout(int v) { return layouts_.at(v); }
  Layout ensure_layout(int v, int64_t axis, const std::string& why);
  void slice_param(int param, int64_t dim, const Layout& l, const std::string& where);
  void patch_shared(torch::jit::Node* n, const Layout& l);
  void patch_view_size(const FlatNode& n, size_t dim, const Layout& l, int64_t divisor = 1);
  int param_of(int v) const { return g_.values.at(v).param; }

  // A conv/linear call whose output channels are a new space: the weight's `in_dim` follows
  // the input's channels (on `axis`), `out_dim` and the bias the new space.
  void produce(LayerCall& lc, int x, int out, int64_t axis, int64_t in_dim, int64_t out_dim);
  void visit(const FlatNode& n);
  bool conv(const FlatNode& n);
  bool linear(const FlatNode& n);
  bool norm(const FlatNode& n);
  bool passthrough(const FlatNode& n);
  bool elementwise(const FlatNode& n);
  bool reshape(const FlatNode& n);
  bool reduce(const FlatNode& n);
  bool cat(const FlatNode& n);
  bool split(const FlatNode& n);
  bool unpack(const FlatNode& n);
  // Channel shuffle: a view that splits the channel axis into groups x per_group, a transpose
  // of the two, a view that merges them back.
  bool start_shuffle(const FlatNode& n, const Layout& l);
  bool shuffle(const FlatNode& n);
  void unknown(const FlatNode& n, const std::string& reason);

  struct Space {
    int64_t size = 0;
    int parent = -1;
    std::string fixed;
    int64_t blocks = 1;
  };
  const FlatGraph& g_;
  mutable std::vector<Space> spaces_;
  std::vector<std::optional<Layout>> layouts_;
  std::map<int, std::vector<std::optional<Layout>>> items_;  // list values from split/chunk
  // A tensor inside a channel shuffle: `in`'s channel axis viewed as dims axis (groups) and
  // axis + 1 (per_group), or the other way round after a transpose (`swapped`).
  struct Shuffle {
    Layout in;
    int64_t groups = 1, per_group = 1;
    bool swapped = false;
    std::string where;  // the view that split the axis
  };
  std::map<int, Shuffle> shuffles_;
  std::vector<std::pair<int, Producer>> producer_list_;  // (space, producer), in graph order
  std::map<int, std::vector<Producer>> producers_;
  std::vector<int> order_;
  std::vector<ParamSlice> slices_;
  std::map<std::pair<int, int64_t>, size_t> slice_index_;
  std::vector<GroupedSlice> grouped_;
  std::vector<Patch> patches_;
  std::map<torch::jit::Node*, Layout> patched_nodes_;
  std::vector<LayerCall> layers_;
  int last_linear_ = -1;  // index into layers_
};

}  // namespace litecast::pruning

#endif
