#include "prune/channel_groups.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace litecast::pruning {

namespace {

int64_t prod(const std::vector<int64_t>& v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < v.size(); ++i) p *= v[i];
  return p;
}

int64_t norm_dim(int64_t d, int64_t rank) {
  return d < 0 ? d + rank : d;
}

bool one_of(const std::string& k, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (k == n) return true;
  return false;
}

// Positions [from, from + count) of a layout's axis as a layout; nullopt when a boundary falls
// inside a channel's repeated run.
std::optional<Layout> sub_layout(const Layout& l, int64_t from, int64_t count) {
  Layout out;
  out.axis = l.axis;
  int64_t off = 0;
  for (const Segment& s : l.segs) {
    const int64_t n = s.len * s.rep;
    const int64_t lo = std::max(from, off), hi = std::min(from + count, off + n);
    if (lo < hi) {
      if ((lo - off) % s.rep || (hi - off) % s.rep) return std::nullopt;
      out.segs.push_back(Segment{s.space, s.start + (lo - off) / s.rep, (hi - lo) / s.rep, s.rep});
    }
    off += n;
  }
  return out;
}

// The list constant behind input `i` of `n`: a prim::Constant int[] or a ListConstruct of
// constants. Calls `set(node, input, new_value)` through the returned patcher.
struct IntListSource {
  torch::jit::Node* node = nullptr;  // the node whose input to replace
  size_t input = 0;
  bool whole_list = false;  // replace a whole int[] constant
  std::vector<int64_t> values;
};

std::optional<IntListSource> int_list_source(torch::jit::Node* n, size_t i, size_t element) {
  torch::jit::Node* p = n->input(i)->node();
  if (p->kind() == c10::prim::Constant) {
    auto iv = torch::jit::toIValue(n->input(i));
    if (!iv || !iv->isIntList()) return std::nullopt;
    return IntListSource{n, i, true, iv->toIntVector()};
  }
  if (p->kind() == c10::prim::ListConstruct && element < p->inputs().size()) {
    if (p->input(element)->node()->kind() != c10::prim::Constant) return std::nullopt;
    auto iv = torch::jit::toIValue(p->input(element));
    if (!iv || !iv->isInt()) return std::nullopt;
    return IntListSource{p, element, false, {iv->toInt()}};
  }
  return std::nullopt;
}

const std::set<std::string> kShapeQueries = {
    "aten::size",   "aten::dim",           "aten::numel",         "prim::NumToTensor", "prim::dtype",
    "prim::device", "aten::len",           "aten::Int",           "prim::shape",       "aten::__isnot__",
    "aten::__is__", "prim::ListConstruct", "prim::TupleConstruct"};

}  // namespace

ChannelGroups::ChannelGroups(const FlatGraph& g) : g_(g), layouts_(g.values.size()) {
  for (const FlatNode& n : g.nodes) visit(n);
  for (int out : g.outputs) fix_value(out, "reaches the model's output");
  for (auto& [space, p] : producer_list_) {
    const int root = find(space);
    auto& ps = producers_[root];
    if (ps.empty()) order_.push_back(root);
    bool dup = false;
    for (const Producer& q : ps) dup = dup || (q.param == p.param && q.out_dim == p.out_dim);
    if (!dup) ps.push_back(p);
  }
}

int ChannelGroups::find(int s) const {
  while (spaces_[s].parent >= 0) {
    const int p = spaces_[s].parent;
    if (spaces_[p].parent >= 0) spaces_[s].parent = spaces_[p].parent;
    s = p;
  }
  return s;
}

int ChannelGroups::fresh(int64_t size, const std::string& reason) {
  spaces_.push_back(Space{size, -1, reason});
  return static_cast<int>(spaces_.size()) - 1;
}

void ChannelGroups::unite(int a, int b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (a > b) std::swap(a, b);  // the older space stays the root
  if (spaces_[a].fixed.empty()) spaces_[a].fixed = spaces_[b].fixed;
  spaces_[b].parent = a;
  require_blocks(a, spaces_[b].blocks, "joined channels");
}

void ChannelGroups::require_blocks(int space, int64_t blocks, const std::string& where) {
  Space& s = spaces_[find(space)];
  const int64_t b = std::lcm(s.blocks, blocks);
  if (s.size % b) {
    fix(space,
        fmt::format("{}: groups of {} and {} channels do not tile {} channels", where, s.blocks, blocks, s.size));
    return;
  }
  s.blocks = b;
}

