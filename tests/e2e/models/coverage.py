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


class InplaceSigmoidSlice(nn.Module):
    """An in-place activation on a slice: written back into the tensor it was cut from."""

    def forward(self, x):
        y = x * 2.0
        y[:, 2:].sigmoid_()
        y[0].relu_()
        return y


class InplaceOnInput(nn.Module):
    """In-place ops on the model's input itself (RemoveTensorMutation leaves those)."""

    def forward(self, x):
        x.sigmoid_()
        x.mul_(3.0)
        return x


class WriteIntoViewReturned(nn.Module):
    """A write into a slice of the input, with both the input and the slice returned."""

    def forward(self, x):
        y = x[:, :2]
        y.mul_(3.0)
        return x, y


class ZerosLikeOut(nn.Module):
    """A constant output beside a computed one (--missing-outputs-as-constants)."""

    def forward(self, x):
        return x * 2.0, torch.zeros_like(x)


class CopyIntoSlice(nn.Module):
    """copy_ of a broadcast, cast value into a slice of a computed tensor."""

    def forward(self, x, y):
        z = x * 1.0
        z[:, 1:3].copy_(y.to(torch.int32))
        return z


class CopyIntoConstant(nn.Module):
    """copy_ into a buffer built from constants: the result is what was copied, broadcast."""

    def forward(self, x):
        buf = torch.zeros(2, 6, 5)
        buf[:, :, :3].copy_(x[:, :1, :3])
        return buf + x


class IndexPutRows(nn.Module):
    def forward(self, x, v):
        z = x.clone()
        z[torch.tensor([0, 3, 1])] = v
        return z


class IndexPut2d(nn.Module):
    def forward(self, x, v):
        z = x.clone()
        z[torch.tensor([0, 2, 1]), torch.tensor([4, 0, 3])] = v
        return z


class IndexPutScalar(nn.Module):
    def forward(self, x):
        z = x.clone()
        z[torch.tensor([0, 1]), :, torch.tensor([1, 4])] = 0.5
        return z


class ScatterSrc(nn.Module):
    def forward(self, x, src):
        idx = torch.tensor([[0, 2, 1, 3], [3, 1, 0, 2]])
        return x.scatter(1, idx, src)


class ScatterValueNegDim(nn.Module):
    def forward(self, x, idx):
        return x.scatter(-1, idx, 2.0)


class ZeroDimInt(nn.Module):
    """A slice end taken from a 0-d tensor (int(tensor)), and a scale from float(tensor)."""

    def forward(self, x):
        n = torch.tensor(3)
        return x[:, :int(n)] * float(torch.tensor(0.5))


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
    "copy_into_slice": (CopyIntoSlice, [X3, (2, 1, 5)]),
    "copy_into_constant": (CopyIntoConstant, [X3]),
    "index_put_rows": (IndexPutRows, [(5, 4), (3, 4)]),
    "index_put_2d": (IndexPut2d, [(3, 5), (3,)]),
    "index_put_scalar": (IndexPutScalar, [(2, 3, 5)]),
    "scatter_src": (ScatterSrc, [(2, 5), (2, 4)]),
    "scatter_value_neg_dim": (ScatterValueNegDim, [(3, 6), {"shape": [3, 2], "dtype": "int64", "high": 6}]),
    "zero_dim_int": (ZeroDimInt, [X3]),
    "repeat_interleave_tensor": (f(lambda x: x.repeat_interleave(torch.tensor([1, 3, 0, 2]), dim=1)), [(2, 4, 3)]),
    "unfold_im2col": (f(lambda x: F.unfold(x, 3, padding=1, stride=2)), [X4]),
    "fold_col2im": (f(lambda x: F.fold(x, (4, 5), 2)), [(1, 8, 12)]),
    "repeat_interleave_flat": (f(lambda x: x.repeat_interleave(2)), [(2, 3)]),
    "unfold_dilated": (f(lambda x: F.unfold(x, (2, 3), dilation=2, stride=(1, 2))), [(2, 3, 7, 8)]),
    "fold_overlap_padded": (f(lambda x: F.fold(x, (5, 6), 3, padding=1, stride=2)), [(2, 18, 9)]),
    "constant_output": (ZerosLikeOut, [X3]),
    "constant_output_option": (ZerosLikeOut, [X3], {"convert_args": ["--missing-outputs-as-constants"]}),
    "sigmoid_inplace_slice": (InplaceSigmoidSlice, [X3]),
    "inplace_on_input": (InplaceOnInput, [X3]),
    "write_into_view_returned": (WriteIntoViewReturned, [X3]),
    "floor_divide_float_int": (f(lambda a, b: torch.floor_divide(a * 10.0, b + 1)),
                               [(3, 4), {"shape": [3, 4], "dtype": "int64", "high": 5}]),
    "int_from_shape": (f(lambda x, y: x[:, :int(y.shape[1] / 2)]), [X3, (2, 4)]),
}
