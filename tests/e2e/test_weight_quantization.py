"""Weight conversions of float models (docs/quantization.md): --dynamic-range (per tensor and
--hybrid-per-channel), --float16, --group-tensors, --dynamic-exclude. Each converted model runs in
LiteRT and is compared with the float PyTorch model on the same input; file sizes are compared
with the plain float conversion. Prints the measured errors and size ratios.

Tolerances (max abs error over max|reference|, per output):
  float16        1e-3  weights rounded to 11 significant bits (relative error <= 2^-11 ~ 4.9e-4 per
                       weight, of random sign, so dot products average it down); measured <= 1e-4.
  dynamic range  2e-2  weights rounded to 1/127 of their (channel's) largest magnitude and, in the
                       hybrid kernels, each input row to 1/255 of its range: up to ~1% on a small
                       layer, less on wide ones; measured <= 5e-3 on mobilenet_v2. A wrong scale
                       or kernel is off by >> 1.
  group-tensors  1e-4  the float tolerance: merging identical constants changes no arithmetic.
Size ratios: int8 weights are a quarter of float32 and float16 half, plus the unchanged graph,
float biases and (float16) the DEQUANTIZE entries: dynamic range <= 0.30, float16 0.45 .. 0.55.

Usage: test_weight_quantization.py CLI MODELS_DIR   (MODELS_DIR: tests/e2e/models, for zoo.py)
"""
import atexit
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

import oracle
import runner

CLI, MODELS = sys.argv[1:3]
sys.path.insert(0, MODELS)
import zoo  # noqa: E402  (randomised BatchNorm statistics for the torchvision model)

