// quantized::linear (+ _relu) -> int8 FULLY_CONNECTED; quantized::linear_dynamic -> hybrid
// FULLY_CONNECTED (float activations, int8 weights, inputs quantized on the fly per batch row
// like PyTorch's dynamic quantization).
#include "packed.hpp"

namespace quant {

namespace {

constexpr int kInput = 0, kPacked = 1;

void fully_connected(const litecast::Node& n, const char* activation) {
  litecast::TensorInfo x = n.info(kInput);
  QParams qx = input_q(n, kInput);
  Packed p = read_packed(n, kPacked, 0);
  if (p.shape.size() != 2 || x.shape.back() != p.shape[1]) n.decline("weights do not match the input features");
  const int64_t out_f = p.shape[0];
  int32_t w = q_constant_i8(n, p.shape, p.w, weight_quant(p, 0));
  int32_t y = like_output(n, 0);
  n.op(LC_OP_FULLY_CONNECTED, {n.input(kInput), w, bias_tensor(n, p, qx.scale, out_f)}, {y})
      .set("fused_activation_function", activation)
      .set("keep_num_dims", x.rank() != 2);
  n.output(0, y);
}

void linear(litecast::Node& n) {
  fully_connected(n, "NONE");
}
void linear_relu(litecast::Node& n) {
  fully_connected(n, "RELU");
}

void linear_dynamic(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input expected");
  Packed p = read_packed(n, kPacked, 0);
  if (p.shape.size() != 2 || x.shape.back() != p.shape[1]) n.decline("weights do not match the input features");
  if (p.scales.size() != 1) n.decline("per-channel dynamic weights");
  int32_t w = q_constant_i8(n, p.shape, p.w, weight_quant(p, 0));
  int32_t bias = p.bias.empty() ? -1 : n.const_f32({p.shape[0]}, p.bias);
  n.unary_like_output(LC_OP_FULLY_CONNECTED, {n.input(kInput), w, bias})
      .set("fused_activation_function", "NONE")
      .set("keep_num_dims", x.rank() != 2)
      .set("asymmetric_quantize_inputs", true);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  r.translator("quantized::linear", kPriority, "int8; per-tensor or per-channel weights", linear);
  r.translator("quantized::linear_relu", kPriority, "int8; per-tensor or per-channel weights", linear_relu);
  r.translator("quantized::linear_dynamic", kPriority, "float32 in/out, per-tensor int8 weights (hybrid)",
               linear_dynamic);
});

}  // namespace quant
