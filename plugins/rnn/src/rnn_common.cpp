// Reading the recurrent ops' inputs and the emit helpers every form uses.
#include <algorithm>
#include <cmath>
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

// One direction of a quantized cell (`which` 0: input-to-hidden, 1: hidden-to-hidden), unpacked
// by the host (ABI 1.3) into int8 weights, their scales and the float bias.
void read_packed_cell(const litecast::Node& n, int item, int which, Cell& cell, std::vector<float>& w,
                      std::vector<float>& b, int64_t& rows, int64_t& cols) {
  const lc_host_api_t* host = n.host();
  if (!LC_HAS_FIELD(host, lc_host_api_t, input_packed_cell))
    n.decline("this host predates ABI 1.3 and cannot unpack quantized recurrent weights");
  lc_packed_params_t p{};
  p.struct_size = sizeof p;
  litecast::detail::check(host->input_packed_cell(n.ctx(), 2, item, which, &p));
  if (p.kind != LC_PACKED_LINEAR || p.weight_rank != 2 || p.num_weight_scales < 1)
    n.fail("quantized recurrent weights of an unexpected layout");
  rows = p.weight_shape[0];
  cols = p.weight_shape[1];
  const size_t count = static_cast<size_t>(rows * cols);
  const bool per_channel = p.num_weight_scales > 1;
  if (per_channel && (p.weight_axis != 0 || p.num_weight_scales != rows))
    n.fail("quantized recurrent weights with scales along an unexpected axis");
  w.resize(count);
  bool symmetric = !per_channel;
  for (size_t k = 0; k < count; ++k) {
    const size_t ch = per_channel ? k / static_cast<size_t>(cols) : 0;
    if (p.weight_zero_points[ch] != 0) symmetric = false;
    w[k] = static_cast<float>((p.weight[k] - p.weight_zero_points[ch]) * p.weight_scales[ch]);
  }
  if (symmetric) {
    (which == 0 ? cell.q_ih : cell.q_hh).assign(p.weight, p.weight + count);
    (which == 0 ? cell.scale_ih : cell.scale_hh) = static_cast<float>(p.weight_scales[0]);
  }
  b.assign(static_cast<size_t>(rows), 0.0f);
  if (p.bias && p.bias_count == rows) b.assign(p.bias, p.bias + rows);
}

// aten::quantized_lstm (11 inputs: ..., batch_first, dtype, use_dynamic) and aten::quantized_gru
// (9): the .input overloads, params a list of one CellParamsBase per layer and direction.
void read_quantized_cells(const litecast::Node& n, Rnn& r) {
  const int64_t cells = r.layers * r.dirs;
  if (n.list_size(2) != cells) n.decline("unexpected number of quantized cell parameters");
  for (int64_t c = 0; c < cells; ++c) {
    Cell cell;
    int64_t rows = 0, cols = 0, hrows = 0, hcols = 0;
    read_packed_cell(n, static_cast<int>(c), 0, cell, cell.w_ih, cell.b_ih, rows, cols);
    read_packed_cell(n, static_cast<int>(c), 1, cell, cell.w_hh, cell.b_hh, hrows, hcols);
    cell.input = cols;
    if (c == 0) r.hidden = r.out = rows / r.gates;
    if (rows != r.gates * r.hidden || hrows != rows || hcols != r.hidden) n.decline("weights of an unexpected shape");
    cell.layer = c / r.dirs;
    cell.dir = c % r.dirs;
    r.cells.push_back(std::move(cell));
  }
  // A dynamically quantized layer keeps (zero) biases even without bias=True: always add them.
  r.has_bias = true;
}

void read_initial_states(const litecast::Node& n, Rnn& r) {
  if (r.kind == "lstm") {
    if (n.input_kind(1) != LC_VALUE_TENSOR_LIST || n.list_size(1) != 2) n.decline("lstm expects hx = [h0, c0]");
    r.zero_h0 = zero_state(n, 0);
    r.zero_c0 = zero_state(n, 1);
  } else {
    r.zero_h0 = zero_state(n, -1);
  }
}

}  // namespace

