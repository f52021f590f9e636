"""A model over 2 GiB: nine Linear(8192, 8192) layers, 2.25 GiB of float weights.

FlatBuffers cannot address past 2 GiB, so `litecast convert` must choose TFLite's
large-model layout (weights after the flatbuffer) by itself. The test checks that the file is
in that layout, that `litecast inspect` reads it without reading the weights, and that LiteRT
loads and runs it with a relative error of at most 1e-4 against PyTorch.

Needs about 7 GB of free disk beside the build and 12 GiB of available memory; where the
machine has less, it says so and is skipped (exit code 77).

usage: test_large_model.py path/to/litecast [work-dir]
"""
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from oracle import Interpreter, OpResolverType

SKIP = 77
LAYERS, WIDTH = 9, 8192
GIB = 1 << 30


def available_memory():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


class Stack(torch.nn.Module):
    def __init__(self):
        super().__init__()
        gen = torch.Generator().manual_seed(11)
        bound = 1.0 / WIDTH**0.5
        self.layers = torch.nn.ModuleList()
        for _ in range(LAYERS):
            lin = torch.nn.Linear(WIDTH, WIDTH)
            with torch.no_grad():
                lin.weight.uniform_(-bound, bound, generator=gen)
                lin.bias.uniform_(-bound, bound, generator=gen)
            self.layers.append(lin)

    def forward(self, x):
        for i, lin in enumerate(self.layers):
            x = lin(x)
            if i + 1 < LAYERS:
                x = torch.relu(x)
        return x


def main():
    cli = sys.argv[1]
    work_parent = sys.argv[2] if len(sys.argv) > 2 else None
    if work_parent:
        os.makedirs(work_parent, exist_ok=True)
    probe = work_parent or tempfile.gettempdir()
    free = shutil.disk_usage(probe).free
    mem = available_memory()
    if free < 7 * 10**9:
        print(f"SKIP: {free / 1e9:.1f} GB free in {probe}; this test writes about 5 GB")
        return SKIP
    if mem < 12 * GIB:
        print(f"SKIP: {mem / GIB:.1f} GiB of memory available; this test needs about 12 GiB")
        return SKIP

    with tempfile.TemporaryDirectory(dir=work_parent) as tmp:
        pt, out = os.path.join(tmp, "stack.pt"), os.path.join(tmp, "stack.tflite")
        start = time.time()
        with torch.no_grad():
            model = Stack().eval()
            x = torch.randn(1, WIDTH, generator=torch.Generator().manual_seed(3))
            torch.jit.trace(model, x).save(pt)
            ref = model(x).numpy()
        weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        del model
        print(f"fixture: {weight_bytes / GIB:.2f} GiB of weights, {os.path.getsize(pt) / GIB:.2f} GiB file, "
              f"{time.time() - start:.1f} s")

        start = time.time()
        # litecast's own peak (VmHWM, from LITECAST_TIMING's write line): a wait4 or getrusage
        # figure would include this process's memory at the spawn, and this process holds the model.
        r = subprocess.run([cli, "convert", pt, "-o", out, "--input-shape", f"1,{WIDTH}"], capture_output=True,
                           text=True, env=dict(os.environ, LITECAST_TIMING="1"))
        peak = re.search(r"timing: write .* peak +([0-9.]+) MiB", r.stderr)
        rss = float(peak.group(1)) * (1 << 20) if peak else float("nan")
        print(f"convert: exit {r.returncode}, {time.time() - start:.1f} s, peak RSS {rss / GIB:.2f} GiB "
              f"({rss / weight_bytes:.2f}x the weights)")
        if r.returncode != 0:
            print(r.stderr)
            return 1
        os.remove(pt)
        size = os.path.getsize(out)
        if size <= 2 * GIB:
            print(f"FAIL: {out} is {size} bytes, expected more than 2 GiB")
            return 1

        r = subprocess.run([cli, "inspect", out, "--json"], capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: inspect:", r.stderr)
            return 1
        info = json.loads(r.stdout)
        if not info.get("large_model_layout"):
            print("FAIL: inspect does not report the large-model layout")
            return 1
        if info["buffer_bytes"] < weight_bytes:
            print(f"FAIL: inspect counts {info['buffer_bytes']} bytes of buffers, the weights are {weight_bytes}")
            return 1
        print(f"inspect: {info['operators']} operators, {info['buffer_bytes'] / GIB:.2f} GiB of buffers")

        # The reference kernels read the mapped weights in place; XNNPACK would repack them.
        it = Interpreter(model_path=out,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x.numpy())
        it.invoke()
        got = it.get_tensor(it.get_output_details()[0]["index"])
        err = float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-12))
        print(f"LiteRT vs PyTorch: relative error {err:.2e} (limit 1e-4)")
        return 0 if err <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
