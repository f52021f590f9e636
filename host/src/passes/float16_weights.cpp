// float16_quantize: TinyNeuralNetwork's float16_quantization in TFLite's float16 format. A FLOAT16
// constant read by a DEQUANTIZE op, whose float32 output the former readers take. LiteRT
// evaluates a DEQUANTIZE of a constant once, at preparation, so kernels still see a constant
// float32 tensor (CPU) while the file stores half the bytes; GPU delegates read FLOAT16 directly.
// Small constants (fewer than kFloat16MinElements) stay float32: the extra operator, tensor and
// name would cost more than the bytes saved.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>

#include "passes/weight_passes.hpp"

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace litecast::passes {

uint16_t float_to_half(float f) {
  uint32_t x = 0;
  std::memcpy(&x, &f, sizeof x);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t exp = (x >> 23) & 0xffu;
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xffu) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));  // inf, NaN
  const int32_t e = static_cast<int32_t>(exp) - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow: infinity
  if (e <= 0) {
    // Subnormal half: the 24-bit significand shifted so that one unit is 2^-24.
    const uint32_t shift = static_cast<uint32_t>(14 - e);
    if (shift > 24) return sign;
    mant |= 0x800000u;
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right
  return static_cast<uint16_t>(sign | h);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 0x1f)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

namespace {

// Halves of `n` floats at `in` (unaligned bytes) into `out`; false when a finite value is beyond
// float16's range (it would become infinity).
bool to_half_portable(const uint8_t* in, size_t n, uint8_t* out) {
  bool in_range = true;
  for (size_t k = 0; k < n; ++k) {
    float v;
    std::memcpy(&v, in + 4 * k, 4);
    const uint16_t h = float_to_half(v);
    std::memcpy(out + 2 * k, &h, 2);
    in_range = in_range && (!std::isfinite(v) || (h & 0x7c00u) != 0x7c00u);
  }
  return in_range;
}

#if defined(__x86_64__)
// The same with the F16C instruction, which rounds to nearest even as float_to_half does.
__attribute__((target("avx2,f16c"))) bool to_half_f16c(const uint8_t* in, size_t n, uint8_t* out) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 overflow = _mm256_set1_ps(65520.0f), inf = _mm256_set1_ps(INFINITY);
  __m256 bad = _mm256_setzero_ps();
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m256 v = _mm256_loadu_ps(reinterpret_cast<const float*>(in + 4 * k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * k), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
    const __m256 a = _mm256_and_ps(v, abs_mask);  // finite and rounding to infinity
    bad = _mm256_or_ps(bad, _mm256_and_ps(_mm256_cmp_ps(a, overflow, _CMP_GE_OQ), _mm256_cmp_ps(a, inf, _CMP_LT_OQ)));
  }
  const bool tail = to_half_portable(in + 4 * k, n - k, out + 2 * k);
  return tail && _mm256_movemask_ps(bad) == 0;
}
#endif

bool to_half(const uint8_t* in, size_t n, uint8_t* out) {
#if defined(__x86_64__)
  static const bool f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  if (f16c) return to_half_f16c(in, n, out);
#endif
  return to_half_portable(in, n, out);
}

}  // namespace

PassResult float16_quantize(ModelGraph& g) {
  PassResult r;
  std::vector<Operator> dequantize;
  const auto n = static_cast<int32_t>(g.model().tensors.size());
  for (int32_t t = 0; t < n; ++t) {
    const Tensor& src = g.tensor(t);
    if (!g.is_constant(t) || src.type != LC_FLOAT32 || !src.quant.empty() || src.is_variable) continue;
    if (g.consumers(t).empty() || g.is_model_output(t)) continue;
    const Bytes& v = g.model().buffers[src.buffer];  // read in place
    const size_t count = v.size() / sizeof(float);
    if (count < kFloat16MinElements) continue;
    std::vector<uint8_t> h(count * 2);
    if (!to_half(v.data(), count, h.data())) {
      r.counters["out_of_range"]++;
      continue;
    }
    const Tensor copy = src;  // add_constant may grow the tensor list
    int32_t half = g.add_constant(copy.name + "/float16", LC_FLOAT16, copy.shape, std::move(h));
    int32_t full = g.add_tensor(copy.name, LC_FLOAT32, copy.shape);
    g.replace_uses(t, full);
    g.release_if_unread(t);
    dequantize.push_back({LC_OP_DEQUANTIZE, "", 1, {half}, {full}, {}, {}});
    r.counters["converted"]++;
  }
  // First in the graph, in tensor order: each reads only a constant.
  for (size_t k = dequantize.size(); k-- > 0;) g.insert_op(0, std::move(dequantize[k]));
  if (r.changed()) g.compact();
  return r;
}

}  // namespace litecast::passes
