"""Matrix products: linear (any input rank, with/without bias), mm, matmul over every rank
combination (constant right operands become FULLY_CONNECTED, others BATCH_MATMUL), bmm,
addmm and baddbmm with beta/alpha, einsum."""
import torch
import torch.nn as nn


from _fn import Fn  # noqa: E402


class ConstRight(nn.Module):
    """x @ W with a constant W of `shape` through `op` (torch.matmul or torch.mm)."""

    def __init__(self, shape, op=torch.matmul):
        super().__init__()
        self.w = nn.Parameter(torch.randn(*shape))
        self.op = op

    def forward(self, x):
        return self.op(x, self.w)


class ConstLeft(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.w = nn.Parameter(torch.randn(*shape))

    def forward(self, x):
        return torch.matmul(self.w, x)


class AddMm(nn.Module):
    def __init__(self, beta, alpha, bias_shape=(6,)):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(*bias_shape))
        self.w = nn.Parameter(torch.randn(8, 6))
        self.beta, self.alpha = beta, alpha

    def forward(self, x):
        return torch.addmm(self.bias, x, self.w, beta=self.beta, alpha=self.alpha)


def f(fn):
    return lambda: Fn(fn)


FIXTURES = {
    "linear_3d": (lambda: nn.Linear(8, 6), [(2, 5, 8)]),
    "linear_4d": (lambda: nn.Linear(5, 7), [(2, 3, 4, 5)]),
    "linear_no_bias": (lambda: nn.Linear(8, 6, bias=False), [(4, 8)]),
    "linear_1d": (lambda: nn.Linear(8, 6), [(8,)]),
    "mm_const": (lambda: ConstRight((8, 6), torch.mm), [(4, 8)]),
    "mm_inputs": (f(torch.mm), [(4, 8), (8, 6)]),
    "matmul_dot": (f(torch.matmul), [(8,), (8,)]),
    "matmul_1d_2d_const": (lambda: ConstRight((8, 6)), [(8,)]),
    "matmul_2d_1d": (f(torch.matmul), [(4, 8), (8,)]),
    "matmul_3d_1d": (f(torch.matmul), [(2, 4, 8), (8,)]),
    "matmul_1d_3d": (f(torch.matmul), [(8,), (2, 8, 5)]),
    "matmul_3d_2d_const": (lambda: ConstRight((8, 6)), [(2, 5, 8)]),
    "matmul_3d_1d_const": (lambda: ConstRight((8,)), [(2, 5, 8)]),
    "matmul_3d_2d": (f(torch.matmul), [(2, 5, 8), (8, 6)]),
    "matmul_2d_3d": (f(torch.matmul), [(5, 8), (3, 8, 6)]),
    "matmul_broadcast_4d_3d": (f(torch.matmul), [(2, 1, 4, 5), (3, 5, 6)]),
    "matmul_4d_4d": (f(torch.matmul), [(2, 3, 4, 5), (2, 3, 5, 6)]),
    "matmul_const_left": (lambda: ConstLeft((4, 8)), [(2, 8, 5)]),
    "mv": (f(torch.mv), [(4, 8), (8,)]),
    "dot": (f(torch.dot), [(8,), (8,)]),
    "outer": (f(torch.outer), [(4,), (3,)]),
    "bmm": (f(torch.bmm), [(3, 4, 8), (3, 8, 5)]),
    "baddbmm": (f(lambda s, a, b: torch.baddbmm(s, a, b, beta=0.5, alpha=2.0)), [(3, 4, 5), (3, 4, 8), (3, 8, 5)]),
    "addmm": (lambda: AddMm(1.0, 1.0), [(4, 8)]),
    "addmm_scaled": (lambda: AddMm(0.5, -2.0, (4, 1)), [(4, 8)]),
    "addmm_beta0": (lambda: AddMm(0.0, 1.5), [(4, 8)]),
    "einsum_bmm": (f(lambda a, b: torch.einsum("bij,bjk->bik", a, b)), [(2, 3, 4), (2, 4, 5)]),
    "einsum_attention": (f(lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k)), [(2, 3, 4, 8), (2, 3, 5, 8)]),
    "einsum_transposed_product": (f(lambda a, b: torch.einsum("ij,kj->ki", a, b)), [(4, 6), (3, 6)]),
    "einsum_outer": (f(lambda a, b: torch.einsum("i,j", a, b)), [(4,), (3,)]),
    "einsum_one_operand": (f(lambda a: torch.einsum("ijk->ki", a)), [(2, 3, 4)]),
    "einsum_permute_reduce": (f(lambda a, b: torch.einsum("abc,cd->da", a, b)), [(2, 3, 4), (4, 5)]),
}
