"""Quantized micro-models, one per quantized op: float modules quantized in PyTorch (eager
mode, qnnpack qconfig, calibrated on seeded random data, converted), then traced. The oracle
compares them in quantization steps (spec option "quantized")."""
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

Q = {"quantized": True}


class Quantized(nn.Module):
    """QuantStub per input, the body, DeQuantStub on the output."""

    def __init__(self, body, inputs=1):
        super().__init__()
        self.quant = nn.ModuleList(tq.QuantStub() for _ in range(inputs))
        self.body = body
        self.dequant = tq.DeQuantStub()

    def forward(self, *x):
        return self.dequant(self.body(*[q(t) for q, t in zip(self.quant, x)]))


class QuantizedOut(Quantized):
    """Like Quantized, but the model's output stays quantized (an int8 model output)."""

    def forward(self, *x):
        return self.body(*[q(t) for q, t in zip(self.quant, x)])


# Per-channel symmetric weights (what the x86/fbgemm qconfig uses), activations as qnnpack's.
PER_CHANNEL = tq.QConfig(activation=tq.get_default_qconfig("qnnpack").activation,
                         weight=tq.default_per_channel_weight_observer)


def quantize(body, shapes, fuse=None, calibrate=8, qconfig=None, wrapper=Quantized):
    """A factory: body() quantized with the qnnpack qconfig (or `qconfig`), calibrated on
    `calibrate` seeded random batches of the input shapes."""

    def factory():
        torch.backends.quantized.engine = "qnnpack"
        m = wrapper(body(), len(shapes)).eval()
        if fuse:
            tq.fuse_modules(m.body, fuse, inplace=True)
        m.qconfig = qconfig or tq.get_default_qconfig("qnnpack")
        tq.prepare(m, inplace=True)
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for _ in range(calibrate):
                m(*[torch.randn(*s, generator=g) for s in shapes])
        tq.convert(m, inplace=True)
        return m

    return factory


def dynamic(body):
    """quantized::linear_dynamic: float in and out, int8 weights (quantize_dynamic)."""

    def factory():
        torch.backends.quantized.engine = "qnnpack"
        return tq.quantize_dynamic(body().eval(), {nn.Linear}, dtype=torch.qint8)

    return factory


def qat(body, shapes, fuse):
    """A QAT model as exported for conversion: fused for QAT, prepared with the qnnpack QAT
    qconfig (fused observer + fake quantize modules), run on seeded random batches in train
    mode, then observers disabled, BatchNorm statistics frozen, eval mode; left in float."""

    def factory():
        torch.backends.quantized.engine = "qnnpack"
        m = Quantized(body(), len(shapes)).train()
        tq.fuse_modules_qat(m.body, fuse, inplace=True)
        m.qconfig = tq.get_default_qat_qconfig("qnnpack")
        tq.prepare_qat(m, inplace=True)
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for _ in range(8):
                m(*[torch.randn(*s, generator=g) for s in shapes])
        m.apply(tq.disable_observer)
        m.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
        return m.eval()

    return (factory, list(shapes), {**Q, "int8_weights": True})


class SmallNet(nn.Module):
    """conv-bn-relu, a residual add, hardswish, pooling and a linear head: for FX mode."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.branch = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.Hardswish())
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.branch(x)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def fx(body, shape):
    """FX graph mode quantization: prepare_fx / convert_fx with the qnnpack qconfig mapping."""

    def factory():
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

        torch.backends.quantized.engine = "qnnpack"
        example = torch.randn(*shape)
        m = prepare_fx(body().eval(), tq.get_default_qconfig_mapping("qnnpack"), (example,))
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for _ in range(8):
                m(torch.randn(*shape, generator=g))
        return convert_fx(m)

    return (factory, [shape], Q)


def fixture(body, *shapes, fuse=None, **kw):
    return (quantize(body, shapes, fuse, **kw), list(shapes), Q)


class Seq(nn.Sequential):
    pass


class Functional(nn.Module):
    """A FloatFunctional op (quantized::add, mul, cat, add_scalar, ...) on one or two inputs."""

    def __init__(self, op, pre=None):
        super().__init__()
        self.f = nnq.FloatFunctional()
        self.op = op
        self.pre = pre or nn.Identity()

    def forward(self, a, b=None):
        a = self.pre(a)
        if self.op == "add":
            return self.f.add(a, b)
        if self.op == "add_relu":
            return self.f.add_relu(a, b)
        if self.op == "mul":
            return self.f.mul(a, b)
        if self.op == "add_scalar":
            return self.f.add_scalar(a, 0.75)
        if self.op == "mul_scalar":
            return self.f.mul_scalar(a, -1.5)
        if self.op == "cat":
            return self.f.cat([a, b], 1)
        if self.op == "add_broadcast":
            return self.f.add(a, b[:, :, :1, :])
        raise ValueError(self.op)


class BatchNorm1dOp(nn.Module):
    """quantized::batch_norm1d called directly: eager mode has no quantized BatchNorm1d module."""

    def __init__(self, c):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        for k, v in {"w": torch.rand(c, generator=g) + 0.5, "b": torch.randn(c, generator=g),
                     "mean": torch.randn(c, generator=g) * 0.2, "var": torch.rand(c, generator=g) + 0.5}.items():
            self.register_buffer(k, v)

    def forward(self, x):
        if not x.is_quantized:  # calibration runs in float
            return F.batch_norm(x, self.mean, self.var, self.w, self.b)
        return torch.ops.quantized.batch_norm1d(x, self.w, self.b, self.mean, self.var, 1e-5, 0.03, 128)


class AddScalarRelu(nn.Module):
    """quantized::add_scalar_relu and quantized::mul_relu, called directly (no FloatFunctional)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        y = self.conv(x)
        if not y.is_quantized:
            return torch.relu(y - 0.5) * y
        a = torch.ops.quantized.add_scalar_relu(y, -0.5)
        return torch.ops.quantized.mul_relu(a, y, 0.02, 0)


