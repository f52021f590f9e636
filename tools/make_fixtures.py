"""Makes the TorchScript fixtures the tests convert: small models with random weights and
fixed seeds, traced with Debian's torch (the same LibTorch version as the host).

Usage: make_fixtures.py OUTDIR [NAME ...]
Writes OUTDIR/NAME.pt and OUTDIR/NAME.json ({"inputs": [{"shape": [...], "dtype": "float32"}]})
for every fixture (or the named ones). Existing files newer than this script are kept.
"""
import json
import os
import sys

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


class Silu(nn.Module):
    """aten::silu: the op of the plugin guide's example (not in the first-party plugins' first set)."""

    def forward(self, x):
        return torch.nn.functional.silu(x) + 1.0


class Neg(nn.Module):
    def forward(self, x):
        return -x


class Slice(nn.Module):
    """An op no first-party plugin translates yet (aten::slice) among ones they do."""

    def forward(self, x):
        return torch.relu(x[:, :4]) + 1


FIXTURES = {
    "mlp": (Mlp, [((4, 16), "float32")]),
    "two_in_out": (TwoInOut, [((2, 8), "float32"), ((2, 8), "float32")]),
    "relu": (Relu, [((2, 3, 4), "float32")]),
    "silu": (Silu, [((2, 16), "float32")]),
    "neg": (Neg, [((3, 5), "float32")]),
    "slice": (Slice, [((2, 8), "float32")]),
}


def make(out_dir, name):
    cls, inputs = FIXTURES[name]
    torch.manual_seed(0)
    model = cls().eval()
    examples = tuple(torch.randn(*shape) for shape, _ in inputs)
    traced = torch.jit.trace(model, examples)
    pt = os.path.join(out_dir, name + ".pt")
    traced.save(pt + ".tmp")
    os.replace(pt + ".tmp", pt)
    spec = {"inputs": [{"shape": list(shape), "dtype": dtype} for shape, dtype in inputs]}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(spec, f)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    names = argv[2:] or sorted(FIXTURES)
    unknown = [n for n in names if n not in FIXTURES]
    if unknown:
        print("unknown fixtures: " + ", ".join(unknown), file=sys.stderr)
        return 2
    stamp = os.path.getmtime(__file__)
    made = 0
    for name in names:
        pt = os.path.join(out_dir, name + ".pt")
        if os.path.exists(pt) and os.path.getmtime(pt) > stamp:
            continue
        make(out_dir, name)
        made += 1
    print(f"fixtures: {made} made, {len(names) - made} up to date in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
