"""The mixed-precision config of `litecast quantize` (--config, the per-layer config written back),
checked in LiteRT against PyTorch.

The model: conv + ReLU, a strided conv + ReLU, flatten, a linear layer and a module cubing its
output (two MULs). The cube's output is heavy-tailed: its int8 quantization is the worst
activation of the --report, and it is the model's output, so skipping that layer (float MULs
between DEQUANTIZE and the float output) removes the worst quantization. Measured with the
default l2: the report gives the cube 33.6 dB, every other layer above 40 dB, and the model's
output SQNR against float PyTorch goes from 29.0 to 30.8 dB in LiteRT when the cube is skipped.
(A skipped layer whose readers are int8 keeps the QUANTIZE after it: only its own weights and
arithmetic become float, which changes little.) The same layer in int16 (`dtype: int16`, 16x8
kernels between int8 layers): 29.0 -> 30.6 dB. Also: --quantized-input-stats (raw uint8/int8
input) in LiteRT.

Usage: test_ptq_config.py CLI
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

import oracle
import ptq_util
import runner

CLI = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="litecast-ptq-config-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
torch.set_num_threads(1)


def tmp(name):
    return os.path.join(TMP, name)


class Cube(nn.Module):
    def forward(self, z):
        return z * z * z


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        self.mix = nn.Conv2d(16, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(256, 8)
        self.cube = Cube()

    def forward(self, x):
        y = torch.flatten(torch.relu(self.mix(self.conv(x))), 1)
        return self.cube(self.fc(y))


STATE = {}


def model():
    """The traced model, calibration data (.npy) and test inputs with float outputs (made once)."""
    if STATE:
        return STATE
    torch.manual_seed(0)
    m = Net().eval()
    cal = torch.randn(64, 3, 8, 8)
    with torch.no_grad():
        # The linear layer's output about unit variance: the cube spans roughly [-30, 30].
        z = m.fc(torch.flatten(torch.relu(m.mix(m.conv(cal))), 1))
        m.fc.weight /= z.std()
        m.fc.bias /= z.std()
        pt = tmp("net.pt")
        torch.jit.trace(m, cal[:1]).save(pt)
        x = torch.randn(64, 3, 8, 8)
        want = m(x).numpy()
    np.save(tmp("cal.npy"), cal.numpy())
    STATE.update(pt=pt, cal=tmp("cal.npy"), x=x, want=want)
    return STATE


def quantize(out, *args, check=True):
    s = model()
    return ptq_util.run_quantize(CLI, s["pt"], out, s["cal"], *args, check=check)


def sqnr(path):
    """The .tflite's output in LiteRT against float PyTorch over the test inputs, in dB."""
    s = model()
    return ptq_util.litert_sqnr(path, s["x"], s["want"])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(name, text):
    with open(tmp(name), "w") as f:
        f.write(text)
    return tmp(name)


def test_written_config_lists_every_layer():
    summary = json.loads(quantize(tmp("plain.tflite")).stdout)
    assert summary["config_written"] == tmp("plain.quant.yaml"), summary["config_written"]
    text = read(tmp("plain.quant.yaml")).decode()
    print(text, end="")
    for layer in ("conv.1", "mix", "fc", "cube", "flatten_0"):
        assert f"\n  {layer}: {{skip: false}}" in text, f"layer {layer} not listed"
    assert text.startswith("algorithm: l2"), text


def test_round_trip():
    """The written config, read back, gives the same model byte for byte, and is written again
    unchanged; so does a config with a skipped layer and a per-layer algorithm."""
    first = tmp("rt1.tflite")
    quantize(first)
    again = tmp("rt2.tflite")
    quantize(again, "--config", tmp("rt1.quant.yaml"), "--write-config", tmp("rt2.yaml"))
    assert read(first) == read(again), "rerun with the written config: another model"
    assert read(tmp("rt1.quant.yaml")) == read(tmp("rt2.yaml")), "the config written back changed"
    mixed = write("mixed.yaml", "algorithm: l2\nlayers:\n  mix: {skip: true}\n  fc: {algorithm: minmax}\n")
    a = tmp("mixed_a.tflite")
    summary = json.loads(quantize(a, "--config", mixed).stdout)
    assert summary["float_operators"] == {"CONV_2D": 1}, summary["float_operators"]
    b = tmp("mixed_b.tflite")
    quantize(b, "--config", tmp("mixed_a.quant.yaml"))
    assert read(a) == read(b), "rerun with the written mixed config: another model"
    text = read(tmp("mixed_a.quant.yaml")).decode()
    assert "mix: {skip: true}" in text and "fc: {skip: false, algorithm: minmax}" in text, text
    # Rerunning with --config beside the output does not write over the config read.
    before = read(tmp("mixed_a.quant.yaml"))
    r = quantize(a, "--config", tmp("mixed_a.quant.yaml"))
    assert json.loads(r.stdout)["config_written"] == "" and read(tmp("mixed_a.quant.yaml")) == before


