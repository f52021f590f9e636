"""The torchvision plugin's RoI operators beyond detection.py: roi_align with the adaptive
sampling grid (sampling_ratio <= 0, whose size depends on each box) for computed, very large and
constant boxes, and the position-sensitive ps_roi_align / ps_roi_pool (R-FCN), with their
channel-mapping output."""
import torch
import torch.nn as nn
import torchvision

from _tv import RoiAlign, constant_rois, rois_from  # noqa: F401


class RoiAlignWide(nn.Module):
    """Adaptive sampling (sampling_ratio <= 0) with boxes from a third of the image to twelve times
    its size, most reaching outside it: the grid grows with the box (up to 70 samples a bin, more
    than the 2 * 12 + 4 slots the translator builds), the samples that weigh something do not."""

    def __init__(self, aligned, size=12):
        super().__init__()
        self.aligned, self.size = aligned, size

    def forward(self, x, raw):
        s = self.size
        center = torch.sigmoid(raw[:, :2]) * s
        half = torch.sigmoid(raw[:, 2:]) * s * 6 + s / 6
        rois = torch.cat([torch.zeros_like(raw[:, :1]), center - half, center + half], dim=1)
        return torchvision.ops.roi_align(x, rois, (2, 3), 1.0, -1, self.aligned)


class AdaptiveAnySize(nn.Module):
    """Adaptive sampling on a tiny map (4 x 5) with boxes from a tenth of a pixel to hundreds of
    pixels, anywhere around it: most grids are far larger than the map + 5 slots per bin."""

    def __init__(self, op):
        super().__init__()
        self.op = op

    def forward(self, x, raw):
        center = torch.tanh(raw[:, :2]) * 20 + 2
        size = torch.exp(raw[:, 2:] * 2.0) * 3
        rois = torch.cat([torch.zeros_like(raw[:, :1]), center - size / 2, center + size / 2], dim=1)
        if self.op == "ps_roi_align":
            return torchvision.ops.ps_roi_align(x, rois, (2, 2), 0.8, -1)
        return torchvision.ops.roi_align(x, rois, (2, 3), 1.2, -1, self.op == "aligned")


class RoiAlignConstant(nn.Module):
    def __init__(self, op, aligned=False):
        super().__init__()
        self.op, self.aligned = op, aligned
        self.register_buffer("rois", constant_rois())

    def forward(self, x):
        if self.op == "roi_align":
            return torchvision.ops.roi_align(x, self.rois, (3, 2), 0.75, 0, self.aligned)
        return torchvision.ops.ps_roi_align(x, self.rois, (3, 2), 0.75, 0)


class PsRoiAlign(nn.Module):
    def __init__(self, ratio, scale=1.0, out=(3, 3), batch=1, size=16):
        super().__init__()
        self.ratio, self.scale, self.out, self.batch, self.size = ratio, scale, out, batch, size

    def forward(self, x, raw):
        rois = rois_from(raw, self.batch, self.size)
        return torchvision.ops.ps_roi_align(x, rois, self.out, self.scale, self.ratio)


class PsRoiPool(nn.Module):
    def __init__(self, scale, out, batch=1, size=16):
        super().__init__()
        self.scale, self.out, self.batch, self.size = scale, out, batch, size

    def forward(self, x, raw):
        return torchvision.ops.ps_roi_pool(x, rois_from(raw, self.batch, self.size), self.out, self.scale)


class PsOpsMapping(nn.Module):
    """The operators themselves, with their second output (the input channel of each element)."""

    def forward(self, x, raw):
        rois = rois_from(raw, 1, 12)
        pooled, pool_map = torch.ops.torchvision.ps_roi_pool(x, rois, 1.0, 2, 3)
        aligned, align_map = torch.ops.torchvision.ps_roi_align(x, rois, 1.0, 2, 3, 2)
        return pooled, pool_map, aligned, align_map


FIXTURES = {
    "roi_align_adaptive": (lambda: RoiAlign(False, 0), [(1, 4, 16, 16), (5, 4)]),
    "roi_align_adaptive_aligned": (lambda: RoiAlign(True, -1, scale=0.5, out=(2, 4), batch=2, size=32),
                                   [(2, 3, 16, 16), (6, 4)]),
    "roi_align_adaptive_wide": (lambda: RoiAlignWide(False), [(1, 2, 12, 12), (8, 4)]),
    "roi_align_adaptive_wide_aligned": (lambda: RoiAlignWide(True), [(1, 2, 12, 12), (8, 4)]),
    "roi_align_adaptive_any_size": (lambda: AdaptiveAnySize("roi_align"), [(1, 8, 4, 5), (48, 4)]),
    "roi_align_adaptive_any_size_aligned": (lambda: AdaptiveAnySize("aligned"), [(1, 8, 4, 5), (48, 4)]),
    "ps_roi_align_adaptive_any_size": (lambda: AdaptiveAnySize("ps_roi_align"), [(1, 8, 4, 5), (48, 4)]),
    "roi_align_adaptive_constant": (lambda: RoiAlignConstant("roi_align"), [(2, 3, 16, 16)]),
    "roi_align_adaptive_constant_aligned": (lambda: RoiAlignConstant("roi_align", True), [(2, 3, 16, 16)]),
    "ps_roi_align": (lambda: PsRoiAlign(2), [(1, 2 * 9, 16, 16), (5, 4)]),
    "ps_roi_align_scaled": (lambda: PsRoiAlign(3, scale=0.5, out=(2, 3), batch=2, size=32), [(2, 12, 16, 16), (6, 4)]),
    "ps_roi_align_adaptive": (lambda: PsRoiAlign(0, scale=0.5, out=(2, 3), batch=2, size=32),
                              [(2, 12, 16, 16), (6, 4)]),
    "ps_roi_align_adaptive_constant": (lambda: RoiAlignConstant("ps_roi_align"), [(2, 12, 16, 16)]),
    "ps_roi_pool": (lambda: PsRoiPool(1.0, (3, 3)), [(1, 2 * 9, 16, 16), (5, 4)]),
    "ps_roi_pool_scaled": (lambda: PsRoiPool(0.5, (2, 3), batch=2, size=32), [(2, 12, 16, 16), (6, 4)]),
    "ps_roi_ops_mapping": (PsOpsMapping, [(1, 12, 12, 12), (4, 4)]),
}
