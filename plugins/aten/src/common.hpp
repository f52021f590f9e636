// Shared by the ATen translators: operand helpers and the registration lists of each file.
#ifndef LITECAST_PLUGINS_ATEN_COMMON_HPP
#define LITECAST_PLUGINS_ATEN_COMMON_HPP

#include <litecast/plugin.hpp>

#include <string>
#include <vector>

namespace aten {

// Input i as a TFLite tensor: a tensor input as is, a number as a scalar constant of `dtype`.
int32_t operand(const litecast::Node& n, int i, int32_t dtype);

// Every file registers its translators through one of these.
void register_elementwise(litecast::Registrar& r);
void register_activation(litecast::Registrar& r);
void register_linear(litecast::Registrar& r);
void register_shape(litecast::Registrar& r);

constexpr int32_t kPriority = 100;

}  // namespace aten

#endif
