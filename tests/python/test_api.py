"""The Python API beyond the fixtures: options by TinyNeuralNetwork's names, model kinds
(nn.Module, ScriptModule, ScriptFunction), errors, inspect(), plugins(), prune(), quantize(). Every
conversion is run in LiteRT and compared with PyTorch. Runs under plain python (tests/e2e/runner.py)."""
import os
import sys
import tempfile
import warnings

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import litecast  # noqa: E402
import oracle  # noqa: E402
import runner  # noqa: E402

TMP = tempfile.mkdtemp(prefix="litecast-api-")


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        y = nn.functional.relu6(self.dw(y))
        return self.fc(y.mean((2, 3))), y


def convnet():
    torch.manual_seed(0)
    m = ConvNet()
    m.bn.running_mean.uniform_(-0.5, 0.5)
    m.bn.running_var.uniform_(0.5, 2.0)
    return m


def path(name):
    return os.path.join(TMP, name)


def check(model, inputs, tflite, nchw_transpose=True, reference=None, rel_tol=1e-4):
    got = oracle.run_litert(tflite, inputs, nchw_transpose=nchw_transpose)
    with torch.no_grad():
        want = oracle.flatten((reference or model)(*[i.clone() for i in inputs]))
    return oracle.compare(os.path.basename(tflite), got, want, rel_tol)


def test_module_in_train_mode_is_traced_in_eval_mode():
    m = convnet().train()
    x = torch.randn(2, 3, 16, 16)
    litecast.TFLiteConverter(m, x, path("convnet.tflite")).convert()
    assert not m.training, "the module is put in eval mode, as TinyNeuralNetwork does"
    print("  " + check(m, [torch.randn(2, 3, 16, 16)], path("convnet.tflite")))
    info = litecast.inspect(path("convnet.tflite"))
    assert info["inputs"][0]["shape"] == [2, 16, 16, 3], info["inputs"]  # NHWC by default
    assert info["operator_histogram"].get("TRANSPOSE", 0) == 0, info["operator_histogram"]


def test_nchw_transpose_off_and_per_io_flags():
    m = convnet().eval()
    x = torch.randn(1, 3, 8, 8)
    litecast.convert(m, (x,), path("nchw.tflite"), nchw_transpose=False)
    print("  " + check(m, [x], path("nchw.tflite"), nchw_transpose=False))
    assert litecast.inspect(path("nchw.tflite"))["inputs"][0]["shape"] == [1, 3, 8, 8]
    # input NHWC, both outputs kept NCHW (the 2-D one is untouched anyway)
    litecast.convert(m, [x], path("mixed.tflite"), input_transpose=[True], output_transpose=False)
    info = litecast.inspect(path("mixed.tflite"))
    assert info["inputs"][0]["shape"] == [1, 8, 8, 3] and info["outputs"][1]["shape"] == [1, 8, 8, 8], info


def test_script_module_and_script_function():
    class Gate(nn.Module):
        def forward(self, x):
            if x.dim() == 3:  # decided by the example shape
                return torch.sigmoid(x) * x
            return x

    s = torch.jit.script(Gate())
    x = torch.randn(2, 4, 6)
    litecast.convert(s, x, path("scripted.tflite"))
    print("  " + check(s, [x], path("scripted.tflite")))

    @torch.jit.script
    def fn(a, b):
        return torch.tanh(a) + b * 2.0

    a, b = torch.randn(3, 5), torch.randn(3, 5)
    litecast.convert(fn, (a, b), path("function.tflite"))
    print("  " + check(fn, [a, b], path("function.tflite")))


def test_int64_and_quantized_inputs():
    class Embed(nn.Module):
        def __init__(self):
            super().__init__()
            self.e = nn.Embedding(10, 4)

        def forward(self, ids):
            return self.e(ids).sum(1)

    torch.manual_seed(0)
    m = Embed()
    ids = torch.randint(0, 10, (2, 7))
    litecast.convert(m, ids, path("ids.tflite"))
    assert litecast.inspect(path("ids.tflite"))["inputs"][0]["dtype"] == "INT64"
    print("  " + check(m, [ids], path("ids.tflite")))

    class Deq(nn.Module):
        def forward(self, q):
            return torch.relu(q.dequantize()) * 2.0

    q = torch.quantize_per_tensor(torch.randn(1, 12), 0.05, 3, torch.quint8)
    litecast.convert(Deq(), q, path("qin.tflite"))
    i = litecast.inspect(path("qin.tflite"))["inputs"][0]
    assert i["dtype"] in ("INT8", "UINT8") and abs(i["quantization"]["scales"][0] - 0.05) < 1e-7, i
    print("  " + check(Deq(), [q], path("qin.tflite"), rel_tol=1e-3))


