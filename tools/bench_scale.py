"""Benchmark: how `litecast convert` scales with weight bytes, from about 1 MB to 4 GB.

Synthetic models (stacks of Linear(w, w) with ReLU between, seeded random weights) are
converted as they are, with --float16 and with --dynamic-range. Each conversion's wall time
and peak RSS are printed as ratios to a floor measured in the same run, interleaved with it:
litecast_bench_floor, a process that only loads and freezes the same file with LibTorch
(torch::jit::freeze). The time and peak of loading alone (--load-only: reading the weights,
the least any converter does) are printed too.
Never asserts: speed is not a test.

Usage: bench_scale.py [--build build] [--work build/bench-scale] [--repeat 3] [--max-gib 4.5]
                      [--variants plain,float16,dynamic-range] [--json]
Models over 2 GiB are written in TFLite's large-model layout (chosen by litecast itself).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_convert import measure  # noqa: E402

# (layers, width): 1 MiB, 16 MiB, 128 MiB, 512 MiB, 2.25 GiB, 4 GiB of float32 weights.
SIZES = [(4, 256), (4, 1024), (8, 2048), (8, 4096), (9, 8192), (16, 8192)]
VARIANTS = {"plain": [], "float16": ["--float16"], "dynamic-range": ["--dynamic-range"]}

MAKE_MODEL = r"""
import sys, torch
layers, width, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
class Stack(torch.nn.Module):
    def __init__(self):
        super().__init__()
        gen = torch.Generator().manual_seed(5)
        self.layers = torch.nn.ModuleList()
        for _ in range(layers):
            lin = torch.nn.Linear(width, width)
            with torch.no_grad():
                lin.weight.uniform_(-width ** -0.5, width ** -0.5, generator=gen)
                lin.bias.zero_()
            self.layers.append(lin)
    def forward(self, x):
        for lin in self.layers:
            x = torch.relu(lin(x))
        return x
with torch.no_grad():
    torch.jit.trace(Stack().eval(), torch.zeros(1, width)).save(path)
"""


def weight_bytes(layers, width):
    return layers * (width * width + width) * 4


def human(n):
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-scale"))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--max-gib", type=float, default=4.5)
    p.add_argument("--variants", default="plain,float16,dynamic-range")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    variants = a.variants.split(",")
    for v in variants:
        if v not in VARIANTS:
            sys.exit(f"bench_scale.py: unknown variant '{v}' (known: {', '.join(VARIANTS)})")
    os.makedirs(a.work, exist_ok=True)
    python = os.path.join(ROOT, ".venv", "bin", "python")
    floor_bin = os.path.join(a.build, "litecast_bench_floor")
    cli = os.path.join(a.build, "litecast")
    rows = []
    if not a.json:
        head = f"{'weights':>10} {'load s':>7} {'load MiB':>9} {'floor s':>8} {'floor MiB':>10}"
        for v in variants:
            head += f" {v + ' time x':>20} {v + ' RSS x':>19}"
        print(head)
    for layers, width in SIZES:
        size = weight_bytes(layers, width)
        if size > a.max_gib * 2**30:
            continue
        # The model, its .tflite outputs and some slack must fit on disk.
        if shutil.disk_usage(a.work).free < 3.5 * size:
            print(f"{human(size):>10} skipped: not enough free disk in {a.work}", file=sys.stderr)
            continue
        pt = os.path.join(a.work, f"stack_{layers}x{width}.pt")
        if not os.path.exists(pt):
            subprocess.run([python, "-c", MAKE_MODEL, str(layers), str(width), pt], check=True,
                           stderr=subprocess.DEVNULL)
        row = {"weight_bytes": size, "layers": layers, "width": width}
        with tempfile.TemporaryDirectory(dir=a.work) as tmp:
            out = os.path.join(tmp, "out.tflite")
            floor_cmd = [floor_bin, pt]
            load_cmd = [floor_bin, "--load-only", pt]
            cmds = {v: [cli, "convert", pt, "-o", out, "--input-shape", f"1,{width}", *VARIANTS[v]] for v in variants}
            measure(floor_cmd)  # warm the page cache
            floor, load, conv = [], [], {v: [] for v in variants}
            for _ in range(a.repeat):  # interleaved, so machine load hits all alike
                load.append(measure(load_cmd))
                floor.append(measure(floor_cmd))
                for v in variants:
                    conv[v].append(measure(cmds[v]))
            ft = statistics.median(t for t, _ in floor)
            fm = statistics.median(m for _, m in floor)
            lt = statistics.median(t for t, _ in load)
            lm = statistics.median(m for _, m in load)
            row.update(floor_s=ft, floor_mib=fm, load_s=lt, load_mib=lm)
            line = f"{human(size):>10} {lt:7.2f} {lm:9.0f} {ft:8.2f} {fm:10.0f}"
            for v in variants:
                ct = statistics.median(t for t, _ in conv[v])
                cm = statistics.median(m for _, m in conv[v])
                row[v] = {"seconds": ct, "peak_mib": cm, "time_ratio": ct / ft, "rss_ratio": cm / fm,
                          "extra_mib_over_floor": cm - fm, "extra_mib_over_load": cm - lm}
                line += f" {ct / ft:19.2f}x {cm / fm:18.2f}x"
        rows.append(row)
        if not a.json:
            print(line, flush=True)
    if a.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
