"""Pooling: max and average, 1-d and 2-d, with padding, ceil_mode, count_include_pad and
divisor_override; adaptive average (1x1, dividing and uneven sizes) and adaptive max (with
indices)."""
import torch.nn as nn
import torch.nn.functional as F


def module(cls, *args, **kw):
    return lambda: cls(*args, **kw)


class AdaptiveMaxWithIndices(nn.Module):
    def __init__(self, size, one_d=False):
        super().__init__()
        self.size, self.one_d = size, one_d

    def forward(self, x):
        pool = F.adaptive_max_pool1d if self.one_d else F.adaptive_max_pool2d
        y, i = pool(x, self.size, return_indices=True)
        return y, i


def indices(size, one_d=False):
    return lambda: AdaptiveMaxWithIndices(size, one_d)


FIXTURES = {
    "max_pool2d_basic": (module(nn.MaxPool2d, 2), [(1, 3, 8, 8)]),
    "max_pool2d_pad_stride2": (module(nn.MaxPool2d, 3, stride=2, padding=1), [(2, 4, 9, 10)]),
    "max_pool2d_pad_same": (module(nn.MaxPool2d, 3, stride=1, padding=1), [(1, 2, 6, 7)]),
    "max_pool2d_ceil": (module(nn.MaxPool2d, 3, stride=2, ceil_mode=True), [(1, 3, 10, 10)]),
    "max_pool2d_ceil_pad": (module(nn.MaxPool2d, 3, stride=2, padding=1, ceil_mode=True), [(1, 3, 10, 11)]),
    "max_pool2d_asymmetric": (module(nn.MaxPool2d, (3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True),
                              [(1, 2, 9, 7)]),
    "max_pool1d": (module(nn.MaxPool1d, 3, stride=2, padding=1), [(2, 4, 11)]),
    "max_pool1d_ceil": (module(nn.MaxPool1d, 2, ceil_mode=True), [(1, 3, 9)]),
    "avg_pool2d_basic": (module(nn.AvgPool2d, 2), [(1, 3, 8, 8)]),
    "avg_pool2d_pad_include": (module(nn.AvgPool2d, 3, 2, 1), [(1, 3, 9, 10)]),
    "avg_pool2d_pad_exclude": (module(nn.AvgPool2d, 3, 2, 1, count_include_pad=False), [(1, 3, 9, 10)]),
    "avg_pool2d_stride1_exclude": (module(nn.AvgPool2d, 3, 1, 1, count_include_pad=False), [(1, 3, 6, 5)]),
    "avg_pool2d_ceil_include": (module(nn.AvgPool2d, 3, 2, 1, ceil_mode=True), [(1, 2, 10, 11)]),
    "avg_pool2d_ceil_exclude": (module(nn.AvgPool2d, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                                [(1, 2, 10, 11)]),
    "avg_pool2d_ceil_nopad": (module(nn.AvgPool2d, 2, ceil_mode=True), [(1, 2, 7, 9)]),
    "avg_pool2d_divisor_override": (module(nn.AvgPool2d, 3, 2, 1, divisor_override=5), [(1, 2, 8, 9)]),
    "avg_pool2d_asymmetric": (module(nn.AvgPool2d, (2, 3), stride=(1, 2), padding=(1, 1)), [(1, 2, 6, 9)]),
    "avg_pool1d_pad": (module(nn.AvgPool1d, 3, 2, 1), [(2, 3, 11)]),
    "avg_pool1d_ceil_exclude": (module(nn.AvgPool1d, 4, 3, 2, ceil_mode=True, count_include_pad=False),
                                [(1, 3, 12)]),
    "adaptive_avg_pool2d_1x1": (module(nn.AdaptiveAvgPool2d, 1), [(2, 8, 7, 5)]),
    "adaptive_avg_pool2d_dividing": (module(nn.AdaptiveAvgPool2d, (4, 2)), [(1, 3, 8, 6)]),
    "adaptive_avg_pool2d_uneven": (module(nn.AdaptiveAvgPool2d, (3, 4)), [(1, 3, 7, 10)]),
    "adaptive_avg_pool2d_one_axis": (module(nn.AdaptiveAvgPool2d, (5, 3)), [(1, 2, 5, 8)]),
    "adaptive_avg_pool2d_upsampling": (module(nn.AdaptiveAvgPool2d, (6, 6)), [(1, 2, 4, 5)]),
    "adaptive_avg_pool1d": (module(nn.AdaptiveAvgPool1d, 4), [(2, 3, 12)]),
    "adaptive_avg_pool1d_uneven": (module(nn.AdaptiveAvgPool1d, 3), [(1, 3, 10)]),
    "adaptive_avg_pool1d_1": (module(nn.AdaptiveAvgPool1d, 1), [(1, 5, 9)]),
    "adaptive_max_pool2d": (module(nn.AdaptiveMaxPool2d, (4, 3)), [(1, 3, 8, 6)]),
    "adaptive_max_pool2d_1x1": (module(nn.AdaptiveMaxPool2d, 1), [(2, 4, 5, 7)]),
    "adaptive_max_pool2d_indices": (indices((2, 3)), [(2, 3, 6, 9)]),
    "adaptive_max_pool1d_indices": (indices(4, one_d=True), [(1, 3, 12)]),
}
