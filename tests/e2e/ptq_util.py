"""Shared by the `litecast quantize` tests: running the command and measuring SQNR."""
import os
import subprocess

import numpy as np

import oracle


def run_quantize(cli, model, out, data, *args, check=True):
    """`litecast quantize MODEL -o OUT --calibration-data DATA --json ARGS`, one thread."""
    cmd = [cli, "quantize", model, "-o", out, "--calibration-data", data, "--json", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed: {r.stderr.strip()}")
    return r


def sqnr_db(want, got):
    """10 log10 of signal power over error power (inf for no error)."""
    want = np.asarray(want, np.float64)
    err = float(np.sum((want - np.asarray(got, np.float64)) ** 2))
    return float("inf") if err == 0 else float(10 * np.log10(float(np.sum(want ** 2)) / err))


def litert_sqnr(path, xs, want):
    """The .tflite's output in LiteRT, one sample at a time, against `want`, in dB."""
    got = np.concatenate([oracle.run_litert(path, [xs[i:i + 1]])[0] for i in range(len(xs))])
    return sqnr_db(want, got)
