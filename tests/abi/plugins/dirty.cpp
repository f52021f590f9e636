// A translator that makes a mess and then gives up: for aten::relu and aten::linear, at
// priority 300 (ahead of the first-party plugin's 100), it reads every tensor input (which
// makes the host materialise constants such as linear's weight and bias), adds a constant
// tensor with data, an activation tensor and two operators, sets an option, binds the node's
// output, and then declines (DIRTY_DECLINE) or fails with LC_ERROR (DIRTY_ERROR).
//
// The host must roll all of it back and try the next candidate; the converted model must be
// identical to the one made without this plugin (same operators, tensors and buffers).
// Each attempt logs a warning, so the test can tell that the messy path really ran.
#include <litecast/plugin.hpp>

#include <string>
#include <vector>

#if defined(DIRTY_DECLINE)
#define PLUGIN_ID "test.dirty-decline"
#elif defined(DIRTY_ERROR)
#define PLUGIN_ID "test.dirty-error"
#else
#error "define DIRTY_DECLINE or DIRTY_ERROR"
#endif

namespace {

void dirty(litecast::Node& n) {
  std::vector<int32_t> inputs;
  for (int i = 0; i < n.num_inputs(); ++i)
    if (n.input_kind(i) == LC_VALUE_TENSOR) inputs.push_back(n.input(i));
  int32_t junk = n.const_f32({4}, {1.f, 2.f, 3.f, 4.f});
  int32_t y = n.add_like_output(0);
  int32_t z = n.add_like_output(0);
  n.op(LC_OP_ADD, {inputs.at(0), junk}, {y}).set("fused_activation_function", "RELU6");
  n.op(LC_OP_RELU, {y}, {z});
  n.output(0, z);
  n.warn("dirty attempt: added 3 tensors and 2 operators after reading " + std::to_string(inputs.size()) +
         " tensor inputs");
#if defined(DIRTY_DECLINE)
  n.decline("declining after making a mess (abi test)");
#else
  n.fail("failing after making a mess (abi test)");
#endif
}

}  // namespace

LITECAST_PLUGIN(PLUGIN_ID, "1.0.0", "adds tensors and operators, then gives up", [](litecast::Registrar& r) {
  r.translator("aten::relu", 300, "always gives up", dirty);
  r.translator("aten::linear", 300, "always gives up", dirty);
})
