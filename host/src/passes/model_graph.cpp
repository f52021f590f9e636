#include "passes/model_graph.hpp"

#include <algorithm>

namespace litecast::passes {

void ModelGraph::rebuild() {
  const size_t nt = m_.tensors.size();
  producer_.assign(nt, -1);
  consumers_.assign(nt, {});
  removed_.resize(m_.operators.size(), false);
  for (size_t i = 0; i < m_.operators.size(); ++i) {
    if (removed_[i]) continue;
    const Operator& o = m_.operators[i];
    for (int32_t t : o.outputs) producer_[static_cast<size_t>(t)] = static_cast<int32_t>(i);
    for (int32_t t : o.inputs)
      if (t >= 0) {
        auto& c = consumers_[static_cast<size_t>(t)];
        if (c.empty() || c.back() != static_cast<int32_t>(i)) c.push_back(static_cast<int32_t>(i));
      }
  }
}

bool ModelGraph::is_constant(int32_t t) const {
  return t >= 0 && !m_.buffers[m_.tensors[static_cast<size_t>(t)].buffer].empty();
}

bool ModelGraph::is_model_output(int32_t t) const {
  return std::find(m_.outputs.begin(), m_.outputs.end(), t) != m_.outputs.end();
}

bool ModelGraph::is_model_input(int32_t t) const {
  return std::find(m_.inputs.begin(), m_.inputs.end(), t) != m_.inputs.end();
}

std::vector<float> ModelGraph::floats(int32_t t) const {
  if (!is_constant(t) || m_.tensors[static_cast<size_t>(t)].type != 0) return {};
  const auto& b = m_.buffers[m_.tensors[static_cast<size_t>(t)].buffer];
  std::vector<float> v(b.size() / sizeof(float));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
  return v;
}

std::vector<int32_t> ModelGraph::ints(int32_t t) const {
  if (!is_constant(t) || m_.tensors[static_cast<size_t>(t)].type != 2) return {};
  const auto& b = m_.buffers[m_.tensors[static_cast<size_t>(t)].buffer];
  std::vector<int32_t> v(b.size() / sizeof(int32_t));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(int32_t));
  return v;
}

int32_t ModelGraph::add_tensor(const std::string& name, int32_t type, const std::vector<int32_t>& shape) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = shape;
  m_.tensors.push_back(std::move(t));
  producer_.push_back(-1);
  consumers_.emplace_back();
  return static_cast<int32_t>(m_.tensors.size() - 1);
}

void ModelGraph::replace_uses(int32_t from, int32_t to) {
  for (size_t i = 0; i < m_.operators.size(); ++i) {
    if (removed_[i]) continue;
    for (int32_t& t : m_.operators[i].inputs)
      if (t == from) t = to;
  }
  for (int32_t& t : m_.outputs)
    if (t == from) t = to;
}

bool ModelGraph::bypass(size_t i) {
  Operator& o = m_.operators[i];
  int32_t in = o.inputs.at(0), out = o.outputs.at(0);
  if (is_model_output(out)) {
    if (is_model_input(in) || is_constant(in) || is_model_output(in)) return false;
    m_.tensors[static_cast<size_t>(in)].name = m_.tensors[static_cast<size_t>(out)].name;
  }
  replace_uses(out, in);
  remove_op(i);
  return true;
}

size_t ModelGraph::insert_op(size_t at, Operator op) {
  m_.operators.insert(m_.operators.begin() + static_cast<std::ptrdiff_t>(at), std::move(op));
  removed_.insert(removed_.begin() + static_cast<std::ptrdiff_t>(at), false);
  return at;
}

bool ModelGraph::release_if_unread(int32_t t) {
  if (!is_constant(t) || is_model_output(t)) return false;
  for (size_t i = 0; i < m_.operators.size(); ++i)
    if (!removed_[i])
      for (int32_t in : m_.operators[i].inputs)
        if (in == t) return false;
  const uint32_t b = m_.tensors[static_cast<size_t>(t)].buffer;
  for (size_t k = 0; k < m_.tensors.size(); ++k)
    if (static_cast<int32_t>(k) != t && m_.tensors[k].buffer == b) return false;
  m_.buffers[b].clear();
  return true;
}

void ModelGraph::compact() {
  std::vector<Operator> kept;
  for (size_t i = 0; i < m_.operators.size(); ++i)
    if (!removed_[i]) kept.push_back(std::move(m_.operators[i]));
  m_.operators = std::move(kept);
  removed_.assign(m_.operators.size(), false);

  // Tensors still referenced, renumbered in their old order.
  std::vector<bool> used(m_.tensors.size(), false);
  for (const Operator& o : m_.operators) {
    for (int32_t t : o.inputs)
      if (t >= 0) used[static_cast<size_t>(t)] = true;
    for (int32_t t : o.outputs) used[static_cast<size_t>(t)] = true;
  }
  for (int32_t t : m_.inputs) used[static_cast<size_t>(t)] = true;
  for (int32_t t : m_.outputs) used[static_cast<size_t>(t)] = true;
  std::vector<int32_t> tensor_map(m_.tensors.size(), -1);
  std::vector<Tensor> tensors;
  for (size_t t = 0; t < m_.tensors.size(); ++t)
    if (used[t]) {
      tensor_map[t] = static_cast<int32_t>(tensors.size());
      tensors.push_back(std::move(m_.tensors[t]));
    }
  auto remap = [&](std::vector<int32_t>& v) {
    for (int32_t& t : v)
      if (t >= 0) t = tensor_map[static_cast<size_t>(t)];
  };
  for (Operator& o : m_.operators) {
    remap(o.inputs);
    remap(o.outputs);
  }
  remap(m_.inputs);
  remap(m_.outputs);

  // Buffers still referenced; buffer 0 stays the empty one.
  std::vector<int32_t> buffer_map(m_.buffers.size(), -1);
  std::vector<Bytes> buffers(1);
  buffer_map[0] = 0;
  for (Tensor& t : tensors) {
    if (t.buffer == 0) continue;
    int32_t& b = buffer_map[t.buffer];
    if (b < 0) {
      b = static_cast<int32_t>(buffers.size());
      buffers.push_back(std::move(m_.buffers[t.buffer]));
    }
    t.buffer = static_cast<uint32_t>(b);
  }
  m_.tensors = std::move(tensors);
  m_.buffers = std::move(buffers);
  rebuild();
}

}  // namespace litecast::passes
