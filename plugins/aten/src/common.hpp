// Shared by the ATen translators: operand and layout helpers, and self-registration so that
// each op-family file registers its own translators (no central list to edit).
#ifndef LITECAST_PLUGINS_ATEN_COMMON_HPP
#define LITECAST_PLUGINS_ATEN_COMMON_HPP

#include <litecast/plugin.hpp>

#include <string>
#include <vector>

namespace aten {

constexpr int32_t kPriority = 100;

// Input i as a TFLite tensor of element type `dtype`: a tensor input as is (constants
// converted, other types CAST), a number as a scalar constant.
int32_t operand(const litecast::Node& n, int i, int32_t dtype);

// A 0-d constant `v` of element type `dtype` (FLOAT32, INT32 or BOOL); declines otherwise.
int32_t scalar_constant(const litecast::Node& n, int32_t dtype, double v);

// A fresh activation tensor.
int32_t new_tensor(const litecast::Node& n, int32_t dtype, const std::vector<int64_t>& shape);

// TRANSPOSE of `t` by `perm`, returning the new tensor. Layout changes are real operators;
// the host's layout pass cancels and folds them.
int32_t transpose(const litecast::Node& n, int32_t t, const std::vector<int32_t>& perm);
// NCHW <-> NHWC for 4-D tensors (and NCW <-> NWC for 3-D).
int32_t to_channels_last(const litecast::Node& n, int32_t t);
int32_t to_channels_first(const litecast::Node& n, int32_t t);
// RESHAPE to a static shape.
int32_t reshape(const litecast::Node& n, int32_t t, const std::vector<int64_t>& shape);

// Negative dimension -> positive; declines when out of range.
int64_t normalize_dim(const litecast::Node& n, int64_t dim, int64_t rank);

// Self-registration: `static aten::Family family([](litecast::Registrar& r) { ... });` in a file
// adds its translators to the plugin.
using RegisterFn = void (*)(litecast::Registrar&);
struct Family {
  explicit Family(RegisterFn fn);
};
void register_all(litecast::Registrar& r);

}  // namespace aten

#endif
