"""A sweep of the functions vision, audio and sequence models commonly call (issue 14): one-op
models, each converted and compared in LiteRT. GAPS lists the ones that do not convert yet, with
the reason (docs/op-matrix.md prints them, from tools/op_matrix.py's copy of the list); they are
not run."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from _fn import f
X3 = (2, 6, 5)
X4 = (1, 4, 8, 8)
FIXTURES = {
    "cosine_similarity": (f(lambda a, b: F.cosine_similarity(a, b, dim=1)), [X3, X3]),
    "cosine_similarity_broadcast": (f(lambda a, b: F.cosine_similarity(a, b, dim=-1)), [(2, 6, 5), (6, 5)]),
    "pixel_shuffle": (lambda: nn.PixelShuffle(2), [(1, 8, 4, 4)]),
    "pixel_unshuffle": (lambda: nn.PixelUnshuffle(2), [(1, 2, 8, 8)]),
    "sweep_group_norm": (lambda: nn.GroupNorm(2, 4), [X4]),
    "instance_norm": (lambda: nn.InstanceNorm2d(4, affine=True), [X4]),
    "cumsum": (f(lambda x: torch.cumsum(x, 1)), [X3]),
    "topk": (f(lambda x: torch.topk(x, 3, dim=-1)), [X3]),
    "sort": (f(lambda x: torch.sort(x, dim=-1, descending=True)), [X3]),
    "sort_ascending": (f(lambda x: torch.sort(x)[0]), [X3]),
    "argsort": (f(lambda x: torch.argsort(x, dim=-1)), [X3]),
    "tril": (f(lambda x: torch.tril(x)), [(5, 5)]),
    "triu_diag": (f(lambda x: torch.triu(x, 1)), [(2, 5, 5)]),
    "roll": (f(lambda x: torch.roll(x, 2, -1)), [X3]),
    "gather": (f(lambda x, i: torch.gather(x, 1, i)), [X3, {"shape": [2, 3, 5], "dtype": "int64", "high": 6}]),
    "where_scalar": (f(lambda x: torch.where(x > 0, x, 0.5)), [X3]),
    "atan2": (f(lambda a, b: torch.atan2(a, b)), [X3, X3]),
    "log_softmax": (f(lambda x: F.log_softmax(x, -1)), [X3]),
    "normalize": (f(lambda x: F.normalize(x, dim=1)), [X3]),
    "embedding": (lambda: nn.Embedding(10, 4), [{"shape": [2, 5], "dtype": "int64", "high": 10}]),
    "one_hot": (f(lambda i: F.one_hot(i, 6).float()), [{"shape": [2, 5], "dtype": "int64", "high": 6}]),
    "sweep_adaptive_avg_pool1d": (lambda: nn.AdaptiveAvgPool1d(3), [(1, 4, 9)]),
    "conv1d": (lambda: nn.Conv1d(4, 6, 3, padding=1), [(1, 4, 10)]),
    "sweep_conv_transpose1d": (lambda: nn.ConvTranspose1d(4, 2, 3, stride=2), [(1, 4, 10)]),
    "softsign": (lambda: nn.Softsign(), [X3]),
    "tanhshrink": (lambda: nn.Tanhshrink(), [X3]),
    "logit": (f(lambda x: torch.logit(torch.sigmoid(x), eps=1e-6)), [X3]),
    "diff": (f(lambda x: torch.diff(x, dim=-1)), [X3]),
    "flip": (f(lambda x: torch.flip(x, [1, 2])), [X3]),
    "meshgrid": (f(lambda a, b: torch.meshgrid(a, b, indexing="ij")), [(3,), (4,)]),
    "clamp": (f(lambda x: x.clamp(-0.5, 0.5)), [X3]),
    "conv3d": (lambda: nn.Conv3d(2, 4, 3, padding=1), [(1, 2, 4, 6, 6)]),
    "conv_transpose3d": (lambda: nn.ConvTranspose3d(2, 3, 2, stride=2), [(1, 2, 3, 4, 4)]),
    "max_pool3d": (lambda: nn.MaxPool3d(2), [(1, 2, 4, 6, 6)]),
    "avg_pool3d": (lambda: nn.AvgPool3d(2), [(1, 2, 4, 6, 6)]),
    "local_response_norm": (lambda: nn.LocalResponseNorm(3), [X4]),
    "cumprod": (f(lambda x: torch.cumprod(x, -1)), [X3]),
    "grid_sample": (f(lambda x, g: F.grid_sample(x, g, align_corners=False)), [X4, (1, 5, 5, 2)]),
    "interpolate_bicubic": (f(lambda x: F.interpolate(x, scale_factor=2, mode="bicubic")), [X4]),
    "masked_fill_tensor": (f(lambda x: x.masked_fill(x > 1.5, float("-inf")).softmax(-1)), [X3]),
}

# name -> (why it does not convert yet, factory, inputs); not collected as fixtures.
GAPS = {
    "hardshrink": ("aten::hardshrink is the op of the plugin guide's example plugin (docs/plugin-guide/example), which translates it; no first-party plugin does", lambda: nn.Hardshrink(), [X3]),
    "rfft": ("aten::fft_rfft: TFLite's RFFT2D only; not translated", f(lambda x: torch.fft.rfft(x).abs()), [(2, 16)]),
}