void ChannelGroups::fix(int space, const std::string& reason) {
  Space& s = spaces_[find(space)];
  if (s.fixed.empty()) s.fixed = reason;
}

void ChannelGroups::fix(const Layout& l, const std::string& reason) {
  for (const Segment& s : l.segs) fix(s.space, reason);
}

void ChannelGroups::fix_value(int v, const std::string& reason) {
  if (layouts_.at(v)) fix(*layouts_[v], reason);
  for (int e : g_.values[v].elements) fix_value(e, reason);
  auto it = items_.find(v);
  if (it != items_.end())
    for (const auto& l : it->second)
      if (l) fix(*l, reason);
}

bool ChannelGroups::unite_layouts(const Layout& a, const Layout& b, const std::string& reason) {
  bool ok = a.segs.size() == b.segs.size();
  for (size_t i = 0; ok && i < a.segs.size(); ++i) {
    const Segment &x = a.segs[i], &y = b.segs[i];
    if (x.len != y.len || x.rep != y.rep) {
      ok = false;
    } else if (find(x.space) == find(y.space)) {
      ok = x.start == y.start;
    } else {
      ok = x.start == 0 && y.start == 0 && x.len == space_size(x.space) && y.len == space_size(y.space);
    }
  }
  if (!ok) {
    fix(a, reason);
    fix(b, reason);
    return false;
  }
  for (size_t i = 0; i < a.segs.size(); ++i) unite(a.segs[i].space, b.segs[i].space);
  return true;
}

Layout ChannelGroups::ensure_layout(int v, int64_t axis, const std::string& why) {
  const auto& l = layouts_.at(v);
  if (l && l->axis == axis) return *l;
  if (l) fix(*l, why + ": channels on another axis");
  const int64_t n = g_.values[v].shape().at(static_cast<size_t>(axis));
  return Layout{axis, {Segment{fresh(n, "channels of the model's input or of a layer left whole"), 0, n, 1}}};
}

void ChannelGroups::slice_param(int param, int64_t dim, const Layout& l, const std::string& where) {
  auto key = std::make_pair(param, dim);
  auto it = slice_index_.find(key);
  if (it != slice_index_.end()) {
    unite_layouts(slices_[it->second].layout, l,
                  fmt::format("{} is used with different channels in several places (one is {})",
                              g_.params[param].name(), where));
    return;
  }
  Layout copy = l;
  copy.axis = dim;
  slice_index_[key] = slices_.size();
  slices_.push_back(ParamSlice{param, dim, copy});
}

void ChannelGroups::patch_shared(torch::jit::Node* n, const Layout& l) {
  auto it = patched_nodes_.find(n);
  if (it == patched_nodes_.end()) {
    patched_nodes_.emplace(n, l);
    return;
  }
  unite_layouts(it->second, l, "a method graph shared by several module instances sees different channels");
}

void ChannelGroups::unknown(const FlatNode& n, const std::string& reason) {
  for (int i : n.inputs) fix_value(i, reason);
}

std::vector<int> ChannelGroups::last_fc_inputs() const {
  std::vector<int> out;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    if (it->op != "linear") continue;
    if (it->in)
      for (const Segment& s : it->in->segs) out.push_back(find(s.space));
    break;
  }
  return out;
}

void ChannelGroups::visit(const FlatNode& n) {
  const std::string k = n.kind();
  bool any = false;
  for (int i : n.inputs) {
    any = any || layouts_[i].has_value() || items_.count(i);
    for (int e : g_.values[i].elements) any = any || layouts_[e].has_value();
  }
  // Layers are recorded even when no input channel is prunable (the report lists them all).
  if (conv(n) || linear(n)) return;
  if (!any || kShapeQueries.count(k)) return;
  if (n.outputs.empty()) {
    unknown(n, fmt::format("consumed by {}, which litecast prune does not model", n.where()));
    return;
  }
  if (norm(n) || passthrough(n) || elementwise(n) || reshape(n) || reduce(n) || cat(n) || split(n) || unpack(n)) return;
  unknown(n, fmt::format("consumed by {}, which litecast prune does not model", n.where()));
}

