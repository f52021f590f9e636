"""LiteRT latency and operator counts of a 2-layer, 128-unit LSTM (batch 1, 32 steps, 128
features) converted fused, fused with --dynamic-range, unrolled, and unrolled with separated
gates. Median of repeated invocations after a warm-up; one thread; the default delegates.

Usage: bench_rnn.py LITECAST [--steps 32] [--runs 200]
"""
import argparse
import collections
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:
    from tflite_runtime.interpreter import Interpreter
import tflite


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(128, 128, 2, batch_first=True)

    def forward(self, x):
        return self.lstm(x)[0]


def op_counts(path):
    m = tflite.Model.GetRootAsModel(open(path, "rb").read(), 0)
    names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    g = m.Subgraphs(0)
    c = collections.Counter()
    for i in range(g.OperatorsLength()):
        oc = m.OperatorCodes(g.Operators(i).OpcodeIndex())
        c[names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?")] += 1
    return g.OperatorsLength(), dict(c)


def latency_ms(path, x, runs):
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    idx = it.get_input_details()[0]["index"]
    for _ in range(10):
        it.set_tensor(idx, x)
        it.invoke()
    times = []
    for _ in range(runs):
        it.set_tensor(idx, x)
        t = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cli")
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--runs", type=int, default=200)
    a = p.parse_args()
    torch.manual_seed(0)
    model = Net().eval()
    x = torch.randn(1, a.steps, 128)
    variants = {"fused": [], "fused --dynamic-range": ["--dynamic-range"], "unrolled": ["--unroll-rnn"],
                "unrolled, separated gates": ["--unroll-rnn", "--separated-rnn-gate-calc"]}
    with tempfile.TemporaryDirectory() as tmp:
        pt = os.path.join(tmp, "lstm.pt")
        with torch.no_grad():
            torch.jit.trace(model, (x,)).save(pt)
        for name, args in variants.items():
            out = os.path.join(tmp, name.replace(" ", "_").replace(",", "") + ".tflite")
            subprocess.run([a.cli, "convert", pt, "-o", out, "--input-shape", f"1,{a.steps},128", *args],
                           check=True, capture_output=True)
            n, counts = op_counts(out)
            ms = latency_ms(out, x.numpy(), a.runs)
            print(f"{name:<28} {n:>5} ops  {os.path.getsize(out) / 1024:8.1f} KiB  {ms:8.3f} ms  {counts}")


if __name__ == "__main__":
    main()
