"""Scripted models (torch.jit.script) whose control flow the input shapes decide: litecast keeps
the branch taken and unrolls loops (host/src/graph/control_flow.cpp). Each is converted and
compared in LiteRT like any other fixture. The one whose condition depends on tensor values
(`value_if` in basic.py) is an error test in test_cli_errors.py.
"""
import warnings
from typing import List, Optional

import torch
import torch.nn as nn

SCRIPT = {"script": True}


class DimBranch(nn.Module):
    """`if x.dim() == 4` (and the other branch for 2-D inputs)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(3, 8)

    def forward(self, x):
        if x.dim() == 4:
            return torch.relu(self.conv(x))
        else:
            return self.fc(x)


class ChannelBranch(nn.Module):
    """`if x.shape[1] == 3` with an elif and a raise in the branches not taken, and a
    warnings.warn in the one taken (dropped)."""

    def forward(self, x):
        if x.shape[1] == 3:
            warnings.warn("three channels")
            y = x * 2.0
        elif x.shape[1] == 1:
            y = x.repeat(1, 3, 1, 1)
        else:
            raise ValueError(f"expected 1 or 3 channels, got {x.shape[1]}")
        if x.shape[0] > 4:
            y = y[:4]
        return y + 1.0


class RangeLoop(nn.Module):
    """`for i in range(3)` using the counter, with a carried value."""

    def forward(self, x):
        for i in range(3):
            x = torch.tanh(x * 0.5 + float(i))
        return x


class ShapeLoop(nn.Module):
    """A trip count from a shape, and an early `break` (the loop's condition turns false)."""

    def forward(self, x):
        y = x
        for i in range(x.shape[1]):
            if i == 3:
                break
            y = y + x[:, i:i + 1]
        return y


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, scale: Optional[torch.Tensor] = None):
        y = self.conv(x)
        if scale is None:
            return torch.relu(y) + x
        return y * scale


class ModuleListLoop(nn.Module):
    """`for layer in self.layers` over a ModuleList, an optional argument left at its None
    default, a list built with append in a loop over a list of ints, and len() of it."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Block(4) for _ in range(3)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        parts: List[torch.Tensor] = []
        for k in [1, 2, 3]:
            parts.append(x * float(k))
        if len(parts) == 3:
            x = torch.cat(parts, 1)
        return x


class GrowingList(nn.Module):
    """DenseNet's pattern: a list read (by cat) between the appends of a loop."""

    def forward(self, x):
        feats = [x]
        for i in range(3):
            y = torch.cat(feats, 1).mean(1, keepdim=True)
            feats.append(y * float(i + 1))
        return torch.cat(feats, 1)


class ListOps(nn.Module):
    """Ops only scripted code has: list(x.shape), a list item set, max() of ints, dropout on
    self.training (constant once frozen), indexing of a shape list, an int loop over a list."""

    def forward(self, x):
        sizes = list(x.shape)
        sizes[1] = max(sizes[1] // 2, 1)
        h = x[:, : sizes[1]]
        h = torch.nn.functional.dropout(h, 0.5, self.training)
        total = 1
        for s in sizes[2:]:
            total *= s
        return h.reshape(sizes[0], sizes[1] * total) * float(len(sizes))


class CheckedInput(nn.Module):
    """torchvision's input checks: a raise with a formatted message in a branch not taken."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        if x.dim() != 2:
            raise ValueError(f"expected 2D input (got {x.dim()}D input)")
        if x.size(-1) != 16:
            raise ValueError("expected 16 features")
        return self.fc(x)


class WhileLoop(nn.Module):
    """A while loop whose condition is shape arithmetic: halves the width until it is 4."""

    def forward(self, x):
        while x.shape[-1] > 4:
            x = torch.nn.functional.avg_pool2d(x, 2)
        return x


FIXTURES = {
    "script_dim_branch": (DimBranch, [(1, 3, 8, 8)], SCRIPT),
    "script_dim_branch_2d": (DimBranch, [(2, 3)], SCRIPT),
    "script_channel_branch": (ChannelBranch, [(6, 3, 4, 4)], SCRIPT),
    "script_range_loop": (RangeLoop, [(2, 5)], SCRIPT),
    "script_shape_loop": (ShapeLoop, [(2, 6)], SCRIPT),
    "script_module_list": (ModuleListLoop, [(1, 4, 6, 6)], SCRIPT),
    "script_growing_list": (GrowingList, [(1, 2, 5, 5)], SCRIPT),
    "script_list_ops": (ListOps, [(2, 6, 3, 4)], SCRIPT),
    "script_checked_input": (CheckedInput, [(3, 16)], SCRIPT),
    "script_while_loop": (WhileLoop, [(1, 2, 32, 32)], SCRIPT),
}