int32_t weight_rows(const litecast::Node& n, const Rnn& r, const Cell& c, int which, int64_t first, int64_t rows) {
  const std::vector<float>& w = which == 0 ? c.w_ih : c.w_hh;
  const int64_t cols = static_cast<int64_t>(w.size()) / (r.gates * r.hidden);
  if (!r.quantized) return n.const_f32({rows, cols}, rows_of(w, cols, first, rows));
  const std::vector<int8_t>& q = which == 0 ? c.q_ih : c.q_hh;
  float scale = which == 0 ? c.scale_ih : c.scale_hh;
  std::vector<int8_t> v;
  if (!q.empty()) {
    // PyTorch's symmetric qint8 reaches -128; TFLite's int8 weights stay in [-127, 127]. Measured:
    // with -128 weights LiteRT's hybrid LSTM went 40 steps off on a 2-layer model (0.4 clamped);
    // the clamp moves those weights by one step.
    v.assign(q.begin() + first * cols, q.begin() + (first + rows) * cols);
    for (int8_t& x : v) x = std::max<int8_t>(x, -127);
  } else {  // symmetric per-tensor int8, as TFLite's hybrid kernels take it
    std::vector<float> f = rows_of(w, cols, first, rows);
    float max_abs = 0.0f;
    for (float x : f) max_abs = std::max(max_abs, std::fabs(x));
    scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
    for (float x : f) v.push_back(static_cast<int8_t>(std::clamp(std::nearbyint(x / scale), -127.0f, 127.0f)));
  }
  const int64_t zero = 0;
  lc_quant_t quant{};
  quant.struct_size = sizeof quant;
  quant.scales = &scale;
  quant.zero_points = &zero;
  quant.count = 1;
  return n.add_tensor(LC_INT8, {rows, cols}, v.data(), v.size(), &quant);
}

std::string state_name(const Rnn& r, const Cell& c, const char* what) {
  return r.module + "/layer" + std::to_string(c.layer) + (c.dir ? "/bw/" : "/fw/") + what;
}

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
  if (r.kind.rfind("quantized_", 0) == 0) {
    r.kind = r.kind.substr(10);
    r.quantized = true;
  }
  r.gates = r.kind == "lstm" ? 4 : r.kind == "gru" ? 3 : 1;
  if (LC_HAS_FIELD(n.host(), lc_host_api_t, node_module)) r.module = n.host()->node_module(n.ctx());
  if (r.module.empty()) r.module = r.kind;
  const int inputs = r.quantized && r.kind == "lstm" ? 11 : 9;
  if (n.overload() != "input" || n.num_inputs() != inputs)
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
  if (r.quantized) {
    read_quantized_cells(n, r);
    if (r.cell(0, 0).input != x.shape[2]) n.decline("input features differ from the weights");
    read_initial_states(n, r);
    return r;
  }

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
    cell.layer = c / r.dirs;
    cell.dir = c % r.dirs;
    r.cells.push_back(std::move(cell));
  }
  if (!proj && r.out != r.hidden) n.decline("recurrent weights of an unexpected shape");
  if (r.cell(0, 0).input != x.shape[2]) n.decline("input features differ from the weights");

  read_initial_states(n, r);
  return r;
}

int32_t emit_fc(const litecast::Node& n, int32_t x, int32_t w, int32_t b, int64_t batch, int64_t units) {
  int32_t y = n.add_tensor(LC_FLOAT32, {batch, units});
  litecast::Op op =
      n.op(LC_OP_FULLY_CONNECTED, {x, w, b}, {y}).set("fused_activation_function", "NONE").set("keep_num_dims", false);
  // int8 weights of a quantized layer: PyTorch quantizes the inputs asymmetrically, so does the
  // hybrid kernel.
  if (n.tensor_info(w).dtype == LC_INT8) op.set("asymmetric_quantize_inputs", true);
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
