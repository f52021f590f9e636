"""SQNR of `litecast quantize` against torch.ao's FX post-training quantization (per-channel
weights, the 'x86' qconfig mapping) on torchvision models, with the same calibration data.

Random weights (fixed seed) with randomised BatchNorm statistics; calibration and evaluation
images are Fashion-MNIST pictures (Debian's dataset-fashion-mnist; random normal data when it is
absent, said on stdout) resized to SIZE x SIZE, grey repeated on 3 channels, normalised. Prints,
per model, the SQNR in dB (10 log10 of signal power over error power, over all evaluation
outputs) of the int8 output against float PyTorch for each litecast algorithm (run in LiteRT)
and for torch.ao (run in PyTorch).

Usage: .venv/bin/python tools/ptq_sqnr.py build/litecast [--models resnet18,mobilenet_v2] [--size 96]
       [--calibration 64] [--eval 32]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models as tvm

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e", "models"))
import oracle  # noqa: E402
import zoo  # noqa: E402

warnings.filterwarnings("ignore")
FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def images(n, size, offset):
    if os.path.exists(FASHION):
        with gzip.open(FASHION) as g:
            x = np.frombuffer(g.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[offset:offset + n]
        t = torch.from_numpy(x.astype(np.float32) / 255.0)
        t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
        return (t - 0.45) / 0.25
    print("dataset-fashion-mnist is not installed: random normal images")
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(offset))


def sqnr(ref, got):
    ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
    return 10 * np.log10((ref ** 2).sum() / max(((ref - got) ** 2).sum(), 1e-30))


def torch_ao(model, calib, evals):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "x86"
    prepared = prepare_fx(model, get_default_qconfig_mapping("x86"), (calib[:1],))
    with torch.no_grad():
        for i in range(len(calib)):
            prepared(calib[i:i + 1])
        q = convert_fx(prepared)
        return torch.cat([q(evals[i:i + 1]) for i in range(len(evals))]).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--models", default="resnet18,mobilenet_v2")
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--calibration", type=int, default=64)
    ap.add_argument("--eval", type=int, default=32)
    a = ap.parse_args()
    torch.set_num_threads(1)
    calib, evals = images(a.calibration, a.size, 0), images(a.eval, a.size, 50000)
    tmp = tempfile.mkdtemp(prefix="litecast-sqnr-")
    np.save(os.path.join(tmp, "calib.npy"), calib.numpy())
    for name in a.models.split(","):
        torch.manual_seed(0)
        model = zoo.randomize_norms(getattr(tvm, name)(weights=None)).eval()
        with torch.no_grad():
            ref = torch.cat([model(evals[i:i + 1]) for i in range(len(evals))]).numpy()
            pt = os.path.join(tmp, name + ".pt")
            torch.jit.trace(model, evals[:1]).save(pt)
        row = {}
        for alg in ("minmax", "percentile", "l2", "kl"):
            out = os.path.join(tmp, f"{name}_{alg}.tflite")
            r = subprocess.run([a.cli, "quantize", pt, "-o", out, "--calibration-data",
                                os.path.join(tmp, "calib.npy"), "--algorithm", alg, "--json"],
                               capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
            if r.returncode:
                print(f"{name} {alg}: {r.stderr.strip()}")
                continue
            s = json.loads(r.stdout)
            got = np.concatenate([oracle.run_litert(out, [evals[i:i + 1]])[0] for i in range(len(evals))])
            row[alg] = sqnr(ref, got)
            if s["float_operators"]:
                print(f"{name} {alg}: float operators {s['float_operators']}")
        row["torch.ao (x86, per-channel)"] = sqnr(ref, torch_ao(model, calib, evals))
        print(f"{name} ({a.size}x{a.size}, {a.calibration} calibration / {a.eval} evaluation images), SQNR dB: " +
              ", ".join(f"{k} {v:.2f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
