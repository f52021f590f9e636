"""torchvision's operators (the torchvision plugin): NMS and batched NMS in detection
post-processing. torchvision.ops.nms keeps a number of boxes that depends on their values; the
converted model returns one entry per input box, the kept indices first, in PyTorch's order,
then -1 (docs/torchvision.md). The fixtures pad PyTorch's result the same way, so the two compare
exactly."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

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


FIXTURES = {
    "nms": (Nms, [(N, 4), (N,)]),
    "detection_post_batched_nms": (DetectionPost, [(N, 4), (N, 3)]),
}
