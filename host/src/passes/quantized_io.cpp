// to_uint8 (--quantize-target-type uint8), fuse_quant_dequant (--fuse-quant-dequant with
// --quantize-input-output-type) and quantized_io_type (--quantize-input-output-type for inputs
// and outputs quantized in PyTorch): the rewrites of a quantized model's integer type.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>

#include "passes/quantize.hpp"

#include <fmt/format.h>

namespace litecast::passes {

namespace {

// `t` in the other 8-bit type: same scale, zero point and data shifted by 128.
void retype(ModelGraph& g, int32_t t, int32_t type) {
  Tensor& x = g.tensor(t);
  const int64_t shift = type == LC_UINT8 ? 128 : -128;
  for (int64_t& z : x.quant.zero_points) z += shift;
  if (g.is_constant(t)) {
    // Flipping the top bit adds 128 to an int8 value read as uint8 and subtracts it back.
    std::vector<uint8_t> data = g.model().buffers[x.buffer].to_vector();
    for (uint8_t& b : data) b ^= 0x80;
    g.model().buffers.push_back(std::move(data));
    x.buffer = static_cast<uint32_t>(g.model().buffers.size() - 1);
  }
  x.type = type;
}

int32_t eight_bit_twin(ModelGraph& g, int32_t of, int32_t type, const std::string& name) {
  Tensor src = g.tensor(of);
  int32_t t = g.add_tensor(name, type, src.shape);
  g.tensor(t).quant = src.quant;
  if (src.type != type)
    for (int64_t& z : g.tensor(t).quant.zero_points) z += type == LC_UINT8 ? 128 : -128;
  return t;
}

}  // namespace

PassResult to_uint8(ModelGraph& g) {
  PassResult r;
  for (size_t t = 0; t < g.model().tensors.size(); ++t) {
    const Tensor& x = g.model().tensors[t];
    if (x.type != LC_INT8 || x.quant.empty()) continue;
    if (x.quant.scales.size() > 1)
      throw Error(fmt::format(
          "--quantize-target-type uint8: tensor '{}' has per-channel quantization ({} scales); TFLite's uint8 "
          "kernels take per-tensor weights only (quantize with per-tensor weights, e.g. PyTorch's qnnpack qconfig, "
          "or use the int8 target)",
          x.name, x.quant.scales.size()));
    retype(g, static_cast<int32_t>(t), LC_UINT8);
    r.counters["retyped"]++;
  }
  if (r.changed()) g.compact();  // the int8 copies of shifted constants go
  return r;
}

PassResult fuse_quant_dequant(ModelGraph& g, int32_t io_type) {
  PassResult r;
  Model& m = g.model();
  for (int32_t& in : m.inputs) {
    if (g.tensor(in).type != LC_FLOAT32) continue;
    const std::vector<int32_t> users = g.consumers(in);
    if (users.empty()) continue;
    bool all_quantize = true;
    for (int32_t c : users) {
      const Operator& q = g.op(static_cast<size_t>(c));
      int32_t ty = g.tensor(q.outputs[0]).type;
      all_quantize = all_quantize && q.builtin_code == LC_OP_QUANTIZE && (ty == LC_INT8 || ty == LC_UINT8) &&
                     g.tensor(q.outputs[0]).quant.scales.size() == 1;
    }
    if (!all_quantize) continue;
    // The first QUANTIZE's output (or its io_type twin) becomes the input; the QUANTIZEs read it.
    const int32_t first_q = g.tensor(g.op(static_cast<size_t>(users[0])).outputs[0]).type == io_type
                                ? g.op(static_cast<size_t>(users[0])).outputs[0]
                                : -1;
    std::string name = g.tensor(in).name;
    int32_t new_in;
    if (first_q >= 0) {
      new_in = first_q;
      g.remove_op(static_cast<size_t>(users[0]));
    } else {
      new_in = eight_bit_twin(g, g.op(static_cast<size_t>(users[0])).outputs[0], io_type, name + "/q");
    }
    g.tensor(in).name = name + "/float";
    g.tensor(new_in).name = name;
    for (int32_t c : users)
      if (!g.removed(static_cast<size_t>(c))) g.op(static_cast<size_t>(c)).inputs[0] = new_in;
    in = new_in;
    r.counters["inputs"]++;
  }
  g.rebuild();
  for (size_t o = 0; o < m.outputs.size(); ++o) {
    int32_t out = m.outputs[o];
    int32_t p = g.producer(out);
    if (p < 0 || g.op(static_cast<size_t>(p)).builtin_code != LC_OP_DEQUANTIZE) continue;
    int32_t src = g.op(static_cast<size_t>(p)).inputs[0];
    const Tensor& s = g.tensor(src);
    if ((s.type != LC_INT8 && s.type != LC_UINT8) || s.quant.scales.size() != 1 || g.is_model_input(src)) continue;
    if (!g.consumers(out).empty()) continue;  // read inside the model too: stays float
    std::string name = g.tensor(out).name;
    Operator& dq = g.op(static_cast<size_t>(p));
    if (s.type == io_type && !g.is_model_output(src)) {
      g.tensor(out).name = name + "/float";
      g.tensor(src).name = name;
      m.outputs[o] = src;
      g.remove_op(static_cast<size_t>(p));
    } else {
      // Requantize into the requested type; the DEQUANTIZE becomes that QUANTIZE.
      int32_t t = eight_bit_twin(g, src, io_type, name);
      g.tensor(out).name = name + "/float";
      dq.builtin_code = LC_OP_QUANTIZE;
      dq.outputs = {t};
      m.outputs[o] = t;
    }
    r.counters["outputs"]++;
  }
  g.compact();
  return r;
}

PassResult quantized_io_type(ModelGraph& g, int32_t io_type) {
  PassResult r;
  Model& m = g.model();
  auto eight_bit = [&](int32_t t) {
    const Tensor& x = g.tensor(t);
    return (x.type == LC_INT8 || x.type == LC_UINT8) && x.quant.scales.size() == 1;
  };
  size_t first = 0;  // the QUANTIZE of input i goes before everything else, in input order
  for (int32_t& in : m.inputs) {
    if (!eight_bit(in) || g.tensor(in).type == io_type) continue;
    const std::string name = g.tensor(in).name;
    const int32_t outer = eight_bit_twin(g, in, io_type, name);
    g.tensor(in).name = name + "/requantized";
    Operator q;
    q.builtin_code = LC_OP_QUANTIZE;
    q.inputs = {outer};
    q.outputs = {in};
    g.insert_op(first++, std::move(q));
    in = outer;
    r.counters["inputs"]++;
  }
  for (int32_t& out : m.outputs) {
    if (!eight_bit(out) || g.tensor(out).type == io_type) continue;
    const std::string name = g.tensor(out).name;
    const int32_t outer = eight_bit_twin(g, out, io_type, name);
    g.tensor(out).name = name + "/" + tensor_type_name(g.tensor(out).type);
    Operator q;
    q.builtin_code = LC_OP_QUANTIZE;
    q.inputs = {out};
    q.outputs = {outer};
    g.insert_op(m.operators.size(), std::move(q));
    out = outer;
    r.counters["outputs"]++;
  }
  g.rebuild();
  return r;
}

}  // namespace litecast::passes
