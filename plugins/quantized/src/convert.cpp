// Entering and leaving the quantized domain: aten::quantize_per_tensor -> QUANTIZE (float to
// int8), aten::dequantize -> DEQUANTIZE, and fake quantization of float activations
// (aten::fake_quantize_per_tensor_affine) -> QUANTIZE + DEQUANTIZE, the Q/DQ pair a later pass
// folds into int8 kernels. Fake-quantized constant weights never reach a translator: the host
// materialises them as an int8 constant + DEQUANTIZE (host/src/graph/fake_quant_weights.hpp).
#include "common.hpp"

namespace quant {

namespace {

void quantize_per_tensor(litecast::Node& n) {
  if (n.info(0).dtype != LC_FLOAT32) n.decline("float32 input expected");
  int32_t y = like_output(n, 0);
  n.op(LC_OP_QUANTIZE, {n.input(0)}, {y});
  n.output(0, y);
}

void dequantize(litecast::Node& n) {
  if (n.input_kind(0) != LC_VALUE_TENSOR) n.decline("one tensor expected (lists of tensors are not supported)");
  require_quantized_input(n, 0);
  n.unary_like_output(LC_OP_DEQUANTIZE, {n.input(0)});
}

// fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max): 8-bit ranges
// only ([0, 255] is int8 with the zero point - 128).
void fake_quantize_per_tensor(litecast::Node& n) {
  litecast::TensorInfo x = n.info(0);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input expected");
  const double scale = n.f64(1);
  const int64_t zp = n.i64(2), qmin = n.i64(3), qmax = n.i64(4);
  int64_t shift = 0;
  if (qmin == 0 && qmax == 255)
    shift = -128;
  else if (qmin != -128 || qmax != 127)
    n.decline("quantization range [" + std::to_string(qmin) + ", " + std::to_string(qmax) +
              "]: int8 kernels need [-128, 127] or [0, 255]");
  int32_t q = q_tensor(n, x.shape, {scale, zp + shift});
  n.op(LC_OP_QUANTIZE, {n.input(0)}, {q});
  n.unary_like_output(LC_OP_DEQUANTIZE, {q});
}

// Per-channel quantization of a computed (not constant) tensor: TFLite's int8 kernels take
// per-tensor activations. Constant weights never get here (see the file comment).
void per_channel_activation(litecast::Node& n) {
  n.decline("per-channel quantization of activations (TFLite's int8 kernels quantize activations per tensor)");
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  r.translator("aten::quantize_per_tensor", kPriority, "float32 to int8 (quint8 as int8, zero point - 128)",
               quantize_per_tensor);
  r.translator("aten::dequantize", kPriority, "int8 to float32", dequantize);
  r.translator("aten::fake_quantize_per_tensor_affine", kPriority,
               "float32 activations; 8-bit ranges; QUANTIZE + DEQUANTIZE (constant weights: int8 + DEQUANTIZE)",
               fake_quantize_per_tensor);
  for (const char* op : {"aten::fake_quantize_per_channel_affine", "aten::quantize_per_channel"})
    r.translator(op, kPriority, "constant weights only (int8 + DEQUANTIZE by the host)", per_channel_activation);
});

}  // namespace quant
