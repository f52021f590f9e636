// Shared by the pointwise translators (activation, elementwise, unary_math, comparison,
// identity): element-type promotion, scalar constants, and operators with numpy
// broadcasting.
#ifndef LITECAST_PLUGINS_ATEN_POINTWISE_HPP
#define LITECAST_PLUGINS_ATEN_POINTWISE_HPP

#include "common.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <vector>

namespace aten::pw {

// Declines when a tensor input carries quantization parameters (the quantized plugin's
// business): the float kernels would read raw integers.
void require_unquantized(const litecast::Node& n);

// The TFLite element type PyTorch computes inputs `ins` in, by category only (bool < int <
// float): FLOAT32 when one is floating, else INT32 when one is an integer, else BOOL. int64
// and int32 share INT32 and float64 folds into FLOAT32, so the categories are all that remain.
int32_t promoted(const litecast::Node& n, std::initializer_list<int> ins);

// Declines unless `dtype` is FLOAT32 or INT32 (or BOOL when `bool_ok`).
void require_numeric(const litecast::Node& n, int32_t dtype, bool bool_ok = false);

// A 0-d constant of `dtype` (FLOAT32, INT32 or BOOL) holding v.
int32_t scalar(const litecast::Node& n, int32_t dtype, double v);

// Input i as a number when it is one, or a one-element constant tensor that cannot change
// the output's shape by broadcasting (a traced `x * 2` holds a 0-d constant).
std::optional<double> number(const litecast::Node& n, int i);

// `code` on x with a fresh output shaped like x, typed `dtype` (x's type when -1).
int32_t unary(const litecast::Node& n, int32_t code, int32_t x, int32_t dtype = -1);

// `code` on a and b with numpy broadcasting (declined beyond 8-D, where the kernels stop);
// the output is typed `dtype` (a's when -1).
int32_t binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b, int32_t dtype = -1);

// SELECT_V2: cond ? a : b, all three broadcast; cond must be BOOL.
int32_t select(const litecast::Node& n, int32_t cond, int32_t a, int32_t b);

// x != 0 as a BOOL tensor (x itself when already BOOL): PyTorch's truth of a value.
int32_t truth(const litecast::Node& n, int32_t x);

// x as `dtype`: x itself, or a CAST.
int32_t cast(const litecast::Node& n, int32_t x, int32_t dtype);

// For static_assert over a translator table: no TorchScript op appears in two rows (a
// duplicate would silently shadow the row after it).
constexpr bool same_name(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
template <class Row, size_t N>
constexpr bool unique_ops(const Row (&rows)[N]) {
  for (size_t i = 0; i < N; ++i)
    for (size_t j = i + 1; j < N; ++j)
      if (same_name(rows[i].op, rows[j].op)) return false;
  return true;
}

}  // namespace aten::pw

#endif
