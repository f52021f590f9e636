#include "prune/channel_groups.hpp"
#include "prune/rule_helpers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace litecast::pruning {

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

namespace {

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
  auto sh = shuffles_.find(v);
  if (sh != shuffles_.end()) fix(sh->second.in, reason);
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

std::vector<int> ChannelGroups::last_fc_outputs() const {
  std::vector<int> out;
  if (layers_.empty() || layers_.back().op != "linear" || !layers_.back().out) return out;
  for (const Segment& s : layers_.back().out->segs) out.push_back(find(s.space));
  return out;
}

void ChannelGroups::visit(const FlatNode& n) {
  const std::string k = n.kind();
  bool any = false;
  for (int i : n.inputs) {
    any = any || layouts_[i].has_value() || items_.count(i) || shuffles_.count(i);
    for (int e : g_.values[i].elements) any = any || layouts_[e].has_value();
  }
  // Layers are recorded even when no input channel is prunable (the report lists them all).
  if (conv(n) || linear(n)) return;
  if (!any || kShapeQueries.count(k)) return;
  if (n.outputs.empty()) {
    unknown(n, fmt::format("consumed by {}, which litecast prune does not model", n.where()));
    return;
  }
  if (shuffle(n) || norm(n) || passthrough(n) || elementwise(n) || reshape(n) || reduce(n) || cat(n) || split(n) ||
      unpack(n))
    return;
  unknown(n, fmt::format("consumed by {}, which litecast prune does not model", n.where()));
}

}  // namespace litecast::pruning
