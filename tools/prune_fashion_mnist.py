"""Pruning benchmark on real data: Fashion-MNIST (Debian's dataset-fashion-mnist), the workflow
TinyNeuralNetwork's users follow with its OneShotChannelPruner.

Trains a small inverted-residual CNN (or loads it from --model-cache), traces it, then for each
sparsity (0.25, 0.5, 0.75) and each metric (random, l1_norm, l2_norm, fpgm): `litecast prune`,
test accuracy right after pruning, one epoch of fine-tuning of the pruned TorchScript model in
PyTorch (train mode: BatchNorm statistics and dropout follow `.train()`), test accuracy again,
then `litecast convert` of the fine-tuned model (saved in eval mode) and its accuracy in LiteRT.
Prints one row per run with the parameters and MACs kept.

The issue that asked for it (issue 15) measured TinyNeuralNetwork at sparsity 0.5 with l2_norm
on a model of this kind: 0.276 of the parameters kept, 0.8466 after one epoch. --check exits 1
unless litecast at 0.5 with l2_norm keeps at most that share and reaches at least that accuracy,
and unless LiteRT agrees with PyTorch on every run (at most 0.1 point apart).

Usage: prune_fashion_mnist.py --cli build/litecast [--model-cache FILE] [--sparsity 0.5 ...]
                              [--metrics l2_norm ...] [--check] [--keep DIR]
Takes minutes (training and 12 fine-tuning epochs on the CPU); it is a benchmark, not a test.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import oracle  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)  # torch.jit's deprecation notices
DATA = "/usr/share/datasets/fashion-mnist"
TINYNN = {"params": 0.276, "accuracy": 0.8466}  # sparsity 0.5, l2_norm, one epoch (issue 15)
BATCH = 256
LITERT_BATCH = 500


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def data():
    def images(name):
        return (torch.tensor(read_idx(name), dtype=torch.float32).unsqueeze(1) / 255.0 - 0.2860) / 0.3530

    def labels(name):
        return torch.tensor(read_idx(name), dtype=torch.long)

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def conv_bn(cin, cout, k=1, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.residual = stride == 1 and cin == cout
        self.conv = nn.Sequential(conv_bn(cin, mid), conv_bn(mid, mid, 3, stride, groups=mid),
                                  conv_bn(mid, cout, act=False))

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.residual else y


class FashionNet(nn.Module):
    """28x28 -> 14x14 (stem) -> 7x7 (inverted residuals) -> 4x4 (the last 3x3 convolution,
    which feeds the classifier through global average pooling, as in the issue's model). Small
    enough for an epoch in well under a minute on one CPU core."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 24, 3, 2),
            InvertedResidual(24, 32, 2, 4),
            InvertedResidual(32, 32, 1, 4),
            conv_bn(32, 96, 3, 2),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(96, 10))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def train(model, x, y, epochs, lr, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(y) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=g)
        for i in range(0, len(y), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
    model.eval()


def accuracy(model, x, y):
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(y), 1000):
            right += int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
    return right / len(y)


def litert_accuracy(path, x, y):
    right = 0
    for i in range(0, len(y), LITERT_BATCH):
        out = oracle.run_litert(path, [x[i:i + LITERT_BATCH]])[0]
        right += int((np.argmax(out, 1) == y[i:i + LITERT_BATCH].numpy()).sum())
    return right / len(y)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"`{' '.join(cmd)}` failed: {r.stderr.strip()}")
    return r.stdout


