"""Benchmark: the Python API's per-call cost against the command line, same run, same model.

For each model (traced once beforehand, as a user's script would hold it):
  cli      torch.jit.save of the traced model + `litecast convert model.pt --example-input ...` as a
           subprocess (what a Python user did before the package existed)
  api      litecast.convert(traced, inputs, out): in process, the module handed over, no files but
           the .tflite
  api+trace  litecast.convert(nn.Module, ...): tracing included, as TFLiteConverter is used
Prints the median of --repeat runs and ratios api/cli; never asserts (speed is not a test). The
first API call loads the plugins (reported apart as 'first api call').

Usage: PYTHONPATH=build/python .venv/bin/python tools/bench_python.py [--repeat 5] [--models mlp,mobilenet_v2]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore", category=FutureWarning)

import litecast  # noqa: E402
from litecast import _paths  # noqa: E402


def models():
    import torchvision
    return {
        "mlp": (lambda: nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)), (4, 16)),
        "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), (1, 3, 224, 224)),
        "resnet18": (lambda: torchvision.models.resnet18(), (1, 3, 224, 224)),
    }


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--models", default="mlp,mobilenet_v2")
    a = p.parse_args()
    table = models()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.tflite")
        first = None
        print(f"{'model':<14} {'cli s':>8} {'api s':>8} {'api+trace s':>12} {'api/cli':>8} {'api+trace/cli':>14}")
        for name in a.models.split(","):
            factory, shape = table[name]
            torch.manual_seed(0)
            model = factory().eval()
            x = torch.randn(*shape)
            with torch.no_grad():
                traced = torch.jit.trace(model, x)
            if first is None:
                start = time.perf_counter()
                litecast.convert(traced, x, out)
                first = time.perf_counter() - start
            pt, ex = os.path.join(tmp, "m.pt"), os.path.join(tmp, "x.pt")

            def cli():
                traced.save(pt)
                torch.save((x,), ex)
                subprocess.run([_paths.CLI, "convert", pt, "-o", out, "--example-input", ex], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})

            t_cli = timed(cli, a.repeat)
            t_api = timed(lambda: litecast.convert(traced, x, out), a.repeat)
            t_trace = timed(lambda: litecast.convert(model, x, out), a.repeat)
            print(f"{name:<14} {t_cli:8.3f} {t_api:8.3f} {t_trace:12.3f} {t_api / t_cli:8.2f} {t_trace / t_cli:14.2f}")
        print(f"first api call of the process (plugins loaded): {first:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
