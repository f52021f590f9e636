"""The torchvision zoo with random weights (fixed seeds) and an nn.TransformerEncoder.
vit_b_16_grad is vit_b_16 traced with autograd on: torch 2.x then emits
aten::scaled_dot_product_attention instead of the fused aten::_native_multi_head_attention.

BatchNorm statistics are randomised too: with the default (mean 0, var 1) a folding bug
would go unnoticed. NAME_scripted is NAME through torch.jit.script instead of tracing (same
seed, same weights): its input checks and branches are left for litecast to resolve, and
test_zoo.py also compares it with its traced twin. These are run by tests/e2e/test_zoo.py (not by the per-family tests):
conversion, agreement in LiteRT, structure checks and operator counts.
"""
import torch
import torch.nn as nn
import torchvision.models as tvm


def randomize_norms(model):
    g = torch.Generator().manual_seed(1)
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            mod.weight.data.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
            mod.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
    return model


def randomize_zero_linears(model):
    """vit_b_16 starts with a zero classifier head: its output would be all zeros, and a test
    comparing zeros with zeros shows nothing. Zero-initialized linear layers get random weights."""
    g = torch.Generator().manual_seed(2)
    for mod in model.modules():
        if isinstance(mod, nn.Linear) and not mod.weight.detach().any():
            mod.weight.data.copy_(torch.randn(mod.weight.shape, generator=g) * 0.02)
    return model


def torchvision(name, **kwargs):
    def make():
        return randomize_zero_linears(randomize_norms(getattr(tvm, name)(weights=None, **kwargs)))
    make.__name__ = name
    return make


class TransformerEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)

    def forward(self, x):
        return self.encoder(x)


IMAGE = [(1, 3, 224, 224)]

FIXTURES = {
    "mobilenet_v2": (torchvision("mobilenet_v2"), IMAGE),
    "mobilenet_v3_small": (torchvision("mobilenet_v3_small"), IMAGE),
    "mobilenet_v3_large": (torchvision("mobilenet_v3_large"), IMAGE),
    "resnet18": (torchvision("resnet18"), IMAGE),
    "resnet50": (torchvision("resnet50"), IMAGE),
    "squeezenet1_1": (torchvision("squeezenet1_1"), IMAGE),
    "shufflenet_v2_x1_0": (torchvision("shufflenet_v2_x1_0"), IMAGE),
    "efficientnet_b0": (torchvision("efficientnet_b0"), IMAGE),
    "densenet121": (torchvision("densenet121"), IMAGE),
    "googlenet": (torchvision("googlenet", aux_logits=False, init_weights=True), IMAGE),
    "mnasnet1_0": (torchvision("mnasnet1_0"), IMAGE),
    "regnet_x_400mf": (torchvision("regnet_x_400mf"), IMAGE),
    "convnext_tiny": (torchvision("convnext_tiny"), IMAGE),
    "vit_b_16": (torchvision("vit_b_16"), IMAGE),
    # Its shifted-window mask is built in place (new_zeros, then fill_ on slices): the host
    # records it as a constant.
    "swin_t": (torchvision("swin_t"), IMAGE),
    "vit_b_16_grad": (torchvision("vit_b_16"), IMAGE, {"grad": True}),
    "transformer_encoder": (TransformerEncoder, [(2, 10, 64)]),
}

# Every model above scripts and converts (vit_b_16_grad is a way of tracing, not a model).
SCRIPTED = [name for name in FIXTURES if name not in ("vit_b_16_grad", "swin_t")]
FIXTURES.update({f"{name}_scripted": (*FIXTURES[name][:2], {"script": True}) for name in SCRIPTED})
