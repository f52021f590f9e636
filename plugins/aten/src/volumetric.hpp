// 3-D (volumetric) convolutions, shared with convolution.cpp, which reads the arguments of
// every convolution overload and hands 5-D inputs over here. Pools register themselves in
// volumetric.cpp.
#ifndef LITECAST_PLUGINS_ATEN_VOLUMETRIC_HPP
#define LITECAST_PLUGINS_ATEN_VOLUMETRIC_HPP

#include "common.hpp"

#include <vector>

namespace aten::volumetric {

// A convolution's window arguments, one entry per spatial axis (D, H, W). `before` is
// PyTorch's padding (a transposed convolution crops it off its output).
struct ConvArgs {
  std::vector<int64_t> stride, dilation, before;
  int64_t groups = 1;
  bool transposed = false;
};

// Emits the 3-D convolution of node n (input 0: NCDHW, weight 1, bias 2) and binds output 0:
// CONV_3D or CONV_3D_TRANSPOSE on NDHWC, one per group (SPLIT + CONCATENATION) when groups > 1.
void convolution(const litecast::Node& n, const ConvArgs& c);

}  // namespace aten::volumetric

#endif
