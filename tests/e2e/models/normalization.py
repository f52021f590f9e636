"""Normalization layers outside convolutions (nothing for freezing to fold them into):
batch_norm after linear and on 3-D/4-D inputs, layer_norm, rms_norm, group_norm, instance_norm; and
softmax/log_softmax over any dim. Parameters and running statistics are random so that a
wrong channel or axis shows."""
import torch
import torch.nn as nn


def randomized(module):
    """`module` with random affine parameters and running statistics (variance > 0)."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=g))
    return module


from _fn import Fn  # noqa: E402


def bn_after_linear():
    return randomized(nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6)))


FIXTURES = {
    "batch_norm_after_linear": (bn_after_linear, [(4, 8)]),
    "batch_norm_1d_3d": (lambda: randomized(nn.BatchNorm1d(5)), [(2, 5, 7)]),
    "batch_norm_2d": (lambda: randomized(nn.BatchNorm2d(3)), [(2, 3, 4, 5)]),
    "batch_norm_no_affine": (lambda: randomized(nn.BatchNorm1d(5, affine=False)), [(3, 5)]),
    "batch_norm_batch_stats": (lambda: randomized(nn.BatchNorm1d(5, track_running_stats=False)), [(2, 5, 7)]),
    "layer_norm_last": (lambda: randomized(nn.LayerNorm(16)), [(2, 5, 16)]),
    "layer_norm_two_dims": (lambda: randomized(nn.LayerNorm((5, 16))), [(2, 5, 16)]),
    "layer_norm_no_affine": (lambda: nn.LayerNorm(16, elementwise_affine=False, eps=1e-3), [(3, 16)]),
    "layer_norm_4d": (lambda: randomized(nn.LayerNorm(5)), [(2, 3, 4, 5)]),
    "rms_norm": (lambda: randomized(nn.RMSNorm(16)), [(2, 5, 16)]),
    "rms_norm_two_dims_eps": (lambda: randomized(nn.RMSNorm((5, 16), eps=1e-3)), [(2, 5, 16)]),
    "rms_norm_no_weight": (lambda: nn.RMSNorm(16, elementwise_affine=False), [(3, 16)]),
    "group_norm": (lambda: randomized(nn.GroupNorm(2, 6)), [(2, 6, 4, 5)]),
    "group_norm_no_affine_3d": (lambda: nn.GroupNorm(3, 6, affine=False), [(2, 6, 7)]),
    "instance_norm_2d_affine": (lambda: randomized(nn.InstanceNorm2d(3, affine=True)), [(2, 3, 4, 5)]),
    "instance_norm_1d": (lambda: nn.InstanceNorm1d(4), [(2, 4, 9)]),
    "instance_norm_running": (lambda: randomized(nn.InstanceNorm1d(4, track_running_stats=True)), [(2, 4, 9)]),
    "softmax_last": (lambda: nn.Softmax(-1), [(2, 5, 7)]),
    "softmax_dim1_4d": (lambda: nn.Softmax(1), [(2, 3, 4, 5)]),
    "softmax_dim0_2d": (lambda: nn.Softmax(0), [(6, 4)]),
    "log_softmax_last": (lambda: nn.LogSoftmax(-1), [(3, 10)]),
    "log_softmax_dim1": (lambda: nn.LogSoftmax(1), [(2, 5, 7)]),
    "softmax_1d": (lambda: Fn(lambda x: torch.softmax(x * 4, 0)), [(9,)]),
}
