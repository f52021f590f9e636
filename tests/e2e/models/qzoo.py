"""torchvision's quantizable models (torchvision.models.quantization), quantized in PyTorch as
users do: quantize=False, fuse_model(), the qnnpack qconfig, prepare, calibration on seeded
random batches, convert; then traced. Random weights and BatchNorm statistics (fixed seeds).
Run by tests/e2e/test_qzoo.py (one ctest entry per model), compared in quantization steps.

resnet18 and mobilenet_v3_large use 96x96. At 64x64 the one-step rounding differences of
TFLite's int8 kernels against PyTorch's (ADD's fixed-point rescale in resnet18, HARD_SWISH in
mobilenet_v3) add up through the small last stages: 98.4% of the logits within one step for
both, the rest within two; at 96x96, 100% (resnet18) and 99.2% (mobilenet_v3_large).
"""
import torch
import torch.ao.quantization as tq
import torchvision.models.quantization as tvq

from zoo import randomize_norms


def quantizable(name, size):
    def make():
        torch.backends.quantized.engine = "qnnpack"
        torch.manual_seed(0)
        model = randomize_norms(getattr(tvq, name)(weights=None, quantize=False)).eval()
        model.fuse_model()
        model.qconfig = tq.get_default_qconfig("qnnpack")
        tq.prepare(model, inplace=True)
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for _ in range(4):
                model(torch.randn(2, 3, size, size, generator=g))
        tq.convert(model, inplace=True)
        return model

    make.__name__ = name
    return make


def entry(name, size):
    return (quantizable(name, size), [(1, 3, size, size)], {"quantized": True})


FIXTURES = {
    "q_mobilenet_v2": entry("mobilenet_v2", 64),
    "q_mobilenet_v3_large": entry("mobilenet_v3_large", 96),
    "q_resnet18": entry("resnet18", 96),
    "q_shufflenet_v2_x1_0": entry("shufflenet_v2_x1_0", 64),
}
