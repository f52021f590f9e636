// torchvision's operators (torchvision::nms, roi_align, ...) for LibTorch: a TorchScript file
// that calls them loads only once their schemas are registered, and the recording run needs
// their kernels. Both come from torchvision's own library, loaded from the installed
// torchvision when there is one (no torchvision code is part of litecast).
//
// Where: $LITECAST_TORCHVISION_LIB (the library file) if set; else the torchvision package
// beside the torch whose LibTorch this process runs (site-packages/torchvision/_C_stable.so or
// _C.so). torchvision's wheels link LibTorch's CUDA libraries: those are loaded first from the
// same torch/lib when present. Libraries are opened RTLD_NOW | RTLD_LOCAL and never unloaded.
#ifndef LITECAST_HOST_GRAPH_TORCHVISION_OPS_HPP
#define LITECAST_HOST_GRAPH_TORCHVISION_OPS_HPP

#include <string>

namespace litecast::graph {

// Loads torchvision's operators once per process. Returns "" on success (or when already
// loaded), else one line saying what was tried.
std::string load_torchvision_ops();

}  // namespace litecast::graph

#endif
