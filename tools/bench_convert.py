"""Benchmark: whole-process wall time and peak RSS of `litecast convert`, next to a floor
measured in the same run (litecast_bench_floor: a process that only loads and freezes the
same .pt with LibTorch). Prints ratios, never asserts: speed is not a test.

Usage: bench_convert.py [--build build] [--fixtures DIR] [--repeat 5] [--models mobilenet_v2,resnet18]
                        [--convert-args="--dynamic-range ..."]   (passed to every conversion)
                        [--op-counts]   (also convert every zoo model once and print its operator count)
Quantized torchvision models are fixtures too: --models q_mobilenet_v2,q_resnet18.
Targets: time <= 1.15x the floor on mobilenet_v2 and resnet50, 1.3x on vit_b_16 (issue 11); peak RSS
<= 1.3x (issue 3). Peak RSS comes from wait4, which counts this (small) process's pages at the spawn too.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def measure(cmd):
    """Runs cmd; returns (wall seconds, peak RSS MiB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1) or (os.waitstatus_to_exitcode(status) == 1 and "error" in err):
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.strip()}")
    return wall, usage.ru_maxrss / 1024.0


def shape_args(fixtures, name):
    with open(os.path.join(fixtures, name + ".json")) as f:
        spec = json.load(f)
    args = []
    for i in spec["inputs"]:
        args += ["--input-shape", ",".join(str(d) for d in i["shape"])]
    return args


def ensure_fixtures(fixtures, names):
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(HERE, "make_fixtures.py"), fixtures,
                    *names], check=True, stdout=subprocess.DEVNULL)


def bench(build, fixtures, name, repeat, out_dir, extra=()):
    pt = os.path.join(fixtures, name + ".pt")
    floor_cmd = [os.path.join(build, "litecast_bench_floor"), pt]
    conv_cmd = [os.path.join(build, "litecast"), "convert", pt, "-o", os.path.join(out_dir, name + ".tflite"),
                *shape_args(fixtures, name), *extra]
    measure(floor_cmd)  # warm the page cache for both
    floor, conv = [], []
    for _ in range(repeat):  # interleaved, so machine load hits both alike
        floor.append(measure(floor_cmd))
        conv.append(measure(conv_cmd))
    ft = statistics.median(t for t, _ in floor)
    fm = statistics.median(m for _, m in floor)
    ct = statistics.median(t for t, _ in conv)
    cm = statistics.median(m for _, m in conv)
    return ft, fm, ct, cm


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--fixtures", default=os.path.join(ROOT, "build", "fixtures"))
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--models", default="mobilenet_v2,resnet18")
    p.add_argument("--convert-args", default="")
    p.add_argument("--op-counts", action="store_true")
    a = p.parse_args()
    names = a.models.split(",")
    ensure_fixtures(a.fixtures, names)
    print(f"{'model':<16} {'floor s':>8} {'convert s':>10} {'time x':>7} {'floor MiB':>10} {'convert MiB':>12} "
          f"{'RSS x':>6}")
    with tempfile.TemporaryDirectory() as out:
        for name in names:
            ft, fm, ct, cm = bench(a.build, a.fixtures, name, a.repeat, out, a.convert_args.split())
            print(f"{name:<16} {ft:8.2f} {ct:10.2f} {ct / ft:7.2f} {fm:10.0f} {cm:12.0f} {cm / fm:6.2f}", flush=True)
        if a.op_counts:
            sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "models"))
            import zoo  # noqa: E402
            ensure_fixtures(a.fixtures, list(zoo.FIXTURES))
            print(f"\n{'zoo model':<22} {'operators':>9} {'TRANSPOSE':>9}  histogram")
            for name in zoo.FIXTURES:
                cmd = [os.path.join(a.build, "litecast"), "convert", os.path.join(a.fixtures, name + ".pt"), "-o",
                       os.path.join(out, name + ".tflite"), "--json", *shape_args(a.fixtures, name)]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{name:<22} {'failed':>9}  {r.stderr.strip()[:150]}")
                    continue
                j = json.loads(r.stdout)
                h = j["operator_histogram"]
                top = ", ".join(f"{k} {v}" for k, v in sorted(h.items(), key=lambda kv: -kv[1])[:5])
                print(f"{name:<22} {j['operators']:>9} {h.get('TRANSPOSE', 0):>9}  {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
