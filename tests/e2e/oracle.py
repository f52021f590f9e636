"""The verification method in one place: convert a TorchScript fixture with `litecast
convert`, run the .tflite in LiteRT, run the same input through PyTorch, compare.

Float tolerance: max abs error <= 1e-4 * max(1, max|reference|), per output.
Quantized models (spec option "quantized"): errors counted in quantization steps of each
output (for a dequantized output, the scale of the last quantized tensor): at least 99% of
the elements within one step and none beyond two.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

try:
    import torchvision  # noqa: F401  (registers torchvision's operators for torch.jit.load)
except ImportError:
    pass

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
    """The tensors of a model's output in order; Nones (which litecast leaves out) dropped."""
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    return [] if value is None else [value]


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
        scale, zero_point = d["quantization"]
        if x.is_quantized:
            # A quantized PyTorch input: its integers, moved to the TFLite input's zero point
            # (quint8 becomes int8 with zero point - 128; the scale is PyTorch's).
            if not scale or abs(scale - x.q_scale()) > 1e-6 * x.q_scale():
                raise Failure(f"input {d['name']}: TFLite scale {scale}, PyTorch {x.q_scale()}")
            a = (x.int_repr().to(torch.int32) - x.q_zero_point() + int(zero_point)).numpy()
        else:
            a = x.numpy()
        if nchw_transpose and a.ndim == 4:
            a = a.transpose(NCHW_TO_NHWC)
        if scale and d["dtype"] in (np.int8, np.uint8) and not x.is_quantized:
            # a float PyTorch input that is integer in TFLite (--fuse-quant-dequant)
            info = np.iinfo(d["dtype"])
            a = np.clip(np.round(a / scale) + zero_point, info.min, info.max)
        elif not x.is_quantized and a.dtype != d["dtype"]:
            # Inputs keep PyTorch's type (int64 and float64 included): no silent narrowing.
            raise Failure(f"input {d['name']} is {np.dtype(d['dtype']).name} in the .tflite, {a.dtype} in PyTorch")
        it.set_tensor(d["index"], np.ascontiguousarray(a.astype(d["dtype"])))
    it.invoke()
    outs = []
    for d in it.get_output_details():
        y = it.get_tensor(d["index"])
        scale, zero_point = d["quantization"]
        if scale and y.dtype in (np.int8, np.uint8):  # a quantized output, compared as values
            y = (y.astype(np.float32) - zero_point) * np.float32(scale)
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


def output_steps(path):
    """Per model output, its quantization step: an int8/uint8 output's own scale; for a float
    output that a DEQUANTIZE produces, the scale of the quantized tensor it reads; else None."""
    it = Interpreter(model_path=path)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    producer = {o: op for op in it._get_ops_details() for o in op["outputs"]}
    steps = []
    for d in it.get_output_details():
        scale = d["quantization"][0]
        if not scale and d["index"] in producer and producer[d["index"]]["op_name"] == "DEQUANTIZE":
            scale = tensors[producer[d["index"]]["inputs"][0]]["quantization"][0]
        steps.append(float(scale) if scale else None)
    return steps


def float_compute_ops(path):
    """Operators other than QUANTIZE/DEQUANTIZE whose first input or output is float32: an
    int8 model keeps them at its edges only."""
    it = Interpreter(model_path=path)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    found = []
    for op in it._get_ops_details():
        if op["op_name"] in ("QUANTIZE", "DEQUANTIZE", "DELEGATE"):
            continue
        ends = [op["inputs"][0], op["outputs"][0]]
        if any(t >= 0 and tensors[t]["dtype"] == np.float32 for t in ends):
            found.append(op["op_name"])
    return found


def float_weights(path):
    """CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED whose weights are float constants rather
    than int8 (directly or through a DEQUANTIZE): a fake-quantized model must have none."""
    it = Interpreter(model_path=path)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    ops = it._get_ops_details()
    producer = {o: op for op in ops for o in op["outputs"]}
    found = []
    for op in ops:
        if op["op_name"] not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        w = op["inputs"][1]
        if w in producer and producer[w]["op_name"] == "DEQUANTIZE":
            w = producer[w]["inputs"][0]
        if tensors[w]["dtype"] != np.int8:
            found.append(op["op_name"])
    return found


def hybrid_ops(path):
    """{op name: [weight dtype names]} of the recurrent and fully connected ops: the dtype of the
    weight the TFLite kernel keys its hybrid form on (input 2 of UNIDIRECTIONAL_SEQUENCE_LSTM,
    input 1 of the others)."""
    it = Interpreter(model_path=path)
    tensors = {t["index"]: t for t in it.get_tensor_details()}
    found = {}
    for op in it._get_ops_details():
        name = op["op_name"]
        if name not in ("UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_RNN",
                        "FULLY_CONNECTED"):
            continue
        w = op["inputs"][2 if name == "UNIDIRECTIONAL_SEQUENCE_LSTM" else 1]
        found.setdefault(name, []).append(np.dtype(tensors[w]["dtype"]).name)
    return found


