// einsum with one or two operands, each label at most once per operand, no ellipsis. Two
// operands become one BATCH_MATMUL: labels in both inputs and the output are batch dims,
// in both inputs only are contracted, in one input and the output are free; labels in one
// input only are summed out first. TRANSPOSE/RESHAPE arrange [batch, free, contracted].
#include "math_emit.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace aten {

namespace {

struct Equation {
  std::vector<std::string> inputs;
  std::string output;
};

Equation parse(const litecast::Node& n, std::string eq) {
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  if (eq.find("...") != std::string::npos) n.decline("ellipsis is not supported");
  Equation e;
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    e.inputs.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (arrow != std::string::npos) {
    e.output = eq.substr(arrow + 2);
  } else {  // implicit output: labels seen once, alphabetically
    for (char c = 'A'; c <= 'z'; ++c)
      if (std::count(lhs.begin(), lhs.end(), c) == 1) e.output += c;
  }
  for (const std::string& s : e.inputs)
    for (char c : s)
      if (std::count(s.begin(), s.end(), c) != 1 || !std::isalpha(static_cast<unsigned char>(c)))
        n.decline("repeated or invalid labels (diagonals) are not supported");
  return e;
}

// An operand with its labels: rearranging it keeps both in step.
struct Labeled {
  int32_t t;
  std::string labels;
};

// Sums out the labels of `x` that `keep` does not contain.
Labeled sum_out(const litecast::Node& n, Labeled x, const std::string& keep) {
  std::vector<int64_t> axes;
  std::string rest;
  for (size_t i = 0; i < x.labels.size(); ++i) {
    if (keep.find(x.labels[i]) == std::string::npos)
      axes.push_back(static_cast<int64_t>(i));
    else
      rest += x.labels[i];
  }
  if (axes.empty()) return x;
  return {emit_reduce(n, LC_OP_SUM, x.t, axes, false), rest};
}

// Transposes x to the label order `want` (a permutation of x's labels).
Labeled arrange(const litecast::Node& n, Labeled x, const std::string& want) {
  if (x.labels == want) return x;
  std::vector<int32_t> perm;
  for (char c : want) perm.push_back(static_cast<int32_t>(x.labels.find(c)));
  return {transpose(n, x.t, perm), want};
}

int64_t product(const std::map<char, int64_t>& size, const std::string& labels) {
  int64_t p = 1;
  for (char c : labels) p *= size.at(c);
  return p;
}

// a, b -> out as one [batch, M, K] x [batch, K, N] BATCH_MATMUL.
int32_t contract(const litecast::Node& n, Labeled a, Labeled b, const std::string& out,
                 const std::map<char, int64_t>& size) {
  std::string batch, free_a, free_b, inner;
  for (char c : a.labels) {
    bool in_b = b.labels.find(c) != std::string::npos, in_out = out.find(c) != std::string::npos;
    if (in_b && in_out)
      batch += c;
    else if (in_b)
      inner += c;
    else
      free_a += c;
  }
  for (char c : b.labels)
    if (a.labels.find(c) == std::string::npos) free_b += c;
  int64_t nb = product(size, batch), m = product(size, free_a), k = product(size, inner), nn = product(size, free_b);
  a = arrange(n, a, batch + free_a + inner);
  b = arrange(n, b, batch + inner + free_b);
  int32_t y = emit_batch_matmul(n, reshape(n, a.t, {nb, m, k}), reshape(n, b.t, {nb, k, nn}), false, false);
  std::string labels = batch + free_a + free_b;
  std::vector<int64_t> shape;
  for (char c : labels) shape.push_back(size.at(c));
  return arrange(n, {reshape(n, y, shape), labels}, out).t;
}

// einsum(equation, tensors, path)
void einsum(litecast::Node& n) {
  Equation e = parse(n, n.str(0));
  int count = n.list_size(1);
  if (count != static_cast<int>(e.inputs.size()) || count < 1 || count > 2) n.decline("one or two operands only");
  std::map<char, int64_t> size;
  std::vector<Labeled> ops;
  for (int k = 0; k < count; ++k) {
    litecast::TensorInfo t = n.info(1, k);
    const std::string& labels = e.inputs[static_cast<size_t>(k)];
    if (t.dtype != LC_FLOAT32 || t.rank() != static_cast<int>(labels.size()))
      n.decline("float32 operands matching the labels");
    for (size_t i = 0; i < labels.size(); ++i) {
      auto [it, fresh] = size.emplace(labels[i], t.shape[i]);
      if (!fresh && it->second != t.shape[i]) n.decline("label sizes differ (broadcasting is not supported)");
    }
    ops.push_back({n.input(1, k), labels});
  }
  for (char c : e.output)
    if (!size.count(c)) n.decline("an output label no operand has");
  int32_t y;
  if (count == 1) {
    y = arrange(n, sum_out(n, ops[0], e.output), e.output).t;
  } else {
    // Labels an operand alone holds and the output drops are summed out before the product.
    ops[0] = sum_out(n, ops[0], e.output + ops[1].labels);
    ops[1] = sum_out(n, ops[1], e.output + ops[0].labels);
    y = contract(n, ops[0], ops[1], e.output, size);
  }
  n.output(0, y);
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::einsum", kPriority,
               "float32; one or two operands; no ellipsis, diagonals or broadcasting; one BATCH_MATMUL", einsum);
});

}  // namespace aten
