// Ops that change nothing in an inference graph (eval-mode dropout, copies, detach) and
// element-type conversions. Identities bind their output to the input tensor itself.
#include "pointwise.hpp"

namespace aten {

namespace {

// aten::dropout(input, p, train) and its variants: the identity, as in eval mode, whatever the
// flag (freezing usually removes them already). A converted model is for inference; when the
// traced flag says training (F.dropout(x, training=True) written without self.training), the
// user gets a note, since PyTorch's own output on that model is random.
void dropout(litecast::Node& n) {
  if (n.num_inputs() > 2) {
    bool training = true;
    try {
      training = n.flag(2);
    } catch (const litecast::HostFailed&) {
      // Not a constant: the identity is still what inference wants.
    }
    if (training) n.warn("dropout with training=True converted as the identity (inference)");
  }
  n.output(0, n.input(0));
}

void identity(litecast::Node& n) {
  n.output(0, n.input(0));
}

// aten::to, type_as and friends: whatever the arguments (dtype, device, another tensor,
// copy flags), the output's element type is the one LibTorch computed. Types TFLite shares
// (int64 and int32, float64 and float32) need no CAST.
void convert_type(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), out = n.output_info(0);
  if (!in.scales.empty() || !out.scales.empty()) n.decline("quantized tensors: left to the quantized plugin");
  n.output(0, pw::cast(n, n.input(0), out.dtype));
}

}  // namespace

const Family identity_family([](litecast::Registrar& r) {
  for (const char* op :
       {"aten::dropout", "aten::feature_dropout", "aten::alpha_dropout", "aten::feature_alpha_dropout"})
    r.translator(op, kPriority, "identity whatever the training flag (a note when it is true)", dropout);
  for (const char* op : {"aten::contiguous", "aten::clone", "aten::detach"})
    r.translator(op, kPriority, "identity", identity);
  for (const char* op : {"aten::to", "aten::type_as", "aten::_to_copy"})
    r.translator(op, kPriority, "CAST to the output's element type, identity when TFLite's types agree", convert_type);
});

}  // namespace aten
