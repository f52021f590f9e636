"""Convolutions: 1-d and 2-d, stride, padding (numbers, 'same', 'valid'), dilation, depthwise,
grouped, with and without bias, transposed (also grouped). Scripted modules reach the host as aten::conv1d,
aten::conv2d, aten::conv_transpose2d and aten::convolution instead of aten::_convolution."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv2d(*args, **kw):
    return lambda: nn.Conv2d(*args, **kw)


def conv1d(*args, **kw):
    return lambda: nn.Conv1d(*args, **kw)


def tconv2d(*args, **kw):
    return lambda: nn.ConvTranspose2d(*args, **kw)


def tconv1d(*args, **kw):
    return lambda: nn.ConvTranspose1d(*args, **kw)


class Scripted(nn.Module):
    """F.conv2d / F.conv1d / F.conv_transpose2d / torch.convolution by name, once scripted."""

    def __init__(self, op):
        super().__init__()
        self.op = op
        self.w2 = nn.Parameter(torch.randn(6, 2, 3, 3))
        self.w1 = nn.Parameter(torch.randn(6, 4, 3))
        self.wt = nn.Parameter(torch.randn(4, 5, 3, 3))
        self.b = nn.Parameter(torch.randn(6))

    def forward(self, x):
        if self.op == "conv2d":
            return F.conv2d(x, self.w2, self.b, 2, 1, 1, 2)
        if self.op == "conv2d_same":
            return F.conv2d(x, self.w2, self.b, 1, "same", 2, 2)
        if self.op == "conv1d":
            return F.conv1d(x, self.w1, self.b, 1, 2, 2, 2)
        if self.op == "conv_transpose2d":
            return F.conv_transpose2d(x, self.wt, None, 2, 1, 1)
        return torch.convolution(x, self.w2, self.b, [1, 1], [1, 0], [1, 1], False, [0, 0], 2)


def scripted(op):
    return lambda: torch.jit.script(Scripted(op))


FIXTURES = {
    "conv2d_basic": (conv2d(3, 8, 3), [(1, 3, 10, 10)]),
    "conv2d_stride_pad_same": (conv2d(4, 6, 3, stride=2, padding=1), [(2, 4, 11, 9)]),
    "conv2d_asymmetric": (conv2d(4, 6, (3, 5), stride=(2, 1), padding=(0, 2)), [(1, 4, 9, 8)]),
    "conv2d_explicit_pad": (conv2d(3, 4, 3, stride=2, padding=2), [(1, 3, 8, 9)]),
    "conv2d_large_pad": (conv2d(3, 4, 2, padding=3), [(1, 3, 5, 6)]),
    "conv2d_same_string": (conv2d(4, 8, (3, 4), padding="same"), [(1, 4, 7, 9)]),
    "conv2d_same_dilated": (conv2d(4, 5, 3, padding="same", dilation=(1, 2)), [(1, 4, 7, 9)]),
    "conv2d_valid_string": (conv2d(4, 5, 3, padding="valid", stride=3), [(1, 4, 10, 8)]),
    "conv2d_dilation": (conv2d(3, 5, 3, dilation=2, padding=2), [(1, 3, 9, 9)]),
    "conv2d_dilation_stride": (conv2d(3, 5, (3, 2), dilation=(2, 3), stride=2, padding=(1, 0)), [(1, 3, 12, 11)]),
    "conv2d_no_bias": (conv2d(3, 4, 3, bias=False, padding=1), [(2, 3, 6, 6)]),
    "conv2d_1x1": (conv2d(8, 4, 1), [(1, 8, 5, 5)]),
    "conv2d_depthwise": (conv2d(8, 8, 3, groups=8, padding=1), [(1, 8, 7, 7)]),
    "conv2d_depthwise_multiplier": (conv2d(4, 12, 3, groups=4, stride=2), [(1, 4, 9, 9)]),
    "conv2d_depthwise_explicit_pad": (conv2d(6, 6, 5, groups=6, padding=1, bias=False), [(1, 6, 8, 8)]),
    "conv2d_grouped": (conv2d(8, 12, 3, groups=4, padding=1), [(1, 8, 6, 6)]),
    "conv2d_grouped_1x1": (conv2d(6, 4, 1, groups=2), [(2, 6, 5, 4)]),
    "conv2d_grouped_stride_pad": (conv2d(6, 9, 3, groups=3, stride=2, padding=2, bias=False), [(1, 6, 9, 8)]),
    "conv1d_basic": (conv1d(4, 8, 3, padding=1), [(2, 4, 10)]),
    "conv1d_stride_dilation": (conv1d(3, 6, 5, stride=2, dilation=2, padding=3), [(1, 3, 17)]),
    "conv1d_same_string": (conv1d(3, 6, 4, padding="same"), [(1, 3, 9)]),
    "conv1d_depthwise": (conv1d(6, 6, 3, groups=6), [(1, 6, 12)]),
    "conv1d_grouped": (conv1d(6, 4, 3, groups=2, bias=False), [(1, 6, 12)]),
    "conv_transpose2d_basic": (tconv2d(4, 6, 3), [(1, 4, 5, 5)]),
    "conv_transpose2d_stride_pad": (tconv2d(4, 6, 3, stride=2, padding=1), [(1, 4, 5, 6)]),
    "conv_transpose2d_output_padding": (tconv2d(4, 6, 3, stride=2, padding=1, output_padding=1), [(1, 4, 5, 6)]),
    "conv_transpose2d_k4s2p1": (tconv2d(4, 3, 4, stride=2, padding=1), [(2, 4, 4, 5)]),
    "conv_transpose2d_dilation": (tconv2d(3, 5, 3, stride=2, dilation=2, padding=2, bias=False), [(1, 3, 4, 4)]),
    "conv_transpose2d_asymmetric": (tconv2d(4, 4, (3, 5), stride=(1, 2), padding=(0, 2), output_padding=(0, 1)),
                                    [(1, 4, 5, 6)]),
    "conv_transpose2d_outpad_beyond_pad": (tconv2d(2, 3, 3, stride=3, output_padding=2), [(1, 2, 4, 3)]),
    "conv_transpose2d_grouped": (tconv2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), [(1, 4, 5, 4)]),
    "conv_transpose2d_depthwise": (tconv2d(4, 4, 4, stride=2, padding=1, groups=4, bias=False), [(1, 4, 3, 5)]),
    "conv_transpose1d_grouped": (tconv1d(6, 3, 3, stride=2, groups=3), [(1, 6, 5)]),
    "conv_transpose1d": (tconv1d(4, 6, 5, stride=3, padding=2, output_padding=2), [(1, 4, 7)]),
    "conv_transpose1d_plain": (tconv1d(3, 2, 4), [(2, 3, 6)]),
    "scripted_conv2d": (scripted("conv2d"), [(1, 4, 7, 8)]),
    "scripted_conv2d_same": (scripted("conv2d_same"), [(1, 4, 7, 8)]),
    "scripted_conv1d": (scripted("conv1d"), [(1, 8, 9)]),
    "scripted_conv_transpose2d": (scripted("conv_transpose2d"), [(1, 4, 5, 5)]),
    "scripted_convolution": (scripted("convolution"), [(1, 4, 6, 5)]),
}
