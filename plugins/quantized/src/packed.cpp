// Reading packed parameters through the host (ABI 1.1) and the weight/bias quantization rules.
#include "packed.hpp"

#include <algorithm>
#include <cmath>

namespace quant {

namespace {

// Elements before and after `axis` in row-major `shape`: (outer, channels, inner).
std::array<int64_t, 3> split_at(const std::vector<int64_t>& shape, int32_t axis) {
  int64_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  return {outer, shape[static_cast<size_t>(axis)], inner};
}

// Asymmetric weights to symmetric per-channel ones (channels along `axis`).
void make_symmetric(Packed& p, const std::vector<int64_t>& zp, int32_t axis) {
  auto [outer, channels, inner] = split_at(p.shape, axis);
  auto zero_point = [&](int64_t c) { return zp.size() == 1 ? zp[0] : zp[static_cast<size_t>(c)]; };
  auto old_scale = [&](int64_t c) { return p.scales.size() == 1 ? p.scales[0] : p.scales[static_cast<size_t>(c)]; };
  std::vector<double> scales(static_cast<size_t>(channels), 0.0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t k = 0; k < inner; ++k) {
        double v = (p.w[static_cast<size_t>((o * channels + c) * inner + k)] - zero_point(c)) * old_scale(c);
        scales[static_cast<size_t>(c)] = std::max(scales[static_cast<size_t>(c)], std::abs(v) / 127.0);
      }
  for (double& s : scales)
    if (s == 0) s = 1.0;
  std::vector<int8_t> w(p.w.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t k = 0; k < inner; ++k) {
        size_t at = static_cast<size_t>((o * channels + c) * inner + k);
        w[at] = clamp_i8((p.w[at] - zero_point(c)) * old_scale(c) / scales[static_cast<size_t>(c)]);
      }
  p.w = std::move(w);
  p.scales = std::move(scales);
  p.axis = axis;
}

}  // namespace

Packed read_packed(const litecast::Node& n, int i, int32_t channel_axis) {
  const lc_host_api_t* host = n.host();
  if (!LC_HAS_FIELD(host, lc_host_api_t, input_packed))
    n.decline("this host cannot unpack quantized parameters (ABI 1.1 needed)");
  lc_packed_params_t c{};
  c.struct_size = sizeof c;
  litecast::detail::check(host->input_packed(n.ctx(), i, &c));
  Packed p;
  p.shape.assign(c.weight_shape, c.weight_shape + c.weight_rank);
  int64_t count = 1;
  for (int64_t d : p.shape) count *= d;
  p.w.assign(c.weight, c.weight + count);
  p.scales.assign(c.weight_scales, c.weight_scales + c.num_weight_scales);
  std::vector<int64_t> zp(c.weight_zero_points, c.weight_zero_points + c.num_weight_scales);
  p.axis = c.weight_axis;
  if (c.bias) p.bias.assign(c.bias, c.bias + c.bias_count);
  if (c.num_spatial > 0) {
    p.stride.assign(c.stride, c.stride + c.num_spatial);
    p.padding.assign(c.padding, c.padding + c.num_spatial);
    p.dilation.assign(c.dilation, c.dilation + c.num_spatial);
    p.output_padding.assign(c.output_padding, c.output_padding + c.num_spatial);
  }
  p.groups = c.groups;
  p.transposed = c.transposed != 0;
  const bool symmetric = std::all_of(zp.begin(), zp.end(), [](int64_t z) { return z == 0; });
  if (p.scales.empty()) n.fail("packed weights without quantization");
  if (!symmetric || (p.scales.size() > 1 && p.axis != channel_axis)) {
    if (!symmetric) n.warn("weights with a non-zero zero point re-quantized symmetrically per channel");
    make_symmetric(p, zp, p.scales.size() > 1 ? p.axis : channel_axis);
    if (p.axis != channel_axis) n.decline("per-channel weights along an axis other than the output channels");
  }
  return p;
}

int32_t bias_tensor(const litecast::Node& n, const Packed& p, double input_scale, int64_t channels) {
  std::vector<int32_t> b(static_cast<size_t>(channels), 0);
  Quant q;
  q.axis = 0;
  for (int64_t c = 0; c < channels; ++c) {
    double s = input_scale * p.scale(c);
    if (!p.bias.empty()) b[static_cast<size_t>(c)] = clamp_i32(p.bias[static_cast<size_t>(c)] / s);
    if (p.scales.size() > 1 || c == 0) q.scales.push_back(static_cast<float>(s));
  }
  q.zero_points.assign(q.scales.size(), 0);
  return q_constant_i32(n, {channels}, b, q);
}

Quant weight_quant(const Packed& p, int32_t axis) {
  Quant q;
  for (double s : p.scales) q.scales.push_back(static_cast<float>(s));
  q.zero_points.assign(q.scales.size(), 0);
  q.axis = p.scales.size() > 1 ? axis : 0;
  return q;
}

}  // namespace quant
