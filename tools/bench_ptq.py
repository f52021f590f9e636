"""Calibration throughput of `litecast quantize` against a plain LibTorch forward loop over the
same data (the floor, measured in the same run): torch.jit.load'ed model, eval, inference mode,
one forward per batch, in this process. litecast's figure is its own `calibration_seconds`
(LibTorch runs with the activations as extra outputs plus the algorithm's observation; not the
model import and conversion around it). The ratio printed is floor time / calibration time, i.e.
calibration throughput relative to the forward loop (the issue asks for at least 0.8).

Usage: .venv/bin/python tools/bench_ptq.py build/litecast [--models resnet18,mobilenet_v2] [--size 96]
       [--samples 64] [--algorithms minmax,l2] [--repeat 3]
Threads: both sides use the same intra-op thread count (OMP_NUM_THREADS, default here 1, as the
machines that run the tests are shared; set it to compare on an idle machine).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torchvision.models as tvm

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e", "models"))
import zoo  # noqa: E402

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--models", default="resnet18,mobilenet_v2")
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--algorithms", default="minmax,l2")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    threads = os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(int(threads))
    tmp = tempfile.mkdtemp(prefix="litecast-bench-ptq-")
    data = torch.randn(a.samples, 3, a.size, a.size, generator=torch.Generator().manual_seed(0))
    npy = os.path.join(tmp, "calib.npy")
    np.save(npy, data.numpy())
    print(f"{a.samples} samples of 3x{a.size}x{a.size}, batch 1, {threads} thread(s); best of {a.repeat}")
    for name in a.models.split(","):
        torch.manual_seed(0)
        model = zoo.randomize_norms(getattr(tvm, name)(weights=None)).eval()
        pt = os.path.join(tmp, name + ".pt")
        with torch.no_grad():
            torch.jit.trace(model, data[:1]).save(pt)
        loaded = torch.jit.load(pt).eval()
        floor = float("inf")
        with torch.inference_mode():
            for _ in range(2):  # the profiling executor settles after a few runs
                loaded(data[:1])
            for _ in range(a.repeat):
                t = time.perf_counter()
                for i in range(a.samples):
                    loaded(data[i:i + 1])
                floor = min(floor, time.perf_counter() - t)
        line = f"{name}: forward loop {floor:.2f} s"
        for alg in a.algorithms.split(","):
            best = float("inf")
            for _ in range(a.repeat):
                r = subprocess.run([a.cli, "quantize", pt, "-o", os.path.join(tmp, "q.tflite"), "--calibration-data",
                                    npy, "--algorithm", alg, "--json"], capture_output=True, text=True)
                if r.returncode:
                    sys.exit(f"{name} {alg}: {r.stderr.strip()}")
                best = min(best, json.loads(r.stdout)["calibration_seconds"])
            line += f"; {alg} calibration {best:.2f} s, throughput ratio {floor / best:.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
