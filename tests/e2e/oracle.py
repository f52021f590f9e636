"""The verification method in one place: convert a TorchScript fixture with `litecast
convert`, run the .tflite in LiteRT, run the same input through PyTorch, compare.

Float tolerance: max abs error <= 1e-4 * max(1, max|reference|), per output.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

try:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError:  # the fallback the setup script may have installed
    from tflite_runtime.interpreter import Interpreter, OpResolverType

NCHW_TO_NHWC = (0, 2, 3, 1)
NHWC_TO_NCHW = (0, 3, 1, 2)


class Failure(Exception):
    pass


def load_spec(fixtures, name):
    with open(os.path.join(fixtures, name + ".json")) as f:
        return json.load(f)


def make_inputs(spec, seed=1):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in spec["inputs"]:
        dtype = getattr(torch, i.get("dtype", "float32"))
        if dtype.is_floating_point:
            out.append(torch.randn(*i["shape"], generator=g, dtype=dtype))
        else:
            high = i.get("high", 2)
            out.append(torch.randint(0, high, tuple(i["shape"]), generator=g).to(dtype))
    return out


def flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    return [value]


def convert(cli, pt, out, spec, extra_args=(), check=True):
    cmd = [cli, "convert", pt, "-o", out]
    for i in spec["inputs"]:
        cmd += ["--input-shape", ",".join(str(d) for d in i["shape"])]
    if any(i.get("dtype", "float32") != "float32" for i in spec["inputs"]):
        for i in spec["inputs"]:
            cmd += ["--input-dtype", i.get("dtype", "float32")]
    cmd += list(extra_args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise Failure(f"litecast convert failed ({r.returncode}): {r.stderr.strip()}")
    return r


def run_litert(path, inputs, nchw_transpose=True, delegates=True):
    """delegates=False: LiteRT's builtin kernels only (no XNNPACK), e.g. its hybrid kernels."""
    kw = {} if delegates else {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    it = Interpreter(model_path=path, **kw)
    it.allocate_tensors()
    details = it.get_input_details()
    if len(details) != len(inputs):
        raise Failure(f"the .tflite has {len(details)} inputs, PyTorch {len(inputs)}")
    for d, x in zip(details, inputs):
        a = x.numpy()
        if nchw_transpose and a.ndim == 4:
            a = a.transpose(NCHW_TO_NHWC)
        # int64 inputs are INT32 in TFLite (the host narrows them), float64 FLOAT32.
        it.set_tensor(d["index"], np.ascontiguousarray(a.astype(d["dtype"])))
    it.invoke()
    outs = []
    for d in it.get_output_details():
        y = it.get_tensor(d["index"])
        if nchw_transpose and y.ndim == 4:
            y = y.transpose(NHWC_TO_NCHW)
        outs.append(y)
    return outs


def compare(name, got, want, rel_tol=1e-4):
    """Returns a report line; raises Failure when an output is off."""
    if len(got) != len(want):
        raise Failure(f"{name}: {len(got)} outputs from LiteRT, {len(want)} from PyTorch")
    worst = 0.0
    for k, (g, w) in enumerate(zip(got, want)):
        w = w.detach().numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
        if g.shape != w.shape:
            raise Failure(f"{name}: output {k} has shape {g.shape} in LiteRT, {w.shape} in PyTorch")
        if w.size == 0:
            continue
        err = float(np.abs(g.astype(np.float64) - w.astype(np.float64)).max())
        tol = rel_tol * max(1.0, float(np.abs(w).max()))
        if not err <= tol:
            raise Failure(f"{name}: output {k} max abs error {err:.3g} exceeds {tol:.3g}")
        worst = max(worst, err / tol)
    return f"{name}: {len(want)} output(s) match, worst error {worst:.3f} of tolerance"


def check_fixture(cli, fixtures, name, extra_args=(), rel_tol=1e-4, keep=None):
    """Converts fixture `name`, runs it in LiteRT and in PyTorch, compares; returns a report."""
    spec = load_spec(fixtures, name)
    pt = os.path.join(fixtures, name + ".pt")
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or os.path.join(tmp, name + ".tflite")
        convert(cli, pt, out, spec, extra_args)
        inputs = make_inputs(spec)
        model = torch.jit.load(pt)
        with torch.no_grad():
            want = flatten(model(*inputs))
        nchw = "--no-nchw-transpose" not in extra_args
        got = run_litert(out, inputs, nchw_transpose=nchw)
    return compare(name, got, want, spec.get("rel_tol", rel_tol))
