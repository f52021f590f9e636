"""The model's own input and output types, and example inputs from a torch.save file.

- int64 in and out: token ids into nn.Embedding + nn.Linear are fed to LiteRT as int64; an
  argmax comes back as int64 (INT64 at the boundary, a CAST to int32 inside); float64 the
  same way (FLOAT64 at the boundary, float32 inside).
- A model whose forward takes an already-quantized tensor (torch.ao eager quantization,
  qnnpack qconfig, no QuantStub), converted with --example-input: its input is the integer
  tensor with PyTorch's scale and zero point (int8 by default, quint8's zero point - 128;
  uint8 with --quantize-target-type uint8 or --quantize-input-output-type uint8); one that
  returns a quantized tensor outputs the integer tensor with its quantization. Compared with
  PyTorch's quantized output (onednn engine, see known traps) in quantization steps.
- export-debug writes the example inputs, and its recorded command reproduces the conversion.

Usage: test_model_io.py LITECAST_CLI
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.ao.quantization as tq
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
import runner  # noqa: E402

CLI = sys.argv[1] if len(sys.argv) > 1 else "litecast"
CLI = os.path.abspath(CLI) if os.sep in CLI else CLI  # export-debug replays run in the bundle
TMP = tempfile.mkdtemp(prefix="litecast-io-")


class Tokens(nn.Module):
    """Token ids -> embedding -> linear."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        self.fc = nn.Linear(16, 8)

    def forward(self, ids):
        return self.fc(self.emb(ids))