def test_weight_options():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8)).eval()
    x = torch.randn(4, 64)
    plain = litecast.convert(m, x, path("plain.tflite"))
    litecast.convert(m, x, path("fp16.tflite"), float16_quantization=True)
    assert litecast.inspect(path("fp16.tflite"))["operator_histogram"].get("DEQUANTIZE", 0) >= 2
    print("  " + check(m, [x], path("fp16.tflite"), rel_tol=1e-2))
    s = litecast.convert(m, x, path("dyn.tflite"), hybrid_quantization_from_float=True)
    assert os.path.getsize(path("dyn.tflite")) < 0.5 * os.path.getsize(path("plain.tflite"))
    assert plain["operators"] == s["operators"], (plain, s)
    print("  " + check(m, [x], path("dyn.tflite"), rel_tol=5e-2))


def test_unknown_option_names_it_and_lists_supported():
    try:
        litecast.TFLiteConverter(nn.ReLU(), torch.randn(2), path("x.tflite"), tflite_micro_rewrite=True)
    except litecast.OptionError as e:
        msg = str(e)
        assert "'tflite_micro_rewrite'" in msg and "nchw_transpose" in msg and "unroll_rnn" in msg, msg
        assert "\n" not in msg, msg
    else:
        raise AssertionError("an unknown option was accepted")
    for bad in ({"unroll_rnn": "yes"}, {"input_transpose": "1,0"}, {"quantize_target_type": "int4"},
                {"hybrid_per_channel": True}):
        try:
            litecast.TFLiteConverter(nn.ReLU(), torch.randn(2), path("x.tflite"), **bad)
        except litecast.OptionError as e:
            assert list(bad)[0] in str(e), str(e)
        else:
            raise AssertionError(f"{bad} was accepted")
    assert set(litecast.SUPPORTED_OPTIONS) >= {
        "nchw_transpose", "input_transpose", "output_transpose", "group_conv_rewrite", "quantize_target_type",
        "fuse_quant_dequant", "quantize_input_output_type", "rewrite_quantizable", "hybrid_quantization_from_float",
        "hybrid_per_channel", "float16_quantization", "group_tensors", "unroll_rnn", "map_bilstm_to_lstm",
        "separated_rnn_gate_calc", "missing_outputs_as_constants"}


def test_conversion_errors_are_one_line_and_leave_nothing():
    class Unsupported(nn.Module):
        def forward(self, x):
            return torch.relu(torch.erfinv(x * 0.5)) + 1

    out = path("unsupported.tflite")
    try:
        litecast.convert(Unsupported(), torch.rand(2, 3), out)
    except litecast.ConversionError as e:
        msg = str(e)
        assert "aten::erfinv" in msg and "Unsupported" in msg, msg
        assert e.__cause__ is None and e.__suppress_context__, "no engine exception chained"
    else:
        raise AssertionError("erfinv converted")
    assert not os.path.exists(out) and not [f for f in os.listdir(TMP) if f.startswith("unsupported")]

    class Two(nn.Module):
        def forward(self, x, y):
            return x + y

    for model, dummy, want in ((torch.jit.script(Two()), torch.randn(2), "1 tensor"),
                               (nn.ReLU(), [torch.randn(2), 3], "dummy_input[1] is a int"),
                               ("model.pt", torch.randn(2), "model is a str"),
                               (Two(), torch.randn(2), "torch.jit.trace failed")):
        try:
            litecast.convert(model, dummy, path("bad.tflite"))
        except litecast.ConversionError as e:
            assert want in str(e) and "\n" not in str(e), str(e)
        else:
            raise AssertionError(f"{want}: accepted")


def test_dumps_for_a_bug_report():
    m = convnet().eval()
    x = torch.randn(1, 3, 8, 8)
    litecast.convert(m, x, path("d.tflite"), dump_jit_model_path=path("d.pt"), dump_dummy_input_path=path("d_in.pt"))
    loaded = torch.jit.load(path("d.pt"))
    (x2,) = torch.load(path("d_in.pt"))
    assert torch.equal(x, x2)
    with torch.no_grad():
        assert torch.allclose(loaded(x)[0], m(x)[0])


def test_plugins_and_warnings():
    ids = [p["id"] for p in litecast.plugins()]
    assert any("aten" in i for i in ids), ids
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("error")  # litecast's own trace must not warn about torch.jit
        litecast.convert(nn.ReLU(), torch.randn(3), path("relu.tflite"))


def test_prune():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 16, 3), nn.ReLU(), nn.Flatten(),
                      nn.Linear(16 * 12 * 12, 4)).eval()
    x = torch.randn(1, 3, 16, 16)
    r = litecast.prune(m, x, {"sparsity": 0.5, "metrics": "l2_norm"}, path("pruned.pt"))
    assert r["params"]["after"] < r["params"]["before"], r["params"]
    pruned = torch.jit.load(path("pruned.pt"))
    litecast.convert(pruned, x, path("pruned.tflite"))
    print("  " + check(pruned, [x], path("pruned.tflite")))
    try:
        litecast.prune(m, x, {"sparsity": 1.5, "metrics": "l2_norm"}, path("p2.pt"))
    except litecast.ToolError as e:
        assert "sparsity" in str(e) and "\n" not in str(e), str(e)
    else:
        raise AssertionError("a sparsity of 1.5 was accepted")