def affine(mod):
    """A normalization module with seeded random affine parameters (not ones and zeros)."""

    def make():
        m = mod()
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.5)
        return m

    return make


class Fn(nn.Module):
    """aten ops applied to quantized tensors (after a conv, so they see real quantization)."""

    def __init__(self, fn, channels=4, out=8):
        super().__init__()
        self.conv = nn.Conv2d(channels, out, 3, padding=1)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.conv(x))


class FakeQuant(nn.Module):
    """A QAT-style float model: fake-quantized input, weight (per channel for the conv, per
    tensor for the linear layer) and output. Freezing folds the weight's fake quantization; the
    host recovers it so the weight stays int8 + DEQUANTIZE."""

    def __init__(self, layer):
        super().__init__()
        g = torch.Generator().manual_seed(5)
        self.layer = layer
        if layer == "conv":
            self.w = nn.Parameter(torch.randn(6, 4, 3, 3, generator=g) * 0.3)
            self.register_buffer("ws", torch.rand(6, generator=g) * 0.004 + 0.004)
            self.register_buffer("wz", torch.zeros(6, dtype=torch.int32))
        else:
            self.w = nn.Parameter(torch.randn(24, 32, generator=g) * 0.3)
        self.b = nn.Parameter(torch.randn(self.w.shape[0], generator=g) * 0.1)
        self.register_buffer("xs", torch.tensor([0.03]))
        self.register_buffer("xz", torch.tensor([128], dtype=torch.int32))

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, self.xs, self.xz, 0, 255)
        if self.layer == "conv":
            w = torch.fake_quantize_per_channel_affine(self.w, self.ws, self.wz, 0, -128, 127)
            y = F.conv2d(x, w, self.b, padding=1)
        else:
            w = torch.fake_quantize_per_tensor_affine(self.w, 0.008, 0, -128, 127)
            y = F.linear(x, w, self.b)
        return torch.fake_quantize_per_tensor_affine(y, 0.05, 0, -128, 127)


def conv(*a, **k):
    return lambda: nn.Conv2d(*a, **k)


def conv_relu(*a, **k):
    return lambda: Seq(nn.Conv2d(*a, **k), nn.ReLU())


def after_conv(fn, channels=4, out=8):
    return lambda: Fn(fn, channels, out)


def with_conv(mod, channels=4, out=8):
    return lambda: Seq(nn.Conv2d(channels, out, 3, padding=1), mod())


X = (1, 4, 12, 12)

