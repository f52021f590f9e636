"""Post-training quantization (`litecast quantize`) checked in LiteRT against PyTorch.

The real-data test trains a small CNN (conv + BatchNorm + ReLU/ReLU6, depthwise + hardswish,
residual ADD, LOGISTIC gate, MUL, CONCATENATION, MAX_POOL_2D, two FULLY_CONNECTED, SOFTMAX)
for a few seconds on Fashion-MNIST (Debian's dataset-fashion-mnist; scikit-learn's digits when it
is absent, said on stdout), quantizes it with each algorithm on 256 held-out training images and
measures top-1 accuracy of the int8 .tflite in LiteRT against the float PyTorch model on the
test set. The bound: the issue's "within 0.1 point" read as 0.1 of accuracy on a 0-1 scale would
not test anything; read as 0.1 percentage point it is 10 of the 10,000 test images. Measured
(see the printed table) the int8 models differ from float by at most ~0.1-0.3 point; the test
asserts 0.5 point (50 images) so that it is stable across torch builds, and also that at least
98% of the individual predictions agree with float. A broken scale or zero point costs tens of
points, a clipped range several.

Usage: test_ptq.py CLI [ABI_PLUGIN_ROOT]   (the test plugins of tests/abi: third-party algorithms)
"""
import atexit
import gzip
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
ABI_PLUGINS = sys.argv[2] if len(sys.argv) > 2 else None
TMP = tempfile.mkdtemp(prefix="litecast-ptq-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
FASHION = "/usr/share/datasets/fashion-mnist/"
ALGORITHMS = ("minmax", "percentile", "l2", "kl")
ACCURACY_BOUND = 0.005  # 0.5 percentage point either way: more than that above float is suspect too
LOSS_BOUND = 0.001  # int8 may lose at most 0.1 point against float (one image of a small test set)
AGREEMENT = 0.98
torch.set_num_threads(1)


def tmp(name):
    return os.path.join(TMP, name)


def quantize(model, out, data, *args, check=True):
    return ptq_util.run_quantize(CLI, model, out, data, *args, check=check)


def load_data():
    """(train_x, train_y, test_x, test_y, name), images normalised, NCHW float32."""
    if os.path.isdir(FASHION):
        def images(f):
            with gzip.open(FASHION + f) as g:
                return np.frombuffer(g.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)

        def labels(f):
            with gzip.open(FASHION + f) as g:
                return np.frombuffer(g.read(), np.uint8, offset=8).astype(np.int64)

        norm = lambda x: ((x.astype(np.float32) / 255.0) - 0.286) / 0.353  # noqa: E731
        return (norm(images("train-images-idx3-ubyte.gz")), labels("train-labels-idx1-ubyte.gz"),
                norm(images("t10k-images-idx3-ubyte.gz")), labels("t10k-labels-idx1-ubyte.gz"), "Fashion-MNIST")
    from sklearn.datasets import load_digits
    d = load_digits()
    x = ((d.images.astype(np.float32) / 16.0 - 0.5) / 0.5)[:, None]
    x = np.repeat(np.repeat(x, 2, axis=2), 2, axis=3)  # 16x16
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(x))
    x, y = x[idx], d.target[idx].astype(np.int64)
    print("dataset-fashion-mnist is not installed: using scikit-learn's digits (16x16)")
    return x[:1297], y[:1297], x[1297:], y[1297:], "digits"


