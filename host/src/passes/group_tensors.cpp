// group_tensors: TinyNeuralNetwork's group_tensors. Converters emit one constant per use (a quantized
// LSTM's gate tensors, a bias folded twice, a weight shared by two layers traced twice); the
// file then stores the same bytes several times. Constants equal in type, shape, quantization
// and data become the first of them; every reader is rewired, and compact() drops the rest.
// Variable tensors (LSTM states) and model outputs are never merged.
#include "passes/weight_passes.hpp"

#include <string_view>
#include <unordered_map>

namespace litecast::passes {

namespace {

size_t buffer_bytes(const Model& m) {
  size_t n = 0;
  for (const auto& b : m.buffers) n += b.size();
  return n;
}

}  // namespace

PassResult group_tensors(ModelGraph& g) {
  PassResult r;
  Model& m = g.model();
  const size_t before = buffer_bytes(m);
  std::unordered_map<size_t, std::vector<int32_t>> by_hash;
  for (int32_t t = 0; t < static_cast<int32_t>(m.tensors.size()); ++t) {
    const Tensor& a = g.tensor(t);
    if (!g.is_constant(t) || a.is_variable || g.is_model_output(t)) continue;
    const Bytes& bytes = m.buffers[a.buffer];
    std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const size_t h = std::hash<std::string_view>{}(view) ^ (static_cast<size_t>(a.type) * 0x9e3779b97f4a7c15ull);
    std::vector<int32_t>& bucket = by_hash[h];
    int32_t same = -1;
    for (int32_t u : bucket) {
      const Tensor& b = g.tensor(u);
      if (b.type == a.type && b.shape == a.shape && b.quant == a.quant && m.buffers[b.buffer] == bytes) {
        same = u;
        break;
      }
    }
    if (same < 0) {
      bucket.push_back(t);
      continue;
    }
    g.replace_uses(t, same);
    r.counters["merged"]++;
  }
  if (r.changed()) {
    g.compact();
    r.counters["bytes_saved"] = static_cast<int>(before - buffer_bytes(m));
  }
  return r;
}

}  // namespace litecast::passes