def test_skip_worst_layer_improves_sqnr():
    rep = tmp("report.json")
    base = tmp("full.tflite")
    quantize(base, "--report", rep)
    with open(rep) as f:
        layers = [l for l in json.load(f)["layers"] if l["layer"]]
    worst = layers[0]["layer"]
    skipped = tmp("skipped.tflite")
    cfg = write("skip.yaml", f"layers:\n  {worst}: {{skip: true}}\n")
    summary = json.loads(quantize(skipped, "--config", cfg).stdout)
    before, after = sqnr(base), sqnr(skipped)
    print(f"worst layer {worst} ({layers[0]['sqnr_db']:.1f} dB in the report); output SQNR in LiteRT: "
          f"int8 {before:.2f} dB, {worst} skipped {after:.2f} dB; float operators {summary['float_operators']}")
    assert worst == "cube", f"the report's worst layer is {worst}"
    assert summary["float_operators"] == {"MUL": 2}, summary["float_operators"]
    assert after > before + 0.5, f"skipping {worst}: {before:.2f} -> {after:.2f} dB"


def test_int16_layer():
    """dtype: int16 for the report's worst layer: its MULs run on int16 kernels (16x8) between int8
    layers, its input requantized through DEQUANTIZE + QUANTIZE; the output SQNR goes up. A
    middle layer in int16 and an int8 layer in a 16x8 model give all-integer models too."""
    base, wide = tmp("i8.tflite"), tmp("cube16.tflite")
    quantize(base)
    summary = json.loads(quantize(wide, "--config", write("cube16.yaml", "layers:\n  cube: {dtype: int16}\n")).stdout)
    assert not summary["float_operators"], summary["float_operators"]
    it = oracle.Interpreter(model_path=wide)
    td = it.get_tensor_details()
    kinds = [(o["op_name"], np.dtype(td[o["outputs"][0]]["dtype"]).name) for o in it._get_ops_details()]
    assert kinds.count(("MUL", "int16")) == 2 and ("FULLY_CONNECTED", "int8") in kinds, kinds
    before, after = sqnr(base), sqnr(wide)
    print(f"cube in int16: output SQNR {before:.2f} -> {after:.2f} dB; ops {kinds}")
    assert after > before + 0.5, f"{before:.2f} -> {after:.2f} dB"
    for name, args in (("fc16", ["--config", write("fc16.yaml", "layers:\n  fc: {dtype: int16}\n")]),
                       ("mix8", ["--activations", "int16", "--config",
                                 write("mix8.yaml", "layers:\n  mix: {dtype: int8}\n")])):
        out = tmp(name + ".tflite")
        summary = json.loads(quantize(out, *args).stdout)
        assert not summary["float_operators"], f"{name}: {summary['float_operators']}"
        s = sqnr(out)
        print(f"{name}: output SQNR {s:.2f} dB")
        assert s > before - 1.0, f"{name}: {s:.2f} dB"


def test_per_layer_algorithm():
    """A layer's own algorithm gives its activations that algorithm's range: the cube with
    minmax under a kl default has the range of an all-minmax run, the others kl's."""
    def ranges(out, *args):
        rep = out + ".json"
        quantize(out, "--report", rep, *args)
        with open(rep) as f:
            return {l["tensor"]: (l["layer"], tuple(l["range"])) for l in json.load(f)["layers"]}
    mm = ranges(tmp("mm.tflite"), "--algorithm", "minmax")
    kl = ranges(tmp("kl.tflite"), "--algorithm", "kl")
    cfg = write("alg.yaml", "algorithm: kl\nlayers:\n  cube: {algorithm: minmax}\n")
    mixed = ranges(tmp("alg.tflite"), "--config", cfg)
    for t, (layer, r) in mixed.items():
        want = mm[t][1] if layer == "cube" else kl[t][1]
        assert np.allclose(r, want), f"{t} ({layer}): range {r}, expected {want}"
    assert any(mm[t][1] != kl[t][1] for t in mm if mm[t][0] == "cube"), "kl and minmax agree: nothing tested"


def test_op_action():
    cfg = write("ops.yaml", "quantize_op_action: {aten::mul: disable}\n")
    summary = json.loads(quantize(tmp("ops.tflite"), "--config", cfg).stdout)
    assert summary["float_operators"] == {"MUL": 2}, summary["float_operators"]
    text = read(tmp("ops.quant.yaml")).decode()
    assert "aten::mul: disable" in text and "float by quantize_op_action" in text, text


def raw_litert(path, raw, shift=0):
    """LiteRT on raw integer images (NCHW uint8 values, minus `shift`), outputs dequantized."""
    it = oracle.Interpreter(model_path=path)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for i in range(len(raw)):
        a = (raw[i:i + 1].astype(np.int32) - shift).transpose(0, 2, 3, 1).astype(d["dtype"])
        it.set_tensor(d["index"], np.ascontiguousarray(a))
        it.invoke()
        scale, zp = o["quantization"]
        out.append((it.get_tensor(o["index"])[0].astype(np.float32) - zp) * scale)
    return np.stack(out), d, o


