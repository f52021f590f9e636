// Comparisons, logical and bitwise-on-bool ops, and selection (where, masked_fill). Outputs
// of comparisons and logical ops are BOOL; operands are compared in their promoted type.
#include "pointwise.hpp"

#include <iterator>
#include <string>

namespace aten {

namespace {

using pw::binary;
using pw::scalar;

struct Compare {
  const char* op;
  int32_t code;
};
constexpr Compare kCompare[] = {
    {"aten::eq", LC_OP_EQUAL}, {"aten::ne", LC_OP_NOT_EQUAL},    {"aten::lt", LC_OP_LESS},
    {"aten::le", LC_OP_LESS_EQUAL}, {"aten::gt", LC_OP_GREATER}, {"aten::ge", LC_OP_GREATER_EQUAL},
};
static_assert(pw::unique_ops(kCompare), "an op listed twice in kCompare");

int32_t row_code(const litecast::Node& n, const Compare* begin, const Compare* end) {
  std::string kind = n.kind();
  for (const Compare* c = begin; c != end; ++c)
    if (kind == c->op) return c->code;
  n.fail("no row for " + kind);
}

void compare(litecast::Node& n) {
  pw::require_unquantized(n);
  if (n.input_kind(0) != LC_VALUE_TENSOR) n.decline("comparison of numbers");
  int32_t code = row_code(n, std::begin(kCompare), std::end(kCompare));
  int32_t dtype = pw::promoted(n, {0, 1});
  // Only EQUAL and NOT_EQUAL take BOOL operands; PyTorch orders bools as 0 and 1.
  if (dtype == LC_BOOL && code != LC_OP_EQUAL && code != LC_OP_NOT_EQUAL) dtype = LC_INT32;
  n.output(0, binary(n, code, operand(n, 0, dtype), operand(n, 1, dtype), LC_BOOL));
}

// Logical ops on the truth of their operands (nonzero is true), and bitwise ops on bools,
// where they coincide. xor of bools is NOT_EQUAL.
constexpr Compare kLogical[] = {
    {"aten::logical_and", LC_OP_LOGICAL_AND}, {"aten::logical_or", LC_OP_LOGICAL_OR},
    {"aten::logical_xor", LC_OP_NOT_EQUAL},   {"aten::bitwise_and", LC_OP_LOGICAL_AND},
    {"aten::bitwise_or", LC_OP_LOGICAL_OR},   {"aten::bitwise_xor", LC_OP_NOT_EQUAL},
    {"aten::__and__", LC_OP_LOGICAL_AND},     {"aten::__or__", LC_OP_LOGICAL_OR},
    {"aten::__xor__", LC_OP_NOT_EQUAL},
};
static_assert(pw::unique_ops(kLogical), "an op listed twice in kLogical");

// Input i as a BOOL tensor holding its truth.
int32_t truth_of(const litecast::Node& n, int i) {
  if (n.input_kind(i) != LC_VALUE_TENSOR) return scalar(n, LC_BOOL, n.f64(i));
  return pw::truth(n, operand(n, i, pw::promoted(n, {i})));
}

void logical(litecast::Node& n) {
  pw::require_unquantized(n);
  if (n.input_kind(0) != LC_VALUE_TENSOR && n.input_kind(1) != LC_VALUE_TENSOR) n.decline("logic on numbers");
  int32_t code = row_code(n, std::begin(kLogical), std::end(kLogical));
  bool is_logical = n.kind().rfind("aten::logical_", 0) == 0;
  int32_t out = n.output_info(0).dtype;
  if (out != LC_BOOL) {
    // Integer bitwise ops: TFLite has BITWISE_XOR but no AND or OR.
    if (is_logical || code != LC_OP_NOT_EQUAL || out != LC_INT32) n.decline("bitwise and/or on integers");
    return n.output(0, binary(n, LC_OP_BITWISE_XOR, operand(n, 0, out), operand(n, 1, out)));
  }
  n.output(0, binary(n, code, truth_of(n, 0), truth_of(n, 1), LC_BOOL));
}

void logical_not(litecast::Node& n) {
  pw::require_unquantized(n);
  if (n.output_info(0).dtype != LC_BOOL) n.decline("logical_not into a non-bool tensor");
  n.output(0, pw::unary(n, LC_OP_LOGICAL_NOT, truth_of(n, 0)));
}

// ~x: LOGICAL_NOT on bools; -1 - x on integers (two's complement).
void bitwise_not(litecast::Node& n) {
  pw::require_unquantized(n);
  int32_t dtype = n.output_info(0).dtype;
  if (dtype == LC_BOOL) return n.output(0, pw::unary(n, LC_OP_LOGICAL_NOT, n.input(0)));
  if (dtype != LC_INT32) n.decline("bool and int32/int64 only");
  n.output(0, binary(n, LC_OP_SUB, scalar(n, LC_INT32, -1), operand(n, 0, LC_INT32)));
}

// aten::where(condition, self, other) with tensors or numbers as branches.
void where(litecast::Node& n) {
  pw::require_unquantized(n);
  if (n.num_inputs() < 3) n.decline("where(condition) has a data-dependent shape");
  int32_t dtype = n.output_info(0).dtype;
  pw::require_numeric(n, dtype, true);
  int32_t cond = truth_of(n, 0);
  n.output(0, pw::select(n, cond, operand(n, 1, dtype), operand(n, 2, dtype)));
}

// aten::masked_fill(self, mask, value): mask ? value : self.
void masked_fill(litecast::Node& n) {
  pw::require_unquantized(n);
  int32_t dtype = n.output_info(0).dtype;
  pw::require_numeric(n, dtype, true);
  int32_t mask = truth_of(n, 1);
  n.output(0, pw::select(n, mask, operand(n, 2, dtype), operand(n, 0, dtype)));
}

}  // namespace

const Family comparison_family([](litecast::Registrar& r) {
  for (const Compare& c : kCompare)
    r.translator(c.op, kPriority, "float32/int32/bool; tensor or number; BOOL output", compare);
  for (const Compare& c : kLogical)
    r.translator(c.op, kPriority, "bool results (operands by truth); bitwise_xor also on int32", logical);
  r.translator("aten::logical_not", kPriority, "any float32/int32/bool input; BOOL output", logical_not);
  r.translator("aten::bitwise_not", kPriority, "bool (LOGICAL_NOT) and int32 (-1 - x)", bitwise_not);
  r.translator("aten::where", kPriority, "three-argument form; tensor or number branches; SELECT_V2", where);
  r.translator("aten::masked_fill", kPriority, "number or 0-d tensor value; SELECT_V2", masked_fill);
});

}  // namespace aten
