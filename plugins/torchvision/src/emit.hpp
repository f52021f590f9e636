// Small emission helpers shared by the torchvision translators: elementwise ops with numpy
// broadcasting, reshapes, slices and constants, all on float32 unless told otherwise.
#ifndef LITECAST_PLUGINS_TORCHVISION_EMIT_HPP
#define LITECAST_PLUGINS_TORCHVISION_EMIT_HPP

#include <litecast/plugin.hpp>

#include <vector>

namespace torchvision {

struct Emit {
  const litecast::Node& n;

  int32_t tensor(int32_t dtype, const std::vector<int64_t>& shape) const { return n.add_tensor(dtype, shape); }
  std::vector<int64_t> shape(int32_t t) const { return n.tensor_info(t).shape; }
  int32_t scalar(float v) const { return n.add_tensor(LC_FLOAT32, {}, &v, sizeof v); }

  // Elementwise binary op with numpy broadcasting of the shapes (equal ranks or 0-d).
  int32_t binary(int32_t code, int32_t a, int32_t b, int32_t dtype = LC_FLOAT32) const {
    std::vector<int64_t> sa = shape(a), sb = shape(b);
    if (sa.size() < sb.size()) sa.insert(sa.begin(), sb.size() - sa.size(), 1);
    if (sb.size() < sa.size()) sb.insert(sb.begin(), sa.size() - sb.size(), 1);
    std::vector<int64_t> out(sa.size());
    for (size_t i = 0; i < sa.size(); ++i) out[i] = sa[i] == 1 ? sb[i] : sa[i];
    int32_t y = tensor(dtype, out);
    litecast::Op op = n.op(code, {a, b}, {y});
    if (code == LC_OP_ADD || code == LC_OP_SUB || code == LC_OP_MUL || code == LC_OP_DIV)
      op.set("fused_activation_function", "NONE");
    return y;
  }
  int32_t unary(int32_t code, int32_t x, int32_t dtype = LC_FLOAT32) const {
    int32_t y = tensor(dtype, shape(x));
    n.op(code, {x}, {y});
    return y;
  }
  int32_t reshape(int32_t x, const std::vector<int64_t>& to) const {
    int32_t y = tensor(n.tensor_info(x).dtype, to);
    std::vector<int32_t> s(to.begin(), to.end());
    n.op(LC_OP_RESHAPE, {x, n.const_i32(s)}, {y});
    return y;
  }
  int32_t transpose(int32_t x, const std::vector<int32_t>& perm) const {
    std::vector<int64_t> from = shape(x), to;
    for (int32_t p : perm) to.push_back(from[static_cast<size_t>(p)]);
    int32_t y = tensor(n.tensor_info(x).dtype, to);
    n.op(LC_OP_TRANSPOSE, {x, n.const_i32(perm)}, {y});
    return y;
  }
  // Sum over one axis, the axis dropped.
  int32_t sum(int32_t x, int32_t axis) const {
    std::vector<int64_t> s = shape(x);
    s.erase(s.begin() + axis);
    int32_t y = tensor(LC_FLOAT32, s);
    n.op(LC_OP_SUM, {x, n.const_i32({1}, {axis})}, {y}).set("keep_dims", false);
    return y;
  }
  // Column c of a [K, 5] tensor as [K, 1].
  int32_t column(int32_t rois, int64_t k, int32_t c) const {
    int32_t y = tensor(LC_FLOAT32, {k, 1});
    n.op(LC_OP_SLICE, {rois, n.const_i32({0, c}), n.const_i32({static_cast<int32_t>(k), 1})}, {y});
    return y;
  }
  // 0, 1, ..., size - 1 as float32, shaped [1, ..., 1, size] with `rank` dimensions.
  int32_t iota(int64_t size, int rank) const {
    std::vector<float> v(static_cast<size_t>(size));
    for (int64_t r = 0; r < size; ++r) v[static_cast<size_t>(r)] = static_cast<float>(r);
    std::vector<int64_t> s(static_cast<size_t>(rank), 1);
    s.back() = size;
    return n.const_f32(s, v);
  }
};

}  // namespace torchvision

#endif