bool ChannelGroups::conv(const FlatNode& n) {
  const std::string k = n.kind();
  const bool generic = k == "aten::_convolution" || k == "aten::convolution";
  const bool tr = one_of(k, {"aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"});
  if (!generic && !tr && !one_of(k, {"aten::conv1d", "aten::conv2d", "aten::conv3d"})) return false;
  const FlatValue& x = g_.values[n.inputs[0]];
  const FlatValue& w = g_.values[n.inputs[1]];
  const FlatValue& b = g_.values[n.inputs[2]];
  const int out = n.outputs[0];
  const bool transposed = generic ? g_.values[n.inputs[6]].value.toBool() : tr;
  const size_t gi = generic ? 8 : 6;
  const FlatValue& gv = g_.values[n.inputs[gi]];
  if (!gv.value.isInt() || !x.is_tensor() || !w.is_tensor()) {
    unknown(n, fmt::format("{} has a non-constant form", n.where()));
    return true;
  }
  const int64_t groups = gv.value.toInt();
  const auto X = x.shape(), W = w.shape(), Y = g_.values[out].shape();
  LayerCall lc;
  lc.weight = w.param;
  lc.bias = b.is_tensor() ? b.param : -1;
  lc.name = w.param >= 0 ? g_.params[w.param].layer() : n.where();
  if (X.size() != W.size()) {
    unknown(n, fmt::format("{}: unbatched convolution", lc.name));
    return true;
  }
  lc.in_channels = X[1];
  lc.out_channels = Y[1];
  lc.groups = groups;
  lc.kernel = prod(W, 2, W.size());
  lc.out_elems_per_channel = g_.values[out].value.toTensor().numel() / std::max<int64_t>(1, Y[1]);
  const bool depthwise = !transposed && groups > 1 && groups == X[1] && Y[1] == X[1];
  lc.op = transposed ? "conv_transpose" : groups == 1 ? "conv" : depthwise ? "depthwise_conv" : "grouped_conv";
  // A layer left whole: its input channels are fixed, its output is a fixed group of its own.
  auto whole = [&](const std::string& reason) {
    fix_value(n.inputs[0], fmt::format("feeds {}, which is left whole", lc.name));
    const int s = fresh(Y[1], reason);
    layouts_[out] = Layout{1, {Segment{s, 0, Y[1], 1}}};
    if (w.param >= 0) producer_list_.push_back({s, Producer{w.param, transposed ? 1 : 0, lc.name, lc.op}});
  };
  if (w.param < 0 || (b.is_tensor() && b.param < 0)) {
    whole("its weight or bias is computed, not a parameter");
  } else if (depthwise) {
    Layout in = ensure_layout(n.inputs[0], 1, lc.name);
    lc.in = lc.out = in;
    layouts_[out] = in;
    slice_param(w.param, 0, in, lc.name);
    if (lc.bias >= 0) slice_param(lc.bias, 0, in, lc.name);
    patch_shared(n.node, in);
    patches_.push_back(Patch{n.node, gi, "groups", [in](const auto& kept) { return c10::IValue(kept(in)); }});
  } else if (groups > 1 && transposed) {
    whole(fmt::format("transposed convolution with groups={}", groups));
  } else if (groups > 1) {
    // Pruned group by group: each group keeps the same number of input and output channels,
    // so `groups` stays; the input must be one layer's channels.
    Layout in = ensure_layout(n.inputs[0], 1, lc.name);
    bool seen = false;
    for (const GroupedSlice& gs : grouped_) seen = seen || gs.param == w.param;
    if (in.segs.size() != 1 || in.segs[0].start != 0 || in.segs[0].len != space_size(in.segs[0].space) ||
        in.segs[0].rep != 1) {
      whole(fmt::format("grouped convolution (groups={}) over channels of several layers", groups));
    } else if (seen) {
      whole(fmt::format("grouped convolution (groups={}) called more than once", groups));
    } else {
      require_blocks(in.segs[0].space, groups, lc.name);
      const int s = fresh(Y[1]);
      require_blocks(s, groups, lc.name);
      Layout o{1, {Segment{s, 0, Y[1], 1}}};
      slice_param(w.param, 0, o, lc.name);
      if (lc.bias >= 0) slice_param(lc.bias, 0, o, lc.name);
      grouped_.push_back(GroupedSlice{w.param, groups, in});
      producer_list_.push_back({s, Producer{w.param, 0, lc.name, lc.op}});
      lc.in = in;
      lc.out = o;
      layouts_[out] = o;
    }
  } else {
    produce(lc, n.inputs[0], out, 1, transposed ? 0 : 1, transposed ? 1 : 0);
  }
  layers_.push_back(lc);
  return true;
}

