// Shared by the torchvision translators.
#ifndef LITECAST_PLUGINS_TORCHVISION_HPP
#define LITECAST_PLUGINS_TORCHVISION_HPP

#include <litecast/plugin.hpp>

namespace torchvision {

constexpr int32_t kPriority = 100;

void register_nms(litecast::Registrar& r);
void register_roi_align(litecast::Registrar& r);
void register_ps_roi(litecast::Registrar& r);
void register_deform_conv(litecast::Registrar& r);

inline void register_all(litecast::Registrar& r) {
  register_nms(r);
  register_roi_align(r);
  register_ps_roi(r);
  register_deform_conv(r);
}

}  // namespace torchvision

#endif
