"""Benchmark: the torchvision operators as converted, in LiteRT, against a floor run beside them.

Each case is converted with `litecast convert` and invoked in LiteRT (median of --repeat runs,
after one warm-up); it is printed as a ratio to its floor, measured in the same run:
  roi_align, sampling_ratio -1 (adaptive)   floor: the same boxes with sampling_ratio 2
  ps_roi_align, sampling_ratio -1            floor: roi_align -1 on a map of C_out channels
  deform_conv2d (offsets from a conv)        floor: the same model with an ordinary Conv2d
PyTorch's own time for each (eager, CPU) is printed beside it. Never asserts: speed is not a test.

Usage: bench_torchvision_ops.py [--build build] [--repeat 5] [--boxes 100] [--json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torchvision

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:
    from tflite_runtime.interpreter import Interpreter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def boxes(raw, size):
    xy = torch.sigmoid(raw[:, :2]) * size * 0.6
    wh = torch.sigmoid(raw[:, 2:]) * size * 0.4 + 1.0
    return torch.cat([torch.zeros_like(raw[:, :1]), xy, xy + wh], dim=1)


class RoiAlign(nn.Module):
    def __init__(self, ratio, ps=False, size=50):
        super().__init__()
        self.ratio, self.ps, self.size = ratio, ps, size

    def forward(self, x, raw):
        op = torchvision.ops.ps_roi_align if self.ps else torchvision.ops.roi_align
        return op(x, boxes(raw, self.size), (7, 7), 1.0, self.ratio)


class Deform(nn.Module):
    def __init__(self, deform):
        super().__init__()
        self.offset = nn.Conv2d(64, 18, 3, padding=1)
        self.conv = torchvision.ops.DeformConv2d(64, 64, 3, padding=1) if deform else nn.Conv2d(64, 64, 3, padding=1)
        self.deform = deform

    def forward(self, x):
        if self.deform:
            return self.conv(x, self.offset(x))
        return self.conv(x) + self.offset(x).sum(dim=1, keepdim=True)


def litert_ms(path, inputs, repeat):
    it = Interpreter(model_path=path)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x.numpy())
    it.invoke()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def torch_ms(model, inputs, repeat):
    with torch.no_grad():
        model(*inputs)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            model(*inputs)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(cli, work, name, model, inputs, repeat):
    torch.manual_seed(0)
    model = model.eval()
    pt, out = os.path.join(work, name + ".pt"), os.path.join(work, name + ".tflite")
    with torch.no_grad():
        torch.jit.trace(model, tuple(inputs), check_trace=False).save(pt)
    cmd = [cli, "convert", pt, "-o", out, "--no-nchw-transpose"]
    for x in inputs:
        cmd += ["--input-shape", ",".join(str(d) for d in x.shape)]
    subprocess.run(cmd, check=True, capture_output=True)
    return {"litert_ms": litert_ms(out, inputs, repeat), "torch_ms": torch_ms(model, inputs, repeat)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--boxes", type=int, default=100)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    cli = os.path.join(a.build, "litecast")
    g = torch.Generator().manual_seed(1)
    raw = torch.randn(a.boxes, 4, generator=g)
    image = torch.randn(1, 64, 50, 50, generator=g)
    cases = [
        ("roi_align adaptive", (RoiAlign(-1), [image, raw]), (RoiAlign(2), [image, raw])),
        ("ps_roi_align adaptive", (RoiAlign(-1, ps=True), [torch.randn(1, 3 * 49, 50, 50, generator=g), raw]),
         (RoiAlign(-1), [torch.randn(1, 3, 50, 50, generator=g), raw])),
        ("deform_conv2d 64->64 3x3 on 56x56", (Deform(True), [torch.randn(1, 64, 56, 56, generator=g)]),
         (Deform(False), [torch.randn(1, 64, 56, 56, generator=g)])),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for i, (name, case, floor) in enumerate(cases):
            f = measure(cli, work, f"floor{i}", floor[0], floor[1], a.repeat)
            c = measure(cli, work, f"case{i}", case[0], case[1], a.repeat)
            rows.append({"case": name, "litert_ms": round(c["litert_ms"], 2), "floor_ms": round(f["litert_ms"], 2),
                         "ratio": round(c["litert_ms"] / f["litert_ms"], 2), "torch_ms": round(c["torch_ms"], 2)})
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        print(f"{r['case']:<36} LiteRT {r['litert_ms']:8.2f} ms = {r['ratio']:5.2f} x floor ({r['floor_ms']:.2f} ms);"
              f" PyTorch {r['torch_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
