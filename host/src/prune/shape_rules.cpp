// Rules for ops that pass channels on, join or cut them: activations and pooling, elementwise
// arithmetic, reshapes and permutes, reductions, concatenation, split/chunk and list unpacking.
#include "prune/channel_groups.hpp"
#include "prune/rule_helpers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace litecast::pruning {

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

// Element `dim` of a view's or reshape's sizes, when a constant (not -1), becomes the kept count
// of `l` over `divisor`.
void ChannelGroups::patch_view_size(const FlatNode& n, size_t dim, const Layout& l, int64_t divisor) {
  if (n.node->inputs().size() < 2 || n.node->input(1)->type()->cast<c10::TensorType>()) return;
  auto src = int_list_source(n.node, 1, dim);
  const auto sizes = g_.values[n.inputs[1]].value;
  const bool inferred = sizes.isIntList() && dim < sizes.toIntVector().size() && sizes.toIntVector()[dim] == -1;
  if (!src || inferred) return;
  patch_shared(n.node, l);
  std::vector<int64_t> old = src->values;
  const bool whole = src->whole_list;
  patches_.push_back(Patch{src->node, src->input, "view size", [l, old, whole, dim, divisor](const auto& kept) {
                             if (!whole) return c10::IValue(kept(l) / divisor);
                             std::vector<int64_t> v = old;
                             v[dim] = kept(l) / divisor;
                             return c10::IValue(v);
                           }});
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
    if (sized && start_shuffle(n, l)) return true;
    unknown(n, fmt::format("{} splits the channel axis (e.g. a channel shuffle)", n.where()));
    return true;
  }
  const size_t b = *found;
  Layout o = l;
  o.axis = static_cast<int64_t>(b);
  for (Segment& s : o.segs) s.rep *= T[b] / c;
  if (sized) patch_view_size(n, b, o);
  layouts_[out] = o;
  return true;
}

// A view or reshape to [..., G, C/G, ...] at the channel axis: the first step of a channel
// shuffle. The C/G size, when a constant, becomes the kept count over G.
bool ChannelGroups::start_shuffle(const FlatNode& n, const Layout& l) {
  const auto S = g_.values[n.inputs[0]].shape(), T = g_.values[n.outputs[0]].shape();
  const size_t a = static_cast<size_t>(l.axis);
  if (T.size() != S.size() + 1 || T[a] < 2 || T[a] * T[a + 1] != S[a]) return false;
  for (size_t d = 0; d < S.size(); ++d)
    if (d != a && S[d] != T[d < a ? d : d + 1]) return false;
  for (const Segment& s : l.segs)
    if (s.rep != 1) return false;
  const int64_t groups = T[a];
  patch_view_size(n, a + 1, l, groups);
  shuffles_[n.outputs[0]] = Shuffle{l, groups, T[a + 1], false, n.where()};
  return true;
}

