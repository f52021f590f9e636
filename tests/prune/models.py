"""Models the pruning tests trace: torchvision models with random weights and randomised
BatchNorm statistics (fixed seeds), a squeeze-excitation network, and two small models that
exercise the channel-dependency rules: `deps` (what must be pruned together) and `refusals`
(what must be left whole, and why).

MODELS = {name: (factory, input shape or list of shapes)}; a factory returns the eager model in
eval mode.
Models whose name ends in `_scripted` are saved with torch.jit.script instead of traced.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm
from torchvision.models.shufflenetv2 import channel_shuffle
from torchvision.ops import SqueezeExcitation

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "models"))
from zoo import randomize_norms  # noqa: E402


def torchvision(name):
    def make():
        torch.manual_seed(0)
        return randomize_norms(getattr(tvm, name)(weights=None)).eval()
    return make


class SEBlock(nn.Module):
    """Residual block with a conv-based squeeze-excitation (torchvision.ops)."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.se = SqueezeExcitation(c, c // 4)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.se(self.bn2(self.conv2(y)))
        return F.relu(x + y)


class LinearSE(nn.Module):
    """Squeeze-excitation with linear layers: pool, flatten, fc, fc, view back, multiply."""

    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c, c // 4)
        self.fc2 = nn.Linear(c // 4, c)

    def forward(self, x):
        b, c = x.shape[0], x.shape[1]
        s = F.adaptive_avg_pool2d(x, 1).flatten(1)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s.view(b, c, 1, 1)


class SENet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.block1 = SEBlock(32)
        self.down = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.block2 = SEBlock(64)
        self.se = LinearSE(64)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.block2(self.down(self.block1(self.stem(x))))
        x = self.se(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def senet():
    torch.manual_seed(0)
    return randomize_norms(SENet()).eval()


class Deps(nn.Module):
    """Concatenation (offsets), GroupNorm over one and over every channel, PReLU, depthwise
    convolution, split with sizes and re-concatenation, a grouped convolution (pruned group by
    group), LayerNorm and a linear layer over a channels-last tensor, flatten of 4x4 positions
    per channel into the classifier; a chunk of a concatenation of two layers of equal width
    (the layers are joined)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.c = nn.Conv2d(16, 8, 1)
        self.d = nn.Conv2d(16, 8, 1)
        self.e = nn.Conv2d(16, 16, 1)
        self.prelu = nn.PReLU(16)
        self.a = nn.Conv2d(16, 12, 1)
        self.b = nn.Conv2d(16, 20, 3, padding=1)
        self.gn = nn.GroupNorm(1, 32)
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.gn2 = nn.GroupNorm(32, 32)
        self.mix = nn.Conv2d(32, 24, 1)
        self.grouped = nn.Conv2d(24, 24, 3, padding=1, groups=4)
        self.pw = nn.Conv2d(24, 16, 1)
        self.ln = nn.LayerNorm(16)
        self.tok = nn.Linear(16, 16)
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.stem(x)
        u, v = torch.chunk(torch.cat([self.c(x), self.d(x)], 1), 2, dim=1)
        x = self.prelu(x + self.e(torch.cat([v * 2, u], 1)))
        y = torch.cat([self.a(x), self.b(x)], 1)
        y = self.gn2(self.dw(self.gn(y)))
        p, q = torch.split(y, [12, 20], dim=1)
        y = F.relu(self.mix(torch.cat([q, p], 1)))
        y = F.adaptive_avg_pool2d(self.pw(F.relu(self.grouped(y))), 4)
        t = self.tok(self.ln(y.permute(0, 2, 3, 1)))
        y = t.permute(0, 3, 1, 2)
        return self.head(y.reshape(y.size(0), -1))


def deps():
    torch.manual_seed(0)
    return Deps().eval()


class Refusals(nn.Module):
    """Each branch has a layer that must be left whole: a grouped convolution over the channels
    of two layers, a chunk of a concatenation, a channel shuffle (reshape that splits the
    channel axis), and a matmul; and a chunk of one layer's channels, which is pruned."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.ga = nn.Conv2d(16, 8, 1)
        self.gb = nn.Conv2d(16, 8, 1)
        self.grouped = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.halves = nn.Conv2d(16, 16, 1)
        self.left = nn.Conv2d(16, 6, 1)
        self.right = nn.Conv2d(16, 10, 1)
        self.shuffled = nn.Conv2d(16, 16, 1)
        self.attn = nn.Conv2d(16, 8, 1)
        self.ok = nn.Conv2d(16, 16, 1)
        self.out = nn.Conv2d(80, 4, 1)

    def forward(self, x):
        x = F.relu(self.stem(x))
        g = self.grouped(torch.cat([self.ga(x), self.gb(x)], 1))
        a, b = torch.chunk(self.halves(x), 2, dim=1)
        u, v = torch.chunk(torch.cat([self.left(x), self.right(x)], 1), 2, dim=1)
        s = self.shuffled(x)
        n, c, h, w = s.shape
        s = s.view(n, 4, c // 4, h, w).transpose(1, 2).reshape(n, c, h, w)
        q = self.attn(x).flatten(2)
        m = torch.matmul(q.transpose(1, 2), q).mean()
        y = F.relu(self.ok(x))
        return self.out(torch.cat([y, g, a, b, s, v, u], 1)) + m


def refusals():
    torch.manual_seed(0)
    return Refusals().eval()


class Shuffle(nn.Module):
    """Channel shuffles of concatenated layers: torchvision's channel_shuffle (sizes computed
    from the input) over two layers into a depthwise convolution, and one with constant view
    sizes over three layers (the sizes are rewritten)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.a = nn.Conv2d(16, 8, 1)
        self.b = nn.Conv2d(16, 8, 3, padding=1)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.c = nn.Conv2d(16, 4, 1)
        self.d = nn.Conv2d(16, 4, 1)
        self.e = nn.Conv2d(16, 4, 1)
        self.mix = nn.Conv2d(28, 8, 1)
        self.out = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        x = F.relu(self.stem(x))
        y = F.relu(self.dw(channel_shuffle(torch.cat([self.a(x), self.b(x)], 1), 2)))
        n, _, h, w = x.shape
        z = torch.cat([self.c(x), self.d(x), self.e(x)], 1).view(n, 3, 4, h, w)
        z = z.transpose(1, 2).reshape(n, 12, h, w)
        return self.out(F.relu(self.mix(torch.cat([y, z], 1))))


def shuffle():
    torch.manual_seed(0)
    return Shuffle().eval()


class TwoInOut(nn.Module):
    """Two inputs whose branches multiply (one group, two producers), two outputs, a mean over
    the spatial axes into a linear layer."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 16, 3, padding=1)
        self.b = nn.Conv2d(3, 16, 3, padding=1)
        self.mid = nn.Conv2d(16, 24, 3, padding=1)
        self.c = nn.Conv2d(24, 4, 1)
        self.fc = nn.Linear(24, 2)

    def forward(self, x, y):
        h = torch.relu(self.mid(torch.relu(self.a(x)) * torch.relu(self.b(y))))
        return self.c(h), self.fc(h.mean((2, 3)))


def two_in_out():
    torch.manual_seed(0)
    return TwoInOut().eval()


IMAGE = (1, 3, 64, 64)
MODELS = {
    "mobilenet_v2": (torchvision("mobilenet_v2"), IMAGE),
    "resnet18": (torchvision("resnet18"), IMAGE),
    "resnet18_scripted": (torchvision("resnet18"), IMAGE),
    "densenet121": (torchvision("densenet121"), IMAGE),
    # Channel shuffle after every unit: the units' outputs are left whole (see docs/pruning.md),
    # the branches' inner channels are pruned.
    "shufflenet_v2_x1_0": (torchvision("shufflenet_v2_x1_0"), IMAGE),
    "senet": (senet, (1, 3, 32, 32)),
    "deps": (deps, (1, 3, 16, 16)),
    "refusals": (refusals, (1, 3, 16, 16)),
    "shuffle": (shuffle, (1, 3, 16, 16)),
    "two_in_out": (two_in_out, [(1, 3, 16, 16), (1, 3, 16, 16)]),
}
