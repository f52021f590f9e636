// The torchvision plugin: torchvision's operators (torchvision::*), which the host can load once
// it has found torchvision's own library (host/src/graph/torchvision_ops.hpp).
#include "torchvision.hpp"

LITECAST_PLUGIN("litecast.torchvision", "0.3.0", "torchvision ops (torchvision::*)",
                [](litecast::Registrar& r) { torchvision::register_all(r); })
