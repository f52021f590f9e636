// The torchvision plugin. It loads and registers; its op family is filled in by later work.
#include <litecast/plugin.hpp>

LITECAST_PLUGIN("litecast.torchvision", "0.1.0", "torchvision ops (torchvision::*); translators arrive with the float-conversion work", [](litecast::Registrar&) {})
