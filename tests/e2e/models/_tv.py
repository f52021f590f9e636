"""Shared by the torchvision fixtures (detection.py, roi.py, deform_conv.py): boxes made from
model inputs, constant boxes, roi_align and a deformable convolution as modules."""
import torch
import torch.nn as nn
import torchvision


def rois_from(raw, batch, size):
    """[K, 5] boxes (batch index, x1, y1, x2, y2) inside a size x size image, from numbers."""
    index = (torch.arange(raw.shape[0]) % batch).to(raw.dtype).unsqueeze(1)
    xy = torch.sigmoid(raw[:, :2]) * size * 0.6
    wh = torch.sigmoid(raw[:, 2:]) * size * 0.4 + 1.0
    return torch.cat([index, xy, xy + wh], dim=1)


def constant_rois():
    """Boxes fixed in the model (anchors): small, large, partly outside a 16 x 16 map."""
    return torch.tensor([[0, 1.0, 2.0, 6.5, 5.0], [0, -3.0, 4.0, 30.0, 12.5], [1, 0.2, 0.3, 1.1, 0.9],
                         [1, 5.0, -6.0, 15.5, 40.0], [0, 2.25, 3.75, 12.0, 9.0]])


class RoiAlign(nn.Module):
    def __init__(self, aligned, ratio, scale=1.0, out=(3, 3), batch=1, size=16):
        super().__init__()
        self.aligned, self.ratio, self.scale, self.out, self.batch, self.size = aligned, ratio, scale, out, batch, size

    def forward(self, x, raw):
        rois = rois_from(raw, self.batch, self.size)
        return torchvision.ops.roi_align(x, rois, self.out, self.scale, self.ratio, self.aligned)


class DeformConv(nn.Module):
    """torchvision.ops.DeformConv2d with offsets (and a mask) predicted by a convolution, as
    deformable networks do; `spread` scales the offsets so that taps land between pixels,
    several pixels away and outside the image."""

    def __init__(self, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, offset_groups=1, mask=False,
                 bias=True, spread=2.0):
        super().__init__()
        kk = k * k
        self.offset = nn.Conv2d(cin, 2 * offset_groups * kk, k, stride, padding, dilation)
        self.mask = nn.Conv2d(cin, offset_groups * kk, k, stride, padding, dilation) if mask else None
        self.conv = torchvision.ops.DeformConv2d(cin, cout, k, stride, padding, dilation, groups, bias)
        self.spread = spread

    def forward(self, x):
        offset = self.offset(x) * self.spread
        mask = torch.sigmoid(self.mask(x)) if self.mask is not None else None
        return self.conv(x, offset, mask)
