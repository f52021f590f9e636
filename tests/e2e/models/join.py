"""Joining and splitting: cat, stack, split (size, sizes), split_with_sizes, chunk (even and
uneven), tensor_split, unbind, roll, and split lists consumed directly by cat. Each fixture is
one op or variant; split-like ops return their pieces as a tuple of outputs."""
import torch
import torch.nn as nn


from _fn import Fn, f  # noqa: F401


@torch.jit.script
def _cat_of_split(x):
    # Scripted: the split's list goes to cat as a list, and is indexed by __getitem__.
    parts = torch.split(x, 2, 1)
    return torch.cat(parts, 0), parts[1] * 2


X3 = (2, 7, 4)
X4 = (2, 3, 4, 5)
INT = {"shape": [2, 4], "dtype": "int64", "high": 10}

FIXTURES = {
    "join_cat": (f(lambda x, y, z: torch.cat([x, y, z], 1)), [(2, 3, 4), (2, 1, 4), (2, 5, 4)]),
    "join_cat_neg_dim": (f(lambda x, y: torch.cat((x, y), -1)), [X4, (2, 3, 4, 2)]),
    "join_cat_const": (f(lambda x: torch.cat([x, torch.ones(2, 2)], 1)), [(2, 3)]),
    "join_cat_promote": (f(lambda x, i: torch.cat([x, i], 0)), [(1, 4), INT]),
    "join_cat_int": (f(lambda i, j: torch.cat([i, j], 1)), [INT, INT]),
    "join_stack": (f(lambda x, y: torch.stack([x, y])), [X3, X3]),
    "join_stack_neg_dim": (f(lambda x, y, z: torch.stack([x, y, z], -1)), [X3, X3, X3]),
    "join_stack_mid": (f(lambda x, y: torch.stack([x, y], 2)), [X4, X4]),
    "join_split_size": (f(lambda x: torch.split(x, 3, 1)), [X3]),
    "join_split_sizes": (f(lambda x: torch.split(x, [2, 4, 1], 1)), [X3]),
    "join_split_neg_dim": (f(lambda x: x.split(2, -1)), [X3]),
    "join_split_with_sizes": (f(lambda x: x.split_with_sizes([1, 3], -1)), [X3]),
    "join_split_even": (f(lambda x: torch.split(x, 2, 0)), [(4, 3)]),
    "join_chunk": (f(lambda x: x.chunk(2, 2)), [X4]),
    "join_chunk_uneven": (f(lambda x: torch.chunk(x, 3, 1)), [X3]),
    "join_chunk_fewer": (f(lambda x: torch.chunk(x, 4, 1)), [(2, 6)]),
    "join_tensor_split": (f(lambda x: torch.tensor_split(x, 3, 1)), [X3]),
    "join_tensor_split_idx": (f(lambda x: torch.tensor_split(x, (1, 5), 1)), [X3]),
    "join_unbind": (f(lambda x: x.unbind(1)), [(2, 3, 4)]),
    "join_unbind_neg": (f(lambda x: torch.unbind(x, -1)), [(2, 3)]),
    "join_split_then_cat": (f(lambda x: torch.cat(x.split(2, 1)[::-1], 1)), [X3]),
    "join_scripted_list": (f(_cat_of_split), [(3, 6)]),
    "join_roll": (f(lambda x: torch.roll(x, 2, 1)), [X3]),
    "join_roll_dims": (f(lambda x: torch.roll(x, (-1, 3), (0, -1))), [X3]),
    "join_roll_flat": (f(lambda x: torch.roll(x, 5)), [X3]),
}
