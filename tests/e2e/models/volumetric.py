"""Volumetric (3-d) ops on 5-D (N, C, D, H, W) inputs: convolutions (stride, padding as numbers and
'same', dilation, grouped, depthwise, no bias), transposed convolutions (stride, padding,
output_padding, dilation, groups), max and average pools (padding, ceil_mode, count_include_pad,
divisor_override), adaptive pools (to 1, dividing and uneven sizes; max with indices) and LocalResponseNorm, which
PyTorch computes with avg_pool3d. Model inputs and outputs stay NCDHW (nchw_transpose changes 4-D
ones only)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from _fn import f


def m(cls, *args, **kw):
    return lambda: cls(*args, **kw)


class Scripted(nn.Module):
    """F.conv3d / F.conv_transpose3d by name, once scripted."""

    def __init__(self, transposed):
        super().__init__()
        self.transposed = transposed
        self.w = nn.Parameter(torch.randn(4, 3, 3, 3, 3) * 0.2)

    def forward(self, x):
        if self.transposed:
            return F.conv_transpose3d(x, self.w, None, 2, 1, 1)
        return F.conv3d(x, self.w, None, 1, "same")


class Stack(nn.Module):
    """Two 3-D convolutions and a pool in a row: the transposes between them cancel."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv3d(3, 6, 3, padding=1)
        self.b = nn.Conv3d(6, 4, (1, 3, 3), stride=(1, 2, 2))
        self.p = nn.MaxPool3d(2, ceil_mode=True)

    def forward(self, x):
        return self.p(torch.relu(self.b(torch.relu(self.a(x)))))


X = (1, 3, 5, 7, 6)
FIXTURES = {
    "conv3d_basic": (m(nn.Conv3d, 3, 4, 3), [X]),
    "conv3d_pad_stride": (m(nn.Conv3d, 3, 5, 3, stride=2, padding=1), [(2, 3, 7, 8, 9)]),
    "conv3d_asymmetric": (m(nn.Conv3d, 3, 4, (1, 3, 5), stride=(1, 2, 1), padding=(0, 1, 2)), [X]),
    "conv3d_dilation": (m(nn.Conv3d, 2, 3, 3, dilation=(2, 1, 2), padding=(2, 1, 1), bias=False), [(1, 2, 7, 6, 8)]),
    "conv3d_same": (m(nn.Conv3d, 3, 4, (2, 3, 4), padding="same"), [X]),
    "conv3d_grouped": (m(nn.Conv3d, 4, 6, 3, groups=2, padding=1), [(1, 4, 4, 5, 5)]),
    "conv3d_depthwise": (m(nn.Conv3d, 4, 8, 3, groups=4, stride=(1, 2, 2)), [(1, 4, 5, 7, 7)]),
    "conv3d_1x1": (m(nn.Conv3d, 6, 2, 1), [(1, 6, 3, 4, 5)]),
    "conv_transpose3d_basic": (m(nn.ConvTranspose3d, 3, 4, 3), [(1, 3, 3, 4, 5)]),
    "conv_transpose3d_stride": (m(nn.ConvTranspose3d, 3, 2, 2, stride=2), [(2, 3, 3, 4, 4)]),
    "conv_transpose3d_pad_outpad": (m(nn.ConvTranspose3d, 3, 4, 3, stride=2, padding=1, output_padding=1),
                                    [(1, 3, 3, 4, 5)]),
    "conv_transpose3d_asymmetric": (m(nn.ConvTranspose3d, 2, 3, (1, 3, 4), stride=(1, 2, 3), padding=(0, 1, 1),
                                      output_padding=(0, 1, 2)), [(1, 2, 3, 4, 3)]),
    "conv_transpose3d_dilation": (m(nn.ConvTranspose3d, 2, 3, 3, stride=2, dilation=2, padding=2, bias=False),
                                  [(1, 2, 3, 3, 4)]),
    "conv_transpose3d_grouped": (m(nn.ConvTranspose3d, 4, 6, 3, stride=2, padding=1, groups=2), [(1, 4, 3, 3, 4)]),
    "scripted_conv3d": (lambda: torch.jit.script(Scripted(False)), [(1, 3, 4, 5, 6)]),
    "scripted_conv_transpose3d": (lambda: torch.jit.script(Scripted(True)), [(1, 4, 3, 4, 3)]),
    "conv3d_stack": (lambda: Stack(), [(1, 3, 6, 9, 9)]),
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
}


class AdaptiveMaxWithIndices(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.size = size

    def forward(self, x):
        y, i = F.adaptive_max_pool3d(x, self.size, return_indices=True)
        return y, i


FIXTURES.update({
    "adaptive_max_pool3d_indices": (lambda: AdaptiveMaxWithIndices((2, 3, 2)), [(2, 3, 4, 6, 6)]),
    "adaptive_max_pool3d_indices_1": (lambda: AdaptiveMaxWithIndices(1), [(1, 3, 3, 4, 5)]),
})


class TransposedRelu6(nn.Module):
    """A ReLU6 after a transposed 3-D convolution, fused into it as its activation."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose3d(3, 2, 2, stride=2)

    def forward(self, x):
        return F.relu6(self.up(x))


FIXTURES["conv_transpose3d_relu6"] = (lambda: TransposedRelu6(), [(1, 3, 2, 3, 3)])


class VideoNet(nn.Module):
    """A small video classifier the way such models are written: Conv3d + BatchNorm3d + ReLU
    stem, a max pool, a residual block, global average pooling and a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (3, 5, 5), stride=(1, 2, 2), padding=(1, 2, 2), bias=False),
                                  nn.BatchNorm3d(8), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
        self.block = nn.Sequential(nn.Conv3d(8, 8, 3, padding=1, bias=False), nn.BatchNorm3d(8), nn.ReLU(),
                                   nn.Conv3d(8, 8, 3, padding=1, bias=False), nn.BatchNorm3d(8))
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = torch.relu(x + self.block(x))
        return self.head(F.adaptive_avg_pool3d(x, 1).flatten(1))


def video_net():
    torch.manual_seed(0)
    m = VideoNet()
    for bn in m.modules():  # non-trivial running statistics
        if isinstance(bn, nn.BatchNorm3d):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
    return m


FIXTURES["video_net"] = (video_net, [(2, 3, 4, 16, 16)])


def up(**kw):
    return f(lambda x: F.interpolate(x, **kw))


FIXTURES.update({
    "upsample_nearest3d_scale": (up(scale_factor=2, mode="nearest"), [(1, 2, 3, 4, 5)]),
    "upsample_nearest3d_size": (up(size=(5, 7, 3), mode="nearest"), [(1, 2, 3, 4, 5)]),
    "upsample_nearest_exact3d": (up(size=(4, 6, 9), mode="nearest-exact"), [(1, 2, 3, 4, 5)]),
    "upsample_trilinear3d": (up(scale_factor=2, mode="trilinear"), [(1, 2, 3, 4, 5)]),
    "upsample_trilinear3d_align": (up(size=(5, 7, 4), mode="trilinear", align_corners=True), [(2, 2, 3, 4, 5)]),
    "upsample_trilinear3d_fraction": (up(scale_factor=(1.5, 1, 2.5), mode="trilinear"), [(1, 3, 4, 3, 2)]),
})
