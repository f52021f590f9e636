"""torchvision's operators (the torchvision plugin) in detection models: NMS and batched NMS in
post-processing, roi_align/roi_pool in a two-stage head, an R-FCN head (deformable convolution,
ps_roi_pool, ps_roi_align); roi.py and deform_conv.py test the operators' options. torchvision.ops.nms keeps a number of boxes that depends on their values; the
converted model returns one entry per input box, the kept indices first, in PyTorch's order,
then -1 (docs/torchvision.md). The fixtures pad PyTorch's result the same way, so the two compare
exactly."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from _tv import DeformConv, RoiAlign, rois_from  # noqa: F401

N = 30


def padded(keep, count):
    return F.pad(keep, (0, count - keep.shape[0]), value=-1)


def decode(raw):
    """Valid boxes (x1 < x2, y1 < y2) from unconstrained numbers."""
    xy = raw[:, :2]
    return torch.cat([xy, xy + torch.exp(raw[:, 2:] * 0.2) * 4.0], dim=1)


class Nms(nn.Module):
    def forward(self, raw, logits):
        boxes = decode(raw)
        return padded(torchvision.ops.nms(boxes, torch.sigmoid(logits), 0.4), raw.shape[0])


class DetectionPost(nn.Module):
    """Box decoding against constant anchors, class scores, batched NMS per class."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        centers = torch.rand(N, 2, generator=g) * 5.0
        sizes = torch.rand(N, 2, generator=g) + 4.0
        self.register_buffer("anchors", torch.cat([centers, sizes], dim=1))

    def forward(self, deltas, logits):
        a = self.anchors
        center = a[:, :2] + deltas[:, :2] * a[:, 2:] * 0.1
        size = a[:, 2:] * torch.exp(deltas[:, 2:] * 0.2)
        boxes = torch.cat([center - size / 2, center + size / 2], dim=1)
        probs = logits.softmax(dim=1)
        scores, labels = probs.max(dim=1)
        keep = torchvision.ops.batched_nms(boxes, scores, labels, 0.5)
        return padded(keep, deltas.shape[0])


class RoiPool(nn.Module):
    def __init__(self, scale, out, batch=1, size=16):
        super().__init__()
        self.scale, self.out, self.batch, self.size = scale, out, batch, size

    def forward(self, x, raw):
        return torchvision.ops.roi_pool(x, rois_from(raw, self.batch, self.size), self.out, self.scale)


class RoiPoolArgmax(nn.Module):
    """The operator itself, with its argmax (flat h * W + w of each bin's maximum, -1 if empty)."""

    def forward(self, x, raw):
        return torch.ops.torchvision.roi_pool(x, rois_from(raw, 1, 12), 1.0, 3, 2)


class TwoStageHead(nn.Module):
    """A backbone's feature map, boxes computed by the model, roi_align, a box head."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.head = nn.Linear(8 * 4 * 4, 5)

    def forward(self, image, raw):
        features = self.backbone(image)
        rois = rois_from(raw, image.shape[0], image.shape[-1])
        pooled = torchvision.ops.roi_align(features, rois, (4, 4), spatial_scale=0.5, sampling_ratio=2)
        return self.head(pooled.flatten(1))


class RfcnHead(nn.Module):
    """An R-FCN head: a deformable backbone, position-sensitive score maps, ps_roi_pool and
    ps_roi_align (adaptive) votes averaged over the bins into class scores."""

    def __init__(self, classes=3, bins=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.deform = DeformConv(8, 8, 3, padding=1, mask=True, spread=1.0)
        self.scores = nn.Conv2d(8, classes * bins * bins, 1)
        self.bins = bins

    def forward(self, image, raw):
        features = self.scores(torch.relu(self.deform(self.stem(image))))
        rois = rois_from(raw, image.shape[0], image.shape[-1])
        pooled = torchvision.ops.ps_roi_pool(features, rois, self.bins, 0.5)
        aligned = torchvision.ops.ps_roi_align(features, rois, self.bins, 0.5, -1)
        return (pooled + aligned).mean(dim=(2, 3)).softmax(dim=1)


FIXTURES = {
    "roi_align": (lambda: RoiAlign(False, 2), [(1, 4, 16, 16), (5, 4)]),
    "roi_align_aligned": (lambda: RoiAlign(True, 3, scale=0.5, out=(2, 4), batch=2, size=32), [(2, 3, 16, 16), (6, 4)]),
    "roi_pool": (lambda: RoiPool(1.0, (3, 3)), [(1, 4, 16, 16), (5, 4)]),
    "roi_pool_scaled": (lambda: RoiPool(0.5, (2, 4), batch=2, size=32), [(2, 3, 16, 16), (6, 4)]),
    "roi_pool_argmax": (RoiPoolArgmax, [(1, 2, 12, 12), (4, 4)]),
    "roi_align_two_stage_head": (TwoStageHead, [(2, 3, 32, 32), (6, 4)]),
    "rfcn_head_deform_ps_roi": (RfcnHead, [(2, 3, 32, 32), (6, 4)]),
    "nms": (Nms, [(N, 4), (N,)]),
    "detection_post_batched_nms": (DetectionPost, [(N, 4), (N, 3)]),
}