class Classify(nn.Module):
    """A linear layer and the argmax of its output (int64)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 6)

    def forward(self, x):
        return self.fc(x).argmax(-1)


class QuantizedIn(nn.Module):
    """forward takes a quantized tensor; conv+relu, conv, then either dequantized or not."""

    def __init__(self, dequantize):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 4, 3, padding=1)
        self.dequant = tq.DeQuantStub() if dequantize else nn.Identity()

    def forward(self, xq):
        return self.dequant(self.conv2(self.relu1(self.conv1(xq))))


def path(name):
    return os.path.join(TMP, name)


def save_traced(model, inputs, name):
    pt = path(name + ".pt")
    with torch.no_grad():
        torch.jit.save(torch.jit.trace(model, tuple(inputs)), pt)
    return pt


def save_example(inputs, name):
    f = path(name + ".inputs.pt")
    torch.save(tuple(inputs), f)
    return f


def convert(pt, out, *args):
    r = subprocess.run([CLI, "convert", pt, "-o", out, *args], capture_output=True, text=True)
    assert r.returncode == 0, f"litecast convert failed ({r.returncode}): {r.stderr.strip()}"


def details(tfl):
    it = oracle.Interpreter(model_path=tfl)
    it.allocate_tensors()
    return it.get_input_details(), it.get_output_details()


def quantized_model(dequantize):
    torch.backends.quantized.engine = "qnnpack"
    torch.manual_seed(4)
    model = QuantizedIn(dequantize).eval()
    tq.fuse_modules(model, [["conv1", "relu1"]], inplace=True)
    model.qconfig = tq.get_default_qconfig("qnnpack")
    tq.prepare(model, inplace=True)
    g = torch.Generator().manual_seed(8)
    with torch.no_grad():
        for _ in range(8):
            model(torch.randn(1, 3, 10, 10, generator=g))  # calibration runs in float
    tq.convert(model, inplace=True)
    return model


def quantized_input(dtype=torch.quint8, zero_point=131, seed=9):
    g = torch.Generator().manual_seed(seed)
    return torch.quantize_per_tensor(torch.randn(1, 3, 10, 10, generator=g), 0.04, zero_point, dtype)


def compare_quantized(name, tfl, model, xq):
    want = oracle.quantized_reference(model, [xq])
    got = oracle.run_litert(tfl, [xq])
    report, figures = oracle.compare_steps(name, got, want, oracle.output_steps(tfl), min_within=0.99,
                                           max_steps=1.0)
    print("   ", report)
    return figures


def test_int64_token_ids_in():
    torch.manual_seed(0)
    model = Tokens().eval()
    ids = torch.randint(0, 50, (2, 7), generator=torch.Generator().manual_seed(1))
    pt = save_traced(model, [ids], "tokens")
    tfl = path("tokens.tflite")
    convert(pt, tfl, "--input-shape", "2,7", "--input-dtype", "int64")
    ins, _ = details(tfl)
    assert ins[0]["dtype"] == np.int64, f"input is {ins[0]['dtype']}, wanted int64"
    with torch.no_grad():
        want = [model(ids)]
    print("   ", oracle.compare("tokens", oracle.run_litert(tfl, [ids]), want))


def test_int64_output_argmax():
    torch.manual_seed(0)
    model = Classify().eval()
    x = torch.randn(3, 12, generator=torch.Generator().manual_seed(2))
    pt = save_traced(model, [x], "argmax")
    tfl = path("argmax.tflite")
    convert(pt, tfl, "--input-shape", "3,12")
    _, outs = details(tfl)
    assert outs[0]["dtype"] == np.int64, f"output is {outs[0]['dtype']}, wanted int64"
    with torch.no_grad():
        want = [model(x)]
    got = oracle.run_litert(tfl, [x])
    assert got[0].dtype == np.int64 and np.array_equal(got[0], want[0].numpy()), f"{got[0]} vs {want[0]}"


class Double(nn.Module):
    """float64 in and out, an int64 length in: computed in float32/int32 inside the .tflite."""

    def forward(self, x, n):
        return torch.tanh(x * 0.5 + 1) * n.to(x.dtype)


def test_float64_and_int64_boundary():
    x = torch.randn(2, 5, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    n = torch.tensor([[3], [7]])
    pt = save_traced(Double().eval(), [x, n], "double")
    tfl = path("double.tflite")
    convert(pt, tfl, "--example-input", save_example([x, n], "double"))
    ins, outs = details(tfl)
    assert [d["dtype"] for d in ins] == [np.float64, np.int64] and outs[0]["dtype"] == np.float64, (ins, outs)
    with torch.no_grad():
        want = [Double()(x, n)]
    print("   ", oracle.compare("float64/int64 boundary", oracle.run_litert(tfl, [x, n]), want))


def test_example_input_gives_int64_values():
    """The example file alone: shape, dtype and values (indices must be in range: the zeros of
    --input-shape would do here, the values of the file must be used without complaint)."""
    torch.manual_seed(0)
    model = Tokens().eval()
    ids = torch.randint(0, 50, (2, 7), generator=torch.Generator().manual_seed(3))
    pt = save_traced(model, [ids], "tokens_ex")
    tfl = path("tokens_ex.tflite")
    convert(pt, tfl, "--example-input", save_example([ids], "tokens_ex"))
    with torch.no_grad():
        want = [model(ids)]
    print("   ", oracle.compare("tokens via --example-input", oracle.run_litert(tfl, [ids]), want))
    # --input-shape and --input-dtype that agree with the file are accepted.
    convert(pt, tfl, "--example-input", path("tokens_ex.inputs.pt"), "--input-shape", "2,7", "--input-dtype",
            "int64")


def test_quantized_input_float_output():
    model = quantized_model(dequantize=True)
    xq = quantized_input()
    pt = save_traced(model, [xq], "qin")
    example = save_example([xq], "qin")
    tfl = path("qin.tflite")
    convert(pt, tfl, "--example-input", example)
    ins, outs = details(tfl)
    scale, zp = ins[0]["quantization"]
    assert ins[0]["dtype"] == np.int8 and abs(scale - 0.04) < 1e-7 and zp == 131 - 128, ins[0]
    assert outs[0]["dtype"] == np.float32, outs[0]
    compare_quantized("quantized input, float output", tfl, model, xq)


def test_quantized_input_and_output():
    model = quantized_model(dequantize=False)
    xq = quantized_input()
    pt = save_traced(model, [xq], "qio")
    example = save_example([xq], "qio")
    with torch.no_grad():
        yq = model(xq)
    cases = [
        ("int8", [], np.int8, np.int8),
        ("target uint8", ["--quantize-target-type", "uint8"], np.uint8, np.uint8),
        ("int8, uint8 I/O", ["--quantize-input-output-type", "uint8"], np.uint8, np.uint8),
        ("uint8, int8 I/O", ["--quantize-target-type", "uint8", "--quantize-input-output-type", "int8"], np.int8,
         np.int8),
        ("fused, int8", ["--fuse-quant-dequant"], np.int8, np.int8),
    ]
    for name, extra, in_type, out_type in cases:
        tfl = path("qio.tflite")
        convert(pt, tfl, "--example-input", example, *extra)
        ins, outs = details(tfl)
        assert ins[0]["dtype"] == in_type and outs[0]["dtype"] == out_type, (
            f"{name}: I/O {ins[0]['dtype']} -> {outs[0]['dtype']}")
        shift = 0 if in_type == np.uint8 else -128
        assert ins[0]["quantization"][1] == 131 + shift, f"{name}: input zero point {ins[0]['quantization']}"
        oshift = 0 if out_type == np.uint8 else -128
        scale, zp = outs[0]["quantization"]
        assert abs(scale - yq.q_scale()) < 1e-7 * yq.q_scale() * 10 and zp == yq.q_zero_point() + oshift, (
            f"{name}: output quantization {outs[0]['quantization']}, PyTorch {yq.q_scale()}, {yq.q_zero_point()}")
        compare_quantized(f"quantized I/O {name}", tfl, model, xq)


def test_qint8_input():
    """A qint8 input stays int8 with PyTorch's own zero point."""
    model = quantized_model(dequantize=True)
    xq = quantized_input()
    xi8 = torch.quantize_per_tensor(xq.dequantize(), 0.04, 3, torch.qint8)
    # quantized::conv2d takes quint8 activations: the model converts a qint8 input first.

    class Requant(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(torch.quantize_per_tensor(x.dequantize(), 0.04, 131, torch.quint8))

    wrapped = Requant(model).eval()
    pt = save_traced(wrapped, [xi8], "qint8_in")
    tfl = path("qint8_in.tflite")
    convert(pt, tfl, "--example-input", save_example([xi8], "qint8_in"))
    ins, _ = details(tfl)
    assert ins[0]["dtype"] == np.int8 and ins[0]["quantization"][1] == 3, ins[0]
    compare_quantized("qint8 input", tfl, wrapped, xi8)


def test_export_debug_writes_and_replays_example_inputs():
    model = quantized_model(dequantize=True)
    xq = quantized_input()
    pt = save_traced(model, [xq], "bundle_src")
    example = save_example([xq], "bundle_src")
    out_dir = path("bundle")
    r = subprocess.run([CLI, "export-debug", pt, "--example-input", example, "-o", out_dir, "--name", "qm"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out_dir, "qm.json")) as f:
        spec = json.load(f)
    assert spec["example_input"] == "qm.inputs.pt", spec
    assert spec["inputs"][0]["dtype"] == "quint8" and spec["inputs"][0]["shape"] == [1, 3, 10, 10], spec["inputs"]
    saved = torch.load(os.path.join(out_dir, "qm.inputs.pt"))
    assert isinstance(saved, tuple) and len(saved) == 1 and saved[0].is_quantized, saved
    assert torch.equal(saved[0].int_repr(), xq.int_repr()) and saved[0].q_zero_point() == 131, "values changed"
    args = spec["convert_command"].split()[1:]
    r = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=out_dir)
    assert r.returncode == 0, r.stderr
    compare_quantized("export-debug replay", os.path.join(out_dir, "qm.tflite"), model, saved[0])

    # Without --example-input the bundle still gets one (generated from the shapes).
    torch.manual_seed(0)
    tokens = Tokens().eval()
    ids = torch.randint(0, 50, (2, 7))
    pt = save_traced(tokens, [ids], "bundle_tokens")
    r = subprocess.run([CLI, "export-debug", pt, "--input-shape", "2,7", "--input-dtype", "int64", "-o", out_dir],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    saved = torch.load(os.path.join(out_dir, "bundle_tokens.inputs.pt"))
    assert saved[0].dtype == torch.int64 and list(saved[0].shape) == [2, 7], saved
    with open(os.path.join(out_dir, "bundle_tokens.json")) as f:
        args = json.load(f)["convert_command"].split()[1:]
    r = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=out_dir)
    assert r.returncode == 0, r.stderr
    tfl = os.path.join(out_dir, "bundle_tokens.tflite")
    with torch.no_grad():
        want = [tokens(ids)]
    print("   ", oracle.compare("export-debug tokens replay", oracle.run_litert(tfl, [ids]), want))


if __name__ == "__main__":
    try:
        code = runner.run("model-io", [v for k, v in list(globals().items()) if k.startswith("test_")])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
