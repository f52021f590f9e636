"""Ops that small models written the usual way stopped on (issue 14): in-place writes into
constants and slices, scatter and index_put, the add*mm forms, glu, dropout with a training
flag, 0-d reductions, int/float from shapes, mixed-dtype floor_divide, constant outputs."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from _fn import f

X3 = (2, 6, 5)
X4 = (1, 4, 6, 6)


class Dropout(nn.Module):
    """F.dropout with training=True, traced in eval mode: converted as the identity."""

    def forward(self, x):
        return F.dropout(x * 2.0, p=0.0, training=True)


class InplaceSigmoid(nn.Module):
    def forward(self, x):
        y = x * 2.0
        y.sigmoid_()
        return y + 1.0


class MaskInPlace(nn.Module):
    """swin_t's pattern: a zeros buffer from the input's dtype, written by fill_ on slices."""

    def forward(self, x):
        m = x.new_zeros((x.shape[2], x.shape[3]))
        m[:2, :].fill_(1.0)
        m[2:, 3:].fill_(2.0)
        return x + m


class ZerosLikeOut(nn.Module):
    """A constant output beside a computed one (--missing-outputs-as-constants)."""

    def forward(self, x):
        return x * 2.0, torch.zeros_like(x)


FIXTURES = {
    "dropout_training_flag": (Dropout, [X3]),
    "sigmoid_inplace": (InplaceSigmoid, [X3]),
    "new_zeros_fill": (MaskInPlace, [X4]),
    "glu": (f(lambda x: F.glu(x, dim=1)), [X4]),
    "glu_last": (f(lambda x: F.glu(x)), [(3, 8)]),
    "addbmm": (f(lambda x, a, b: torch.addbmm(x, a, b, beta=0.5, alpha=2.0)), [(3, 5), (4, 3, 6), (4, 6, 5)]),
    "addmv": (f(lambda x, a, b: torch.addmv(x, a, b, beta=0.5, alpha=2.0)), [(3,), (3, 6), (6,)]),
    "addr": (f(lambda x, a, b: torch.addr(x, a, b, alpha=2.0)), [(3, 4), (3,), (4,)]),
    "broadcast_tensors": (f(lambda a, b: torch.broadcast_tensors(a, b)), [(3, 1, 5), (4, 1)]),
    "norm_0d": (f(lambda x: torch.norm(x)), [X3]),
    "sum_0d": (f(lambda x: x.sum() * 2.0), [X3]),
    "floor_divide_int_float": (f(lambda a, b: torch.floor_divide(a, b)),
                               [{"shape": [3, 4], "dtype": "int64", "high": 20}, (3, 4)]),
    "int_from_shape": (f(lambda x, y: x[:, :int(y.shape[1] / 2)]), [X3, (2, 4)]),
}
