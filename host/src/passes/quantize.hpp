// Rewrites of quantized graphs that run once after the optimisation rounds (they change what
// the model computes in, not how fast): folding QUANTIZE/DEQUANTIZE pairs into integer
// kernels, the uint8 target type, and integer model inputs and outputs.
#ifndef LITECAST_HOST_PASSES_QUANTIZE_HPP
#define LITECAST_HOST_PASSES_QUANTIZE_HPP

#include <litecast/plugin.h>

#include "passes/pass.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace litecast::passes {

// An operator whose float inputs all come from DEQUANTIZE (int8), whose float outputs all go
// to QUANTIZE (int8), and which TFLite has an int8 kernel for, becomes that int8 kernel
// (--rewrite-quantizable, and QAT graphs whose fake-quant nodes became QUANTIZE+DEQUANTIZE).
// Weights must come from a dequantized int8 constant; float biases become int32 with scale
// input scale x weight scale; other float constants get a range of their own. Where the
// kernel fixes its output quantization (SOFTMAX, LOGISTIC, ...) or keeps its input's
// (MAX_POOL_2D, RESHAPE, ...) and the QUANTIZE asks for another, that QUANTIZE stays as a
// requantization. DEQUANTIZE followed by QUANTIZE collapses the same way. Operators writing a
// tensor named in `keep_float` stay float (layers a mixed-precision config skips).
PassResult fold_qdq(ModelGraph& g, const std::set<std::string>& keep_float = {});

// Every per-tensor int8 tensor becomes uint8 with zero point + 128 (constants shifted), the
// legacy asymmetric uint8 scheme. Per-channel weights have no uint8 kernels in TFLite: they are
// an error naming the tensor.
PassResult to_uint8(ModelGraph& g);

// Model inputs read only by QUANTIZE and outputs written by DEQUANTIZE become integer
// (`io_type` LC_INT8 or LC_UINT8): the QUANTIZE/DEQUANTIZE go, or stay as a requantization
// between int8 and uint8 when the model computes in the other type.
PassResult fuse_quant_dequant(ModelGraph& g, int32_t io_type);

// Integer model inputs and outputs (per-tensor int8/uint8: a model whose forward takes or
// returns a quantized tensor, or after fuse_quant_dequant) of the other 8-bit type than
// `io_type` are presented in `io_type`, one QUANTIZE requantizing between them. A no-op unless
// --quantize-input-output-type differs from the type the model computes in.
PassResult quantized_io_type(ModelGraph& g, int32_t io_type);

// The quantization options by TinyNeuralNetwork's names (quantize_target_type, fuse_quant_dequant,
// quantize_input_output_type, rewrite_quantizable), validated: a bad value is an error naming
// the option. `qat`: the model has fake-quant nodes, whose graphs always fold.
struct QuantizedRewrites {
  bool fold = false;
  int32_t target_type = LC_INT8;
  bool fuse_io = false;
  int32_t io_type = LC_INT8;
};
QuantizedRewrites quantized_rewrites(const std::map<std::string, std::string>& options, bool qat);
// Runs them in order (fold, target type, model I/O, I/O type); returns the counters by "pass.counter".
std::map<std::string, int> run_quantized_rewrites(Model& m, const QuantizedRewrites& r);

// Post-training quantization, the step before fold_qdq: every float activation named in
// `activations` (by tensor name; the calibrated int8 quantization) gets a QUANTIZE + DEQUANTIZE
// after it, the float weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED /
// TRANSPOSE_CONV become symmetric int8 constants (one scale per output channel for the
// convolutions unless `per_tensor`) read through DEQUANTIZE. Outputs of ops whose int8 kernel
// keeps its input's quantization (RESHAPE, MAX_POOL_2D, ...) get none: fold_qdq carries it
// over; outputs of ops with a fixed int8 output range (LOGISTIC, SOFTMAX, TANH) get that range.
// fold_qdq then makes int8 kernels of what it can; the rest stays float between them.
// Operators writing a tensor named in `keep_float` keep float weights, and their outputs get a
// QUANTIZE + DEQUANTIZE even where the int8 kernel would keep its input's quantization, so that
// the op stays float between DEQUANTIZE and QUANTIZE with int8 neighbours. `activation_type`
// LC_INT16 gives the 16x8 mode: the activations' QUANTIZE writes int16 (their quantization must
// then have zero point 0), and fold_qdq makes int16 kernels with int64 biases where LiteRT has them.
// Mixed precision: the tensors named in `other_type_tensors` are quantized to the other type
// (int16 in an int8 model, int8 in an int16 one) with their quantization in `other_type`, and an
// op of one type reading a tensor of the other reads a twin QUANTIZE + DEQUANTIZE of its type
// (`other_type` or `activations` gives every tensor's quantization in both types).
PassResult insert_qdq(ModelGraph& g, const std::map<std::string, Quantization>& activations, bool per_tensor,
                      const std::set<std::string>& keep_float = {}, int32_t activation_type = LC_INT8,
                      const std::map<std::string, Quantization>& other_type = {},
                      const std::set<std::string>& other_type_tensors = {});

// After fold_qdq on a graph from insert_qdq: QUANTIZE -> DEQUANTIZE pairs left between two float
// ops (neither could become an int8 kernel) go, so those ops compute in float as before.
PassResult drop_float_qdq(ModelGraph& g);

// Affine quantization helpers shared by the passes above.
int32_t quantize_value(float x, float scale, int64_t zero_point, int32_t qmin, int32_t qmax);

// Ops that only select, repeat or move values: they commute exactly with DEQUANTIZE, and their
// int8 kernels write in their input's quantization.
bool moves_data_only(int32_t code);

}  // namespace litecast::passes

#endif
