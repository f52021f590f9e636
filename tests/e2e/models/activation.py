"""Activation fixtures: every activation translator, its parameter variants (the ones that map
to a single TFLite op and the ones that decompose), and the clamp family with number, None
and tensor bounds. Inputs are scaled up inside the models so that thresholds and saturation
regions are crossed. Integer inputs are int32 and widened to int64 inside the model (int64
model inputs are INT64 in the .tflite; tests/e2e/test_model_io.py covers them)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


from _fn import Fn  # noqa: E402


def fn(f):
    return lambda: Fn(f)


class PerChannel(nn.Module):
    """PReLU with C slopes and a clamp whose bounds are per-channel constant tensors."""

    def __init__(self, c=3, rank=4):
        super().__init__()
        self.prelu = nn.PReLU(c)
        nn.init.uniform_(self.prelu.weight, -0.5, 0.5)
        shape = (c,) + (1,) * (rank - 2)
        self.register_buffer("lo", -torch.rand(shape))
        self.register_buffer("hi", torch.rand(shape))

    def forward(self, x):
        x = x * 2
        return self.prelu(x), torch.clamp(x, self.lo, self.hi), torch.maximum(torch.minimum(x, self.hi), self.lo)


class PReluScalar(nn.Module):
    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU()

    def forward(self, x):
        return self.prelu(x)


def single_ops(x):
    x = x * 4
    return torch.relu(x), F.relu6(x), torch.sigmoid(x), torch.tanh(x), F.hardswish(x), F.hardsigmoid(x)


def hardtanh_variants(x):
    x = x * 3
    return (F.hardtanh(x), F.hardtanh(x, 0.0, 1.0), F.hardtanh(x, -2.0, 3.0), F.hardtanh(x, 0.0, 6.0),
            nn.ReLU6()(x))


def clamp_variants(x):
    x = x * 3
    return (torch.clamp(x, -1.5, 2.0), torch.clamp(x, min=0.0), torch.clamp(x, max=0.5), x.clamp_min(-0.25),
            x.clamp_max(1.0), torch.clamp(x, 0.0, 6.0), torch.clamp(x, 2.0, 1.0))


def clamp_tensor_bounds(x, lo, hi):
    return torch.clamp(x, lo - 1, hi + 1), torch.clamp(x, min=lo), torch.clamp(x, max=hi)


def clamp_int(i):
    i = i.long() - 5
    return torch.clamp(i, -2, 3), i.clamp_min(0), torch.relu(i)


def elu_variants(x):
    x = x * 3
    return F.elu(x), F.elu(x, 0.5), torch.selu(x), F.celu(x, 2.0), torch.ops.aten.elu(x, 1.5, 2.0, 0.5)


def gelu_variants(x):
    x = x * 3
    return F.gelu(x), F.gelu(x, approximate="tanh")


def smooth(x):
    x = x * 4
    return F.silu(x), F.mish(x), F.softplus(x), F.logsigmoid(x)


def softplus_variants(x):
    x = x * 8
    return F.softplus(x, beta=2.0, threshold=1.0), F.softplus(x, beta=0.5), F.softplus(x * 10), F.mish(x * 10)


def leaky(x):
    x = x * 2
    return F.leaky_relu(x), F.leaky_relu(x, 0.2), F.threshold(x, 0.5, -3.0)


FIXTURES = {
    "act_single_ops": (fn(single_ops), [(2, 3, 8, 8)]),
    "act_single_ops_3d": (fn(single_ops), [(2, 5, 7)]),
    "act_hardtanh": (fn(hardtanh_variants), [(2, 3, 6, 6)]),
    "act_clamp": (fn(clamp_variants), [(4, 33)]),
    "act_clamp_tensor_bounds": (fn(clamp_tensor_bounds), [(2, 3, 4, 4), (3, 1, 1), (4,)]),
    "act_clamp_int": (fn(clamp_int), [{"shape": (3, 17), "dtype": "int32", "high": 10}]),
    "act_per_channel": (PerChannel, [(2, 3, 5, 5)]),
    "act_per_channel_3d": (lambda: PerChannel(4, 3), [(2, 4, 9)]),
    "act_per_channel_5d": (lambda: PerChannel(2, 5), [(1, 2, 3, 4, 5)]),
    "act_prelu_scalar": (PReluScalar, [(2, 3, 4, 4)]),
    "act_elu": (fn(elu_variants), [(2, 3, 6, 6)]),
    "act_gelu": (fn(gelu_variants), [(2, 64)]),
    "act_smooth": (fn(smooth), [(2, 3, 6, 6)]),
    "act_softplus": (fn(softplus_variants), [(4, 50)]),
    "act_leaky": (fn(leaky), [(2, 3, 6, 6)]),
}
