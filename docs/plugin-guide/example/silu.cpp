// example.silu: a third-party litecast plugin, the one docs/plugin-guide.md walks through.
//
//   aten::silu  ->  LOGISTIC then MUL:  y = x * sigmoid(x)
//   pruning metric "max_abs": the largest |w| of each output channel
//
// It includes only the SDK (litecast/plugin.hpp, which brings plugin.h and tflite_ops.h)
// and links nothing of litecast: the host hands it everything through the ABI.
#include <litecast/plugin.hpp>

#include <cmath>
#include <cstdint>

namespace {

// aten::silu(Tensor self) -> Tensor. TFLite's builtin operators have no SiLU, so emit its
// definition: s = LOGISTIC(x); y = MUL(x, s). Shapes come from the host, which
// ran the model once on the example input; the translator never infers them.
void translate_silu(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  // Declining leaves the node to the next candidate (or reports it as unsupported).
  if (out.dtype != LC_FLOAT32) n.decline("float32 only");

  int32_t x = n.input(0);              // the TFLite tensor holding input 0
  int32_t s = n.add_like_output(0);    // an intermediate shaped like the output
  n.op(LC_OP_LOGISTIC, {x}, {s});      // s = sigmoid(x)
  n.unary_like_output(LC_OP_MUL, {x, s})  // y = x * s, bound to node output 0
      .set("fused_activation_function", "NONE");
}

// Higher score = more important = kept. `in.weight` is out_channels rows of per_channel
// floats; the host owns it for the duration of the call, `scores` is host-allocated.
void max_abs(const lc_metric_input_t& in, float* scores) {
  for (int64_t c = 0; c < in.out_channels; ++c) {
    const float* row = in.weight + c * in.per_channel;
    float m = 0.0f;
    for (int64_t k = 0; k < in.per_channel; ++k) m = std::fmax(m, std::fabs(row[k]));
    scores[c] = m;
  }
}

}  // namespace

// Defines litecast_plugin_entry_v1 and the init that registers everything. Priority 100 is
// what first-party plugins use; a plugin that wants to override one of theirs goes higher.
LITECAST_PLUGIN("example.silu", "1.0.0", "aten::silu as x * sigmoid(x); pruning metric max_abs",
                [](litecast::Registrar& r) {
                  r.translator("aten::silu", 100, "float32; LOGISTIC + MUL", translate_silu);
                  r.pruning_metric("max_abs", "largest absolute weight per output channel", max_abs);
                })
