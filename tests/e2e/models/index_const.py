"""Advanced indexing with constant index lists: x[:, tensor([...])], boolean masks (literal or
buffers), constant index pairs. TorchScript folds such a list into one constant Tensor?[],
which the host hands to plugins as a tensor list with None items."""
import torch
import torch.nn as nn


from _fn import Fn, f  # noqa: F401


class MaskBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mask", torch.tensor([True, False, True, True, False, True]))

    def forward(self, x):
        return x[:, self.mask] * 2


X3 = (3, 6, 5)

FIXTURES = {
    "index_const_second": (f(lambda x: x[:, torch.tensor([0, 5, 2])]), [X3]),
    "index_const_negative": (f(lambda x: x[torch.tensor([-1, 0])]), [X3]),
    "index_const_2d": (f(lambda x: x[:, :, torch.tensor([[0, 4], [3, 3]])]), [X3]),
    "index_const_mask": (f(lambda x: x[:, torch.tensor([True, False, True, True, False, True])]), [X3]),
    "index_const_mask_2d": (f(lambda x: x[torch.arange(18).reshape(3, 6) % 4 == 1]), [X3]),
    "index_const_mask_buffer": (MaskBuffer, [X3]),
    "index_const_pair": (f(lambda x: x[torch.tensor([0, 2]), torch.tensor([5, -1])]), [X3]),
    "index_const_apart": (f(lambda x: x[torch.tensor([[0], [2]]), :, torch.tensor([1, 2, 4])]), [X3]),
}
