"""torchvision's deformable convolution (torchvision.ops.deform_conv2d / DeformConv2d): offsets
and masks predicted by a convolution or given as inputs, offset groups, weight groups, stride,
padding and dilation. The offsets are large enough for taps to land several pixels away and
outside the image."""
import torch
import torch.nn as nn
import torchvision

from _tv import DeformConv  # noqa: F401


class DeformConvInputs(nn.Module):
    """deform_conv2d with offset and mask given as model inputs (no bias)."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(6, 4, 3, 3) * 0.3)

    def forward(self, x, offset, mask):
        return torchvision.ops.deform_conv2d(x, offset * 3.0, self.weight, None, (1, 2), (1, 0), (2, 1), mask)


class DeformConvWeightInput(nn.Module):
    """The weight and bias as model inputs (a hypernetwork), weight groups 2, offsets from a
    convolution."""

    def __init__(self):
        super().__init__()
        self.offset = nn.Conv2d(4, 2 * 9, 3, padding=1)

    def forward(self, x, weight, bias):
        return torchvision.ops.deform_conv2d(x, self.offset(x) * 2.0, weight, bias, padding=1)


FIXTURES = {
    "deform_conv2d": (lambda: DeformConv(4, 6, 3, padding=1), [(1, 4, 10, 10)]),
    "deform_conv2d_mask_offset_groups": (lambda: DeformConv(4, 6, 3, padding=1, offset_groups=2, mask=True),
                                         [(2, 4, 9, 11)]),
    "deform_conv2d_stride_dilation_groups": (
        lambda: DeformConv(6, 4, 3, stride=2, padding=2, dilation=2, groups=2, offset_groups=3, bias=False,
                           spread=4.0), [(1, 6, 12, 10)]),
    "deform_conv2d_inputs": (DeformConvInputs, [(1, 4, 9, 9), (1, 18, 7, 4), (1, 9, 7, 4)]),
    "deform_conv2d_weight_input": (DeformConvWeightInput, [(1, 4, 8, 8), (6, 2, 3, 3), (6,)]),
}
