// Rules for the layers that carry channel parameters: convolutions (plain, depthwise, grouped,
// transposed), linear layers, and normalisations (BatchNorm, InstanceNorm, GroupNorm, LayerNorm,
// PReLU).
#include "prune/channel_groups.hpp"
#include "prune/rule_helpers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace litecast::pruning {

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

}  // namespace litecast::pruning
