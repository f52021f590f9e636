// Fake-quantized constant weights (QAT models traced in eval mode): freezing folds
// fake_quantize_per_{tensor,channel}_affine(weight, scale, zero_point, ...) into a plain float
// constant, and its quantization is lost. Before freezing, find those nodes whose inputs are
// all module attributes or constants and compute them with their quantization; after
// freezing, recognise the folded constants by value. The translation then materialises them
// as a quantized constant + DEQUANTIZE, so that a later pass can fold Q/DQ into int8 kernels.
#ifndef LITECAST_HOST_GRAPH_FAKE_QUANT_WEIGHTS_HPP
#define LITECAST_HOST_GRAPH_FAKE_QUANT_WEIGHTS_HPP

#include <torch/script.h>

#include <unordered_map>
#include <vector>

namespace litecast::graph {

struct FakeQuant {
  std::vector<double> scales;  // one (per tensor) or one per channel of `axis`
  std::vector<int64_t> zero_points;
  int64_t axis = 0;
  int64_t quant_min = -128, quant_max = 127;
};

struct FakeQuantWeight {
  at::Tensor value;  // the fake-quantized float weight
  FakeQuant quant;
};

// QAT models keep their observers: aten::fused_moving_avg_obs_fake_quant both updates the
// observer's buffers and fake-quantizes, so freezing keeps the buffers as mutable attributes
// and the weights' fake quantization unfolded. For inference only the fake quantization with
// the current scale and zero point matters: rewrites each such call (in every method of every
// submodule) into fake_quantize_per_tensor_affine / per_channel_affine, or into its input when
// fake quantization is off. Returns how many calls it rewrote.
int rewrite_fused_fake_quant(torch::jit::Module& module);

// Fake-quantized weights of `module`'s forward, computed from its attributes (unfrozen).
std::vector<FakeQuantWeight> find_fake_quant_weights(const torch::jit::Module& module);

// The frozen graph's float constants equal (to float rounding) to one of `weights`, with their
// quantization.
std::unordered_map<const torch::jit::Value*, FakeQuant> match_fake_quant_weights(
    torch::jit::Graph& frozen, const std::vector<FakeQuantWeight>& weights);

}  // namespace litecast::graph

#endif
