"""`litecast inspect --json` agrees with the independent `tflite` package on our files:
inputs/outputs (names, shapes, dtypes, quantization), operator histogram, tensor count."""
import collections
import json
import os
import subprocess
import sys
import tempfile

import tflite

import oracle
import runner

CLI, WRITER, FIXTURES = sys.argv[1:4]

TYPE_NAMES = {v: k for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
OP_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def parse_with_tflite(path):
    with open(path, "rb") as f:
        buf = f.read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)

    def tensor(i):
        t = g.Tensors(i)
        d = {"index": i, "name": t.Name().decode(), "dtype": TYPE_NAMES[t.Type()],
             "shape": [int(s) for s in t.ShapeAsNumpy()] if t.ShapeLength() else []}
        q = t.Quantization()
        if q is not None and q.ScaleLength():
            d["quantization"] = {"scales": [float(s) for s in q.ScaleAsNumpy()],
                                 "zero_points": [int(z) for z in q.ZeroPointAsNumpy()],
                                 "quantized_axis": q.QuantizedDimension()}
        return d

    hist = collections.Counter()
    for k in range(g.OperatorsLength()):
        code = m.OperatorCodes(g.Operators(k).OpcodeIndex())
        hist[OP_NAMES[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]] += 1
    return {"inputs": [tensor(int(i)) for i in g.InputsAsNumpy()],
            "outputs": [tensor(int(i)) for i in g.OutputsAsNumpy()],
            "operator_histogram": dict(hist), "tensors": g.TensorsLength(), "operators": g.OperatorsLength()}


def inspect_json(path):
    r = subprocess.run([CLI, "inspect", path, "--json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def agree(path):
    ours, theirs = inspect_json(path), parse_with_tflite(path)
    for key in ("inputs", "outputs", "operator_histogram", "tensors", "operators"):
        a, b = ours[key], theirs[key]
        if key in ("inputs", "outputs"):
            for x in a:  # float32 scales print with the same value
                if "quantization" in x:
                    x["quantization"]["scales"] = [float(f"{s:.7g}") for s in x["quantization"]["scales"]]
            for x in b:
                if "quantization" in x:
                    x["quantization"]["scales"] = [float(f"{s:.7g}") for s in x["quantization"]["scales"]]
        assert a == b, f"{os.path.basename(path)}: {key} differs: litecast {a} vs tflite {b}"


def test_writer_sample_agrees():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "sample.tflite")
        subprocess.run([WRITER, p], check=True)
        agree(p)


def test_converted_models_agree():
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("mlp", "two_in_out"):
            p = os.path.join(tmp, name + ".tflite")
            oracle.convert(CLI, os.path.join(FIXTURES, name + ".pt"), p, oracle.load_spec(FIXTURES, name))
            agree(p)


def test_text_output_names_everything():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "mlp.tflite")
        oracle.convert(CLI, os.path.join(FIXTURES, "mlp.pt"), p, oracle.load_spec(FIXTURES, "mlp"))
        out = subprocess.run([CLI, "inspect", p], capture_output=True, text=True, check=True).stdout
        n_ops = inspect_json(p)["operators"]
        for word in ("inputs:", "outputs:", "FULLY_CONNECTED", "FLOAT32", "[4,16]", f"operators: {n_ops}", "tensors:"):
            assert word in out, f"'{word}' missing from:\n{out}"


if __name__ == "__main__":
    sys.exit(runner.run("inspect", [test_writer_sample_agrees, test_converted_models_agree,
                                    test_text_output_names_everything]))
