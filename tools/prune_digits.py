"""Prune-then-fine-tune, the normal workflow, on scikit-learn's digits (8x8 images, 10 classes).

Trains a small CNN for a few seconds in PyTorch (seeded), traces it, prunes 50% of its channels
with `litecast prune`, fine-tunes the pruned TorchScript model briefly in Python, converts it
with `litecast convert` and runs it in LiteRT. Prints the test accuracy in float, after pruning,
after fine-tuning and in LiteRT, with parameter and MAC counts. With --max-drop D, exits 1 when
the fine-tuned accuracy is more than D points below the float one.

Usage: prune_digits.py --cli build/litecast [--sparsity 0.5] [--max-drop 1.0] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import oracle  # noqa: E402


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.conv3 = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv2(self.conv1(x)), 2)
        x = self.conv3(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def data():
    d = load_digits()
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(d.target, dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    test, train = perm[:450], perm[450:]
    return x[train], y[train], x[test], y[test]


def train(model, x, y, epochs, lr, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=g)
        for i in range(0, len(y), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()


def accuracy(model, x, y):
    with torch.no_grad():
        return 100.0 * float((model(x).argmax(1) == y).float().mean())


def litert_accuracy(path, x, y):
    right = 0
    for i in range(len(y)):
        out = oracle.run_litert(path, [x[i:i + 1]])[0]
        right += int(np.argmax(out) == int(y[i]))
    return 100.0 * right / len(y)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"`{' '.join(cmd)}` failed: {r.stderr.strip()}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--sparsity", type=float, default=0.5)
    ap.add_argument("--max-drop", type=float, default=None)
    ap.add_argument("--keep", help="keep the models in this directory")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # reproducible reductions
    xtr, ytr, xte, yte = data()

    model = DigitsNet()
    train(model, xtr, ytr, epochs=15, lr=3e-3, seed=1)
    acc_float = accuracy(model, xte, yte)

    tmp = a.keep or tempfile.mkdtemp(prefix="litecast-digits-")
    os.makedirs(tmp, exist_ok=True)
    pt, pruned_pt, tuned_pt = (os.path.join(tmp, n) for n in ("digits.pt", "digits_pruned.pt", "digits_tuned.pt"))
    cfg = os.path.join(tmp, "prune.yaml")
    with open(cfg, "w") as f:
        f.write(f"sparsity: {a.sparsity}\nmetrics: l2_norm\n")
    torch.jit.trace(model, xte[:1]).save(pt)
    res = json.loads(run([a.cli, "prune", pt, "-c", cfg, "-o", pruned_pt, "--input-shape", "1,1,8,8", "--json", "-q"]))

    pruned = torch.jit.load(pruned_pt)
    acc_pruned = accuracy(pruned, xte, yte)
    train(pruned, xtr, ytr, epochs=8, lr=1e-3, seed=2)
    acc_tuned = accuracy(pruned, xte, yte)
    torch.jit.save(pruned, tuned_pt)

    tflite = os.path.join(tmp, "digits_tuned.tflite")
    run([a.cli, "convert", tuned_pt, "--input-shape", "1,1,8,8", "-o", tflite])
    acc_litert = litert_accuracy(tflite, xte, yte)

    p, m = res["params"], res["macs"]
    print(f"parameters {p['before']} -> {p['after']} (ratio {p['after'] / p['before']:.3f}), "
          f"MACs {m['before']} -> {m['after']} (ratio {m['after'] / m['before']:.3f})")
    print(f"accuracy on {len(yte)} test digits: float {acc_float:.2f}%, pruned {acc_pruned:.2f}%, "
          f"fine-tuned {acc_tuned:.2f}%, fine-tuned in LiteRT {acc_litert:.2f}%")
    failed = False
    if abs(acc_litert - acc_tuned) > 100.0 / len(yte) + 1e-9:
        print(f"FAIL: LiteRT accuracy {acc_litert:.2f}% differs from PyTorch's {acc_tuned:.2f}% by more than one digit")
        failed = True
    if a.max_drop is not None and acc_tuned < acc_float - a.max_drop:
        print(f"FAIL: fine-tuned accuracy {acc_tuned:.2f}% is more than {a.max_drop} points below float {acc_float:.2f}%")
        failed = True
    if not a.keep:
        for f in os.listdir(tmp):
            os.remove(os.path.join(tmp, f))
        os.rmdir(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
