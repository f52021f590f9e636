"""Indexing: slice (start/end/step, negative, None, beyond the size), select, narrow,
index_select, embedding, gather, advanced indexing (aten::index with index tensors and None
entries), topk and cumsum. Index tensors are int64 model inputs drawn from [0, high)."""
import torch
import torch.nn as nn


from _fn import Fn, f  # noqa: F401


def idx(shape, high):
    return {"shape": list(shape), "dtype": "int64", "high": high}


class Embedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6, padding_idx=0)

    def forward(self, i):
        return self.emb(i)


X3 = (3, 6, 5)
X4 = (2, 3, 4, 5)

FIXTURES = {
    "index_slice": (f(lambda x: x[:, 1:4]), [X3]),
    "index_slice_step": (f(lambda x: x[..., 1::2]), [X3]),
    "index_slice_step_end": (f(lambda x: x[:, 0:5:3]), [X3]),
    "index_slice_neg": (f(lambda x: x[:, -3:-1]), [X3]),
    "index_slice_open_end": (f(lambda x: x[1:, :-2]), [X3]),
    "index_slice_beyond": (f(lambda x: x[:, 2:100]), [X3]),
    "index_slice_full": (f(lambda x: x[:, :] * 2), [X3]),
    "index_slice_4d": (f(lambda x: x[:, :, 1:3, ::2]), [X4]),
    "index_select_int": (f(lambda x: x[:, 1]), [X3]),
    "index_select_neg": (f(lambda x: x[-1]), [X3]),
    "index_select_last": (f(lambda x: x[..., -2]), [X4]),
    "index_select_1d": (f(lambda x: x[2] * 1), [(5,)]),
    "index_narrow": (f(lambda x: x.narrow(1, 1, 3)), [X3]),
    "index_narrow_neg": (f(lambda x: torch.narrow(x, -1, -3, 2)), [X3]),
    "index_index_select": (f(lambda x, i: torch.index_select(x, 1, i)), [X3, idx([4], 6)]),
    "index_index_select_neg": (f(lambda x, i: x.index_select(-1, i)), [X3, idx([7], 5)]),
    "index_index_select_const": (f(lambda x: x.index_select(1, torch.tensor([5, 0, 2, 2]))), [X3]),
    "index_embedding": (Embedding, [idx([2, 5], 10)]),
    "index_embedding_fn": (f(lambda w, i: nn.functional.embedding(i, w)), [(10, 4), idx([3], 10)]),
    "index_gather": (f(lambda x, i: torch.gather(x, 1, i)), [X3, idx([3, 4, 5], 6)]),
    "index_gather_dim0": (f(lambda x, i: torch.gather(x, 0, i)), [(4, 3), idx([2, 3], 4)]),
    "index_gather_neg_small": (f(lambda x, i: x.gather(-1, i)), [X3, idx([2, 6, 3], 5)]),
    "index_gather_const": (f(lambda x: torch.gather(x, 2, torch.tensor([[[4, 0]] * 6] * 3))), [X3]),
    "index_adv_first": (f(lambda x, i: x[i]), [X3, idx([4], 3)]),
    "index_adv_second": (f(lambda x, i: x[:, i]), [X3, idx([2, 3], 6)]),
    "index_adv_last": (f(lambda x, i: x[..., i]), [X4, idx([3], 5)]),
    "index_adv_pair": (f(lambda x, i, j: x[i, j]), [X3, idx([4], 3), idx([4], 6)]),
    "index_adv_pair_mid": (f(lambda x, i, j: x[:, i, j]), [X4, idx([2, 1], 3), idx([5], 4)]),
    "index_adv_apart": (f(lambda x, i, j: x[i, :, j]), [X3, idx([4], 3), idx([4], 5)]),
    "index_adv_mixed_const": (f(lambda x, i: x[i, torch.tensor([0, 5, 2])]), [X3, idx([3], 3)]),
    "index_adv_int": (f(lambda x, i: x[i] * 2), [idx([3, 4], 9), idx([5], 3)]),
    "index_topk": (f(lambda x: torch.topk(x, 3)), [X3]),
    "index_topk_dim_smallest": (f(lambda x: torch.topk(x, 2, dim=1, largest=False)), [X3]),
    "index_topk_neg_dim": (f(lambda x: x.topk(4, -2)), [X4]),
    "index_cumsum": (f(lambda x: torch.cumsum(x, 1)), [X3]),
    "index_cumsum_neg": (f(lambda x: x.cumsum(-1)), [X4]),
    "index_cumsum_int": (f(lambda x: x.cumsum(0)), [idx([4, 3], 10)]),
    "index_cumsum_dtype": (f(lambda x: x.cumsum(1, dtype=torch.float32)), [idx([4, 3], 10)]),
}

# cumprod: a log-depth scan (TFLite has no cumulative product); a reversed cumsum is flip + cumsum.
FIXTURES.update({
    "index_cumprod": (f(lambda x: torch.cumprod(x, 1)), [(2, 7, 3)]),
    "index_cumprod_last": (f(lambda x: torch.cumprod(x * 0.5 + 1, -1)), [(3, 16)]),
    "index_cumprod_one": (f(lambda x: torch.cumprod(x, 0)), [(1, 4)]),
    "index_cumprod_int": (f(lambda x: x.cumprod(0)), [idx([5, 3], 4)]),
    "index_cumprod_dtype": (f(lambda x: x.cumprod(1, dtype=torch.float32)), [idx([2, 6], 3)]),
    "index_cumsum_reverse": (f(lambda x: torch.flip(torch.cumsum(torch.flip(x, [1]), 1), [1])), [(2, 6, 3)]),
})