void ChannelGroups::produce(LayerCall& lc, int x, int out, int64_t axis, int64_t in_dim, int64_t out_dim) {
  const int64_t c = g_.values[out].shape().at(static_cast<size_t>(axis));
  Layout in = ensure_layout(x, axis, lc.name);
  const int s = fresh(c);
  Layout o{axis, {Segment{s, 0, c, 1}}};
  slice_param(lc.weight, in_dim, in, lc.name);
  slice_param(lc.weight, out_dim, o, lc.name);
  if (lc.bias >= 0) slice_param(lc.bias, 0, o, lc.name);
  producer_list_.push_back({s, Producer{lc.weight, out_dim, lc.name, lc.op}});
  lc.in = in;
  lc.out = o;
  layouts_[out] = o;
}

bool ChannelGroups::linear(const FlatNode& n) {
  if (n.kind() != "aten::linear") return false;
  const FlatValue& x = g_.values[n.inputs[0]];
  const FlatValue& w = g_.values[n.inputs[1]];
  const FlatValue& b = g_.values[n.inputs[2]];
  const int out = n.outputs[0];
  const auto X = x.shape(), Y = g_.values[out].shape();
  const int64_t axis = static_cast<int64_t>(X.size()) - 1;
  LayerCall lc;
  lc.op = "linear";
  lc.weight = w.param;
  lc.bias = b.is_tensor() ? b.param : -1;
  lc.name = w.param >= 0 ? g_.params[w.param].layer() : n.where();
  lc.in_channels = X.back();
  lc.out_channels = Y.back();
  lc.out_elems_per_channel = g_.values[out].value.toTensor().numel() / std::max<int64_t>(1, Y.back());
  if (w.param < 0 || (b.is_tensor() && b.param < 0)) {
    fix_value(n.inputs[0], fmt::format("feeds {}, which is left whole", lc.name));
    layouts_[out] =
        Layout{axis, {Segment{fresh(Y.back(), "its weight or bias is computed, not a parameter"), 0, Y.back(), 1}}};
  } else {
    produce(lc, n.inputs[0], out, axis, 1, 0);
  }
  layers_.push_back(lc);
  return true;
}

bool ChannelGroups::norm(const FlatNode& n) {
  const std::string k = n.kind();
  const int x = n.inputs[0], out = n.outputs[0];
  if (!layouts_[x]) return false;
  const Layout l = *layouts_[x];
  const int64_t rank = static_cast<int64_t>(g_.values[x].shape().size());
  auto follow = [&](std::initializer_list<size_t> idx, const std::string& what) {
    for (size_t i : idx) {
      const FlatValue& p = g_.values[n.inputs[i]];
      if (!p.is_tensor()) continue;
      if (p.param < 0) {
        unknown(n, fmt::format("{}: its parameters are computed", n.where()));
        return false;
      }
      slice_param(p.param, 0, l, n.where());
    }
    return true;
  };
  if (k == "aten::batch_norm" || k == "aten::instance_norm") {
    if (l.axis != 1) return false;
    if (follow({1, 2, 3, 4}, k)) layouts_[out] = l;
    return true;
  }
  if (k == "aten::group_norm") {
    if (l.axis != 1) return false;
    const int64_t groups = g_.values[n.inputs[1]].value.toInt();
    if (groups != 1 && groups != l.positions()) {
      unknown(n, fmt::format("{} has {} groups of several channels", n.where(), groups));
      return true;
    }
    if (!follow({2, 3}, k)) return true;
    if (groups != 1) {
      if (n.node->input(1)->node()->kind() != c10::prim::Constant) {
        unknown(n, fmt::format("{} has a computed group count", n.where()));
        return true;
      }
      patch_shared(n.node, l);
      patches_.push_back(Patch{n.node, 1, "num_groups", [l](const auto& kept) { return c10::IValue(kept(l)); }});
    }
    layouts_[out] = l;
    return true;
  }
  if (k == "aten::layer_norm") {
    const auto shape = g_.values[n.inputs[1]].value.toIntVector();
    const int64_t first = rank - static_cast<int64_t>(shape.size());
    if (l.axis < first) {  // normalises over other axes only
      layouts_[out] = l;
      return true;
    }
    if (shape.size() != 1) {
      unknown(n, fmt::format("{} normalises over the channel axis and others", n.where()));
      return true;
    }
    auto src = int_list_source(n.node, 1, 0);
    if (!src) {
      unknown(n, fmt::format("{} has a computed normalized_shape", n.where()));
      return true;
    }
    if (!follow({2, 3}, k)) return true;
    patch_shared(n.node, l);
    patches_.push_back(Patch{src->node, src->input, "normalized_shape", [l, whole = src->whole_list](const auto& kept) {
                               return whole ? c10::IValue(std::vector<int64_t>{kept(l)}) : c10::IValue(kept(l));
                             }});
    layouts_[out] = l;
    return true;
  }
  if (k == "aten::prelu") {
    const FlatValue& w = g_.values[n.inputs[1]];
    if (w.value.toTensor().numel() != 1) {
      if (l.axis != 1 || !follow({1}, k)) return true;
    }
    layouts_[out] = l;
    return true;
  }
  return false;
}

