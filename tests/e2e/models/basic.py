"""Fixtures the foundation tests use: the bundled example, several inputs/outputs, and a
few single ops that tests load with chosen plugin sets."""
import torch
import torch.nn as nn


class Mlp(nn.Module):
    """The bundled example: linear layers, activations and scalar arithmetic."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 32)
        self.b = nn.Linear(32, 8)

    def forward(self, x):
        h = torch.relu(self.a(x))
        return torch.sigmoid(self.b(h)) * 2.0 - 1


class TwoInOut(nn.Module):
    """Two inputs, a tuple of two outputs, an int64 constant promoted to float."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x, y):
        s = self.fc(x) + y
        return torch.tanh(s), s * 3 - y


class Relu(nn.Module):
    def forward(self, x):
        return torch.relu(x)


class Hardshrink(nn.Module):
    """aten::hardshrink: the op of the plugin guide's example, which no first-party plugin
    translates; the `+ 1.0` is an op the installed ATen plugin does."""

    def forward(self, x):
        return torch.nn.functional.hardshrink(x, 0.3) + 1.0


class Neg(nn.Module):
    def forward(self, x):
        return -x


class Unsupported(nn.Module):
    """An op no first-party plugin translates (aten::erfinv) among ones they do."""

    def forward(self, x):
        return torch.relu(torch.erfinv(x * 0.5)) + 1


class ValueIf(nn.Module):
    """Scripted (not traced): a branch on a tensor's values, which no input shape decides."""

    def forward(self, x):
        if x.sum() > 0:
            return x * 2.0
        return x - 1.0


class ValueLoop(nn.Module):
    """Scripted: a while loop whose condition reads tensor values."""

    def forward(self, x):
        while bool(x.max() > 1.0):
            x = x * 0.5
        return x


FIXTURES = {
    "mlp": (Mlp, [(4, 16)]),
    "two_in_out": (TwoInOut, [(2, 8), (2, 8)]),
    "relu": (Relu, [(2, 3, 4)]),
    "hardshrink": (Hardshrink, [(2, 16)]),
    "neg": (Neg, [(3, 5)]),
    "unsupported": (Unsupported, [(2, 8)]),
    "value_if": (ValueIf, [(2, 8)], {"script": True}),
    "value_loop": (ValueLoop, [(2, 8)], {"script": True}),
}
