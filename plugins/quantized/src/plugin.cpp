// The quantized plugin. It loads and registers; its op family is filled in by later work.
#include <litecast/plugin.hpp>

LITECAST_PLUGIN("litecast.quantized", "0.1.0", "Quantized ops (quantized::*, quantize_per_tensor, dequantize); translators arrive with the quantization issue", [](litecast::Registrar&) {})