def test_quantized_input_stats():
    """--quantized-input-stats 114,58 with --fuse-quant-dequant: the model, which expects
    (image - 114) / 58, takes the raw uint8 image (scale 1/58, zero point 114), as in
    TinyNeuralNetwork's FAQ; or int8 (zero point -14) with --quantize-input-output-type int8."""
    torch.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2), nn.ReLU(),
                      nn.Flatten(), nn.Linear(8 * 3 * 3, 4)).eval()
    rng = np.random.RandomState(0)
    raw = rng.randint(0, 256, size=(96, 3, 8, 8)).astype(np.uint8)
    norm = (raw.astype(np.float32) - 114) / 58
    with torch.no_grad():
        pt = tmp("stats.pt")
        torch.jit.trace(m, torch.from_numpy(norm[:1])).save(pt)
        want = m(torch.from_numpy(norm[64:])).numpy()
    np.save(tmp("stats_cal.npy"), norm[:64])
    base = [CLI, "quantize", pt, "--calibration-data", tmp("stats_cal.npy"), "--json", "--fuse-quant-dequant",
            "--quantized-input-stats", "114,58"]
    for io, shift, zp in (("uint8", 0, 114), ("int8", 128, -14)):
        out = tmp(f"stats_{io}.tflite")
        r = subprocess.run(base + ["-o", out, "--quantize-input-output-type", io], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        got, d, o = raw_litert(out, raw[64:], shift)
        assert np.dtype(d["dtype"]).name == io, d["dtype"]
        scale, z = d["quantization"]
        assert z == zp and abs(scale - 1 / 58) < 1e-7, d["quantization"]
        step = o["quantization"][0]
        err = np.abs(got - want) / step
        print(f"{io} raw input (zero point {z}, scale 1/{1 / scale:.1f}): output error in steps of "
              f"{step:.4g}: mean {err.mean():.2f}, max {err.max():.2f}")
        assert err.max() <= 4 and err.mean() <= 1.0, f"{io}: raw input far from float"
    bad = subprocess.run(base[:-3] + ["--quantized-input-stats", "114,58", "-o", tmp("stats_bad.tflite")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "--fuse-quant-dequant" in bad.stderr, bad.stderr
    for arg, pattern in (("114", "MEAN,STD"), ("300,58", "[0, 255]"), ("114,0", "positive")):
        bad = subprocess.run(base[:-1] + [arg, "-o", tmp("stats_bad.tflite")], capture_output=True, text=True)
        assert bad.returncode != 0 and pattern in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, \
            bad.stderr
        assert not os.path.exists(tmp("stats_bad.tflite"))


def expect_error(text, *patterns):
    cfg = write("bad.yaml", text)
    out = tmp("bad.tflite")
    r = quantize(out, "--config", cfg, check=False)
    err = r.stderr.strip()
    assert r.returncode != 0, f"{text!r}: exit code 0"
    assert len(err.splitlines()) == 1, f"not one line: {err!r}"
    assert "Traceback" not in err and "YAML::" not in err, err
    for p in patterns:
        assert p in err, f"{p!r} not in {err!r}"
    assert not os.path.exists(out) and not os.path.exists(tmp("bad.quant.yaml")), "output left behind"
    print(f"  {err}")


def test_bad_config():
    expect_error("algorithm: l2\nlayer:\n  fc: {skip: true}\n", "bad.yaml:2", "unknown key 'layer'")
    expect_error("layers:\n  fc: {skip: true}\n  fc: {skip: false}\n", "bad.yaml:3", "'layers.fc' is given twice",
                 "line 2")
    expect_error("layers:\n  fc: {skip: true}\n  features.3: {skip: true}\n", "bad.yaml:3", "layers.features.3",
                 "no quantizable layer")
    expect_error("layers:\n  fc: {skip: maybe}\n", "bad.yaml:2", "layers.fc.skip", "true or false")
    expect_error("layers:\n  fc: {skp: true}\n", "bad.yaml:2", "unknown key 'layers.fc.skp'")
    expect_error("layers:\n  fc: {dtype: int4}\n", "bad.yaml:2", "layers.fc.dtype", "int4")
    expect_error("layers:\n  fc: {algorithm: nope}\n", "bad.yaml:2", "layers.fc.algorithm", "nope", "minmax")
    expect_error("quantize_op_action: {aten::lstm: disable}\n", "bad.yaml:1", "quantize_op_action.aten::lstm",
                 "no aten::lstm")
    expect_error("quantize_op_action: {aten::mul: remove}\n", "bad.yaml:1", "disable, rewrite")
    expect_error("layers: [fc]\n", "bad.yaml:1", "'layers'")
    expect_error("layers:\n  fc: {skip: true\n", "bad.yaml", "malformed YAML")


if __name__ == "__main__":
    TESTS = [test_written_config_lists_every_layer, test_round_trip, test_skip_worst_layer_improves_sqnr,
             test_int16_layer, test_per_layer_algorithm, test_op_action, test_bad_config,
             test_quantized_input_stats]
    only = os.environ.get("PTQ_TESTS")
    sys.exit(runner.run("ptq_config", [t for t in TESTS if not only or t.__name__ in only.split(",")]))
