"""The options that change how a quantized model computes, end to end: --rewrite-quantizable,
QAT graphs (fake-quant nodes), --quantize-target-type uint8, --fuse-quant-dequant with
--quantize-input-output-type. Models are quantized here with PyTorch's eager API (qnnpack
qconfig, seeded random calibration), converted with `litecast convert`, run in LiteRT and
compared with PyTorch's quantized (or fake-quantized) output in quantization steps of the
output: >= 99% of elements within one step, none beyond two. Each case also checks the
integer types the options promise (which ops run in int8/uint8, the I/O types).

Usage: test_quantized_options.py LITECAST_CLI
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.ao.quantization as tq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# ---- models ------------------------------------------------------------------------------

class Between(nn.Module):
    """quantize -> dequantize -> float op -> quantize -> dequantize: what a PyTorch-quantized
    model does around an op PyTorch cannot quantize."""

    def __init__(self, fn, arity=1, pre=None):
        super().__init__()
        self.fn = fn
        self.pre = pre or (lambda x: x)
        self.stubs = nn.ModuleList(tq.QuantStub() for _ in range(arity))
        self.out = tq.QuantStub()
        self.dq = tq.DeQuantStub()

    def forward(self, *xs):
        xs = [self.dq(s(self.pre(x))) for s, x in zip(self.stubs, xs)]
        return self.dq(self.out(self.fn(*xs)))


def pos(x):
    return x.abs() + 0.25


# name, function, arity, input shape, TFLite op that must run on integers, input transform
REWRITE_CASES = [
    ("softmax", lambda x: torch.softmax(x, -1), 1, (1, 4, 16), "SOFTMAX", None),
    ("log_softmax", lambda x: torch.log_softmax(x, -1), 1, (1, 4, 16), "LOG_SOFTMAX", None),
    ("bmm", lambda a, b: torch.matmul(a, b.transpose(1, 2)), 2, (1, 6, 8), "BATCH_MATMUL", None),
    ("abs", torch.abs, 1, (1, 4, 16), "ABS", None),
    ("sum", lambda x: torch.sum(x, dim=-1, keepdim=True), 1, (1, 4, 16), "SUM", None),
    ("rsqrt", torch.rsqrt, 1, (1, 4, 16), "RSQRT", pos),
    ("maximum", torch.maximum, 2, (1, 4, 16), "MAXIMUM", None),
    ("minimum", torch.minimum, 2, (1, 4, 16), "MINIMUM", None),
    ("sigmoid", torch.sigmoid, 1, (1, 4, 16), "LOGISTIC", None),
    ("tanh", torch.tanh, 1, (1, 4, 16), "TANH", None),
]


class SmallCnn(nn.Module):
    """Conv-BN-ReLU, a residual add, max pooling, global average pooling, linear."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.add = nn.quantized.FloatFunctional()
        self.pool = nn.MaxPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(self.quant(x))))
        x = self.add.add(x, self.relu2(self.conv2(x)))
        x = self.gap(self.pool(x)).flatten(1)
        return self.dequant(self.fc(x))

    def fuse(self):
        tq.fuse_modules(self, [["conv1", "bn1", "relu1"], ["conv2", "relu2"]], inplace=True)


class QatNet(nn.Module):
    """A QAT graph: fused conv+relu, a depthwise conv, linear, with fake-quant on
    activations (per tensor) and weights (per channel)."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.relu2 = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.relu1(self.conv1(self.quant(x)))
        x = self.relu2(self.conv2(x))
        return self.dequant(self.fc(self.gap(x).flatten(1)))


# ---- quantizing ----------------------------------------------------------------------------

def quantize_eager(model, shapes, fuse=None):
    torch.backends.quantized.engine = "qnnpack"
    model.eval()
    if fuse:
        fuse()
    model.qconfig = tq.get_default_qconfig("qnnpack")
    tq.prepare(model, inplace=True)
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for _ in range(8):
            model(*[torch.randn(*s, generator=g) * 2 for s in shapes])
    tq.convert(model, inplace=True)
    return model


def qat_model():
    torch.manual_seed(3)
    model = QatNet()
    tq.fuse_modules(model, [["conv1", "relu1"], ["conv2", "relu2"]], inplace=True)
    act = tq.FakeQuantize.with_args(observer=tq.MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                                    dtype=torch.quint8, reduce_range=False)
    weight = tq.FakeQuantize.with_args(observer=tq.MovingAveragePerChannelMinMaxObserver, quant_min=-128,
                                       quant_max=127, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    model.qconfig = tq.QConfig(activation=act, weight=weight)
    model.train()
    tq.prepare_qat(model, inplace=True)
    g = torch.Generator().manual_seed(5)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(10):  # a few training steps move weights off the observers' first ranges
        loss = model(torch.randn(4, 3, 12, 12, generator=g)).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.apply(tq.disable_observer)
    return model.eval()


# ---- running ---------------------------------------------------------------------------------

def run(path, inputs):
    """LiteRT's outputs as float, in PyTorch's layout, and an interpreter to look into."""
    it = oracle.Interpreter(model_path=path)
    it.allocate_tensors()
    return oracle.run_litert(path, inputs), it


def op_types(it):
    """[(op name, [input dtypes], [output dtypes])] of the interpreter's model."""
    dtypes = {d["index"]: d["dtype"] for d in it.get_tensor_details()}
    return [(o["op_name"], [dtypes.get(i) for i in o["inputs"] if i >= 0], [dtypes.get(i) for i in o["outputs"]])
            for o in it._get_ops_details()]


