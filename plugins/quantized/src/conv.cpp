// quantized::conv1d/conv2d (+ _relu) -> int8 CONV_2D / DEPTHWISE_CONV_2D, and
// quantized::conv_transpose1d/2d -> int8 TRANSPOSE_CONV. 1-d convolutions run as 2-d ones over
// a height of 1 (LibTorch packs them that way too). Padding TFLite's SAME/VALID cannot place
// becomes a PAD with the input's zero point (PyTorch pads with real 0 as well).
#include "packed.hpp"

namespace quant {

namespace {

constexpr int kInput = 0, kPacked = 1;

// Weight element [a][b][y][x] of a 4-D packed weight.
int8_t at(const Packed& p, int64_t a, int64_t b, int64_t y, int64_t x) {
  return p.w[static_cast<size_t>(((a * p.shape[1] + b) * p.shape[2] + y) * p.shape[3] + x)];
}

std::array<Axis, 2> axes_of(const litecast::Node& n, const Packed& p) {
  std::vector<int64_t> in = n.info(kInput).shape, out = n.output_info(0).shape;
  if (in.size() == 3) in.insert(in.begin() + 2, 1), out.insert(out.begin() + 2, 1);
  std::array<Axis, 2> a;
  for (size_t d = 0; d < 2; ++d)
    a[d] = {in[2 + d], out[2 + d], p.shape[2 + d], p.stride.at(d), p.dilation.at(d), p.padding.at(d)};
  return a;
}

void conv(const litecast::Node& n, const char* activation) {
  litecast::TensorInfo x = n.info(kInput);
  QParams qx = input_q(n, kInput);
  Packed p = read_packed(n, kPacked, 0);
  if (p.shape.size() != 4 || p.stride.size() != 2) n.decline("2-d packed convolution parameters expected");
  if (p.transposed) n.decline("transposed parameters on a forward convolution");
  const int64_t in_c = x.shape[1], out_c = p.shape[0], per_group = p.shape[1], kh = p.shape[2], kw = p.shape[3];
  if (p.groups < 1 || in_c != per_group * p.groups) n.decline("groups do not match the input channels");
  std::array<Axis, 2> a = axes_of(n, p);
  int32_t t = to_nhwc(n, kInput);
  const char* padding = place_windows(n, t, a, static_cast<int8_t>(qx.zero_point));
  std::vector<int64_t> out = n.output_info(0).shape;
  const int64_t oh = a[0].out, ow = a[1].out;
  int32_t y = q_tensor(n, {out[0], oh, ow, out_c}, output_q(n, 0));
  int32_t bias = bias_tensor(n, p, qx.scale, out_c);
  litecast::Op op(nullptr, nullptr, -1);
  if (p.groups == in_c && p.groups > 1) {
    std::vector<int8_t> f;  // 1HWO
    for (int64_t yy = 0; yy < kh; ++yy)
      for (int64_t xx = 0; xx < kw; ++xx)
        for (int64_t o = 0; o < out_c; ++o) f.push_back(at(p, o, 0, yy, xx));
    int32_t filter = q_constant_i8(n, {1, kh, kw, out_c}, f, weight_quant(p, 3));
    op = n.op(LC_OP_DEPTHWISE_CONV_2D, {t, filter, bias}, {y});
    op.set("depth_multiplier", out_c / in_c);
  } else {
    std::vector<int8_t> f;  // OHWI (grouped: I = in_c / groups, which LiteRT reads as groups)
    for (int64_t o = 0; o < out_c; ++o)
      for (int64_t yy = 0; yy < kh; ++yy)
        for (int64_t xx = 0; xx < kw; ++xx)
          for (int64_t i = 0; i < per_group; ++i) f.push_back(at(p, o, i, yy, xx));
    int32_t filter = q_constant_i8(n, {out_c, kh, kw, per_group}, f, weight_quant(p, 0));
    op = n.op(LC_OP_CONV_2D, {t, filter, bias}, {y});
  }
  op.set("padding", padding)
      .set("stride_h", a[0].stride)
      .set("stride_w", a[1].stride)
      .set("dilation_h_factor", a[0].dilation)
      .set("dilation_w_factor", a[1].dilation)
      .set("fused_activation_function", activation);
  bind_nhwc(n, 0, y);
}

void conv_plain(litecast::Node& n) {
  conv(n, "NONE");
}
void conv_relu(litecast::Node& n) {
  conv(n, "RELU");
}

// TRANSPOSE_CONV places input i at outputs i*stride + j - before; it derives its padding from
// the output size (SAME) or uses none (VALID, then the result is cropped).
void conv_transpose(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput);
  QParams qx = input_q(n, kInput);
  Packed p = read_packed(n, kPacked, 1);  // IOHW: output channels on axis 1
  if (p.shape.size() != 4 || p.stride.size() != 2) n.decline("2-d packed convolution parameters expected");
  if (p.groups != 1) n.decline("grouped transposed convolutions");
  if (p.dilation[0] != 1 || p.dilation[1] != 1) n.decline("dilated transposed convolutions");
  const int64_t in_c = p.shape[0], out_c = p.shape[1], kh = p.shape[2], kw = p.shape[3];
  if (x.shape[1] != in_c) n.decline("weights do not match the input channels");
  std::vector<int64_t> in = x.shape, out = n.output_info(0).shape;
  if (in.size() == 3) in.insert(in.begin() + 2, 1), out.insert(out.begin() + 2, 1);
  const int64_t k[2] = {kh, kw};
  int64_t full[2], size[2];
  bool same = true;
  for (size_t d = 0; d < 2; ++d) {
    const int64_t s = p.stride[d], before = p.padding[d];
    full[d] = (in[2 + d] - 1) * s + k[d];
    const bool same_d =
        (out[2 + d] + s - 1) / s == in[2 + d] && std::max<int64_t>(full[d] - out[2 + d], 0) / 2 == before;
    same = same && same_d;
    size[d] = std::max(full[d], before + out[2 + d]);
    if (size[d] - full[d] >= s) n.decline("output_padding beyond the padding needs stride > output_padding");
  }
  if (same) size[0] = out[2], size[1] = out[3];
  std::vector<int8_t> f;  // OHWI from IOHW
  for (int64_t o = 0; o < out_c; ++o)
    for (int64_t yy = 0; yy < kh; ++yy)
      for (int64_t xx = 0; xx < kw; ++xx)
        for (int64_t i = 0; i < in_c; ++i) f.push_back(at(p, i, o, yy, xx));
  int32_t filter = q_constant_i8(n, {out_c, kh, kw, in_c}, f, weight_quant(p, 0));
  int32_t t = to_nhwc(n, kInput);
  std::vector<int64_t> shape{in[0], size[0], size[1], out_c};
  std::vector<int32_t> shape32(shape.begin(), shape.end());
  QParams qy = output_q(n, 0);
  int32_t y = q_tensor(n, shape, qy);
  n.op(LC_OP_TRANSPOSE_CONV, {n.const_i32(shape32), filter, t, bias_tensor(n, p, qx.scale, out_c)}, {y})
      .set("padding", same ? "SAME" : "VALID")
      .set("stride_h", p.stride[0])
      .set("stride_w", p.stride[1])
      .set("fused_activation_function", "NONE");
  if (!same && (size[0] != out[2] || size[1] != out[3])) {
    std::vector<int32_t> begin{0, static_cast<int32_t>(p.padding[0]), static_cast<int32_t>(p.padding[1]), 0};
    std::vector<int32_t> extent{static_cast<int32_t>(out[0]), static_cast<int32_t>(out[2]),
                                static_cast<int32_t>(out[3]), static_cast<int32_t>(out_c)};
    int32_t cropped = q_tensor(n, {out[0], out[2], out[3], out_c}, qy);
    n.op(LC_OP_SLICE, {y, n.const_i32(begin), n.const_i32(extent)}, {cropped});
    y = cropped;
  }
  bind_nhwc(n, 0, y);
}

}  // namespace

static const Family family([](litecast::Registrar& r) {
  const char* limits = "int8; 1-d/2-d; any stride/padding/dilation; depthwise; other groups native";
  r.translator("quantized::conv2d", kPriority, limits, conv_plain);
  r.translator("quantized::conv1d", kPriority, limits, conv_plain);
  r.translator("quantized::conv2d_relu", kPriority, limits, conv_relu);
  r.translator("quantized::conv1d_relu", kPriority, limits, conv_relu);
  const char* tlimits = "int8; 1-d/2-d; groups 1; no dilation; output_padding < stride";
  r.translator("quantized::conv_transpose2d", kPriority, tlimits, conv_transpose);
  r.translator("quantized::conv_transpose1d", kPriority, tlimits, conv_transpose);
});

}  // namespace quant
