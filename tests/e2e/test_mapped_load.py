"""Weights cross once: `litecast convert` maps the archive's tensor records from the .pt file
instead of reading them into fresh memory, passes unchanged weights to the writer as views of
LibTorch's storage, and writes large files directly. The results must be what PyTorch computes,
and the input file must stay as it was.

usage: test_mapped_load.py path/to/litecast
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

import oracle
import runner

CLI = sys.argv[1]
MIB = 1 << 20


class Net(torch.nn.Module):
    """conv+BN (folded at freeze: new weights), a 1x1 conv (OIHW is already OHWI: a view), a
    3x3 conv (permuted), attention (rows of in_proj passed on as slices) and a large Linear
    (a view of the mapped record)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 32, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(32)
        self.point = torch.nn.Conv2d(32, 64, 1)
        self.spatial = torch.nn.Conv2d(64, 64, 3, padding=1)
        self.attn = torch.nn.MultiheadAttention(64, 4, batch_first=True)
        self.fc = torch.nn.Linear(64 * 64, 1200)  # 19.7 MB: written directly
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        y = self.spatial(torch.relu(self.point(y)))  # [1, 64, 8, 8]
        seq = y.flatten(2).transpose(1, 2)  # [1, 64, 64]
        seq, _ = self.attn(seq, seq, seq, need_weights=False)
        return self.fc(seq.flatten(1))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def convert(pt, out, *extra, env=None):
    return subprocess.run([CLI, "convert", pt, "-o", out, "--input-shape", "1,3,8,8", *extra], capture_output=True,
                          text=True, env=env)


def test_mapped_weights_convert_exactly():
    torch.manual_seed(0)
    model = Net().eval()
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        ref = model(x).numpy()
    fc_bytes = model.fc.weight.numel() * 4
    with tempfile.TemporaryDirectory() as tmp:
        pt, out = os.path.join(tmp, "net.pt"), os.path.join(tmp, "net.tflite")
        with torch.no_grad():  # the fused attention op, as a deployed model traces
            torch.jit.trace(model, x, check_trace=False).save(pt)
        before = digest(pt)
        env = dict(os.environ, LITECAST_TIMING="1")
        r = convert(pt, out, env=env)
        assert r.returncode == 0, r.stderr
        m = re.search(r"load maps ([0-9.]+) MiB of the archive's records, reads ([0-9.]+) MiB", r.stderr)
        assert m, f"no mapping line in LITECAST_TIMING's output:\n{r.stderr}"
        mapped = float(m.group(1)) * MIB
        assert mapped >= fc_bytes, f"{mapped:.0f} bytes mapped, the Linear alone holds {fc_bytes}"
        assert digest(pt) == before, "the input .pt changed"
        (got,) = oracle.run_litert(out, [x])
        err = float(np.abs(got - ref).max() / np.abs(ref).max())
        assert err <= 1e-4, f"relative error {err:.2e} against PyTorch"
        print(f"  mapped {mapped / MIB:.2f} MiB, read {m.group(2)} MiB; relative error {err:.1e}")

        # The same bytes whether the file is written directly or through the page cache, and
        # whatever the layout.
        for direct in ("0", "1"):
            for layout in ([], ["--large-model-layout"]):
                again = os.path.join(tmp, f"again{direct}{len(layout)}.tflite")
                r = convert(pt, again, *layout, env=dict(os.environ, LITECAST_DIRECT_WRITE=direct))
                assert r.returncode == 0, r.stderr
                if not layout:
                    assert digest(again) == digest(out), f"LITECAST_DIRECT_WRITE={direct} wrote other bytes"
                else:
                    (got,) = oracle.run_litert(again, [x])
                    assert np.array_equal(got, oracle.run_litert(out, [x])[0]), "the large-model layout differs"


if __name__ == "__main__":
    sys.exit(runner.run("mapped_load", [test_mapped_weights_convert_exactly]))
