// Shared by the quantized translators: TFLite int8 tensors with their quantization, requantizing,
// layout helpers that keep quantization, and self-registration of each op-family file.
//
// Conventions (TFLite's int8 spec): activations int8 with a per-tensor scale and zero point
// (the host presents PyTorch's quint8 as int8 with the zero point shifted by -128); weights
// int8, symmetric (zero point 0), per-tensor or per-channel; biases int32 with scale
// input scale x weight scale and zero point 0.
#ifndef LITECAST_PLUGINS_QUANTIZED_COMMON_HPP
#define LITECAST_PLUGINS_QUANTIZED_COMMON_HPP

#include <litecast/plugin.hpp>

#include <array>
#include <string>
#include <vector>

namespace quant {

// quantized::* ops are ours alone; aten::* ops on quantized tensors must win over the ATen
// plugin (100), whose translators assume float. They decline float inputs.
constexpr int32_t kPriority = 100;
constexpr int32_t kAtenPriority = 110;

// Per-tensor quantization of an activation.
struct QParams {
  double scale = 1.0;
  int64_t zero_point = 0;
  bool operator==(const QParams& o) const {
    return static_cast<float>(scale) == static_cast<float>(o.scale) && zero_point == o.zero_point;
  }
  bool operator!=(const QParams& o) const { return !(*this == o); }
};

// Quantization of a tensor: per-tensor (one scale) or per-channel along `axis`.
struct Quant {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t axis = 0;
  lc_quant_t c() const;
};

// The quantization of input i / node output i / a TFLite tensor; declines when not per-tensor
// int8.
QParams input_q(const litecast::Node& n, int i, int item = -1);
QParams output_q(const litecast::Node& n, int i);
QParams tensor_q(const litecast::Node& n, int32_t t);
// True when tensor input i is a quantized int8 tensor (the aten::* translators decline others).
bool is_quantized_input(const litecast::Node& n, int i);
void require_quantized_input(const litecast::Node& n, int i);

// A fresh int8 activation with per-tensor quantization q.
int32_t q_tensor(const litecast::Node& n, const std::vector<int64_t>& shape, const QParams& q);
// A constant with quantization (int8 or int32 data).
int32_t q_constant_i8(const litecast::Node& n, const std::vector<int64_t>& shape, const std::vector<int8_t>& v,
                      const Quant& q);
int32_t q_constant_i32(const litecast::Node& n, const std::vector<int64_t>& shape, const std::vector<int32_t>& v,
                       const Quant& q);
// A tensor shaped like node output i, int8, with the output's quantization.
int32_t like_output(const litecast::Node& n, int i);

// t with quantization q: t itself when it already has it, else QUANTIZE (int8 -> int8).
int32_t requantize(const litecast::Node& n, int32_t t, const QParams& q);
// Binds output i to t, requantized to PyTorch's quantization of that output first.
void bind(const litecast::Node& n, int i, int32_t t);

// Layout changes and reshapes keep quantization.
int32_t transpose(const litecast::Node& n, int32_t t, const std::vector<int32_t>& perm);
int32_t reshape(const litecast::Node& n, int32_t t, const std::vector<int64_t>& shape);
// Input i (N, C, H, W) or (N, C, W) as NHWC (N, H, W, C) / (N, 1, W, C).
int32_t to_nhwc(const litecast::Node& n, int i);
// NHWC y back to node output i's NCHW (or NCW) layout, bound (requantized if needed).
void bind_nhwc(const litecast::Node& n, int i, int32_t y);

// PAD of an int8 NHWC tensor (H, W only); the padded elements are `code` (the tensor's zero
// point stands for 0.0).
int32_t pad_hw(const litecast::Node& n, int32_t t, int64_t top, int64_t bottom, int64_t left, int64_t right,
               int8_t code);

// PAD's paddings constant for the H and W axes of an NHWC tensor.
int32_t hw_paddings(const litecast::Node& n, int64_t top, int64_t bottom, int64_t left, int64_t right);

// One spatial axis of a window op, PyTorch's placement: window o starts at o*stride - before.
struct Axis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1, before = 0;
  int64_t extent() const { return dilation * (kernel - 1) + 1; }
  int64_t after() const;
  bool valid() const;
  bool same() const;
};
// The axes of the input once padded with before/after(): VALID windows then place as PyTorch's.
void absorb_padding(std::array<Axis, 2>& a);
// SAME or VALID when TFLite places the windows of both axes as PyTorch does; otherwise pads t
// (with `code`) so that VALID does, and updates the axes.
const char* place_windows(const litecast::Node& n, int32_t& t, std::array<Axis, 2>& a, int8_t code);

// Values of a number or constant tensor input.
std::vector<float> floats_or_empty(const litecast::Node& n, int i);
int8_t clamp_i8(double v);
int32_t clamp_i32(double v);

// Self-registration, as in the ATen plugin: `static quant::Family f([](litecast::Registrar& r) {...});`
using RegisterFn = void (*)(litecast::Registrar&);
struct Family {
  explicit Family(RegisterFn fn);
};
void register_all(litecast::Registrar& r);

}  // namespace quant

#endif
