"""A model written by our writer alone (tests/unit/write_sample_model.cpp: CONV_2D with fused
RELU6, ADD, MUL, constant weights) runs in LiteRT and gives what numpy computes."""
import os
import subprocess
import sys
import tempfile

import numpy as np

import oracle
import runner

WRITER = sys.argv[1]


def reference(x):
    w = (np.arange(4 * 3 * 3 * 2) % 7 / 7.0 - 0.4).astype(np.float32).reshape(4, 3, 3, 2)
    b = 0.1 * np.arange(4, dtype=np.float32)
    c = -0.2 * np.arange(4, dtype=np.float32)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    conv = np.zeros((1, 5, 5, 4), np.float64)
    for i in range(5):
        for j in range(5):
            patch = xp[0, i:i + 3, j:j + 3, :]
            conv[0, i, j, :] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2])) + b
    return (np.clip(conv, 0, 6) + c) * 0.5


def test_sample_model_runs_in_litert():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sample.tflite")
        subprocess.run([WRITER, path], check=True)
        x = np.random.default_rng(0).standard_normal((1, 5, 5, 2)).astype(np.float32)
        import torch
        (y,) = oracle.run_litert(path, [torch.from_numpy(x)], nchw_transpose=False)
        err = np.abs(y - reference(x)).max()
        assert err < 1e-5, f"max abs error {err}"


if __name__ == "__main__":
    sys.exit(runner.run("writer", [test_sample_model_runs_in_litert]))
