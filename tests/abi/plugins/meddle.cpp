// A translator that, before declining, tries to change an operator an EARLIER node's
// translator emitted (operator handle = its index, so "my handle - 1" is someone else's).
// Operator handles are valid only within the callback that created them, and a declined
// attempt must leave the model exactly as it found it; so the host should refuse the
// set_option call, or at least undo it on rollback. Registered for aten::relu at priority
// 300; on mlp.pt the operator before relu's is linear's FULLY_CONNECTED, whose
// fused_activation_function it tries to set to RELU6.
#include <litecast/plugin.hpp>

namespace {

void meddle(litecast::Node& n) {
  int32_t y = n.add_like_output(0);
  litecast::Op mine = n.op(LC_OP_RELU, {n.input(0)}, {y});
  if (mine.handle() == 0) n.decline("no earlier operator to meddle with");
  int32_t status = n.host()->set_option_enum(n.ctx(), mine.handle() - 1, "fused_activation_function", "RELU6");
  n.warn(status == LC_OK ? "meddle: the host let this call change an earlier operator's options"
                         : "meddle: the host refused to change an earlier operator");
  n.decline("declining after meddling (abi test)");
}

}  // namespace

LITECAST_PLUGIN("test.meddle", "1.0.0", "changes an earlier operator, then declines", [](litecast::Registrar& r) {
  r.translator("aten::relu", 300, "always declines", meddle);
})
