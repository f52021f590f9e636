// A translator for aten::relu on a quantized int8 tensor (priority 300, ahead of the quantized
// plugin's 110) that binds its output to an int8 RELU result quantized with PyTorch's scale and
// either a zero point 7 codes off (WRONG_ZERO_POINT, test.wrong-quant) or PyTorch's own
// (RIGHT_ZERO_POINT, test.right-quant, the control).
//
// The host must refuse set_output when the tensor's quantization differs from LibTorch's
// result: downstream translators and the model's output DEQUANTIZE read that tensor's scale and
// zero point as PyTorch's. The plugin reports what the host answered in one warning
// ("quant-binding: set_output refused/accepted"), then fails when refused, so the host rolls
// the attempt back and the quantized plugin translates the node. Float inputs are declined.
#include <litecast/plugin.hpp>

#include <string>

#if defined(WRONG_ZERO_POINT)
#define PLUGIN_ID "test.wrong-quant"
#elif defined(RIGHT_ZERO_POINT)
#define PLUGIN_ID "test.right-quant"
#else
#error "define WRONG_ZERO_POINT or RIGHT_ZERO_POINT"
#endif

namespace {

void bind_quantized_relu(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  if (out.dtype != LC_INT8 || out.scales.size() != 1) n.decline("quantized int8 outputs only");
  int64_t zero_point = out.zero_points[0];
#if defined(WRONG_ZERO_POINT)
  zero_point += zero_point > 100 ? -7 : 7;
#endif
  float scale = static_cast<float>(out.scales[0]);
  lc_quant_t q{};
  q.struct_size = sizeof q;
  q.scales = &scale;
  q.zero_points = &zero_point;
  q.count = 1;
  int32_t y = n.add_tensor(LC_INT8, out.shape, nullptr, 0, &q);
  n.op(LC_OP_RELU, {n.input(0)}, {y});
  const bool accepted = n.host()->set_output(n.ctx(), 0, y) == LC_OK;
  n.warn(std::string("quant-binding: set_output ") + (accepted ? "accepted" : "refused") + " (zero point " +
         std::to_string(zero_point) + ", LibTorch's " + std::to_string(out.zero_points[0]) + ")");
  if (!accepted) n.fail("the host refused the binding (abi test)");
}

}  // namespace

LITECAST_PLUGIN(PLUGIN_ID, "1.0.0", "binds a quantized relu output with a chosen zero point",
                [](litecast::Registrar& r) {
                  r.translator("aten::relu", 300, "quantized int8 only", bind_quantized_relu);
                })