TMP = tempfile.mkdtemp(prefix="litecast-wq-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
TOL = {"float16": 1e-3, "dynamic": 2e-2, "exact": 1e-4}


class ConvNet(nn.Module):
    """Conv + BN + ReLU, depthwise, pointwise, pooling and two linear layers (a linear-heavy head,
    so that FULLY_CONNECTED weights dominate the file as in keyword-spotting models)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.ReLU(),
            nn.Conv2d(32, 64, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.features(x))


class TwinLinearBN(nn.Module):
    """Two equal linear layers, each followed by an equal BatchNorm1d: TorchScript pools the equal
    parameters, but folding each BatchNorm into its layer makes two equal weight and bias tensors."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(64, 64), nn.Linear(64, 64)
        self.b.load_state_dict(self.a.state_dict())
        self.bn_a, self.bn_b = nn.BatchNorm1d(64), nn.BatchNorm1d(64)
        with torch.no_grad():
            self.bn_a.running_var.uniform_(0.5, 2.0)
        self.bn_b.load_state_dict(self.bn_a.state_dict())

    def forward(self, x):
        return self.bn_b(self.b(torch.relu(self.bn_a(self.a(x)))))


class SharedConv(nn.Module):
    """One convolution applied twice: its weights are laid out (OIHW -> OHWI) once per use."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(16, 16, 3, padding=1)

    def forward(self, x):
        return self.c(torch.relu(self.c(x)))


def mobilenet_v2():
    return zoo.torchvision("mobilenet_v2")()


MODELS_UNDER_TEST = {
    "convnet": (ConvNet, (1, 3, 16, 16)),
    "mobilenet_v2": (mobilenet_v2, (1, 3, 64, 64)),
    "twin_linear_bn": (TwinLinearBN, (2, 64)),
    "shared_conv": (SharedConv, (1, 16, 8, 8)),
}
_traced = {}


def traced(name):
    """(path of the traced model, its input spec), traced once per run with fixed seeds."""
    if name not in _traced:
        factory, shape = MODELS_UNDER_TEST[name]
        torch.manual_seed(0)
        model = zoo.randomize_norms(factory().eval())
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            ts = torch.jit.trace(model, (x,))
        path = os.path.join(TMP, name + ".pt")
        ts.save(path)
        _traced[name] = (path, {"inputs": [{"shape": list(shape), "dtype": "float32"}]})
    return _traced[name]


def convert(name, tag, *args):
    pt, spec = traced(name)
    out = os.path.join(TMP, f"{name}-{tag}.tflite")
    if not os.path.exists(out):
        oracle.convert(CLI, pt, out, spec, args)
    return out


def relative_error(name, path):
    """max |LiteRT - PyTorch float| / max(1, max |PyTorch|) over the outputs, the worse of LiteRT
    with its default delegate (XNNPACK, which runs dynamic-range layers its own way) and with its
    builtin kernels only (the hybrid kernels the operator versions name)."""
    pt, spec = traced(name)
    inputs = oracle.make_inputs(spec)
    with torch.no_grad():
        want = oracle.flatten(torch.jit.load(pt)(*inputs))
    worst = 0.0
    for delegates in (True, False):
        got = oracle.run_litert(path, inputs, delegates=delegates)
        for g, w in zip(got, want):
            w = w.numpy().astype(np.float64)
            assert g.shape == w.shape, f"{name}: shape {g.shape} in LiteRT, {w.shape} in PyTorch"
            worst = max(worst, float(np.abs(g - w).max()) / max(1.0, float(np.abs(w).max())))
    return worst


def weights_by_op(path):
    """[(op name, weight dtype name, weight scales)] for the ops that have weights."""
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    out = []
    for op in it._get_ops_details():
        if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            w = tensors[op["inputs"][1]]
            out.append((op["op_name"], np.dtype(w["dtype"]).name, list(w["quantization_parameters"]["scales"])))
    return out


def check(name, tag, args, tol_key, size_range):
    base = convert(name, "float")
    out = convert(name, tag, *args)
    err = relative_error(name, out)
    ratio = os.path.getsize(out) / os.path.getsize(base)
    print(f"{name} {' '.join(args)}: max error {err:.3g} of output scale (tolerance {TOL[tol_key]:g}), "
          f"size {os.path.getsize(out)} / {os.path.getsize(base)} = {ratio:.3f}", flush=True)
    assert err <= TOL[tol_key], f"{name} {args}: error {err:.3g} exceeds {TOL[tol_key]:g}"
    lo, hi = size_range
    assert lo <= ratio <= hi, f"{name} {args}: size ratio {ratio:.3f} outside [{lo}, {hi}]"
    return out


def test_float_baseline_matches():
    for name in ("convnet", "mobilenet_v2"):
        err = relative_error(name, convert(name, "float"))
        print(f"{name} float: max error {err:.3g}")
        assert err <= TOL["exact"], f"{name}: float conversion off by {err:.3g}"


def test_dynamic_range_per_tensor():
    for name in ("convnet", "mobilenet_v2"):
        out = check(name, "dyn", ["--dynamic-range"], "dynamic", (0.0, 0.30))
        ops = weights_by_op(out)
        assert ops and all(dt == "int8" for _, dt, _ in ops), f"{name}: {ops}"
        # One scale per tensor; DEPTHWISE_CONV_2D repeats it per channel (LiteRT's hybrid kernel
        # reads one per channel).
        assert all(len(s) == 1 for op, _, s in ops if op != "DEPTHWISE_CONV_2D"), f"{name}: {ops}"
        assert all(len(set(s)) == 1 for op, _, s in ops), f"{name}: scales differ within a tensor"


def test_dynamic_range_per_channel():
    for name in ("convnet", "mobilenet_v2"):
        out = check(name, "dyn-pc", ["--hybrid-quantization-from-float", "--hybrid-per-channel"], "dynamic",
                    (0.0, 0.30))
        ops = weights_by_op(out)
        assert all(dt == "int8" for _, dt, _ in ops), f"{name}: {ops}"
        assert all(len(s) > 1 for op, _, s in ops if op != "FULLY_CONNECTED"), f"{name}: no per-channel weights: {ops}"
        assert all(len(s) == 1 for op, _, s in ops if op == "FULLY_CONNECTED"), f"{name}: FULLY_CONNECTED per channel"


def test_dynamic_range_symmetric_inputs_and_no_conv():
    check("convnet", "dyn-sym", ["--dynamic-range", "--no-hybrid-asymmetric-inputs"], "dynamic", (0.0, 0.30))
    out = check("convnet", "dyn-noconv", ["--dynamic-range", "--no-hybrid-conv"], "dynamic", (0.0, 0.40))
    ops = weights_by_op(out)
    assert all((dt == "int8") == (op == "FULLY_CONNECTED") for op, dt, _ in ops), ops


def test_dynamic_exclude_conv_keeps_convolutions_float():
    out = convert("convnet", "dyn-ex", "--dynamic-range", "--dynamic-exclude", "CONV_2D")
    ops = weights_by_op(out)
    print(f"convnet --dynamic-exclude CONV_2D: {[(op, dt) for op, dt, _ in ops]}")
    assert [dt for op, dt, _ in ops if op == "CONV_2D"] == ["float32", "float32"], ops
    assert all(dt == "int8" for op, dt, _ in ops if op != "CONV_2D"), ops
    err = relative_error("convnet", out)
    assert err <= TOL["dynamic"], err


def test_dynamic_exclude_unknown_entry_is_an_error():
    pt, spec = traced("convnet")
    out = os.path.join(TMP, "bad.tflite")
    r = oracle.convert(CLI, pt, out, spec, ["--dynamic-range", "--dynamic-exclude", "CONV_3D_NOPE"], check=False)
    err = r.stderr.strip()
    assert r.returncode != 0 and "--dynamic-exclude CONV_3D_NOPE" in err, err
    assert len(err.splitlines()) == 1, err
    assert not os.path.exists(out), "partial output left behind"


def test_float16():
    for name in ("convnet", "mobilenet_v2"):
        check(name, "fp16", ["--float16"], "float16", (0.45, 0.55))


def test_bfloat16_is_refused_with_advice():
    pt, spec = traced("convnet")
    out = os.path.join(TMP, "bf16.tflite")
    r = oracle.convert(CLI, pt, out, spec, ["--bfloat16-quantization"], check=False)
    assert r.returncode != 0 and "--float16" in r.stderr, r.stderr
    assert not os.path.exists(out)


def group_tensors_case(name, min_saved):
    base = convert(name, "float")
    pt, spec = traced(name)
    out = os.path.join(TMP, f"{name}-group.tflite")
    r = oracle.convert(CLI, pt, out, spec, ["--group-tensors", "--json"])
    saved = json.loads(r.stdout)["passes"].get("group_tensors.bytes_saved", 0)
    err = relative_error(name, out)
    shrink = os.path.getsize(base) - os.path.getsize(out)
    print(f"{name} --group-tensors: {saved} bytes saved (file {shrink} bytes smaller, "
          f"{os.path.getsize(out) / os.path.getsize(base):.3f} of float), max error {err:.3g}")
    assert saved >= min_saved, f"{name}: only {saved} bytes saved, expected {min_saved}"
    assert shrink >= min_saved, f"{name}: file only {shrink} bytes smaller"
    assert err <= TOL["exact"], err


def test_group_tensors():
    group_tensors_case("twin_linear_bn", 64 * 64 * 4 + 64 * 4)  # one folded weight matrix and bias
    group_tensors_case("shared_conv", 16 * 16 * 9 * 4)          # one laid-out weight tensor
    # With dynamic range the merged weights are quantized once.
    dyn = convert("twin_linear_bn", "group-dyn", "--dynamic-range", "--group-tensors")
    alone = convert("twin_linear_bn", "dyn", "--dynamic-range")
    assert os.path.getsize(alone) - os.path.getsize(dyn) >= 64 * 64, (os.path.getsize(alone), os.path.getsize(dyn))


class ScaledChannels(nn.Module):
    """A 1x1 convolution whose output channels differ in magnitude by 1000x."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 8, 1)
        with torch.no_grad():
            self.conv.weight.mul_(torch.logspace(-2, 1, 8).view(8, 1, 1, 1))
            self.conv.bias.zero_()

    def forward(self, x):
        return self.conv(x)


MODELS_UNDER_TEST["scaled_channels"] = (ScaledChannels, (1, 16, 8, 8))


def worst_channel_error(path):
    """max over output channels of max|LiteRT - PyTorch| / max|PyTorch| within that channel."""
    pt, spec = traced("scaled_channels")
    inputs = oracle.make_inputs(spec)
    with torch.no_grad():
        want = torch.jit.load(pt)(*inputs).numpy()
    worst = 0.0
    for delegates in (True, False):
        got = oracle.run_litert(path, inputs, delegates=delegates)[0]
        for c in range(want.shape[1]):
            worst = max(worst, float(np.abs(got[:, c] - want[:, c]).max() / np.abs(want[:, c]).max()))
    return worst


def test_per_channel_scales_serve_each_channel():
    """Per tensor, the smallest channel's weights round to zero (error ~1 within that channel);
    per channel, every channel keeps its precision. Shows that LiteRT reads each scale."""
    per_tensor = worst_channel_error(convert("scaled_channels", "dyn", "--dynamic-range"))
    per_channel = worst_channel_error(convert("scaled_channels", "dyn-pc", "--dynamic-range", "--hybrid-per-channel"))
    print(f"scaled_channels: worst per-channel error {per_tensor:.3g} per tensor, {per_channel:.3g} per channel")
    # Within one channel (a stricter measure than over the whole output) the input's 1/255 steps
    # weigh more: measured 1.2e-2, so 5e-2 here; per tensor the smallest channel is lost (1.0).
    assert per_channel <= 5e-2, f"per-channel weights off by {per_channel:.3g} within a channel"
    assert per_tensor > 0.5, f"per-tensor weights unexpectedly precise ({per_tensor:.3g}): is the model what it says?"


if __name__ == "__main__":
    sys.exit(runner.run("weight-quantization", [
        test_float_baseline_matches, test_dynamic_range_per_tensor, test_dynamic_range_per_channel,
        test_dynamic_range_symmetric_inputs_and_no_conv, test_dynamic_exclude_conv_keeps_convolutions_float,
        test_dynamic_exclude_unknown_entry_is_an_error, test_float16, test_bfloat16_is_refused_with_advice,
        test_group_tensors, test_per_channel_scales_serve_each_channel]))
