"""Resizes and pixel shuffles: F.interpolate nearest / (bi)linear by scale factor and by size,
align_corners both ways, 1-d and 2-d (traced as aten::upsample_* with optional output_size and
scale_factors inputs); scale factors whose sampling TFLite's kernels cannot reproduce (bilinear 1.5 on 5 rows:
PyTorch samples at 1/1.5, TFLite at 5/7; nearest 1.7 on 5 rows: 1/1.7 against 5/8);
'nearest' with scale factors 2.1 and 1.1, which double and keep the size (PyTorch's NCHW
kernel still samples at 1/scale there; its channels-last kernel, which 1-channel tensors
may take, does not: keep C > 1 here); 'nearest-exact'; pixel_shuffle and pixel_unshuffle."""
import torch.nn as nn
import torch.nn.functional as F


class Interpolate(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, x):
        return F.interpolate(x, **self.kw)


def interp(**kw):
    return lambda: Interpolate(**kw)


def module(cls, *args, **kw):
    return lambda: cls(*args, **kw)


FIXTURES = {
    "nearest_scale2": (interp(scale_factor=2, mode="nearest"), [(1, 3, 5, 6)]),
    "nearest_scale_3x2": (interp(scale_factor=(3, 2), mode="nearest"), [(2, 2, 4, 5)]),
    "nearest_size": (interp(size=(7, 9), mode="nearest"), [(1, 3, 4, 5)]),
    "nearest_size_down": (interp(size=(3, 4), mode="nearest"), [(1, 3, 7, 9)]),
    "nearest_scale_fractional": (interp(scale_factor=1.5, mode="nearest"), [(1, 2, 5, 6)]),
    "nearest_scale_gathered": (interp(scale_factor=1.7, mode="nearest"), [(1, 2, 5, 6)]),
    "nearest_recompute_scale": (interp(scale_factor=1.5, mode="nearest", recompute_scale_factor=True),
                                [(1, 2, 5, 6)]),
    "nearest_scale_2_1": (interp(scale_factor=2.1, mode="nearest"), [(1, 3, 5, 6)]),
    "nearest_scale_1_1": (interp(scale_factor=1.1, mode="nearest"), [(1, 2, 5, 6)]),
    "nearest_exact_size": (interp(size=(7, 4), mode="nearest-exact"), [(1, 3, 5, 6)]),
    "nearest_exact_scale": (interp(scale_factor=1.7, mode="nearest-exact"), [(1, 2, 5, 6)]),
    "nearest_exact1d": (interp(scale_factor=3, mode="nearest-exact"), [(1, 2, 5)]),
    "nearest_upsample_module": (module(nn.Upsample, scale_factor=2), [(1, 4, 3, 3)]),
    "nearest1d_scale2": (interp(scale_factor=2, mode="nearest"), [(1, 3, 7)]),
    "nearest1d_size": (interp(size=11, mode="nearest"), [(2, 3, 4)]),
    "bilinear_scale2": (interp(scale_factor=2, mode="bilinear", align_corners=False), [(1, 3, 5, 6)]),
    "bilinear_scale2_align": (interp(scale_factor=2, mode="bilinear", align_corners=True), [(1, 3, 5, 6)]),
    "bilinear_size": (interp(size=(8, 13), mode="bilinear", align_corners=False), [(1, 2, 5, 6)]),
    "bilinear_size_align": (interp(size=(8, 13), mode="bilinear", align_corners=True), [(1, 2, 5, 6)]),
    "bilinear_size_down": (interp(size=(3, 4), mode="bilinear", align_corners=False), [(1, 2, 7, 9)]),
    "bilinear_size_down_align": (interp(size=(3, 4), mode="bilinear", align_corners=True), [(1, 2, 7, 9)]),
    "bilinear_scale_fractional": (interp(scale_factor=1.5, mode="bilinear", align_corners=False), [(1, 2, 5, 6)]),
    "bilinear_scale_fractional_align": (interp(scale_factor=1.5, mode="bilinear", align_corners=True),
                                        [(1, 2, 5, 6)]),
    "bilinear_upsample_module": (module(nn.UpsamplingBilinear2d, scale_factor=2), [(1, 4, 3, 4)]),
    "linear1d_scale2": (interp(scale_factor=2, mode="linear", align_corners=False), [(1, 3, 6)]),
    "linear1d_size_align": (interp(size=10, mode="linear", align_corners=True), [(2, 3, 4)]),
    "pixel_shuffle_r2": (module(nn.PixelShuffle, 2), [(1, 12, 4, 5)]),
    "pixel_shuffle_r3_single_channel": (module(nn.PixelShuffle, 3), [(2, 9, 3, 4)]),
    "pixel_unshuffle_r2": (module(nn.PixelUnshuffle, 2), [(1, 3, 6, 8)]),
    "pixel_unshuffle_r2_single_channel": (module(nn.PixelUnshuffle, 2), [(2, 1, 4, 6)]),
}

# Bicubic (PyTorch's cubic convolution, A = -0.75, edges clamped): FULLY_CONNECTED per axis.
FIXTURES.update({
    "bicubic_scale2": (interp(scale_factor=2, mode="bicubic", align_corners=False), [(1, 3, 5, 6)]),
    "bicubic_scale2_align": (interp(scale_factor=2, mode="bicubic", align_corners=True), [(1, 3, 5, 6)]),
    "bicubic_size_down": (interp(size=(3, 4), mode="bicubic", align_corners=False), [(1, 2, 7, 9)]),
    "bicubic_scale_fractional": (interp(scale_factor=(1.5, 0.7), mode="bicubic"), [(2, 2, 5, 6)]),
    "bicubic_same_size": (interp(size=(5, 6), mode="bicubic", align_corners=True), [(1, 2, 5, 6)]),
})
