// Matrix products: linear, mm, mv, dot, outer, matmul (every rank combination), bmm, addmm,
// baddbmm, addbmm, addmv, addr. A constant right-hand matrix becomes FULLY_CONNECTED (TFLite keeps weights as [out,
// in], as nn.Linear does, so mm/matmul constants are transposed once here); anything else is BATCH_MATMUL with
// broadcast batch dims.
#include "math_emit.hpp"

#include <algorithm>
#include <string>

namespace aten {

int32_t emit_fully_connected(const litecast::Node& n, int32_t x, int32_t w, int32_t bias) {
  litecast::TensorInfo tx = n.tensor_info(x), tw = n.tensor_info(w);
  if (tw.rank() != 2 || tx.rank() == 0 || tx.shape.back() != tw.shape[1])
    n.fail("fully connected: shapes do not match");
  std::vector<int64_t> shape = tx.shape;
  shape.back() = tw.shape[0];
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_FULLY_CONNECTED, {x, w, bias}, {y})
      .set("fused_activation_function", "NONE")
      .set("keep_num_dims", tx.rank() != 2);
  return y;
}

int32_t emit_batch_matmul(const litecast::Node& n, int32_t a, int32_t b, bool adj_a, bool adj_b) {
  litecast::TensorInfo ta = n.tensor_info(a), tb = n.tensor_info(b);
  int rank = std::max(ta.rank(), tb.rank());
  if (ta.rank() < 2 || tb.rank() < 2 || rank > 5) n.decline("batch matmul of ranks 2 to 5 only");
  // Equal ranks for the kernel: leading 1s on the shorter operand.
  auto widen = [&](int32_t t, litecast::TensorInfo& info) {
    if (info.rank() == rank) return t;
    info.shape.insert(info.shape.begin(), static_cast<size_t>(rank - info.rank()), 1);
    return reshape(n, t, info.shape);
  };
  a = widen(a, ta);
  b = widen(b, tb);
  std::vector<int64_t> shape;
  for (int i = 0; i < rank - 2; ++i) {
    int64_t da = ta.shape[static_cast<size_t>(i)], db = tb.shape[static_cast<size_t>(i)];
    if (da != db && da != 1 && db != 1) n.fail("batch dims do not broadcast");
    shape.push_back(da == 1 ? db : da);
  }
  int64_t m = ta.shape[static_cast<size_t>(rank - (adj_a ? 1 : 2))];
  int64_t k = ta.shape[static_cast<size_t>(rank - (adj_a ? 2 : 1))];
  int64_t kb = tb.shape[static_cast<size_t>(rank - (adj_b ? 1 : 2))];
  if (k != kb) n.fail("batch matmul: inner dims differ");
  shape.push_back(m);
  shape.push_back(tb.shape[static_cast<size_t>(rank - (adj_b ? 2 : 1))]);
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(LC_OP_BATCH_MATMUL, {a, b}, {y}).set("adj_x", adj_a).set("adj_y", adj_b);
  return y;
}

namespace {

// The result bound to node output 0, reshaped when a promoted vector dim must go.
void bind(const litecast::Node& n, int32_t t) {
  std::vector<int64_t> want = n.output_info(0).shape;
  if (n.tensor_info(t).shape != want) t = reshape(n, t, want);
  n.output(0, t);
}

void check_float(const litecast::Node& n, std::initializer_list<int> inputs) {
  for (int i : inputs)
    if (n.info(i).dtype != LC_FLOAT32) n.decline("float32 operands only");
}

// Inputs ia @ ib with torch.matmul's rank rules; 1-D operands are promoted to matrices and the
// promoted dim is left for bind() to drop. A constant matrix on the right is FC weights.
int32_t matmul_of(const litecast::Node& n, int ia, int ib) {
  litecast::TensorInfo ta = n.info(ia), tb = n.info(ib);
  if (ta.rank() == 0 || tb.rank() == 0) n.decline("0-d operand");
  int32_t a = n.input(ia), b = n.input(ib);
  if (ta.rank() == 1 && tb.rank() == 1) return emit_reduce(n, LC_OP_SUM, emit_binary(n, LC_OP_MUL, a, b), {0}, false);
  if (ta.rank() == 1) a = reshape(n, a, {1, ta.shape[0]});
  if (tb.rank() <= 2 && tb.is_constant) {
    int64_t k = tb.shape[0], cols = tb.rank() == 2 ? tb.shape[1] : 1;
    litecast::ConstSpan<float> v = n.floats_view(ib);
    std::vector<float> w(v.size());
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < cols; ++c) w[static_cast<size_t>(c * k + r)] = v[static_cast<size_t>(r * cols + c)];
    return emit_fully_connected(n, a, n.const_f32({cols, k}, w), -1);
  }
  if (tb.rank() == 1) b = reshape(n, b, {tb.shape[0], 1});
  return emit_batch_matmul(n, a, b, false, false);
}

// torch's scalar factors: x * s, skipped when s == 1.
int32_t scaled(const litecast::Node& n, int32_t x, double s) {
  return s == 1 ? x : emit_binary(n, LC_OP_MUL, x, scalar_f32(n, static_cast<float>(s)));
}