bool ChannelGroups::passthrough(const FlatNode& n) {
  static const std::set<std::string> kinds = {"aten::relu",
                                              "aten::relu_",
                                              "aten::relu6",
                                              "aten::hardtanh",
                                              "aten::hardtanh_",
                                              "aten::sigmoid",
                                              "aten::sigmoid_",
                                              "aten::tanh",
                                              "aten::hardsigmoid",
                                              "aten::hardsigmoid_",
                                              "aten::hardswish",
                                              "aten::hardswish_",
                                              "aten::silu",
                                              "aten::silu_",
                                              "aten::gelu",
                                              "aten::elu",
                                              "aten::leaky_relu",
                                              "aten::leaky_relu_",
                                              "aten::mish",
                                              "aten::dropout",
                                              "aten::dropout_",
                                              "aten::feature_dropout",
                                              "aten::alpha_dropout",
                                              "aten::contiguous",
                                              "aten::clone",
                                              "aten::detach",
                                              "aten::to",
                                              "aten::type_as",
                                              "aten::max_pool1d",
                                              "aten::max_pool2d",
                                              "aten::max_pool3d",
                                              "aten::avg_pool1d",
                                              "aten::avg_pool2d",
                                              "aten::avg_pool3d",
                                              "aten::adaptive_avg_pool1d",
                                              "aten::adaptive_avg_pool2d",
                                              "aten::adaptive_avg_pool3d",
                                              "aten::adaptive_max_pool1d",
                                              "aten::adaptive_max_pool2d",
                                              "aten::max_pool2d_with_indices",
                                              "aten::upsample_nearest1d",
                                              "aten::upsample_nearest2d",
                                              "aten::upsample_bilinear2d",
                                              "aten::upsample_linear1d",
                                              "aten::upsample_bicubic2d",
                                              "aten::constant_pad_nd",
                                              "aten::pad",
                                              "aten::reflection_pad1d",
                                              "aten::reflection_pad2d",
                                              "aten::replication_pad1d",
                                              "aten::replication_pad2d",
                                              "aten::softmax",
                                              "aten::log_softmax",
                                              "aten::neg",
                                              "aten::abs",
                                              "aten::exp",
                                              "aten::log",
                                              "aten::sqrt",
                                              "aten::square",
                                              "aten::clamp",
                                              "aten::clamp_",
                                              "aten::clamp_min",
                                              "aten::clamp_max",
                                              "aten::hardshrink",
                                              "aten::softplus",
                                              "aten::erf",
                                              "aten::reciprocal",
                                              "aten::rsqrt",
                                              "aten::float",
                                              "aten::sin",
                                              "aten::cos"};
  const std::string k = n.kind();
  if (!kinds.count(k)) return false;
  const int x = n.inputs[0];
  if (!layouts_[x]) {
    unknown(n, fmt::format("{} sees channels that are not tracked", n.where()));
    return true;
  }
  const Layout l = *layouts_[x];
  if ((k == "aten::softmax" || k == "aten::log_softmax") &&
      norm_dim(g_.values[n.inputs[1]].value.toInt(), static_cast<int64_t>(g_.values[x].shape().size())) == l.axis)
    return false;
  const auto X = g_.values[x].shape();
  for (int o : n.outputs) {
    if (!g_.values[o].is_tensor()) continue;
    const auto Y = g_.values[o].shape();
    if (Y.size() != X.size() || Y[l.axis] != X[l.axis]) {
      unknown(n, fmt::format("{} changes the channel axis", n.where()));
      return true;
    }
    layouts_[o] = l;
  }
  return true;
}

