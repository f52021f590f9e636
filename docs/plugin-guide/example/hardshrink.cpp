// example.hardshrink: a third-party litecast plugin, the one docs/plugin-guide.md walks through.
//
//   aten::hardshrink  ->  ABS, LESS_EQUAL, SELECT_V2:  y = |x| <= lambd ? 0 : x
//   pruning metric "max_abs": the largest |w| of each output channel
//   PTQ algorithm "symmetric_max": the range [-m, m], m the largest |x| seen in calibration
//
// It includes only the SDK (litecast/plugin.hpp, which brings plugin.h and tflite_ops.h)
// and links nothing of litecast: the host hands it everything through the ABI.
#include <litecast/plugin.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace {

// aten::hardshrink(Tensor self, Scalar lambd=0.5) -> Tensor: x where |x| > lambd, else 0.
// TFLite's builtin operators have no hard shrink, so emit its definition:
//   a = ABS(x); inside = LESS_EQUAL(a, lambd); y = SELECT_V2(inside, 0, x).
// Testing "inside" rather than "outside" keeps a NaN input as NaN, as PyTorch does (every
// comparison with NaN is false). Shapes come from the host, which ran the model once on the
// example input; the translator never infers them.
void translate_hardshrink(litecast::Node& n) {
  litecast::TensorInfo out = n.output_info(0);
  // Declining leaves the node to the next candidate (or reports it as unsupported).
  if (out.dtype != LC_FLOAT32) n.decline("float32 only");

  int32_t x = n.input(0);                      // the TFLite tensor holding input 0
  float lambd = static_cast<float>(n.f64(1));  // input 1, a constant number
  float zero = 0.0f;
  // Scalars as 0-d constants (the host copies the bytes); the kernels broadcast them.
  int32_t lambd_t = n.add_tensor(LC_FLOAT32, {}, &lambd, sizeof lambd);
  int32_t zero_t = n.add_tensor(LC_FLOAT32, {}, &zero, sizeof zero);

  int32_t a = n.add_like_output(0);  // shaped like the output
  n.op(LC_OP_ABS, {x}, {a});         // a = |x|
  int32_t inside = n.add_tensor(LC_BOOL, out.shape);
  n.op(LC_OP_LESS_EQUAL, {a, lambd_t}, {inside});             // inside = a <= lambd
  n.unary_like_output(LC_OP_SELECT_V2, {inside, zero_t, x});  // y = inside ? 0 : x, node output 0
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

// A PTQ algorithm is a table of C callbacks (litecast.ptq-algorithm/1). The state of one
// observed tensor is the largest |x| so far, per channel; the host asks for `channels` ranges.
struct SymmetricMax {
  std::vector<double> amax;
};

int32_t symmetric_create(void*, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state) {
  return litecast::guarded(ctx, host, [&] {
    if (channels < 1) throw std::runtime_error("needs at least one channel");
    *state = new SymmetricMax{std::vector<double>(static_cast<size_t>(channels), 0.0)};
  });
}

int32_t symmetric_observe(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* b) {
  return litecast::guarded(ctx, host, [&] {
    auto& s = *static_cast<SymmetricMax*>(state);
    // Per-tensor observation (channels == 1) is what the host asks for today; a per-channel batch
    // holds count / channels values per channel in runs channel_axis_stride apart.
    const int64_t channels = b->channels > 0 ? b->channels : 1;
    const int64_t run = channels > 1 ? b->channel_axis_stride : b->count;
    for (int64_t i = 0; i < b->count; ++i) {
      const size_t c = channels > 1 && run > 0 ? static_cast<size_t>((i / run) % channels) : 0;
      if (c < s.amax.size()) s.amax[c] = std::fmax(s.amax[c], std::fabs(static_cast<double>(b->data[i])));
    }
  });
}

int32_t symmetric_finalize(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t, int32_t, double* lo,
                           double* hi) {
  return litecast::guarded(ctx, host, [&] {
    const auto& s = *static_cast<SymmetricMax*>(state);
    for (size_t c = 0; c < s.amax.size(); ++c) {
      lo[c] = -s.amax[c];
      hi[c] = s.amax[c];
    }
  });
}

void symmetric_destroy(void* state) {
  delete static_cast<SymmetricMax*>(state);
}

// Registered by address: static storage, alive as long as the plugin is loaded.
const lc_ptq_algorithm_t kSymmetricMax = {sizeof(lc_ptq_algorithm_t),
                                          "[-max|x|, max|x|] over the calibration data",
                                          symmetric_create,
                                          symmetric_observe,
                                          symmetric_finalize,
                                          symmetric_destroy,
                                          nullptr};

}  // namespace

// Defines litecast_plugin_entry_v1 and the init that registers everything. Priority 100 is
// what first-party plugins use; a plugin that wants to override one of theirs goes higher.
LITECAST_PLUGIN("example.hardshrink", "1.0.0",
                "aten::hardshrink as |x| <= lambd ? 0 : x; pruning metric max_abs; PTQ algorithm symmetric_max",
                [](litecast::Registrar& r) {
                  r.translator("aten::hardshrink", 100, "float32; ABS + LESS_EQUAL + SELECT_V2", translate_hardshrink);
                  r.pruning_metric("max_abs", "largest absolute weight per output channel", max_abs);
                  r.interface(LC_PTQ_ALGORITHM_V1, "symmetric_max", &kSymmetricMax);
                })