// linear(input, weight, bias): FULLY_CONNECTED, any input rank (leading dims kept).
void linear(litecast::Node& n) {
  check_float(n, {0, 1});
  if (n.info(1).rank() != 2) n.decline("2-D weight only");
  int32_t bias = n.is_none(2) ? -1 : operand(n, 2, LC_FLOAT32);
  if (bias >= 0 && n.tensor_info(bias).rank() != 1) n.decline("1-D bias only");
  int32_t x = n.input(0);
  bool vector = n.info(0).rank() == 1;
  if (vector) x = reshape(n, x, {1, n.info(0).shape[0]});
  bind(n, emit_fully_connected(n, x, n.input(1), bias));
}

// mm, matmul, bmm: a @ b.
void matmul(litecast::Node& n) {
  check_float(n, {0, 1});
  std::string kind = n.kind();
  if (kind == "aten::mm" && (n.info(0).rank() != 2 || n.info(1).rank() != 2)) n.decline("mm of 2-D operands");
  if (kind == "aten::bmm" && (n.info(0).rank() != 3 || n.info(1).rank() != 3)) n.decline("bmm of 3-D operands");
  if (kind == "aten::mv" && (n.info(0).rank() != 2 || n.info(1).rank() != 1)) n.decline("mv of a matrix and a vector");
  if (kind == "aten::dot" && (n.info(0).rank() != 1 || n.info(1).rank() != 1)) n.decline("dot of two vectors");
  bind(n, matmul_of(n, 0, 1));
}

// outer/ger(a[N], b[M]) = a[N, 1] * b[M], a broadcast MUL.
void outer(litecast::Node& n) {
  check_float(n, {0, 1});
  if (n.info(0).rank() != 1 || n.info(1).rank() != 1) n.decline("two vectors only");
  n.output(0, emit_binary(n, LC_OP_MUL, reshape(n, n.input(0), {n.info(0).shape[0], 1}), n.input(1)));
}

// addmm / baddbmm(self, a, b, beta, alpha) = beta * self + alpha * (a @ b); beta = 0 ignores self.
void add_matmul(litecast::Node& n) {
  check_float(n, {1, 2});
  int want = n.kind() == "aten::addmm" ? 2 : 3;
  if (n.info(1).rank() != want || n.info(2).rank() != want) n.decline("operands of the wrong rank");
  double beta = n.f64(3), alpha = n.f64(4);
  int32_t y = scaled(n, matmul_of(n, 1, 2), alpha);
  if (beta != 0) y = emit_binary(n, LC_OP_ADD, y, scaled(n, operand(n, 0, LC_FLOAT32), beta));
  bind(n, y);
}

// addbmm(self, b1[B,n,m], b2[B,m,p]) = beta * self + alpha * sum_b(b1 @ b2);
// addmv(self, mat, vec) and addr(self, v1, v2) the same with a matrix-vector and an outer product.
// The product is reshaped to the result's shape before self (which broadcasts) is added.
void add_product(litecast::Node& n) {
  check_float(n, {1, 2});
  const std::string kind = n.kind();
  const int r1 = n.info(1).rank(), r2 = n.info(2).rank();
  int32_t p = -1;
  if (kind == "aten::addbmm") {
    if (r1 != 3 || r2 != 3) n.decline("addbmm of two 3-D operands");
    p = emit_reduce(n, LC_OP_SUM, emit_batch_matmul(n, n.input(1), n.input(2), false, false), {0}, false);
  } else if (kind == "aten::addmv") {
    if (r1 != 2 || r2 != 1) n.decline("addmv of a matrix and a vector");
    p = matmul_of(n, 1, 2);
  } else {
    if (r1 != 1 || r2 != 1) n.decline("addr of two vectors");
    p = emit_binary(n, LC_OP_MUL, reshape(n, n.input(1), {n.info(1).shape[0], 1}), n.input(2));
  }
  const std::vector<int64_t> want = n.output_info(0).shape;
  if (n.tensor_info(p).shape != want) p = reshape(n, p, want);
  const double beta = n.f64(3), alpha = n.f64(4);
  int32_t y = scaled(n, p, alpha);
  if (beta != 0) y = emit_binary(n, LC_OP_ADD, y, scaled(n, operand(n, 0, LC_FLOAT32), beta));
  bind(n, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::linear", kPriority, "float32; 2-D weight; any input rank; bias optional", linear);
  const char* mm = "float32; constant 2-D right operand -> FULLY_CONNECTED, else BATCH_MATMUL (ranks <= 5)";
  r.translator("aten::matmul", kPriority, mm, matmul);
  r.translator("aten::mm", kPriority, mm, matmul);
  r.translator("aten::mv", kPriority, mm, matmul);
  r.translator("aten::dot", kPriority, "float32; MUL + SUM", matmul);
  r.translator("aten::outer", kPriority, "float32; broadcast MUL", outer);
  r.translator("aten::ger", kPriority, "float32; broadcast MUL", outer);
  r.translator("aten::bmm", kPriority, "float32; BATCH_MATMUL", matmul);
  r.translator("aten::addmm", kPriority, "float32; beta/alpha as MUL, self broadcast by ADD", add_matmul);
  r.translator("aten::baddbmm", kPriority, "float32; beta/alpha as MUL, self broadcast by ADD", add_matmul);
  r.translator("aten::addbmm", kPriority, "float32; BATCH_MATMUL + SUM over the batch, then as addmm", add_product);
  r.translator("aten::addmv", kPriority, "float32; matrix-vector product, then as addmm", add_product);
  r.translator("aten::addr", kPriority, "float32; outer product by broadcast MUL, then as addmm", add_product);
});

}  // namespace aten