bool ChannelGroups::elementwise(const FlatNode& n) {
  static const std::set<std::string> kinds = {
      "aten::add",         "aten::add_", "aten::sub",       "aten::sub_",     "aten::mul",     "aten::mul_",
      "aten::div",         "aten::div_", "aten::rsub",      "aten::maximum",  "aten::minimum", "aten::where",
      "aten::true_divide", "aten::pow",  "aten::max.other", "aten::min.other"};
  const std::string k = n.kind();
  if (!kinds.count(k)) return false;
  const int out = n.outputs[0];
  if (!g_.values[out].is_tensor()) return true;
  const auto Y = g_.values[out].shape();
  const int64_t R = static_cast<int64_t>(Y.size());
  const std::string where = n.where();
  std::optional<Layout> result;
  for (int i : n.inputs) {
    if (!layouts_[i] || !g_.values[i].is_tensor()) continue;
    Layout l = *layouts_[i];
    const auto S = g_.values[i].shape();
    l.axis += R - static_cast<int64_t>(S.size());
    if (S[layouts_[i]->axis] != Y[l.axis]) {
      fix(*layouts_[i], fmt::format("{}: broadcast along the channel axis", where));
      continue;
    }
    if (!result) {
      result = l;
    } else if (result->axis != l.axis) {
      fix(*result, fmt::format("{}: combines tensors whose channels lie on different axes", where));
      fix(l, fmt::format("{}: combines tensors whose channels lie on different axes", where));
    } else {
      unite_layouts(*result, l, fmt::format("{}: combines channels that are laid out differently", where));
    }
  }
  if (!result) return true;
  for (int i : n.inputs) {
    if (layouts_[i] || !g_.values[i].is_tensor()) continue;
    const auto S = g_.values[i].shape();
    const int64_t d = result->axis - (R - static_cast<int64_t>(S.size()));
    if (d < 0 || S[d] == 1) continue;
    if (g_.values[i].param >= 0)
      slice_param(g_.values[i].param, d, *result, where);
    else
      fix(*result, fmt::format("{}: combined with a tensor whose channels cannot be pruned", where));
  }
  layouts_[out] = result;
  return true;
}

