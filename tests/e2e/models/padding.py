"""Padding: constant (zero and non-zero, several dimensions, negative pads that crop),
reflect, replicate and circular, 1-d and 2-d; through F.pad (traced as aten::pad) and the
direct ops aten::constant_pad_nd, aten::reflection_pad1d/2d, aten::replication_pad1d/2d."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Pad(nn.Module):
    def __init__(self, pad, **kw):
        super().__init__()
        self.pad, self.kw = pad, kw

    def forward(self, x):
        return F.pad(x, self.pad, **self.kw)


class Direct(nn.Module):
    """The ATen ops by name, as older exporters and scripted code emit them."""

    def __init__(self, op, pad, *args):
        super().__init__()
        self.op, self.pad, self.args = op, pad, args

    def forward(self, x):
        if self.op == "constant_pad_nd":
            return torch.constant_pad_nd(x, self.pad, *self.args)
        return getattr(torch._C._nn, self.op)(x, self.pad)


def pad(p, **kw):
    return lambda: Pad(p, **kw)


def direct(op, p, *args):
    return lambda: Direct(op, p, *args)


FIXTURES = {
    "pad_constant_zero": (pad((1, 2, 3, 0)), [(1, 3, 5, 6)]),
    "pad_constant_value": (pad((2, 1), value=1.5), [(2, 3, 7)]),
    "pad_constant_channels": (pad((1, 1, 0, 2, 1, 3), value=-0.5), [(1, 2, 4, 5)]),
    "pad_constant_negative": (pad((-1, 2, 1, -2)), [(1, 3, 6, 7)]),
    "pad_constant_2d_tensor": (pad((3, 1, 0, 2), value=2.0), [(4, 5)]),
    "pad_zero_module": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), [(1, 3, 4, 4)]),
    "pad_reflect_2d": (pad((1, 2, 3, 1), mode="reflect"), [(1, 3, 5, 6)]),
    "pad_reflect_1d": (pad((3, 2), mode="reflect"), [(2, 3, 7)]),
    "pad_reflect_module": (lambda: nn.ReflectionPad2d(2), [(1, 2, 4, 5)]),
    "pad_replicate_2d": (pad((1, 2, 3, 1), mode="replicate"), [(1, 3, 5, 6)]),
    "pad_replicate_1d": (pad((4, 1), mode="replicate"), [(2, 3, 5)]),
    "pad_replicate_module": (lambda: nn.ReplicationPad2d((0, 3, 1, 0)), [(1, 2, 4, 5)]),
    "pad_circular_2d": (pad((1, 2, 2, 1), mode="circular"), [(1, 2, 4, 5)]),
    "pad_circular_1d": (pad((2, 3), mode="circular"), [(1, 2, 6)]),
    "constant_pad_nd": (direct("constant_pad_nd", [1, 2, 0, 1], 0.25), [(1, 3, 4, 4)]),
    "constant_pad_nd_zero": (direct("constant_pad_nd", [2, 0]), [(2, 3, 5)]),
    "reflection_pad1d": (direct("reflection_pad1d", [2, 1]), [(1, 3, 6)]),
    "reflection_pad2d": (direct("reflection_pad2d", [1, 2, 2, 0]), [(1, 3, 4, 5)]),
    "replication_pad1d": (direct("replication_pad1d", [3, 1]), [(1, 3, 4)]),
    "replication_pad2d": (direct("replication_pad2d", [2, 1, 0, 3]), [(1, 2, 4, 5)]),
}
