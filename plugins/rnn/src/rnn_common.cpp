// Reading the recurrent ops' inputs and the emit helpers every form uses.
#include <cstring>
#include <string>

#include "rnn.hpp"

namespace rnn {

namespace {

bool all_zero(const std::vector<float>& v) {
  for (float x : v)
    if (x != 0.0f) return false;
  return true;
}

// hx item (`item` -1 for a plain tensor) is a constant of zeros.
bool zero_state(const litecast::Node& n, int item) {
  litecast::TensorInfo t = n.info(1, item);
  return t.is_constant && all_zero(n.floats_of(1, item));
}

}  // namespace

bool option_on(const litecast::Node& n, const char* name) {
  const char* v = n.option(name);
  return v && std::strcmp(v, "0") != 0 && std::strcmp(v, "false") != 0;
}

std::vector<float> rows_of(const std::vector<float>& m, int64_t cols, int64_t first, int64_t rows) {
  return std::vector<float>(m.begin() + first * cols, m.begin() + (first + rows) * cols);
}

Rnn read_rnn(const litecast::Node& n) {
  Rnn r;
  std::string kind = n.kind();
  r.kind = kind.substr(kind.find("::") + 2);
  r.gates = r.kind == "lstm" ? 4 : r.kind == "gru" ? 3 : 1;
  if (n.overload() != "input" || n.num_inputs() != 9)
    n.decline("packed sequences (the ." + n.overload() + " overload) are not supported; pass a padded tensor");
  litecast::TensorInfo x = n.info(0);
  if (x.dtype != LC_FLOAT32) n.decline("float32 input only");
  if (x.rank() != 3) n.decline("unbatched (2-D) input is not supported; add a batch dimension");
  if (n.flag(6)) n.decline("training mode (train=True) is not supported; trace the model in eval mode");
  r.has_bias = n.flag(3);
  r.layers = n.i64(4);
  r.dirs = n.flag(7) ? 2 : 1;
  r.batch_first = n.flag(8);
  r.batch = x.shape[r.batch_first ? 0 : 1];
  r.steps = x.shape[r.batch_first ? 1 : 0];
  if (r.steps < 1 || r.batch < 1) n.decline("empty sequence or batch");

  const int64_t cells = r.layers * r.dirs;
  const int count = n.list_size(2);
  if (cells < 1 || count % cells != 0) n.decline("unexpected number of parameters");
  const int per_cell = count / static_cast<int>(cells);
  const int base = r.has_bias ? 4 : 2;
  const bool proj = per_cell == base + 1;
  if (per_cell != base && !proj) n.decline("unexpected number of parameters per layer");
  if (proj && r.kind != "lstm") n.decline("projection weights outside an LSTM");

  for (int64_t c = 0; c < cells; ++c) {
    const int at = static_cast<int>(c) * per_cell;
    for (int k = 0; k < per_cell; ++k)
      if (!n.info(2, at + k).is_constant || n.info(2, at + k).dtype != LC_FLOAT32)
        n.decline("the weights must be float32 constants (freeze the model)");
    Cell cell;
    litecast::TensorInfo wih = n.info(2, at), whh = n.info(2, at + 1);
    if (wih.rank() != 2 || whh.rank() != 2) n.decline("2-D weights expected");
    cell.input = wih.shape[1];
    if (c == 0) {
      r.hidden = wih.shape[0] / r.gates;
      r.out = whh.shape[1];
    }
    if (wih.shape[0] != r.gates * r.hidden || whh.shape[0] != r.gates * r.hidden || whh.shape[1] != r.out)
      n.decline("weights of an unexpected shape");
    cell.w_ih = n.floats_of(2, at);
    cell.w_hh = n.floats_of(2, at + 1);
    if (r.has_bias) {
      cell.b_ih = n.floats_of(2, at + 2);
      cell.b_hh = n.floats_of(2, at + 3);
    }
    if (proj) cell.w_hr = n.floats_of(2, at + base);
    r.cells.push_back(std::move(cell));
  }
  if (!proj && r.out != r.hidden) n.decline("recurrent weights of an unexpected shape");
  if (r.cell(0, 0).input != x.shape[2]) n.decline("input features differ from the weights");

  if (r.kind == "lstm") {
    if (n.input_kind(1) != LC_VALUE_TENSOR_LIST || n.list_size(1) != 2) n.decline("lstm expects hx = [h0, c0]");
    r.zero_h0 = zero_state(n, 0);
    r.zero_c0 = zero_state(n, 1);
  } else {
    r.zero_h0 = zero_state(n, -1);
  }
  return r;
}

int32_t emit_fc(const litecast::Node& n, int32_t x, int32_t w, int32_t b, int64_t batch, int64_t units) {
  int32_t y = n.add_tensor(LC_FLOAT32, {batch, units});
  n.op(LC_OP_FULLY_CONNECTED, {x, w, b}, {y}).set("fused_activation_function", "NONE").set("keep_num_dims", false);
  return y;
}

int32_t emit_binary(const litecast::Node& n, int32_t code, int32_t a, int32_t b, const std::vector<int64_t>& shape) {
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  litecast::Op op = n.op(code, {a, b}, {y});
  if (code == LC_OP_ADD || code == LC_OP_MUL || code == LC_OP_SUB) op.set("fused_activation_function", "NONE");
  return y;
}

int32_t emit_unary(const litecast::Node& n, int32_t code, int32_t a, const std::vector<int64_t>& shape) {
  int32_t y = n.add_tensor(LC_FLOAT32, shape);
  n.op(code, {a}, {y});
  return y;
}

std::vector<int32_t> emit_split(const litecast::Node& n, int32_t x, int64_t parts, int64_t batch, int64_t units) {
  std::vector<int32_t> outs;
  for (int64_t k = 0; k < parts; ++k) outs.push_back(n.add_tensor(LC_FLOAT32, {batch, units}));
  int32_t axis = n.const_i32({}, {1});
  n.op(LC_OP_SPLIT, {axis, x}, outs).set("num_splits", parts);
  return outs;
}

std::vector<int32_t> emit_unpack(const litecast::Node& n, int32_t x, int axis) {
  std::vector<int64_t> s = n.tensor_info(x).shape;
  const int64_t count = s[static_cast<size_t>(axis)];
  s.erase(s.begin() + axis);
  std::vector<int32_t> outs;
  for (int64_t k = 0; k < count; ++k) outs.push_back(n.add_tensor(LC_FLOAT32, s));
  n.op(LC_OP_UNPACK, {x}, outs).set("num", count).set("axis", axis);
  return outs;
}

int32_t emit_pack(const litecast::Node& n, const std::vector<int32_t>& xs, int axis) {
  std::vector<int64_t> s = n.tensor_info(xs.at(0)).shape;
  s.insert(s.begin() + axis, static_cast<int64_t>(xs.size()));
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_PACK, xs, {y}).set("values_count", static_cast<int64_t>(xs.size())).set("axis", axis);
  return y;
}

int32_t emit_concat(const litecast::Node& n, const std::vector<int32_t>& xs, int axis) {
  std::vector<int64_t> s = n.tensor_info(xs.at(0)).shape;
  s[static_cast<size_t>(axis)] = 0;
  for (int32_t x : xs) s[static_cast<size_t>(axis)] += n.tensor_info(x).shape[static_cast<size_t>(axis)];
  int32_t y = n.add_tensor(LC_FLOAT32, s);
  n.op(LC_OP_CONCATENATION, xs, {y}).set("axis", axis).set("fused_activation_function", "NONE");
  return y;
}

int32_t emit_reverse(const litecast::Node& n, int32_t x, int axis) {
  int32_t y = n.add_tensor(LC_FLOAT32, n.tensor_info(x).shape);
  n.op(LC_OP_REVERSE_V2, {x, n.const_i32({axis})}, {y});
  return y;
}

int32_t zeros_like_output(const litecast::Node& n, int i) {
  litecast::TensorInfo o = n.output_info(i);
  return n.const_f32(o.shape, std::vector<float>(static_cast<size_t>(o.numel()), 0.0f));
}

}  // namespace rnn
