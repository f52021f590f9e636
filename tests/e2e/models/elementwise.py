"""Elementwise fixtures: binary arithmetic, unary math, comparisons, logical ops, selection and
type conversions, each with tensor-tensor, tensor-number, broadcasting and traced-constant
operands (a traced `x + 1` holds a 0-d int64 constant, `x * 0.5` a 0-d float64 one).
The ew_broadcast_* and cmp_broadcast_* fixtures broadcast at 5-D, 6-D and 8-D (the most
LiteRT's kernels broadcast).

Integer inputs are int32 and widened to int64 inside the models (int64 model inputs are INT64
in the .tflite; tests/e2e/test_model_io.py covers them). Functions whose domain is limited
(log, sqrt, pow of a fractional exponent) take |x| + 0.5 so that no NaN appears."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Fn(nn.Module):
    """A module whose forward is `f`, with a per-channel constant `c` (shape [3, 1, 1])."""

    def __init__(self, f):
        super().__init__()
        self.f = f
        self.register_buffer("c", torch.rand(3, 1, 1) + 0.5)

    def forward(self, *xs):
        return self.f(self, *xs)


def fn(f):
    return lambda: Fn(f)


def INT(*shape, high=10):
    return {"shape": shape, "dtype": "int32", "high": high}


def BOOL(*shape):
    return {"shape": shape, "dtype": "bool"}


def add_sub(m, x, y):
    return (x + y, x + 1, x - 2.5, x + m.c, torch.add(x, y, alpha=2), torch.sub(x, m.c, alpha=0.5), 1 - x,
            torch.rsub(x, y, alpha=3), x + torch.tensor(2.0), y - x)


def mul_div(m, x, y):
    return x * y, x * 3, x * m.c, x / (y.abs() + 0.5), x / 3, 2 / (x.abs() + 0.5), x / m.c, y * 0.25


def div_rounding(m, x, y):
    x, y = x * 4, y.abs() + 0.5
    return (torch.div(x, y, rounding_mode="floor"), torch.div(x, y, rounding_mode="trunc"), x // y,
            torch.floor_divide(x, 1.5), torch.remainder(x, y), x % 1.5)


def int_arith(m, i, j):
    i, j = i.long() - 5, j.long() + 1
    return (i + j, i - 3, i * j, i * 2, i / j, torch.div(i, j, rounding_mode="floor"),
            torch.div(i, j, rounding_mode="trunc"), i // 3, i % j, torch.remainder(i, 3), i * 2.5, 7 - i,
            torch.add(i, j, alpha=2), torch.div(i, -j, rounding_mode="trunc"),
            torch.div(i, -j, rounding_mode="floor"), i % -j, i / -j)


def powers(m, x, y):
    a = x.abs() + 0.5
    return x ** 2, x ** 3, a ** 0.5, a ** -0.5, a ** -1, a ** 1.7, a ** y, 2 ** x, torch.pow(a, m.c), x.pow(1)


def int_powers(m, i, j):
    i, j = i.long() - 5, j.long()
    return i ** 2, i ** j, i.pow(3)


def minmax(m, x, y, z):
    return (torch.maximum(x, y), torch.minimum(x, y), torch.maximum(x, m.c), torch.minimum(x, z),
            torch.maximum(x, torch.tensor(0.25)))


def unary(m, x):
    a = x.abs() + 0.5
    return (torch.sqrt(a), torch.rsqrt(a), torch.exp(x), torch.log(a), torch.abs(x), -x, torch.neg(x),
            torch.reciprocal(a), torch.floor(x * 3), torch.ceil(x * 3), torch.sign(torch.floor(x * 2)),
            torch.sin(x), torch.cos(x), torch.square(x), torch.log1p(a), torch.expm1(x), torch.log2(a),
            torch.log10(a), torch.exp2(x))


def rounding(m, x):
    halves = torch.floor(x * 8) / 2  # exact multiples of 0.5: ROUND must round half to even
    return torch.round(halves), torch.round(x * 10), torch.round(x * 100, decimals=1), torch.round(x * 300, decimals=-1)


def int_unary(m, i):
    i = i.long() - 5
    return (torch.abs(i), -i, torch.sign(i), torch.floor(i), torch.ceil(i), torch.round(i), torch.square(i),
            torch.sqrt(i.abs()), torch.exp(i * 0.5).floor())


def compare(m, x, y, i):
    i = i.long()
    return (x == y, x != x * 1, x < y, x <= m.c, x > 0.5, x >= 0, i == 3, i != 2, i < 4.5, i >= y,
            torch.eq(x, torch.tensor(0.0)), (x > 0) == (y > 0), (x > 0) < (y > 0))


def logical(m, x, p, q, i):
    i = i.long()
    return (torch.logical_and(p, q), torch.logical_or(p, x), torch.logical_xor(p, q), torch.logical_not(x),
            torch.logical_not(p), p & q, p | q, p ^ q, ~p, ~i, torch.bitwise_xor(i, 5), p & (x > 0))


def select(m, x, y, p):
    return (torch.where(p, x, y), torch.where(x > 0, x, 0.0), torch.where(x > y, 1.0, x),
            torch.where(p, 1.0, -1.0), x.masked_fill(p, -1e9), x.masked_fill(x < 0, torch.tensor(2.5)),
            torch.where(x > m.c, m.c, x), torch.where(p, x.long(), 3))


def casts(m, x, i, p):
    i = i.long()
    return (x.long(), i.float(), p.float(), x.to(torch.int32), i.to(torch.float64), x.bool(), i.bool(),
            x.type_as(i), i.type_as(x), x.contiguous(), x.clone(), x.detach(), x.to("cpu"), (x * 3).int() + i,
            F.dropout(x, 0.5, training=False))


def broadcast(m, a, b, c):
    s = a.abs() + 0.5
    return (a + b, a - c, a * c, a / (c.abs() + 0.5), torch.maximum(a, b), torch.minimum(a, c), s ** b, a + 1,
            a * torch.tensor(0.5), torch.div(a, c.abs() + 0.5, rounding_mode="floor"), torch.remainder(a, 1.5),
            torch.clamp(a, min=c), F.prelu(a, torch.tensor([0.25, 0.5, -0.1])))


def cmp_broadcast(m, a, b, c):
    return (a > b, a == c, a <= 0.0, torch.logical_and(a > 0, c > 0), torch.where(a > c, a, b),
            a.masked_fill(c > 0, 0.0), torch.where(b > 0, 1.0, a))


FIXTURES = {
    "ew_add_sub": (fn(add_sub), [(2, 3, 4, 4), (4,)]),
    "ew_mul_div": (fn(mul_div), [(2, 3, 4, 4), (3, 1, 4)]),
    "ew_div_rounding": (fn(div_rounding), [(3, 40), (40,)]),
    "ew_int_arith": (fn(int_arith), [INT(3, 12), INT(12, high=5)]),
    "ew_powers": (fn(powers), [(2, 3, 4, 4), (4,)]),
    "ew_int_powers": (fn(int_powers), [INT(3, 12), INT(12, high=4)]),
    "ew_minmax": (fn(minmax), [(2, 3, 5, 5), (2, 1, 5, 5), (5,)]),
    "ew_unary": (fn(unary), [(2, 3, 6, 6)]),
    "ew_rounding": (fn(rounding), [(4, 64)]),
    "ew_int_unary": (fn(int_unary), [INT(4, 9)]),
    "ew_broadcast_5d": (fn(broadcast), [(2, 3, 2, 4, 2), (3, 1, 1, 2), (2, 1, 2, 1, 1)]),
    "ew_broadcast_6d": (fn(broadcast), [(2, 3, 1, 2, 4, 2), (3, 1, 1, 2), (2, 1, 1, 2, 1, 1)]),
    "ew_broadcast_8d": (fn(broadcast), [(2, 3, 1, 2, 1, 2, 2, 2), (3, 1, 1, 2), (2, 1, 1, 2, 1, 1)]),
    "cmp_compare": (fn(compare), [(2, 3, 4, 4), (4,), INT(2, 3, 4, 4)]),
    "cmp_logical": (fn(logical), [(3, 8), BOOL(3, 8), BOOL(8), INT(3, 8)]),
    "cmp_select": (fn(select), [(2, 3, 4, 4), (2, 3, 4, 4), BOOL(2, 3, 4, 4)]),
    "cmp_broadcast_5d": (fn(cmp_broadcast), [(2, 3, 2, 4, 2), (3, 1, 1, 2), (2, 1, 2, 1, 1)]),
    "cmp_broadcast_6d": (fn(cmp_broadcast), [(2, 1, 3, 2, 4, 2), (3, 1, 1, 2), (2, 1, 1, 2, 1, 1)]),
    "cmp_broadcast_8d": (fn(cmp_broadcast), [(2, 3, 1, 2, 1, 2, 2, 2), (3, 1, 1, 2), (2, 1, 1, 2, 1, 1)]),
    "id_casts": (fn(casts), [(3, 7), INT(3, 7), BOOL(3, 7)]),
}
