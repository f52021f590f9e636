// The quantized plugin: PyTorch-quantized TorchScript (eager or FX, qnnpack) to int8 TFLite.
// Each src/*.cpp registers its own op family (quant::Family); this file holds the helpers.
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace quant {

namespace {
std::vector<RegisterFn>& families() {
  static std::vector<RegisterFn> f;
  return f;
}

QParams per_tensor(const litecast::Node& n, const litecast::TensorInfo& t, const std::string& what) {
  if (t.dtype != LC_INT8 || t.scales.size() != 1) n.decline(what + " is not a per-tensor quantized int8 tensor");
  return {t.scales[0], t.zero_points[0]};
}
}  // namespace

Family::Family(RegisterFn fn) {
  families().push_back(fn);
}

void register_all(litecast::Registrar& r) {
  for (RegisterFn fn : families()) fn(r);
}

lc_quant_t Quant::c() const {
  lc_quant_t q{};
  q.struct_size = sizeof q;
  q.scales = scales.data();
  q.zero_points = zero_points.data();
  q.count = static_cast<int32_t>(scales.size());
  q.quantized_axis = axis;
  return q;
}

QParams input_q(const litecast::Node& n, int i, int item) {
  return per_tensor(n, n.info(i, item), "input " + std::to_string(i));
}
QParams output_q(const litecast::Node& n, int i) {
  return per_tensor(n, n.output_info(i), "output " + std::to_string(i));
}
QParams tensor_q(const litecast::Node& n, int32_t t) {
  return per_tensor(n, n.tensor_info(t), "a tensor");
}

bool is_quantized_input(const litecast::Node& n, int i) {
  if (n.input_kind(i) != LC_VALUE_TENSOR) return false;
  litecast::TensorInfo t = n.info(i);
  return t.dtype == LC_INT8 && !t.scales.empty();
}

void require_quantized_input(const litecast::Node& n, int i) {
  if (!is_quantized_input(n, i)) n.decline("not a quantized tensor (the ATen plugin's case)");
}

int32_t q_tensor(const litecast::Node& n, const std::vector<int64_t>& shape, const QParams& q) {
  Quant qq{{static_cast<float>(q.scale)}, {q.zero_point}, 0};
  lc_quant_t c = qq.c();
  return n.add_tensor(LC_INT8, shape, nullptr, 0, &c);
}

int32_t q_constant_i8(const litecast::Node& n, const std::vector<int64_t>& shape, const std::vector<int8_t>& v,
                      const Quant& q) {
  lc_quant_t c = q.c();
  return n.add_tensor(LC_INT8, shape, v.data(), v.size(), &c);
}

int32_t q_constant_i32(const litecast::Node& n, const std::vector<int64_t>& shape, const std::vector<int32_t>& v,
                       const Quant& q) {
  lc_quant_t c = q.c();
  return n.add_tensor(LC_INT32, shape, v.data(), v.size() * sizeof(int32_t), &c);
}

int32_t like_output(const litecast::Node& n, int i) {
  return q_tensor(n, n.output_info(i).shape, output_q(n, i));
}

int32_t requantize(const litecast::Node& n, int32_t t, const QParams& q) {
  if (tensor_q(n, t) == q) return t;
  int32_t y = q_tensor(n, n.tensor_info(t).shape, q);
  n.op(LC_OP_QUANTIZE, {t}, {y});
  return y;
}

void bind(const litecast::Node& n, int i, int32_t t) {
  n.output(i, requantize(n, t, output_q(n, i)));
}

int32_t transpose(const litecast::Node& n, int32_t t, const std::vector<int32_t>& perm) {
  litecast::TensorInfo info = n.tensor_info(t);
  if (static_cast<size_t>(info.rank()) != perm.size()) n.fail("transpose: permutation does not match the rank");
  std::vector<int64_t> shape;
  for (int32_t p : perm) shape.push_back(info.shape[static_cast<size_t>(p)]);
  int32_t out = q_tensor(n, shape, tensor_q(n, t));
  n.op(LC_OP_TRANSPOSE, {t, n.const_i32(perm)}, {out});
  return out;
}

int32_t reshape(const litecast::Node& n, int32_t t, const std::vector<int64_t>& shape) {
  if (n.tensor_info(t).shape == shape) return t;
  std::vector<int32_t> s(shape.begin(), shape.end());
  int32_t out = q_tensor(n, shape, tensor_q(n, t));
  n.op(LC_OP_RESHAPE, {t, n.const_i32(s)}, {out});
  return out;
}

int32_t to_nhwc(const litecast::Node& n, int i) {
  litecast::TensorInfo x = n.info(i);
  if (x.rank() == 4) return transpose(n, n.input(i), {0, 2, 3, 1});
  if (x.rank() != 3) n.decline("expects a 3-D (N, C, W) or 4-D (N, C, H, W) input");
  return reshape(n, transpose(n, n.input(i), {0, 2, 1}), {x.shape[0], 1, x.shape[2], x.shape[1]});
}

void bind_nhwc(const litecast::Node& n, int i, int32_t y) {
  litecast::TensorInfo out = n.output_info(i);
  y = requantize(n, y, output_q(n, i));
  if (out.rank() == 4) return n.output(i, transpose(n, y, {0, 3, 1, 2}));
  n.output(i, transpose(n, reshape(n, y, {out.shape[0], out.shape[2], out.shape[1]}), {0, 2, 1}));
}

int32_t hw_paddings(const litecast::Node& n, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  std::vector<int32_t> p{0,
                         0,
                         static_cast<int32_t>(top),
                         static_cast<int32_t>(bottom),
                         static_cast<int32_t>(left),
                         static_cast<int32_t>(right),
                         0,
                         0};
  return n.const_i32({4, 2}, p);
}

int32_t pad_hw(const litecast::Node& n, int32_t t, int64_t top, int64_t bottom, int64_t left, int64_t right,
               int8_t code) {
  if (top == 0 && bottom == 0 && left == 0 && right == 0) return t;
  litecast::TensorInfo info = n.tensor_info(t);
  QParams q = tensor_q(n, t);
  std::vector<int64_t> shape = info.shape;
  shape[1] += top + bottom;
  shape[2] += left + right;
  int32_t y = q_tensor(n, shape, q);
  int32_t paddings = hw_paddings(n, top, bottom, left, right);
  if (code == q.zero_point) {
    n.op(LC_OP_PAD, {t, paddings}, {y});  // quantized PAD fills with the zero point
  } else {
    Quant qq{{static_cast<float>(q.scale)}, {q.zero_point}, 0};
    n.op(LC_OP_PADV2, {t, paddings, q_constant_i8(n, {1}, {code}, qq)}, {y});
  }
  return y;
}

int64_t Axis::after() const {
  return std::max<int64_t>((out - 1) * stride + extent() - in - before, 0);
}
bool Axis::valid() const {
  return before == 0 && (in - extent()) / stride + 1 == out;
}
bool Axis::same() const {
  int64_t o = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>((o - 1) * stride + extent() - in, 0);
  return o == out && total / 2 == before;
}

const char* place_windows(const litecast::Node& n, int32_t& t, std::array<Axis, 2>& a, int8_t code) {
  if (a[0].valid() && a[1].valid()) return "VALID";
  if (a[0].same() && a[1].same()) return "SAME";
  t = pad_hw(n, t, a[0].before, a[0].after(), a[1].before, a[1].after(), code);
  absorb_padding(a);
  return "VALID";
}

void absorb_padding(std::array<Axis, 2>& a) {
  for (Axis& ax : a) {
    ax.in += ax.before + ax.after();
    ax.before = 0;
  }
}

std::vector<float> floats_or_empty(const litecast::Node& n, int i) {
  if (n.is_none(i)) return {};
  if (n.input_kind(i) == LC_VALUE_TENSOR) return n.floats_of(i);
  return {static_cast<float>(n.f64(i))};
}

int8_t clamp_i8(double v) {
  return static_cast<int8_t>(std::min(127.0, std::max(-128.0, std::round(v))));
}
int32_t clamp_i32(double v) {
  const double lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(std::min(hi, std::max(lo, std::round(v))));
}

}  // namespace quant

LITECAST_PLUGIN("litecast.quantized", "0.2.0",
                "Quantized ops (quantized::*, quantize_per_tensor, dequantize, aten ops on quantized tensors) to int8",
                [](litecast::Registrar& r) { quant::register_all(r); })
