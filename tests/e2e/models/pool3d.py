"""3-d pools and resizes on 5-D (N, C, D, H, W) inputs: max pools (padding, ceil_mode, dilation),
average pools (padding, ceil_mode, count_include_pad, divisor_override), adaptive pools (to 1,
dividing and uneven sizes; max with indices), LocalResponseNorm (which PyTorch computes with
avg_pool3d) and F.interpolate ('nearest', 'nearest-exact', 'trilinear')."""
import torch.nn as nn
import torch.nn.functional as F

from _fn import f


def m(cls, *args, **kw):
    return lambda: cls(*args, **kw)


class AdaptiveMaxWithIndices(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.size = size

    def forward(self, x):
        y, i = F.adaptive_max_pool3d(x, self.size, return_indices=True)
        return y, i


def up(**kw):
    return f(lambda x: F.interpolate(x, **kw))


X = (1, 3, 5, 7, 6)
FIXTURES = {
    "max_pool3d_basic": (m(nn.MaxPool3d, 2), [(1, 2, 4, 6, 6)]),
    "max_pool3d_pad_stride": (m(nn.MaxPool3d, 3, stride=2, padding=1), [(2, 3, 5, 7, 8)]),
    "max_pool3d_ceil": (m(nn.MaxPool3d, (2, 3, 3), stride=2, ceil_mode=True), [(1, 2, 5, 8, 9)]),
    "max_pool3d_asymmetric": (m(nn.MaxPool3d, (1, 3, 2), stride=(1, 2, 1), padding=(0, 1, 1)), [X]),
    "max_pool3d_dilation": (m(nn.MaxPool3d, 2, stride=1, dilation=2), [(1, 2, 5, 6, 6)]),
    "max_pool3d_dilation_pad_ceil": (m(nn.MaxPool3d, (2, 3, 2), stride=2, padding=1, dilation=(1, 2, 3),
                                       ceil_mode=True), [(1, 2, 5, 8, 9)]),
    "avg_pool3d_basic": (m(nn.AvgPool3d, 2), [(1, 2, 4, 6, 6)]),
    "avg_pool3d_pad_include": (m(nn.AvgPool3d, 3, 2, 1), [(1, 3, 5, 7, 8)]),
    "avg_pool3d_pad_exclude": (m(nn.AvgPool3d, 3, 2, 1, count_include_pad=False), [(1, 3, 5, 7, 8)]),
    "avg_pool3d_ceil_include": (m(nn.AvgPool3d, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 7, 8)]),
    "avg_pool3d_ceil_exclude": (m(nn.AvgPool3d, (2, 3, 3), 2, 1, ceil_mode=True, count_include_pad=False),
                                [(1, 2, 6, 7, 8)]),
    "avg_pool3d_divisor_override": (m(nn.AvgPool3d, 3, 2, 1, divisor_override=7), [(1, 2, 5, 6, 7)]),
    "adaptive_avg_pool3d_1": (m(nn.AdaptiveAvgPool3d, 1), [(2, 4, 3, 5, 6)]),
    "adaptive_avg_pool3d_dividing": (m(nn.AdaptiveAvgPool3d, (2, 3, 2)), [(1, 3, 4, 6, 6)]),
    "adaptive_avg_pool3d_uneven": (m(nn.AdaptiveAvgPool3d, (2, 3, 4)), [(1, 3, 5, 7, 6)]),
    "adaptive_max_pool3d_1": (m(nn.AdaptiveMaxPool3d, 1), [(2, 4, 3, 5, 6)]),
    "adaptive_max_pool3d_dividing": (m(nn.AdaptiveMaxPool3d, (1, 3, 2)), [(1, 3, 4, 6, 6)]),
    "adaptive_max_pool3d_uneven": (m(nn.AdaptiveMaxPool3d, (2, 3, 4)), [(2, 3, 5, 7, 6)]),
    "adaptive_max_pool3d_uneven_one_axis": (m(nn.AdaptiveMaxPool3d, (3, 2, 6)), [(1, 2, 7, 4, 6)]),
    "local_response_norm_params": (m(nn.LocalResponseNorm, 4, alpha=1e-3, beta=0.6, k=2.0), [(2, 5, 4, 6)]),
    "local_response_norm_3d": (f(lambda x: F.local_response_norm(x, 2)), [(2, 4, 6)]),
    "adaptive_max_pool3d_indices": (lambda: AdaptiveMaxWithIndices((2, 3, 2)), [(2, 3, 4, 6, 6)]),
    "adaptive_max_pool3d_indices_1": (lambda: AdaptiveMaxWithIndices(1), [(1, 3, 3, 4, 5)]),
    "upsample_nearest3d_scale": (up(scale_factor=2, mode="nearest"), [(1, 2, 3, 4, 5)]),
    "upsample_nearest3d_size": (up(size=(5, 7, 3), mode="nearest"), [(1, 2, 3, 4, 5)]),
    "upsample_nearest_exact3d": (up(size=(4, 6, 9), mode="nearest-exact"), [(1, 2, 3, 4, 5)]),
    "upsample_trilinear3d": (up(scale_factor=2, mode="trilinear"), [(1, 2, 3, 4, 5)]),
    "upsample_trilinear3d_align": (up(size=(5, 7, 4), mode="trilinear", align_corners=True), [(2, 2, 3, 4, 5)]),
    "upsample_trilinear3d_fraction": (up(scale_factor=(1.5, 1, 2.5), mode="trilinear"), [(1, 3, 4, 3, 2)]),
}
