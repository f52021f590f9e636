// fold_constants: operators whose inputs are all constant and which only move data
// (TRANSPOSE, RESHAPE, SQUEEZE, EXPAND_DIMS) become constants. Translators emit layout
// changes of weights as real TRANSPOSEs when that is simpler; this is where they vanish.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/pass.hpp"
#include "passes/perm.hpp"

namespace litecast::passes {

namespace {

// Row-major transpose of raw elements of `elem` bytes: out.shape[i] = in.shape[p[i]].
std::vector<uint8_t> transpose_bytes(const Bytes& in, const std::vector<int32_t>& shape, const Perm& p, size_t elem) {
  const size_t rank = shape.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * shape[d];
  std::vector<int32_t> out_shape = Apply(shape, p);
  std::vector<uint8_t> out(in.size());
  std::vector<int32_t> idx(rank, 0);
  const size_t count = elem ? in.size() / elem : 0;
  for (size_t n = 0; n < count; ++n) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += idx[d] * in_strides[static_cast<size_t>(p[d])];
    std::memcpy(&out[n * elem], in.data() + static_cast<size_t>(src) * elem, elem);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

bool all_inputs_constant(ModelGraph& g, const Operator& o) {
  for (int32_t t : o.inputs)
    if (t >= 0 && !g.is_constant(t)) return false;
  return !o.inputs.empty();
}

}  // namespace

PassResult fold_constants(ModelGraph& g) {
  PassResult r;
  Model& m = g.model();
  for (size_t i = 0; i < m.operators.size(); ++i) {
    const Operator& o = m.operators[i];
    if (g.removed(i) || o.outputs.size() != 1 || !all_inputs_constant(g, o)) continue;
    int32_t out = o.outputs[0];
    if (g.is_model_output(out)) continue;
    const Tensor& in = g.tensor(o.inputs[0]);
    Bytes data;  // a reshape shares the input's bytes
    switch (o.builtin_code) {
      case LC_OP_TRANSPOSE: {
        Perm p = g.ints(o.inputs.at(1));
        size_t elem = element_size(in.type);
        // Per-tensor quantization moves with the data; a per-channel axis would need remapping.
        if (!IsPermutation(p) || p.size() != in.shape.size() || !elem || in.quant.scales.size() > 1) continue;
        data = transpose_bytes(m.buffers[in.buffer], in.shape, p, elem);
        break;
      }
      case LC_OP_RESHAPE:
      case LC_OP_SQUEEZE:
      case LC_OP_EXPAND_DIMS: data = m.buffers[in.buffer]; break;
      default: continue;
    }
    if (g.tensor(out).quant.scales.size() > 1) continue;  // per-channel axis would need remapping
    m.buffers.push_back(std::move(data));
    g.tensor(out).buffer = static_cast<uint32_t>(m.buffers.size() - 1);
    g.remove_op(i);
    r.counters["folded"]++;
  }
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
