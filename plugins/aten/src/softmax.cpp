// softmax and log_softmax over any dim. TFLite's SOFTMAX and LOG_SOFTMAX work on the last
// axis, so another dim is swapped to the end and back (the layout pass may cancel the pair).
#include "math_emit.hpp"

#include <string>
#include <utility>

namespace aten {

namespace {

// A permutation of `rank` dims that swaps `d` and the last (its own inverse).
std::vector<int32_t> swap_last(int64_t d, int rank) {
  std::vector<int32_t> perm;
  for (int i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(d)], perm.back());
  return perm;
}

// softmax/log_softmax(self, dim, dtype): float32 in and out.
template <int32_t Code>
void softmax(litecast::Node& n) {
  litecast::TensorInfo t = n.info(0);
  if (n.overload() == "Dimname") n.decline("named dimensions are not supported");
  if (t.dtype != LC_FLOAT32 || n.output_info(0).dtype != LC_FLOAT32) n.decline("float32 only");
  if (t.rank() == 0) n.decline("a 0-d input");
  int64_t d = normalize_dim(n, n.i64(1), t.rank());
  bool last = d == t.rank() - 1;
  std::vector<int32_t> perm = swap_last(d, t.rank());
  int32_t x = last ? n.input(0) : transpose(n, n.input(0), perm);
  int32_t y = n.add_tensor(LC_FLOAT32, n.tensor_info(x).shape);
  litecast::Op op = n.op(Code, {x}, {y});
  if (Code == LC_OP_SOFTMAX) op.set("beta", 1.0);  // the schema's default is 0
  n.output(0, last ? y : transpose(n, y, perm));
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::softmax", kPriority, "float32; any dim (transposed to last)", softmax<LC_OP_SOFTMAX>);
  r.translator("aten::log_softmax", kPriority, "float32; any dim (transposed to last)", softmax<LC_OP_LOG_SOFTMAX>);
});

}  // namespace aten