bool ChannelGroups::reshape(const FlatNode& n) {
  const std::string k = n.kind();
  const int x = n.inputs[0], out = n.outputs[0];
  if (!layouts_[x] || !g_.values[out].is_tensor()) return false;
  const Layout l = *layouts_[x];
  const auto S = g_.values[x].shape(), T = g_.values[out].shape();
  if (k == "aten::permute" || k == "aten::transpose" || k == "aten::t" || k == "aten::numpy_T") {
    int64_t axis = l.axis;
    const int64_t rank = static_cast<int64_t>(S.size());
    if (k == "aten::permute") {
      const auto dims = g_.values[n.inputs[1]].value.toIntVector();
      for (size_t i = 0; i < dims.size(); ++i)
        if (norm_dim(dims[i], rank) == l.axis) axis = static_cast<int64_t>(i);
    } else if (k == "aten::transpose") {
      const int64_t a = norm_dim(g_.values[n.inputs[1]].value.toInt(), rank);
      const int64_t b = norm_dim(g_.values[n.inputs[2]].value.toInt(), rank);
      axis = l.axis == a ? b : l.axis == b ? a : l.axis;
    } else if (rank == 2) {
      axis = 1 - l.axis;
    }
    Layout o = l;
    o.axis = axis;
    layouts_[out] = o;
    return true;
  }
  const bool sized = one_of(k, {"aten::view", "aten::reshape", "aten::_reshape_alias"});
  if (!sized && !one_of(k, {"aten::flatten", "aten::squeeze", "aten::unsqueeze", "aten::view_as", "aten::reshape_as"}))
    return false;
  const int64_t outer = prod(S, 0, static_cast<size_t>(l.axis));
  const int64_t inner = prod(S, static_cast<size_t>(l.axis) + 1, S.size());
  const int64_t c = S[l.axis];
  std::optional<size_t> found;
  for (size_t b = 0; b < T.size(); ++b) {
    if (prod(T, 0, b) != outer || T[b] % c) continue;
    const int64_t m = T[b] / c;
    if (m == 0 || inner % m) continue;
    if (!found || (T[*found] == 1 && T[b] != 1)) found = b;
  }
  if (!found) {
    unknown(n, fmt::format("{} splits the channel axis (e.g. a channel shuffle)", n.where()));
    return true;
  }
  const size_t b = *found;
  Layout o = l;
  o.axis = static_cast<int64_t>(b);
  for (Segment& s : o.segs) s.rep *= T[b] / c;
  if (sized && n.node->inputs().size() > 1 && !n.node->input(1)->type()->cast<c10::TensorType>()) {
    auto src = int_list_source(n.node, 1, b);
    const auto sizes = g_.values[n.inputs[1]].value;
    const bool inferred = sizes.isIntList() && b < sizes.toIntVector().size() && sizes.toIntVector()[b] == -1;
    if (src && !inferred) {
      patch_shared(n.node, o);
      std::vector<int64_t> old = src->values;
      const bool whole = src->whole_list;
      patches_.push_back(Patch{src->node, src->input, "view size", [o, old, whole, b](const auto& kept) {
                                 if (!whole) return c10::IValue(kept(o));
                                 std::vector<int64_t> v = old;
                                 v[b] = kept(o);
                                 return c10::IValue(v);
                               }});
    }
  }
  layouts_[out] = o;
  return true;
}

bool ChannelGroups::reduce(const FlatNode& n) {
  const std::string k = n.kind();
  if (!one_of(k, {"aten::mean", "aten::sum", "aten::amax", "aten::amin"})) return false;
  const int x = n.inputs[0], out = n.outputs[0];
  if (!layouts_[x] || n.inputs.size() < 3 || !g_.values[n.inputs[1]].value.isIntList()) return false;
  const Layout l = *layouts_[x];
  const int64_t rank = static_cast<int64_t>(g_.values[x].shape().size());
  const bool keep = g_.values[n.inputs[2]].value.toBool();
  int64_t axis = l.axis;
  for (int64_t d : g_.values[n.inputs[1]].value.toIntVector()) {
    d = norm_dim(d, rank);
    if (d == l.axis) return false;
    if (d < l.axis && !keep) --axis;
  }
  Layout o = l;
  o.axis = axis;
  layouts_[out] = o;
  return true;
}

bool ChannelGroups::cat(const FlatNode& n) {
  const std::string k = n.kind();
  if (k != "aten::cat" && k != "aten::concat") return false;
  const FlatValue& list = g_.values[n.inputs[0]];
  const int out = n.outputs[0];
  if (list.elements.empty()) return false;
  const int64_t rank = static_cast<int64_t>(g_.values[out].shape().size());
  const int64_t d = norm_dim(g_.values[n.inputs[1]].value.toInt(), rank);
  bool along = false, across = false;
  for (int e : list.elements)
    if (layouts_[e]) (layouts_[e]->axis == d ? along : across) = true;
  if (along && across) return false;
  if (across) {  // concatenation along another axis: the operands' channels are the same
    std::optional<Layout> result;
    for (int e : list.elements) {
      if (!layouts_[e]) {
        if (g_.values[e].shape().size() > 1 && result) fix(*result, n.where() + " joins them with untracked channels");
        continue;
      }
      if (!result)
        result = layouts_[e];
      else
        unite_layouts(*result, *layouts_[e], n.where() + " joins channels laid out differently");
    }
    layouts_[out] = result;
    return true;
  }
  Layout o{d, {}};
  for (int e : list.elements) {
    Layout l = ensure_layout(e, d, n.where());
    o.segs.insert(o.segs.end(), l.segs.begin(), l.segs.end());
  }
  layouts_[out] = o;
  return true;
}