FIXTURES = {
    # convolutions
    "q_conv2d": fixture(conv(4, 8, 3), X),
    "q_conv2d_stride_pad": fixture(conv(4, 8, 3, stride=2, padding=1), (1, 4, 13, 11)),
    "q_conv2d_pad2_dilation": fixture(conv(4, 6, 3, padding=2, dilation=2), X),
    "q_conv2d_relu": fixture(conv_relu(4, 8, 3, padding=1), X, fuse=[["0", "1"]]),
    "q_conv2d_depthwise": fixture(conv(8, 8, 3, padding=1, groups=8), (1, 8, 10, 10)),
    "q_conv2d_depthwise_multiplier": fixture(conv(4, 8, 3, stride=2, groups=4), (1, 4, 11, 11)),
    "q_conv2d_grouped": fixture(conv(8, 12, 3, padding=1, groups=4), (1, 8, 8, 8)),
    "q_conv2d_1x1_batch2": fixture(conv(6, 10, 1), (2, 6, 7, 7)),
    "q_conv1d": fixture(lambda: nn.Conv1d(4, 8, 3, padding=1), (1, 4, 40)),
    "q_conv1d_relu": fixture(lambda: Seq(nn.Conv1d(4, 8, 5, stride=2), nn.ReLU()), (1, 4, 41), fuse=[["0", "1"]]),
    "q_conv_transpose2d": fixture(lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1), X),
    "q_conv_transpose2d_valid": fixture(lambda: nn.ConvTranspose2d(4, 6, 2, stride=2), X),
    "q_conv_transpose1d": fixture(lambda: nn.ConvTranspose1d(4, 6, 4, stride=2, padding=1), (1, 4, 30)),
    "q_conv2d_per_channel": fixture(conv_relu(4, 8, 3, padding=1), X, fuse=[["0", "1"]], qconfig=PER_CHANNEL),
    "q_conv2d_depthwise_per_channel": fixture(conv(8, 8, 3, padding=1, groups=8), (1, 8, 10, 10), qconfig=PER_CHANNEL),
    "q_int8_output": fixture(conv(4, 8, 3), X, wrapper=QuantizedOut),
    # dense layers
    "q_linear_per_channel": fixture(lambda: nn.Linear(32, 48), (4, 32), qconfig=PER_CHANNEL),
    "q_linear": fixture(lambda: nn.Linear(32, 48), (4, 32)),
    "q_linear_relu": fixture(lambda: Seq(nn.Linear(32, 48), nn.ReLU()), (4, 32), fuse=[["0", "1"]]),
    "q_linear_3d": fixture(lambda: nn.Linear(16, 24), (2, 5, 16)),
    "q_linear_dynamic": (dynamic(lambda: nn.Sequential(nn.Linear(32, 40), nn.ReLU(), nn.Linear(40, 8))), [(4, 32)], Q),
    # elementwise (FloatFunctional)
    "q_add": fixture(lambda: Functional("add"), X, X),
    "q_add_relu": fixture(lambda: Functional("add_relu"), X, X),
    "q_add_broadcast": fixture(lambda: Functional("add_broadcast"), X, X),
    "q_mul": fixture(lambda: Functional("mul"), X, X),
    "q_add_scalar": fixture(lambda: Functional("add_scalar"), X),
    "q_mul_scalar": fixture(lambda: Functional("mul_scalar"), X),
    "q_cat": fixture(lambda: Functional("cat", pre=nn.Conv2d(4, 4, 1)), X, X),
    # normalization
    "q_batch_norm2d": fixture(lambda: nn.BatchNorm2d(4), X),
    "q_batch_norm2d_relu": fixture(lambda: Seq(nn.BatchNorm2d(4), nn.ReLU()), X, fuse=[["0", "1"]]),
    "q_batch_norm1d": fixture(lambda: BatchNorm1dOp(6), (4, 6, 20)),
    # quantized::layer_norm / group_norm / instance_norm: float between DEQUANTIZE and QUANTIZE
    "q_layer_norm": fixture(with_conv(affine(lambda: nn.LayerNorm([12, 12]))), X),
    "q_layer_norm_last_dim": fixture(lambda: Seq(nn.Linear(16, 24), affine(lambda: nn.LayerNorm(24))()), (2, 5, 16)),
    "q_group_norm": fixture(with_conv(affine(lambda: nn.GroupNorm(2, 8))), X),
    "q_instance_norm2d": fixture(with_conv(affine(lambda: nn.InstanceNorm2d(8, affine=True))), X),
    "q_instance_norm1d": fixture(lambda: Seq(nn.Conv1d(4, 6, 3, padding=1), affine(lambda: nn.InstanceNorm1d(6, affine=True))()),
                                 (2, 4, 20)),
    # activations
    "q_relu": fixture(with_conv(nn.ReLU), X),
    "q_relu6": fixture(with_conv(nn.ReLU6), X),
    "q_hardswish": fixture(with_conv(nn.Hardswish), X),
    "q_leaky_relu": fixture(with_conv(lambda: nn.LeakyReLU(0.1)), X),
    "q_elu": fixture(with_conv(nn.ELU), X),
    "q_sigmoid": fixture(with_conv(nn.Sigmoid), X),
    "q_hardsigmoid": fixture(with_conv(nn.Hardsigmoid), X),
    "q_tanh": fixture(with_conv(nn.Tanh), X),
    # fake quantization (QAT-style float graphs): Q/DQ pairs, int8 weights + DEQUANTIZE
    "q_fake_quant_conv": (lambda: FakeQuant("conv"), [X], {**Q, "int8_weights": True}),
    "q_fake_quant_linear": (lambda: FakeQuant("linear"), [(3, 32)], {**Q, "int8_weights": True}),
    "q_relu6_functional": fixture(after_conv(F.relu6), X),
    "q_hardtanh": fixture(after_conv(lambda x: F.hardtanh(x, -1.0, 1.0)), X),
    "q_leaky_relu_functional": fixture(after_conv(lambda x: F.leaky_relu(x, 0.2)), X),
    "q_sigmoid_op": fixture(after_conv(lambda x: torch.ops.quantized.sigmoid(x, 1.0 / 256, 0)
                                       if x.is_quantized else torch.sigmoid(x)), X),
    "q_softmax": fixture(after_conv(lambda x: torch.ops.quantized.softmax(x, 1, 1.0 / 256, 0)
                                    if x.is_quantized else torch.softmax(x, 1)), X),
    "q_add_scalar_relu": fixture(lambda: AddScalarRelu(), X),
    "q_qat_conv_bn_relu": qat(lambda: Seq(nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()), [X],
                              [["0", "1", "2"]]),
    "q_qat_linear_relu": qat(lambda: Seq(nn.Linear(32, 24), nn.ReLU()), [(3, 32)], [["0", "1"]]),
    "q_fx_small_net": fx(SmallNet, (1, 4, 16, 16)),
    # aten ops on quantized tensors
    "q_flatten": fixture(after_conv(lambda x: torch.flatten(x, 1)), X),
    "q_reshape_permute": fixture(after_conv(lambda x: x.reshape(1, 8, 144).permute(0, 2, 1)), X),
    "q_max_pool2d": fixture(after_conv(lambda x: F.max_pool2d(x, 3, 2, 1)), X),
    "q_adaptive_avg_pool2d": fixture(after_conv(lambda x: F.adaptive_avg_pool2d(x, 1)), X),
    "q_adaptive_avg_pool2d_4": fixture(after_conv(lambda x: F.adaptive_avg_pool2d(x, 4)), X),
    "q_avg_pool2d": fixture(after_conv(lambda x: F.avg_pool2d(x, 2)), X),
    # avg_pool2d's divisor rules: SAME-placed without the padding (int8), padding counted
    # (zero-point PAD + VALID, int8), the rest in float between DEQUANTIZE and QUANTIZE
    "q_avg_pool2d_same_exclude_pad": fixture(after_conv(lambda x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)),
                                             X),
    "q_avg_pool2d_include_pad": fixture(after_conv(lambda x: F.avg_pool2d(x, 3, 2, 1)), X),
    "q_avg_pool2d_exclude_pad": fixture(after_conv(lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)), X),
    "q_avg_pool2d_ceil_include_pad": fixture(after_conv(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)), X),
    "q_avg_pool2d_ceil_exclude_pad": fixture(after_conv(lambda x: F.avg_pool2d(x, (3, 2), (2, 3), (1, 0), True,
                                                                               False)), (1, 4, 11, 13)),
    "q_avg_pool2d_divisor": fixture(after_conv(lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=5)), X),
    "q_avg_pool2d_divisor_valid": fixture(after_conv(lambda x: F.avg_pool2d(x, 2, divisor_override=6)), X),
    "q_mean": fixture(after_conv(lambda x: x.mean((2, 3))), X),
    "q_upsample_nearest": fixture(after_conv(lambda x: F.interpolate(x, scale_factor=2, mode="nearest")), X),
    "q_upsample_bilinear": fixture(after_conv(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear")), X),
    "q_slice": fixture(after_conv(lambda x: x[:, 1:7:2, 2:-1]), X),
    "q_select": fixture(after_conv(lambda x: x.select(1, 2)), X),
    "q_chunk_cat": fixture(after_conv(lambda x: torch.cat(x.chunk(2, 1)[::-1], 1)), X),
    "q_pad": fixture(after_conv(lambda x: F.pad(x, (1, 2, 0, 1))), X),
    "q_pad_value": fixture(after_conv(lambda x: F.pad(x, (2, 0, 1, 1), value=0.5)), X),
    "q_transpose_view": fixture(after_conv(lambda x: x.view(1, 2, 4, 12, 12).transpose(1, 2).contiguous()
                                           .view(1, 8, 12, 12)), X),
}
