// Conversions of the final float graph, run once after the optimisation pipeline (they change
// what the model stores, not what it computes, so they are no part of the fixed-point rounds):
// dynamic-range (hybrid) weight quantization, float16 weights, and grouping identical
// constants. Each says what it did through its counters. docs/quantization.md describes them.
#ifndef LITECAST_HOST_PASSES_WEIGHT_PASSES_HPP
#define LITECAST_HOST_PASSES_WEIGHT_PASSES_HPP

#include "passes/pass.hpp"

#include <string>
#include <vector>

namespace litecast::passes {

struct DynamicRangeOptions {
  bool per_channel = false;       // convolutions: one scale per output channel, not per tensor
  bool asymmetric_inputs = true;  // FULLY_CONNECTED's asymmetric_quantize_inputs
  bool conv = true;               // CONV_2D and DEPTHWISE_CONV_2D too, not only FULLY_CONNECTED
  // Left float: operator types ("CONV_2D") or tensor names (an operator's output or weights).
  std::vector<std::string> exclude;
};

// FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D with float32 activations and constant float32
// weights get symmetric int8 weights (zero point 0, scale max|w|/127 per tensor, or per output
// channel for the convolutions); bias and activations stay float32, so LiteRT runs its hybrid kernels. Grouped
// convolutions stay float (no hybrid kernel). Counters: "quantized", "excluded".
// Throws litecast::Error on an exclude entry that names no quantizable op type nor tensor.
PassResult dynamic_range_quantize(ModelGraph& g, const DynamicRangeOptions& o);

// Float32 constants of at least kFloat16MinElements elements, within float16's range, become
// FLOAT16 constants read through a DEQUANTIZE op (placed first) that yields the float32 tensor
// every former reader now reads. Counters: "converted", "out_of_range".
// Below this, the DEQUANTIZE operator, the extra tensor and its name cost more than the bytes
// saved (measured with the writer: break-even near 80 elements).
constexpr size_t kFloat16MinElements = 128;
PassResult float16_quantize(ModelGraph& g);

// Constants with identical data, type, shape and quantization become one tensor; readers are
// rewired to the first. Counters: "merged" (tensors), "bytes_saved" (buffer bytes).
PassResult group_tensors(ModelGraph& g);

// Round to nearest even, as IEEE 754 half precision; for tests.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

}  // namespace litecast::passes

#endif