def convert(cli, pt, tflite):
    run([cli, "convert", pt, "--input-shape", f"{LITERT_BATCH},1,28,28", "-o", tflite])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model-cache", help="state_dict of the trained float model: loaded when it exists, else written")
    ap.add_argument("--epochs", type=int, default=4, help="float training epochs (default 4)")
    ap.add_argument("--sparsity", type=float, nargs="+", default=[0.25, 0.5, 0.75])
    ap.add_argument("--metrics", nargs="+", default=["random", "l1_norm", "l2_norm", "fpgm"])
    ap.add_argument("--check", action="store_true", help="exit 1 below TinyNeuralNetwork's figures (see above)")
    ap.add_argument("--keep", help="keep the models in this directory")
    a = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA}: not found; install Debian's dataset-fashion-mnist (tools/setup.sh does)")
    torch.manual_seed(0)
    xtr, ytr, xte, yte = data()

    model = FashionNet()
    t0 = time.time()
    if a.model_cache and os.path.isfile(a.model_cache):
        model.load_state_dict(torch.load(a.model_cache))
        model.eval()
        how = f"loaded from {a.model_cache}"
    else:
        train(model, xtr, ytr, epochs=a.epochs, lr=4e-3, seed=1)
        if a.model_cache:
            torch.save(model.state_dict(), a.model_cache)
        how = f"trained {a.epochs} epochs in {time.time() - t0:.0f} s"
    acc_float = accuracy(model, xte, yte)

    tmp = a.keep or tempfile.mkdtemp(prefix="litecast-fashion-")
    os.makedirs(tmp, exist_ok=True)
    pt = os.path.join(tmp, "fashion.pt")
    with torch.no_grad():
        torch.jit.trace(model, xte[:1]).save(pt)
    float_tfl = os.path.join(tmp, "fashion.tflite")
    convert(a.cli, pt, float_tfl)
    acc_float_litert = litert_accuracy(float_tfl, xte, yte)
    print(f"FashionNet ({sum(p.numel() for p in model.parameters())} parameters, {how}): "
          f"test accuracy {acc_float:.4f} in PyTorch, {acc_float_litert:.4f} in LiteRT ({len(yte)} test images)")
    print(f"{'sparsity':>8} {'metric':<8} {'params':>7} {'MACs':>7} {'pruned':>7} {'tuned':>7} {'LiteRT':>7} {'secs':>5}")
    failed = []
    if abs(acc_float_litert - acc_float) > 0.001:
        failed.append(f"float: LiteRT {acc_float_litert:.4f}, PyTorch {acc_float:.4f}")
    for sparsity in a.sparsity:
        for metric in a.metrics:
            t0 = time.time()
            tag = f"{metric}_{sparsity}"
            cfg, pruned_pt, tuned_pt, tfl = (os.path.join(tmp, f"{tag}{ext}")
                                             for ext in (".yaml", ".pt", "_tuned.pt", "_tuned.tflite"))
            with open(cfg, "w") as f:
                f.write(f"sparsity: {sparsity}\nmetrics: {metric}\n")
            res = json.loads(run([a.cli, "prune", pt, "-c", cfg, "-o", pruned_pt, "--input-shape", "1,1,28,28",
                                  "--json", "-q"]))
            pruned = torch.jit.load(pruned_pt)
            acc_pruned = accuracy(pruned, xte, yte)
            torch.manual_seed(2)  # dropout's masks
            train(pruned, xtr, ytr, epochs=1, lr=2e-3, seed=2)
            acc_tuned = accuracy(pruned, xte, yte)
            pruned.eval()
            torch.jit.save(pruned, tuned_pt)
            convert(a.cli, tuned_pt, tfl)
            acc_litert = litert_accuracy(tfl, xte, yte)
            p, m = res["params"], res["macs"]
            kept_p, kept_m = p["after"] / p["before"], m["after"] / m["before"]
            print(f"{sparsity:>8} {metric:<8} {kept_p:>7.3f} {kept_m:>7.3f} {acc_pruned:>7.4f} {acc_tuned:>7.4f} "
                  f"{acc_litert:>7.4f} {time.time() - t0:>5.0f}", flush=True)
            if abs(acc_litert - acc_tuned) > 0.001:
                failed.append(f"{tag}: LiteRT {acc_litert:.4f}, PyTorch {acc_tuned:.4f}")
            if sparsity == 0.5 and metric == "l2_norm":
                if kept_p > TINYNN["params"]:
                    failed.append(f"{tag}: keeps {kept_p:.3f} of the parameters, TinyNeuralNetwork {TINYNN['params']}")
                if acc_tuned < TINYNN["accuracy"]:
                    failed.append(f"{tag}: {acc_tuned:.4f} after one epoch, TinyNeuralNetwork {TINYNN['accuracy']}")
    print(f"TinyNeuralNetwork (issue 15, its own model of this kind, 0.5 with l2_norm): parameters "
          f"{TINYNN['params']}, {TINYNN['accuracy']} after one epoch")
    if not a.keep:
        for f in os.listdir(tmp):
            os.remove(os.path.join(tmp, f))
        os.rmdir(tmp)
    for f in failed:
        print("FAIL: " + f)
    return 1 if a.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
