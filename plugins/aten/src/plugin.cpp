// The ATen plugin: translators for aten:: ops on float tensors.
#include "common.hpp"

#include <cstring>

namespace aten {

int32_t operand(const litecast::Node& n, int i, int32_t dtype) {
  switch (n.input_kind(i)) {
    case LC_VALUE_TENSOR: {
      litecast::TensorInfo t = n.info(i);
      if (t.dtype == dtype) return n.input(i);
      // PyTorch promotes mixed operands (a traced `x - 1` holds a 0-d int64 constant).
      if (t.is_constant && dtype == LC_FLOAT32) {
        std::vector<float> v = n.floats_of(i);
        return n.add_tensor(LC_FLOAT32, t.shape, v.data(), v.size() * sizeof(float));
      }
      if (t.is_constant && dtype == LC_INT32) {
        std::vector<int32_t> v = n.data<int32_t>(i, LC_INT32);
        return n.add_tensor(LC_INT32, t.shape, v.data(), v.size() * sizeof(int32_t));
      }
      int32_t cast = n.add_tensor(dtype, t.shape);
      n.op(LC_OP_CAST, {n.input(i)}, {cast});
      return cast;
    }
    case LC_VALUE_INT:
    case LC_VALUE_FLOAT:
    case LC_VALUE_BOOL: {
      double v = n.f64(i);
      if (dtype == LC_FLOAT32) {
        float f = static_cast<float>(v);
        return n.add_tensor(LC_FLOAT32, {}, &f, sizeof f);
      }
      if (dtype == LC_INT32) {
        int32_t k = static_cast<int32_t>(v);
        return n.add_tensor(LC_INT32, {}, &k, sizeof k);
      }
      n.decline("scalar operand for a tensor of this element type");
    }
    default: n.decline("input " + std::to_string(i) + " is neither a tensor nor a number");
  }
}

}  // namespace aten

LITECAST_PLUGIN("litecast.aten", "0.1.0", "ATen ops (aten::*) on float tensors", [](litecast::Registrar& r) {
  aten::register_elementwise(r);
  aten::register_activation(r);
  aten::register_linear(r);
  aten::register_shape(r);
})
