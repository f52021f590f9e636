// Post-training quantization range algorithms through "litecast.ptq-algorithm/1". For now
// "minmax": the observed extremes per channel. KL and L2 arrive with the PTQ work.
#include <litecast/plugin.hpp>

#include <algorithm>
#include <limits>
#include <vector>

namespace {

struct MinMax {
  std::vector<double> lo, hi;
};

int32_t create(void*, lc_ctx_t* ctx, const lc_host_api_t* host, int64_t channels, void** state) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = new MinMax;
    s->lo.assign(static_cast<size_t>(channels), std::numeric_limits<double>::infinity());
    s->hi.assign(static_cast<size_t>(channels), -std::numeric_limits<double>::infinity());
    *state = s;
  });
}

int32_t observe(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, const lc_ptq_batch_t* b) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<MinMax*>(state);
    const int64_t channels = static_cast<int64_t>(s->lo.size());
    if (b->channels != channels) throw std::runtime_error("batch has a different channel count than create()");
    const int64_t stride = channels == 1 ? b->count : b->channel_axis_stride;
    for (int64_t i = 0; i < b->count; ++i) {
      size_t c = channels == 1 ? 0 : static_cast<size_t>((i / stride) % channels);
      s->lo[c] = std::min<double>(s->lo[c], b->data[i]);
      s->hi[c] = std::max<double>(s->hi[c], b->data[i]);
    }
  });
}

int32_t finalize(void* state, lc_ctx_t* ctx, const lc_host_api_t* host, int32_t, int32_t, double* lo, double* hi) {
  return litecast::guarded(ctx, host, [&] {
    auto* s = static_cast<MinMax*>(state);
    for (size_t c = 0; c < s->lo.size(); ++c) {
      // The range always holds 0 so that zero is exactly representable.
      lo[c] = std::min(0.0, s->lo[c] == std::numeric_limits<double>::infinity() ? 0.0 : s->lo[c]);
      hi[c] = std::max(0.0, s->hi[c] == -std::numeric_limits<double>::infinity() ? 0.0 : s->hi[c]);
    }
  });
}

void destroy(void* state) { delete static_cast<MinMax*>(state); }

const lc_ptq_algorithm_t kMinMax = {sizeof(lc_ptq_algorithm_t), "observed minimum and maximum per channel",
                                    &create, &observe, &finalize, &destroy, nullptr};

}  // namespace

LITECAST_PLUGIN("litecast.ptq", "0.1.0", "post-training quantization range algorithms: minmax",
                [](litecast::Registrar& r) { r.interface(LC_PTQ_ALGORITHM_V1, "minmax", &kMinMax); })