def io_types(it):
    return [d["dtype"] for d in it.get_input_details()], [d["dtype"] for d in it.get_output_details()]


def steps(name, got, want, scale):
    """Compares in quantization steps of the output; returns (% within one step, max steps)."""
    w = want.detach().numpy().astype(np.float64)
    if got.shape != w.shape:
        check(False, f"{name}: shape {got.shape} in LiteRT, {w.shape} in PyTorch")
        return 0.0, float("inf")
    err = np.abs(got - w) / scale
    within = float((err <= 1.0 + 1e-3).mean() * 100)
    worst = float(err.max())
    check(within >= 99.0 and worst <= 2.0 + 1e-3,
          f"{name}: {within:.2f}% within 1 step, max {worst:.2f} steps (scale {scale:.4g})")
    return within, worst


def convert_and_run(cli, model, shapes, inputs, extra, tmp, name):
    pt = os.path.join(tmp, name + ".pt")
    torch.jit.save(torch.jit.trace(model, tuple(inputs)), pt)
    spec = {"inputs": [{"shape": list(s)} for s in shapes]}
    out = os.path.join(tmp, name + ".tflite")
    oracle.convert(cli, pt, out, spec, extra)
    return run(out, inputs)


def reference(model, inputs):
    torch.backends.quantized.engine = "onednn"  # known trap: qnnpack's quantized relu6 on channels_last
    with torch.no_grad():
        return model(*inputs)


# ---- cases -------------------------------------------------------------------------------------

def rewrite_cases(cli, tmp):
    for name, fn, arity, shape, tfl_op, transform in REWRITE_CASES:
        torch.manual_seed(0)
        shapes = [shape] * arity
        model = quantize_eager(Between(fn, arity, transform), shapes)
        g = torch.Generator().manual_seed(11)
        inputs = [torch.randn(*s, generator=g) * 2 for s in shapes]
        want = reference(model, inputs)
        scale = float(model.out.scale)
        got, it = convert_and_run(cli, model, shapes, inputs, ["--rewrite-quantizable"], tmp, name)
        ops = [o for o in op_types(it) if o[0] == tfl_op]
        check(len(ops) == 1 and ops[0][1][:arity] == [np.int8] * arity and ops[0][2] == [np.int8],
              f"rewrite {name}: {tfl_op} runs on int8 ({ops})")
        steps(f"rewrite {name}", got[0], want, scale)
        _, it = convert_and_run(cli, model, shapes, inputs, [], tmp, name + "_plain")
        ops = [o for o in op_types(it) if o[0] == tfl_op]
        check(len(ops) == 1 and ops[0][2] == [np.float32], f"without --rewrite-quantizable {name}: {tfl_op} stays float")


def target_and_io_cases(cli, tmp):
    torch.manual_seed(1)
    shapes = [(1, 3, 16, 16)]
    model = SmallCnn()
    model = quantize_eager(model, shapes, fuse=model.fuse)
    g = torch.Generator().manual_seed(12)
    inputs = [torch.randn(*shapes[0], generator=g) * 2]
    want = reference(model, inputs)
    scale = float(model.fc.scale)
    variants = [
        ("int8", [], np.int8, np.float32),
        ("uint8", ["--quantize-target-type", "uint8"], np.uint8, np.float32),
        ("int8_fused_io", ["--fuse-quant-dequant"], np.int8, np.int8),
        ("uint8_fused_io", ["--quantize-target-type", "uint8", "--fuse-quant-dequant"], np.uint8, np.uint8),
        ("int8_uint8_io", ["--fuse-quant-dequant", "--quantize-input-output-type", "uint8"], np.int8, np.uint8),
        ("uint8_int8_io", ["--quantize-target-type", "uint8", "--fuse-quant-dequant",
                           "--quantize-input-output-type", "int8"], np.uint8, np.int8),
    ]
    for name, extra, compute, io in variants:
        got, it = convert_and_run(cli, model, shapes, inputs, extra, tmp, "cnn_" + name)
        convs = [o for o in op_types(it) if o[0] in ("CONV_2D", "FULLY_CONNECTED", "ADD", "MAX_POOL_2D")]
        check(len(convs) >= 4 and all(o[2] == [compute] for o in convs),
              f"{name}: CONV_2D/FULLY_CONNECTED/ADD/MAX_POOL_2D compute in {np.dtype(compute).name}")
        ins, outs = io_types(it)
        check(ins == [io] and outs == [io], f"{name}: model I/O is {np.dtype(io).name} ({ins}, {outs})")
        steps(f"cnn {name}", got[0], want, scale)


def qat_case(cli, tmp):
    model = qat_model()
    shapes = [(1, 3, 12, 12)]
    g = torch.Generator().manual_seed(13)
    inputs = [torch.randn(*shapes[0], generator=g)]
    with torch.no_grad():
        want = model(*inputs)
    scale = float(model.fc.activation_post_process.scale)
    got, it = convert_and_run(cli, model, shapes, inputs, [], tmp, "qat")
    kernels = [o for o in op_types(it) if o[0] in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    check(len(kernels) == 3 and all(o[1][:2] == [np.int8, np.int8] and o[2] == [np.int8] for o in kernels),
          f"qat: conv, depthwise conv and linear run on int8 ({[o[0] for o in kernels]})")
    steps("qat", got[0], want, scale)


def main():
    cli = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for case in (rewrite_cases, target_and_io_cases, qat_case):
            try:
                case(cli, tmp)
            except oracle.Failure as e:
                check(False, f"{case.__name__}: {e}")
    print(f"quantized options: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
