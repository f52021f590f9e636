// Entering and leaving the quantized domain: aten::quantize_per_tensor -> QUANTIZE (float to
// int8), aten::dequantize -> DEQUANTIZE.
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

}  // namespace

static const Family family([](litecast::Registrar& r) {
  r.translator("aten::quantize_per_tensor", kPriority, "float32 to int8 (quint8 as int8, zero point - 128)",
               quantize_per_tensor);
  r.translator("aten::dequantize", kPriority, "int8 to float32", dequantize);
});

}  // namespace quant
