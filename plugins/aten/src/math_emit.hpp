// Emitters shared by the reduction, normalization, matmul and attention translators: each
// adds TFLite operators for one step of a decomposition and returns the tensor it produced.
// Axes are PyTorch dimensions (already non-negative); shapes are static.
#ifndef LITECAST_PLUGINS_ATEN_MATH_EMIT_HPP
#define LITECAST_PLUGINS_ATEN_MATH_EMIT_HPP

#include "common.hpp"

#include <cstdint>
#include <vector>

namespace aten {

// reduction.cpp
// `shape` with `axes` removed, or set to 1 when `keep`.
std::vector<int64_t> reduced_shape(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes, bool keep);
// A reducer (MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD) of `x` over `axes`.
int32_t emit_reduce(const litecast::Node& n, int32_t code, int32_t x, const std::vector<int64_t>& axes, bool keep);
// An elementwise binary operator whose output takes the broadcast shape of `a` and `b`.
int32_t emit_binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b);
// An elementwise unary operator (RSQRT, SQRT, EXP, LOG, ABS, SQUARE, ...).
int32_t emit_unary(const litecast::Node& n, int32_t code, int32_t x);
// A float32 scalar constant.
int32_t scalar_f32(const litecast::Node& n, float v);

// normalization.cpp
// (x - mean) / sqrt(var + eps) over `axes` (biased variance), kept dims, then * gamma + beta
// when those are not -1 (their shapes must broadcast against x).
int32_t emit_normalize(const litecast::Node& n, int32_t x, const std::vector<int64_t>& axes, double eps, int32_t gamma,
                       int32_t beta);

// matmul.cpp
// x[..., K] times the transpose of a constant weight w[N, K], plus bias[N] (or -1):
// FULLY_CONNECTED keeping x's leading dims.
int32_t emit_fully_connected(const litecast::Node& n, int32_t x, int32_t w, int32_t bias);
// BATCH_MATMUL of a[..., M, K] and b[..., K, N] (adj flags transpose the last two dims);
// batch dims broadcast, ranks 2 to 5.
int32_t emit_batch_matmul(const litecast::Node& n, int32_t a, int32_t b, bool adj_a, bool adj_b);

}  // namespace aten

#endif