def test_quantize():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 8, 3),
                      nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)).eval()
    calibration = torch.rand(48, 3, 16, 16)
    r = litecast.quantize(m, calibration, path("q.tflite"), algorithm="minmax")
    assert r["samples"] == 48, r
    info = litecast.inspect(path("q.tflite"))
    ops = info["operator_histogram"]
    assert ops.get("CONV_2D") == 2 and ops.get("FULLY_CONNECTED") == 1, ops
    assert info["inputs"][0]["dtype"] == "FLOAT32", info["inputs"]  # float I/O by default
    assert ops.get("QUANTIZE") == 1 and ops.get("DEQUANTIZE") == 1, ops  # int8 between the edges
    x = torch.rand(8, 3, 16, 16)
    got = oracle.run_litert(path("q.tflite"), [x[:1]], nchw_transpose=True)[0]
    with torch.no_grad():
        want = m(x[:1]).numpy()
    noise = float(((got - want) ** 2).mean())
    signal = float((want ** 2).mean())
    sqnr = 10 * torch.log10(torch.tensor(signal / max(noise, 1e-20))).item()
    print(f"  int8 against float: SQNR {sqnr:.1f} dB (at least 15)")
    assert sqnr >= 15, sqnr
    # The per-layer config written beside the output; rerun with the first conv group skipped.
    assert r["config_written"] == path("q.quant.yaml"), r["config_written"]
    with open(path("q.quant.yaml")) as f:
        assert "\n  2: {skip: false}" in f.read(), "layer 2 (conv + BN + ReLU) not listed"
    with open(path("skip.yaml"), "w") as f:
        f.write("layers:\n  '2': {skip: true}\n")
    r = litecast.quantize(m, calibration, path("q_skip.tflite"), config=path("skip.yaml"),
                          write_config=path("skip_out.yaml"))
    assert r["float_operators"] == {"CONV_2D": 1} and r["algorithm"] == "l2", r
    assert os.path.exists(path("skip_out.yaml")) and not os.path.exists(path("q_skip.quant.yaml"))
    r = litecast.quantize(m, calibration, path("q16.tflite"), activations="int16", write_config=path("q16.yaml"))
    assert not r["float_operators"], r["float_operators"]
    got16 = oracle.run_litert(path("q16.tflite"), [x[:1]], nchw_transpose=True)[0]
    noise16 = max(float(((got16 - want) ** 2).mean()), 1e-20)
    sqnr16 = 10 * torch.log10(torch.tensor(signal / noise16)).item()
    print(f"  16x8 against float: SQNR {sqnr16:.1f} dB (int8: {sqnr:.1f})")
    assert sqnr16 > sqnr, (sqnr16, sqnr)
    # Raw uint8 input: the model expects (raw - 114) / 58.
    raw_cal = (torch.randint(0, 256, (48, 3, 16, 16)).float() - 114) / 58
    r = litecast.quantize(m, raw_cal, path("q_raw.tflite"), fuse_quant_dequant=True, quantize_input_output_type="uint8",
                          quantized_input_stats=[(114, 58)], write_config=path("q_raw.yaml"))
    d = litecast.inspect(path("q_raw.tflite"))["inputs"][0]
    assert d["dtype"] == "UINT8", d
    try:
        litecast.quantize(m, torch.full((4, 3, 16, 16), float("nan")), path("nan.tflite"))
    except litecast.ToolError as e:
        assert "\n" not in str(e) and not os.path.exists(path("nan.tflite")), str(e)
    else:
        raise AssertionError("NaN calibration data was accepted")
    # Images: PNG files of 24x24 resized to 16x16 and normalized; the same as the tensors they make.
    from PIL import Image
    os.makedirs(path("png"), exist_ok=True)
    pixels = (calibration[:8].permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy()
    for i, p in enumerate(pixels):
        Image.fromarray(p).resize((24, 24), Image.NEAREST).save(path(f"png/{i}.png"))
    r = litecast.quantize(m, path("png"), path("q_png.tflite"), image_size=(16, 16), image_mean=[0.5, 0.5, 0.5],
                          image_std=0.25, dummy_input=calibration[:1], report=path("q_png.html"),
                          write_config=path("q_png.yaml"))
    assert r["samples"] == 8, r
    with open(path("q_png.html")) as f:
        assert f.read().startswith("<!DOCTYPE html>")


if __name__ == "__main__":
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    sys.exit(runner.run("python api", tests))