class Net(nn.Module):
    def __init__(self, side):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.BatchNorm2d(32), nn.Hardswish())
        self.pw = nn.Conv2d(32, 32, 1)
        self.gate = nn.Conv2d(32, 16, 1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(48 * (side // 4) ** 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.down(self.stem(x))
        x = torch.relu(x + self.pw(self.dw(x)))
        x = torch.cat([x, torch.sigmoid(self.gate(x)) * x[:, :16]], 1)
        x = torch.flatten(self.pool(x), 1)
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), 1)


STATE = {}


def trained():
    """The trained model, its traced file, the calibration and test data (made once)."""
    if STATE:
        return STATE
    xtr, ytr, xte, yte, name = load_data()
    torch.manual_seed(0)
    model = Net(xtr.shape[-1])
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    x, y = torch.from_numpy(xtr[:12000]), torch.from_numpy(ytr[:12000])
    for _ in range(2):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.nll_loss(torch.log(model(x[idx]) + 1e-9), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    pt = tmp("cnn.pt")
    with torch.no_grad():
        torch.jit.trace(model, torch.from_numpy(xte[:1])).save(pt)
        probs = model(torch.from_numpy(xte)).numpy()
    calib = tmp("calib.npy")
    np.save(calib, xtr[-256:])
    STATE.update(model=model, pt=pt, calib=calib, xte=xte, yte=yte, probs=probs, name=name)
    return STATE


def litert_outputs(path, x):
    it = oracle.Interpreter(model_path=path)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for i in range(len(x)):
        a = x[i:i + 1].transpose(0, 2, 3, 1)
        it.set_tensor(d["index"], np.ascontiguousarray(a, dtype=np.float32))
        it.invoke()
        out.append(it.get_tensor(o["index"])[0].copy())
    return np.stack(out)


def test_real_data_accuracy():
    s = trained()
    float_acc = float((s["probs"].argmax(1) == s["yte"]).mean())
    rows, failures = [], []
    for alg in ALGORITHMS:
        out = tmp(f"cnn_{alg}.tflite")
        summary = json.loads(quantize(s["pt"], out, s["calib"], "--algorithm", alg).stdout)
        floats = oracle.float_compute_ops(out)
        if floats:
            failures.append(f"{alg}: float operators left: {floats}")
        pred = litert_outputs(out, s["xte"]).argmax(1)
        acc = float((pred == s["yte"]).mean())
        agree = float((pred == s["probs"].argmax(1)).mean())
        rows.append((alg, acc, agree, summary["messages"]))
        if abs(acc - float_acc) > ACCURACY_BOUND or acc < float_acc - max(LOSS_BOUND, 1.0 / len(s["yte"])):
            failures.append(f"{alg}: int8 accuracy {acc:.4f} vs float {float_acc:.4f}")
        if agree < AGREEMENT:
            failures.append(f"{alg}: only {agree:.4f} of the predictions agree with float")
    print(f"{s['name']}, {len(s['yte'])} test images: float (PyTorch) accuracy {float_acc:.4f}")
    for alg, acc, agree, msgs in rows:
        print(f"  {alg:<10} int8 (LiteRT) {acc:.4f}  diff {100 * (acc - float_acc):+.2f} point  "
              f"agreement {agree:.4f}{'  notes: ' + '; '.join(msgs) if msgs else ''}")
    assert not failures, "; ".join(failures)


def test_outputs_close_to_float():
    """Per sample: the int8 model's probabilities within a few output steps (1/256) of float."""
    s = trained()
    out = tmp("cnn_l2.tflite")
    if not os.path.exists(out):
        quantize(s["pt"], out, s["calib"], "--algorithm", "l2")
    got = litert_outputs(out, s["xte"][:500])
    err = np.abs(got - s["probs"][:500])
    print(f"l2: probabilities, mean abs error {err.mean():.5f}, 99th percentile {np.percentile(err, 99):.4f}")
    assert err.mean() < 0.01 and np.percentile(err, 99) < 0.1, "int8 probabilities far from float"


class TwoInputs(nn.Module):
    """An image and a vector: conv + BN + ReLU, a padded max pool (PADV2 with the lowest value),
    global mean, concatenated with a linear branch."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(3, stride=1, padding=1))
        self.lin = nn.Linear(4, 8)
        self.head = nn.Linear(16, 5)

    def forward(self, x, v):
        a = self.conv(x).mean((2, 3))
        return self.head(torch.cat([a, torch.relu(self.lin(v))], 1))


class WithFloatOp(nn.Module):
    """EXP has no int8 kernel in TFLite: it stays float between DEQUANTIZE and QUANTIZE, the
    convolutions around it int8."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self.b(torch.exp(-torch.relu(self.a(x))))


def traced(model, *inputs):
    torch.manual_seed(0)
    path = tmp(type(model).__name__ + ".pt")
    with torch.no_grad():
        torch.jit.trace(model.eval(), inputs).save(path)
    return path


def check_close(path, model, inputs, what, steps=3.0):
    """LiteRT's output within `steps` output quantization steps of float PyTorch, on average
    well within one."""
    with torch.no_grad():
        want = model(*inputs).numpy()
    got = oracle.run_litert(path, list(inputs))[0]
    it = oracle.Interpreter(model_path=path)
    step = max(t["quantization"][0] for t in it.get_tensor_details()
               if t["dtype"] == np.int8 and t["name"].split("/")[0] == it.get_output_details()[0]["name"])
    err = np.abs(got - want) / step
    print(f"{what}: output error in steps of {step:.4g}: mean {err.mean():.3f}, max {err.max():.2f}")
    assert err.max() <= steps and err.mean() <= 1.0, f"{what}: int8 output far from float"


def test_calibration_formats():
    torch.manual_seed(1)
    model = TwoInputs()
    with torch.no_grad():
        model.conv[1].running_var.uniform_(0.5, 2)
        model.conv[1].running_mean.uniform_(-0.2, 0.2)
    xs, vs = torch.randn(64, 3, 8, 8), torch.randn(64, 4)
    pt = traced(model, xs[:1], vs[:1])
    np.savez(tmp("two.npz"), xs.numpy(), vs.numpy())
    torch.save((xs, vs), tmp("two.pt"))
    os.makedirs(tmp("twodir"), exist_ok=True)
    for i in range(0, 64, 16):  # a directory of .npz batches
        np.savez_compressed(tmp(f"twodir/b{i:02d}.npz"), xs[i:i + 16].numpy(), vs[i:i + 16].numpy())
    test_in = (torch.randn(1, 3, 8, 8), torch.randn(1, 4))
    sizes = {}
    for data in ("two.npz", "two.pt", "twodir"):
        out = tmp(f"two_{data.replace('.', '_')}.tflite")
        summary = json.loads(quantize(pt, out, tmp(data), "--algorithm", "minmax").stdout)
        assert summary["samples"] == 64, f"{data}: {summary['samples']} samples read, 64 given"
        assert not summary["float_operators"], f"{data}: float operators {summary['float_operators']}"
        check_close(out, model, test_in, f"two inputs, {data}")
        sizes[data] = open(out, "rb").read()
    assert sizes["two.npz"] == sizes["two.pt"] == sizes["twodir"], "the same data in three formats, three models"
    # --calibration-samples and an explicit --input-shape (batch 4: 16 batches, or 2 of them).
    out = tmp("two_b4.tflite")
    s = json.loads(quantize(pt, out, tmp("two.pt"), "--input-shape", "4,3,8,8", "--input-shape", "4,4",
                            "--calibration-samples", "10").stdout)
    assert s["samples"] == 8 and s["dropped_samples"] == 2, s


def test_image_calibration():
    """PNG and JPEG files as calibration data: decoded, resized and normalized in litecast."""
    from PIL import Image

    s = trained()
    side = s["xte"].shape[-1]
    mean, std = (0.286, 0.353) if s["name"] == "Fashion-MNIST" else (0.5, 0.5)
    raw = np.load(s["calib"])[:64]
    u8 = np.clip(np.rint((raw * std + mean) * 255.0), 0, 255).astype(np.uint8)  # the images behind the data
    os.makedirs(tmp("png"), exist_ok=True)
    for i, img in enumerate(u8):
        Image.fromarray(img[0]).save(tmp(f"png/{i:03d}.png"))
    # The same pixels as .npy, normalized as torchvision's ToTensor + Normalize: the same model, byte for byte.
    np.save(tmp("png_ref.npy"), ((u8.astype(np.float32) / 255.0) - np.float32(mean)) / np.float32(std))
    by_png, by_npy = tmp("from_png.tflite"), tmp("from_npy.tflite")
    summary = json.loads(quantize(s["pt"], by_png, tmp("png"), "--image-mean", str(mean), "--image-std",
                                  str(std)).stdout)
    assert summary["samples"] == 64, summary
    quantize(s["pt"], by_npy, tmp("png_ref.npy"))
    assert open(by_png, "rb").read() == open(by_npy, "rb").read(), "PNG calibration differs from the same pixels"
    # JPEG at another size (RGB files for a gray model: converted), resized to the model's input.
    os.makedirs(tmp("jpg"), exist_ok=True)
    for i, img in enumerate(u8):
        Image.fromarray(img[0]).convert("RGB").resize((2 * side, 2 * side), Image.BILINEAR).save(
            tmp(f"jpg/{i:03d}.jpg"), quality=95)
    by_jpg = tmp("from_jpg.tflite")
    quantize(s["pt"], by_jpg, tmp("jpg"), "--input-shape", f"1,1,{side},{side}", "--image-mean", str(mean),
             "--image-std", str(std))
    probs = litert_outputs(by_jpg, s["xte"][:2000])
    agree = float((probs.argmax(1) == s["probs"][:2000].argmax(1)).mean())
    print(f"images: PNG calibration = .npy of the same pixels; JPEG ({2 * side}px, resized): "
          f"{agree:.4f} agreement with float on 2000 test images")
    assert agree >= AGREEMENT, f"JPEG-calibrated model agrees with float on {agree:.4f} of the test images"
    # --image-size resizes without --input-shape (gray files: one channel).
    os.makedirs(tmp("jpg_gray"), exist_ok=True)
    for i, img in enumerate(u8[:8]):
        Image.fromarray(img[0]).resize((2 * side, 2 * side), Image.BILINEAR).save(tmp(f"jpg_gray/{i}.jpg"))
    r = quantize(s["pt"], tmp("from_jpg_size.tflite"), tmp("jpg_gray"), "--image-size", str(side), "--image-mean",
                 str(mean), "--image-std", str(std))
    assert json.loads(r.stdout)["samples"] == 8
    # Bad images and options.
    open(tmp("png/zz_cut.png"), "wb").write(open(tmp("png/000.png"), "rb").read()[:60])
    expect_error([], tmp("png"), "zz_cut.png", "PNG")
    os.remove(tmp("png/zz_cut.png"))
    open(tmp("bad.jpg"), "wb").write(b"\xff\xd8\xff" + b"junk" * 30)
    expect_error([], tmp("bad.jpg"), "bad.jpg", "JPEG")
    expect_error(["--image-mean", "0.1,0.2"], tmp("png"), "--image-mean", "2 values")
    expect_error(["--image-std", "0"], tmp("png"), "--image-std")
    expect_error(["--image-size", "1,2,3"], tmp("png"), "--image-size")
    two = traced(TwoInputs(), torch.randn(1, 3, 8, 8), torch.randn(1, 4))
    expect_error([], tmp("png/000.png"), "000.png", "2 inputs", model=two)


def test_float_fallback():
    torch.manual_seed(2)
    model = WithFloatOp()
    pt = traced(model, torch.randn(1, 3, 8, 8))
    np.save(tmp("fb.npy"), torch.randn(32, 3, 8, 8).numpy())
    out = tmp("fb.tflite")
    summary = json.loads(quantize(pt, out, tmp("fb.npy")).stdout)
    # -relu(x) is NEG, which has no int8 kernel in fold_qdq's table either.
    assert summary["float_operators"] == {"EXP": 1, "NEG": 1}, summary["float_operators"]
    hist = summary["operator_histogram"]
    assert hist.get("CONV_2D") == 2 and "EXP" in hist, hist
    check_close(out, model, (torch.randn(1, 3, 8, 8),), "float EXP between int8 convolutions")


def test_integer_io():
    s = trained()
    out = tmp("cnn_io.tflite")
    quantize(s["pt"], out, s["calib"], "--fuse-quant-dequant", "--algorithm", "minmax")
    it = oracle.Interpreter(model_path=out)
    assert it.get_input_details()[0]["dtype"] == np.int8 and it.get_output_details()[0]["dtype"] == np.int8
    assert "QUANTIZE" not in [o["op_name"] for o in it._get_ops_details()][:1]
    # The legacy uint8 scheme: per-tensor weights implied; predictions as int8's.
    u8 = tmp("cnn_u8.tflite")
    quantize(s["pt"], u8, s["calib"], "--quantize-target-type", "uint8", "--algorithm", "minmax")
    types = {t["dtype"] for t in oracle.Interpreter(model_path=u8).get_tensor_details()}
    assert np.uint8 in types and np.int8 not in types, types
    agree = float((litert_outputs(u8, s["xte"][:500]).argmax(1) == s["probs"][:500].argmax(1)).mean())
    assert agree >= AGREEMENT, f"uint8: {agree:.3f} of the predictions agree with float"


def test_third_party_algorithm():
    if not ABI_PLUGINS:
        print("skipped: no ABI test plugin directory given")
        return
    s = trained()
    out = tmp("cnn_absmax.tflite")
    quantize(s["pt"], out, s["calib"], "--algorithm", "absmax", "--plugin-dir", os.path.join(ABI_PLUGINS, "ptq_absmax"))
    acc = float((litert_outputs(out, s["xte"][:2000]).argmax(1) == s["yte"][:2000]).mean())
    ref = float((s["probs"][:2000].argmax(1) == s["yte"][:2000]).mean())
    print(f"absmax (a C plugin): accuracy {acc:.4f}, float {ref:.4f} on 2000 images")
    assert abs(acc - ref) < 0.02


def test_report():
    """--report: every observed activation, worst SQNR first, keyed by module name; a minmax
    range never clips, so its error is rounding only: SQNR of an 8-bit grid, > 20 dB."""
    s = trained()
    rep = tmp("report.json")
    quantize(s["pt"], tmp("cnn_rep.tflite"), s["calib"], "--algorithm", "minmax", "--report", rep)
    with open(rep) as f:
        layers = json.load(f)["layers"]
    sq = [l["sqnr_db"] for l in layers]
    assert sq == sorted(sq), "not worst first"
    modules = {l["module"] for l in layers}
    for m in ("stem.2", "down.2", "dw.2", "pw", "fc2"):  # the module whose output TFLite computes
        assert m in modules, f"module {m} missing from the report: {sorted(modules)}"
    assert min(sq) > 20 and all(l["cosine"] > 0.99 for l in layers), layers[0]
    print(f"report: {len(layers)} activations, worst {layers[0]['module'] or layers[0]['tensor']} "
          f"{layers[0]['sqnr_db']:.1f} dB")


def intermediates(path, xs):
    """{tensor name: array over the samples} of every non-constant tensor, from LiteRT with all
    tensors kept (no delegate: XNNPACK would hide them)."""
    it = oracle.Interpreter(model_path=path, experimental_preserve_all_tensors=True,
                            experimental_op_resolver_type=oracle.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    details = it.get_tensor_details()
    inp = it.get_input_details()[0]
    out = {t["name"]: [] for t in details}
    for x in xs:  # NCHW samples; the model takes NHWC
        it.set_tensor(inp["index"], np.ascontiguousarray(x[None].transpose(0, 2, 3, 1), dtype=np.float32))
        it.invoke()
        for t in details:
            try:
                out[t["name"]].append(np.array(it.get_tensor(t["index"])))
            except ValueError:  # no data (a tensor LiteRT freed or never wrote)
                out.pop(t["name"], None)
    return {k: np.stack(v) for k, v in out.items() if v}, {t["name"]: t for t in details}


sqnr_db = ptq_util.sqnr_db


def test_report_against_litert():
    """The report's simulation checked against LiteRT's own intermediate tensors: each reported
    activation is a tensor of the int8 model whose quantization is the reported range; fake-quantizing
    the float model's same tensor (from LiteRT) with it gives the reported SQNR; LiteRT's int8 value
    of the input equals that simulation, and deeper ones are no better than it (their error adds up)."""
    s = trained()
    rep, q, f = tmp("report_rt.json"), tmp("cnn_rt.tflite"), tmp("cnn_float.tflite")
    quantize(s["pt"], q, s["calib"], "--algorithm", "l2", "--report", rep)
    side = s["xte"].shape[-1]
    r = subprocess.run([CLI, "convert", s["pt"], "-o", f, "--input-shape", f"1,1,{side},{side}"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    calib = np.load(s["calib"])
    qv, qd = intermediates(q, calib)
    fv, _ = intermediates(f, calib)
    layers = json.load(open(rep))["layers"]
    input_name = oracle.Interpreter(model_path=f).get_input_details()[0]["name"]
    checked = 0
    for layer in layers:
        name, qname = layer["tensor"], layer["tflite_tensor"]
        # The float model's tensor: the same name, or the one the quantized name was made from
        # ("input.7/int8", "x.1/quantized").
        fname = next((n for n in (qname, qname.rsplit("/", 1)[0]) if n in fv), None)
        assert qname in qd and qd[qname]["dtype"] == np.int8 and fname, f"{name}: {qname} not in the models"
        scale, zp = qd[qname]["quantization"]
        lo, hi = layer["range"]
        assert abs(scale - (hi - lo) / 255) <= 1e-5 * max(scale, 1e-12), (name, scale, lo, hi)
        ref = fv[fname]
        sim = (np.clip(np.rint(ref / scale) + zp, -128, 127) - zp) * scale
        got = (qv[qname].astype(np.float64) - zp) * scale
        sim_db, rt_db = sqnr_db(ref, sim), sqnr_db(ref, got)
        assert abs(sim_db - layer["sqnr_db"]) <= 0.25, f"{name}: reported {layer['sqnr_db']:.2f} dB, LiteRT's " \
                                                      f"float tensor quantized with the range {sim_db:.2f} dB"
        if fname == input_name:  # the model's input: QUANTIZE only
            assert abs(rt_db - sim_db) <= 0.05, f"{name}: LiteRT {rt_db:.2f} dB, simulated {sim_db:.2f} dB"
        else:
            assert rt_db <= sim_db + 1.0, f"{name}: LiteRT {rt_db:.2f} dB beats the range-only bound {sim_db:.2f}"
        print(f"  {layer['module'] or name:8s} reported {layer['sqnr_db']:6.2f} dB, simulated on LiteRT's float "
              f"tensor {sim_db:6.2f} dB, LiteRT int8 {rt_db:6.2f} dB")
        checked += 1
    assert checked == len(layers) > 5, f"{checked} of {len(layers)} reported tensors checked"
    # The HTML form: self-contained, the same JSON inside.
    html = tmp("report.html")
    quantize(s["pt"], tmp("cnn_html.tflite"), s["calib"], "--algorithm", "l2", "--report", html)
    page = open(html).read()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", ""), "not a self-contained page"
    embedded = page.split('<script type="application/json" id="report">\n', 1)[1].split("\n</script>", 1)[0]
    assert json.loads(embedded.replace("<\\/", "</"))["layers"] == layers
    print(f"report vs LiteRT: {checked} of {len(layers)} activations checked; HTML report {len(page)} bytes")


def expect_error(args, data, *patterns, model=None):
    s = trained()
    out = tmp("bad.tflite")
    r = quantize(model or s["pt"], out, data, *args, check=False)
    err = r.stderr.strip()
    assert r.returncode != 0, f"{data}: exit code 0"
    assert len(err.splitlines()) == 1, f"{data}: not one line: {err!r}"
    assert "Traceback" not in err and "c10::" not in err, err
    for p in patterns:
        assert p in err, f"{data}: {p!r} not in {err!r}"
    assert not os.path.exists(out), "an output file was left behind"
    print(f"  {err}")


def test_bad_input():
    s = trained()
    os.makedirs(tmp("empty"), exist_ok=True)
    expect_error([], tmp("empty"), "empty", "no .npy")
    expect_error([], tmp("missing.npy"), "missing.npy", "no such")
    good = np.load(s["calib"])
    with open(s["calib"], "rb") as f:
        raw = f.read()
    with open(tmp("truncated.npy"), "wb") as f:
        f.write(raw[:len(raw) // 2])
    expect_error([], tmp("truncated.npy"), "truncated.npy", "truncated")
    with open(tmp("junk.npz"), "wb") as f:
        f.write(b"not a zip file at all")
    expect_error([], tmp("junk.npz"), "junk.npz", ".npz")
    bad = good[:8].copy()
    bad[3, 0, 5, 5] = np.nan
    np.save(tmp("nan.npy"), bad)
    expect_error([], tmp("nan.npy"), "nan.npy", "NaN")
    side = good.shape[-1]
    np.save(tmp("shape.npy"), good[:8, :, :side - 2, :side - 2])
    expect_error(["--input-shape", f"1,1,{side},{side}"], tmp("shape.npy"), "shape.npy", "--input-shape")
    np.save(tmp("shape2.npy"), good[:8, :, :side - 2, :side - 2])
    expect_error([], tmp("shape2.npy"), "cnn.pt")  # no --input-shape: the model itself refuses
    np.save(tmp("complex.npy"), good[:4].astype(np.complex64))
    expect_error([], tmp("complex.npy"), "complex.npy", "dtype")
    np.savez(tmp("twoarrays.npz"), good[:4], good[:4])
    expect_error([], tmp("twoarrays.npz"), "twoarrays.npz", "2 arrays", "1 input")
    expect_error(["--algorithm", "nope"], s["calib"], "--algorithm nope", "minmax")
    expect_error(["--percentile", "120", "--algorithm", "percentile"], s["calib"], "--percentile")
    if ABI_PLUGINS:
        expect_error(["--algorithm", "bad_range", "--plugin-dir", os.path.join(ABI_PLUGINS, "ptq_bad_range")],
                     s["calib"], "bad_range", "test.ptq-bad-range", "not a range", "tensor")
        expect_error(["--algorithm", "nan_range", "--plugin-dir", os.path.join(ABI_PLUGINS, "ptq_nan_range")],
                     s["calib"], "nan_range", "test.ptq-nan-range", "nan")
    # The user's input is never overwritten.
    r = subprocess.run([CLI, "quantize", s["pt"], "-o", s["calib"], "--calibration-data", s["calib"]],
                       capture_output=True, text=True)
    assert r.returncode != 0 and np.array_equal(np.load(s["calib"]), good), r.stderr


if __name__ == "__main__":
    TESTS = [test_real_data_accuracy, test_outputs_close_to_float, test_calibration_formats, test_float_fallback,
             test_integer_io, test_third_party_algorithm, test_report, test_bad_input, test_image_calibration, test_report_against_litert]
    only = os.environ.get("PTQ_TESTS")  # a comma-separated subset, while debugging
    sys.exit(runner.run("ptq", [t for t in TESTS if not only or t.__name__ in only.split(",")]))
