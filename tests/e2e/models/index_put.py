"""index_put / index_put_ with index tensors computed at run time (model inputs, argsort results,
negative values) and with accumulate=True (duplicates summed), 1-D and 2-D indices, several index
tensors (adjacent and not), values broadcast from a row or a number. Constant indices with
accumulate too. Without accumulate the computed indices are distinct: PyTorch leaves duplicates
undefined there."""
import torch
import torch.nn as nn


def idx(shape, high):
    return {"shape": list(shape), "dtype": "int64", "high": high}


class Put(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *x):
        return self.fn(*x)


def put(fn):
    return lambda: Put(fn)


def rows_by_rank(x, k, v):
    z = x.clone()
    z[torch.argsort(k)[:3]] = v  # three distinct rows, chosen at run time
    return z


def negative_rows(x, k, v):
    z = x.clone()
    z[torch.argsort(k)[:2] - 5] = v
    return z


def cross(x, k, q, v):
    z = x.clone()
    z[torch.argsort(k)[:3], torch.argsort(q)[:3]] = v
    return z


def column_slices(x, k, v):
    z = x.clone()
    z[:, torch.argsort(k)[:2]] = v
    return z


def non_adjacent(x, k, q, v):
    z = x.clone()
    z[torch.argsort(k)[:3], :, torch.argsort(q)[:3]] = v
    return z


def in_place_add(x, i, v):
    z = x.clone()
    z.index_put_((i,), v, accumulate=True)
    return z * 2


FIXTURES = {
    "index_put_runtime_rows": (put(rows_by_rank), [(6, 4), (6,), (3, 4)]),
    "index_put_runtime_row_broadcast": (put(rows_by_rank), [(6, 4), (6,), (4,)]),
    "index_put_runtime_negative": (put(negative_rows), [(5, 3), (5,), (2, 3)]),
    "index_put_runtime_2d": (put(cross), [(4, 5), (4,), (5,), (3,)]),
    "index_put_runtime_columns": (put(column_slices), [(3, 5, 2), (5,), (3, 2, 2)]),
    "index_put_runtime_non_adjacent": (put(non_adjacent), [(4, 3, 5), (4,), (5,), (3, 3)]),
    "index_put_runtime_input_index": (put(lambda x, i, v: x.index_put((i,), v)), [(7, 3), idx([1], 7), (1, 3)]),
    "index_put_accumulate": (put(lambda x, i, v: x.index_put((i,), v, accumulate=True)),
                             [(5, 4), idx([9], 5), (9, 4)]),
    "index_put_accumulate_scalar": (put(lambda x, i: x.index_put((i,), torch.tensor(0.5), accumulate=True)),
                                    [(6,), idx([10], 6)]),
    "index_put_accumulate_2d": (put(lambda x, i, j, v: x.index_put((i, j), v, accumulate=True)),
                                [(4, 6), idx([12], 4), idx([12], 6), (12,)]),
    "index_put_accumulate_index_2d": (put(lambda x, i, v: x.index_put((i,), v, accumulate=True)),
                                      [(5, 3), idx([2, 4], 5), (2, 4, 3)]),
    "index_put_accumulate_constant": (put(lambda x, v: x.index_put((torch.tensor([0, 2, 0, 2, 1]),), v,
                                                                   accumulate=True)), [(4, 3), (5, 3)]),
    "index_put_accumulate_in_place": (put(in_place_add), [(5, 2), idx([8], 5), (2,)]),
}
