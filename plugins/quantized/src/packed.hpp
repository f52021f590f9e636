// The weights of quantized convolutions and linear layers, as the host unpacks them from
// LibTorch's packed parameters, brought to TFLite's int8 weight spec (symmetric, zero point 0).
#ifndef LITECAST_PLUGINS_QUANTIZED_PACKED_HPP
#define LITECAST_PLUGINS_QUANTIZED_PACKED_HPP

#include "common.hpp"

namespace quant {

struct Packed {
  std::vector<int64_t> shape;  // PyTorch's layout (conv1d: [O, I/g, 1, k])
  std::vector<int8_t> w;       // symmetric int8, row-major in `shape`
  std::vector<double> scales;  // one (per-tensor) or one per channel of `axis`
  int32_t axis = 0;
  std::vector<float> bias;                                         // empty when none
  std::vector<int64_t> stride, padding, dilation, output_padding;  // 2 entries (H, W) for convolutions
  int64_t groups = 1;
  bool transposed = false;

  double scale(int64_t channel) const { return scales.size() == 1 ? scales[0] : scales[static_cast<size_t>(channel)]; }
};

// Input i, a packed-parameters constant. Weights with a non-zero zero point are re-quantized
// symmetrically per channel of `channel_axis` (with a warning): TFLite's int8 kernels take
// symmetric weights only.
Packed read_packed(const litecast::Node& n, int i, int32_t channel_axis);

// int32 bias quantized with scale input_scale x weight scale of each output channel.
int32_t bias_tensor(const litecast::Node& n, const Packed& p, double input_scale, int64_t channels);

// Weight quantization for a TFLite filter whose output channels lie along `axis`.
Quant weight_quant(const Packed& p, int32_t axis);

}  // namespace quant

#endif
