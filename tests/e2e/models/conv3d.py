"""3-d convolutions on 5-D (N, C, D, H, W) inputs: plain (stride, padding as numbers and 'same',
dilation, grouped, depthwise, no bias) and transposed (stride, padding, output_padding, dilation,
groups), scripted forms, a stack whose transposes cancel, a fused activation, and a small video
classifier. Model inputs and outputs stay NCDHW (nchw_transpose changes 4-D ones only)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


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


class TransposedRelu6(nn.Module):
    """A ReLU6 after a transposed 3-D convolution, fused into it as its activation."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose3d(3, 2, 2, stride=2)

    def forward(self, x):
        return F.relu6(self.up(x))


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
    "conv_transpose3d_relu6": (lambda: TransposedRelu6(), [(1, 3, 2, 3, 3)]),
    "video_net": (video_net, [(2, 3, 4, 16, 16)]),
}