// The rest of a channel shuffle: copies, the transpose of the two dims, the view that merges
// them. Each of the G blocks must be one whole layer's channels (C/G of them): the blocks' spaces
// are joined (channel i is kept in every block or in none) and the merged axis interleaves them,
// output channel i * G + k being channel i of block k. Anything else leaves the channels whole.
bool ChannelGroups::shuffle(const FlatNode& n) {
  size_t first = 0;
  while (first < n.inputs.size() && !shuffles_.count(n.inputs[first])) ++first;
  if (first == n.inputs.size()) return false;
  Shuffle sh = shuffles_.at(n.inputs[first]);
  const std::string k = n.kind();
  const int x = n.inputs[0];
  const int out = n.outputs.empty() ? -1 : n.outputs[0];
  auto refuse = [&](const std::string& why) {
    fix(sh.in, fmt::format("{} splits the channel axis into a channel shuffle that {}", sh.where, why));
    return true;
  };
  if (first != 0 || n.outputs.empty() || !g_.values[n.outputs[0]].is_tensor())
    return refuse(fmt::format("{} does not model", n.where()));
  const auto S = g_.values[x].shape();
  const int64_t a = sh.in.axis, rank = static_cast<int64_t>(S.size());
  const auto T = g_.values[out].shape();
  if (one_of(k, {"aten::contiguous", "aten::clone", "aten::detach"})) {
    shuffles_[out] = sh;
    return true;
  }
  if (k == "aten::transpose") {
    const int64_t d0 = norm_dim(g_.values[n.inputs[1]].value.toInt(), rank);
    const int64_t d1 = norm_dim(g_.values[n.inputs[2]].value.toInt(), rank);
    if (std::min(d0, d1) != a || std::max(d0, d1) != a + 1) return refuse(fmt::format("{} reorders", n.where()));
    sh.swapped = !sh.swapped;
    shuffles_[out] = sh;
    return true;
  }
  if (!one_of(k, {"aten::view", "aten::reshape", "aten::_reshape_alias"}))
    return refuse(fmt::format("{} does not model", n.where()));
  const size_t ua = static_cast<size_t>(a);
  bool merges = T.size() + 1 == S.size() && T[ua] == sh.groups * sh.per_group;
  for (size_t d = 0; merges && d < T.size(); ++d)
    if (d != ua) merges = T[d] == S[d < ua ? d : d + 1];
  if (!merges) return refuse(fmt::format("{} reshapes otherwise", n.where()));
  Layout o{a, {}};
  if (!sh.swapped) {
    o = sh.in;
  } else {
    std::vector<Segment> blocks;
    for (int64_t b = 0; b < sh.groups; ++b) {
      auto sub = sub_layout(sh.in, b * sh.per_group, sh.per_group);
      if (!sub || sub->segs.size() != 1 || sub->segs[0].start != 0 || space_size(sub->segs[0].space) != sh.per_group)
        return refuse(
            fmt::format("litecast prune supports only when each of its {} blocks is one whole layer's "
                        "channels (as after a concatenation of {} layers)",
                        sh.groups, sh.groups));
      blocks.push_back(sub->segs[0]);
    }
    std::string whole;
    for (const Segment& b : blocks)
      if (whole.empty()) whole = fixed_reason(b.space);
    if (!whole.empty())
      for (const Segment& b : blocks)
        fix(b.space, fmt::format("{} shuffles them with channels left whole ({})", sh.where, whole));
    for (const Segment& b : blocks) unite(blocks.front().space, b.space);
    for (int64_t i = 0; i < sh.per_group; ++i)
      for (const Segment& b : blocks) o.segs.push_back(Segment{b.space, i, 1, 1});
  }
  patch_view_size(n, ua, o);
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
      // Equal parts of the channels of several layers: the constant stays when every part
      // keeps as many channels, which holds when the parts are laid out alike (e.g. a cat of
      // two layers of equal width, then chunk(2)) and their layers are joined part to part.
      std::vector<Layout> subs;
      for (const at::Tensor& t : parts) {
        auto sub = t.size(d) == parts.front().size(d)
                       ? sub_layout(l, static_cast<int64_t>(subs.size()) * t.size(d), t.size(d))
                       : std::nullopt;
        if (!sub) break;
        subs.push_back(*sub);
      }
      const std::string why = fmt::format(
          "{} along the channel axis needs equal parts of one layer's channels, or parts that are whole layers "
          "of the same widths in the same order",
          n.where());
      bool alike = subs.size() == parts.size();
      for (size_t i = 1; alike && i < subs.size(); ++i) {
        alike = subs[i].segs.size() == subs[0].segs.size();
        for (size_t j = 0; alike && j < subs[i].segs.size(); ++j) {
          const Segment &a = subs[0].segs[j], &b = subs[i].segs[j];
          alike = find(a.space) != find(b.space) && a.start == 0 && b.start == 0 && a.len == space_size(a.space) &&
                  b.len == space_size(b.space) && a.len == b.len && a.rep == b.rep;
        }
      }
      if (!alike) {
        fix(l, why);
        return true;
      }
      for (size_t i = 1; i < subs.size(); ++i) unite_layouts(subs[0], subs[i], why);
      items.assign(subs.begin(), subs.end());
      items_[out] = items;
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