bool ChannelGroups::split(const FlatNode& n) {
  const std::string k = n.kind();
  const bool sizes_list = k == "aten::split_with_sizes" || (one_of(k, {"aten::split", "aten::unsafe_split"}) &&
                                                            g_.values[n.inputs[1]].value.isIntList());
  const bool equal = one_of(k, {"aten::chunk", "aten::unsafe_chunk"}) ||
                     (one_of(k, {"aten::split", "aten::unsafe_split"}) && g_.values[n.inputs[1]].value.isInt());
  if (!sizes_list && !equal) return false;
  const int x = n.inputs[0], out = n.outputs[0];
  if (!layouts_[x]) return false;
  const Layout l = *layouts_[x];
  const int64_t rank = static_cast<int64_t>(g_.values[x].shape().size());
  const int64_t d = norm_dim(g_.values[n.inputs[2]].value.toInt(), rank);
  const auto parts = g_.values[out].value.toTensorVector();
  std::vector<std::optional<Layout>> items;
  if (d != l.axis) {
    for (size_t i = 0; i < parts.size(); ++i) items.push_back(l);
    items_[out] = items;
    return true;
  }
  if (equal) {
    // Equal parts of one layer's channels: each part becomes a block that keeps as many
    // channels as the others, so the parts stay equal and the constant stays.
    const int64_t count = static_cast<int64_t>(parts.size());
    const Segment& whole = l.segs.front();
    const bool one_space = l.segs.size() == 1 && whole.start == 0 && whole.len == space_size(whole.space) &&
                           whole.rep == 1 && count > 0 && whole.len % count == 0;
    if (!one_space) {
      fix(l, fmt::format("{} along the channel axis needs equal parts of one layer's channels", n.where()));
      return true;
    }
    require_blocks(whole.space, count, n.where());
    for (int64_t i = 0; i < count; ++i)
      items.push_back(Layout{l.axis, {Segment{whole.space, i * (whole.len / count), whole.len / count, 1}}});
    items_[out] = items;
    return true;
  }
  std::vector<Layout> subs;
  int64_t off = 0;
  for (const at::Tensor& t : parts) {
    auto s = sub_layout(l, off, t.size(d));
    if (!s) {
      fix(l, fmt::format("{} cuts inside a channel's positions", n.where()));
      return true;
    }
    subs.push_back(*s);
    items.push_back(*s);
    off += t.size(d);
  }
  // The sizes: one int[] constant, or a ListConstruct of int constants.
  torch::jit::Node* list = n.node->input(1)->node();
  bool constant = list->kind() == c10::prim::Constant;
  if (list->kind() == c10::prim::ListConstruct) {
    constant = true;
    for (const torch::jit::Value* v : list->inputs()) constant = constant && v->node()->kind() == c10::prim::Constant;
  }
  if (!constant) {
    fix(l, fmt::format("{} has computed sizes", n.where()));
    return true;
  }
  patch_shared(n.node, l);
  if (list->kind() == c10::prim::Constant) {
    patches_.push_back(Patch{n.node, 1, "split sizes", [subs](const auto& kept) {
                               std::vector<int64_t> v;
                               for (const Layout& s : subs) v.push_back(kept(s));
                               return c10::IValue(v);
                             }});
  } else {
    for (size_t i = 0; i < subs.size() && i < list->inputs().size(); ++i)
      patches_.push_back(
          Patch{list, i, "split size", [s = subs[i]](const auto& kept) { return c10::IValue(kept(s)); }});
  }
  items_[out] = items;
  return true;
}

bool ChannelGroups::unpack(const FlatNode& n) {
  const std::string k = n.kind();
  auto it = items_.find(n.inputs[0]);
  if (it == items_.end()) return false;
  if (k == "prim::ListUnpack") {
    for (size_t i = 0; i < n.outputs.size() && i < it->second.size(); ++i) layouts_[n.outputs[i]] = it->second[i];
    return true;
  }
  if (k == "aten::__getitem__" || k == "aten::select.t") {
    int64_t i = g_.values[n.inputs[1]].value.toInt();
    if (i < 0) i += static_cast<int64_t>(it->second.size());
    layouts_[n.outputs[0]] = it->second.at(static_cast<size_t>(i));
    return true;
  }
  return false;
}

}  // namespace litecast::pruning
