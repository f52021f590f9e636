// One aten::relu translator, built several times with a different id, priority and emitted
// TFLite op (PLUGIN_ID, PRIORITY, EMIT_OP), so that the winner of a conflict can be read off
// the converted model's operator histogram (`litecast inspect --json`):
//
//   test.conflict-a   priority 150  RELU           }  same priority: the smaller id must win,
//   test.conflict-b   priority 150  RELU6          }  whatever the load order, with a warning
//   test.zz-high      priority 160  RELU_N1_TO_1   higher priority wins despite the larger id
//
// Only RELU computes relu exactly; the others exist to be told apart.
#include <litecast/plugin.hpp>

#ifndef PLUGIN_ID
#error "PLUGIN_ID, PRIORITY and EMIT_OP are set by tests/abi/CMakeLists.txt"
#endif

namespace {

void translate_relu(litecast::Node& n) {
  if (n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  n.unary_like_output(EMIT_OP, {n.input(0)});
}

}  // namespace

LITECAST_PLUGIN(PLUGIN_ID, "1.0.0", "aten::relu for the priority/conflict tests", [](litecast::Registrar& r) {
  r.translator("aten::relu", PRIORITY, "conflict test", translate_relu);
})