def check_hybrid(name, path, want_ops):
    """Every op of the types in `want_ops` has int8 weights, and each type occurs."""
    found = hybrid_ops(path)
    for op in want_ops:
        if op not in found:
            raise Failure(f"{name}: no {op} in the converted model (ops: {sorted(found)})")
        if any(d != "int8" for d in found[op]):
            raise Failure(f"{name}: {op} weights {found[op]}, want int8 (hybrid kernels)")


def dequantized(value):
    if isinstance(value, torch.Tensor) and value.is_quantized:
        return value.dequantize()
    return value


def step_errors(got, want, step):
    """|LiteRT - PyTorch| in quantization steps, elementwise (a float array)."""
    w = dequantized(want)
    w = w.detach().numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
    if got.shape != w.shape:
        raise Failure(f"output has shape {got.shape} in LiteRT, {w.shape} in PyTorch")
    return np.abs(got.astype(np.float64) - w.astype(np.float64)) / step


def compare_steps(name, got, want, steps, min_within=0.99, max_steps=2.0):
    """Quantized comparison; returns (report, [(pct within 1 step, max steps)] per output)."""
    if len(got) != len(want):
        raise Failure(f"{name}: {len(got)} outputs from LiteRT, {len(want)} from PyTorch")
    figures = []
    for k, (g, w, step) in enumerate(zip(got, want, steps)):
        need = min_within
        if step is None:
            # A float output of a float op (hybrid layers, quantized::linear_dynamic): PyTorch
            # and TFLite quantize the input on the fly differently (per tensor vs per row), so
            # only the bound applies, in steps of 8 bits of the output's range.
            ref = dequantized(w).detach().numpy()
            step = max(float(np.abs(ref).max()), 1e-12) / 127.0
            need = 0.0
        err = step_errors(g, w, step)
        # A hair of slack: LiteRT's dequantized floats and PyTorch's differ in the last bits.
        within = float((err <= 1.0 + 1e-3).mean()) if err.size else 1.0
        worst = float(err.max()) if err.size else 0.0
        figures.append((100.0 * within, worst))
        if within < need or worst > max_steps + 1e-3:
            raise Failure(f"{name}: output {k}: {100 * within:.2f}% within 1 step (need {100 * need:.0f}%), "
                          f"max {worst:.2f} steps (limit {max_steps:g}), step {step:.4g}")
    text = ", ".join(f"{p:.2f}% within 1 step, max {m:.2f} steps" for p, m in figures)
    return f"{name}: {len(want)} output(s) match: {text}", figures


def load_quantized(pt):
    """Loads a model quantized for qnnpack: its packed weights are made for the engine that is
    active while loading."""
    torch.backends.quantized.engine = "qnnpack"
    return torch.jit.load(pt)


def quantized_reference(model, inputs):
    """PyTorch's quantized outputs. Run with the onednn engine: in this torch, qnnpack's
    quantized ReLU6 is wrong on channels_last tensors (see known traps)."""
    old = torch.backends.quantized.engine
    torch.backends.quantized.engine = "onednn"
    try:
        with torch.no_grad():
            return flatten(model(*inputs))
    finally:
        torch.backends.quantized.engine = old


def check_fixture(cli, fixtures, name, extra_args=(), rel_tol=1e-4, keep=None):
    """Converts fixture `name`, runs it in LiteRT and in PyTorch, compares; returns a report."""
    spec = load_spec(fixtures, name)
    pt = os.path.join(fixtures, name + ".pt")
    extra_args = list(extra_args) + list(spec.get("convert_args", []))  # per-fixture convert options
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or os.path.join(tmp, name + ".tflite")
        convert(cli, pt, out, spec, extra_args)
        inputs = make_inputs(spec)
        nchw = "--no-nchw-transpose" not in extra_args
        if spec.get("hybrid_ops"):  # ops that must come out hybrid (int8 weights, float activations)
            check_hybrid(name, out, spec["hybrid_ops"])
        if spec.get("quantized"):
            want = quantized_reference(load_quantized(pt), inputs)
            got = run_litert(out, inputs, nchw_transpose=nchw)
            report = compare_steps(name, got, want, output_steps(out))[0]
            if spec.get("int8_weights") and float_weights(out):
                raise Failure(f"{name}: float weights left in {float_weights(out)}")
            return report
        model = torch.jit.load(pt)
        with torch.no_grad():
            want = flatten(model(*[i.clone() for i in inputs]))  # a model may write into its inputs
        got = run_litert(out, inputs, nchw_transpose=nchw)
    return compare(name, got, want, spec.get("rel_tol", rel_tol))
