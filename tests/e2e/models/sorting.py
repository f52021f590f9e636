"""sort / argsort along any dim, ascending and descending, values and indices (compared exactly).
Rounded inputs make equal values, whose indices PyTorch's stable sort keeps in index order."""
import torch

from _fn import f


def ties(x):
    return torch.round(x * 2)


X = (2, 5, 4)
FIXTURES = {
    "sort_dim0": (f(lambda x: torch.sort(x, dim=0)), [(6, 3)]),
    "sort_dim1_descending": (f(lambda x: torch.sort(x, dim=1, descending=True)), [X]),
    "sort_negative_dim": (f(lambda x: torch.sort(x, dim=-2)), [(2, 3, 7, 2)]),
    "sort_last_dim": (f(lambda x: torch.sort(x, dim=-1, descending=True)), [X]),
    "sort_stable_ties": (f(lambda x: torch.sort(ties(x), dim=1, stable=True)), [(3, 9, 4)]),
    "sort_stable_ties_descending": (f(lambda x: torch.sort(ties(x), dim=0, descending=True, stable=True)), [(9, 5)]),
    "sort_ties_default": (f(lambda x: torch.sort(ties(x), dim=1)), [(2, 8, 3)]),
    "argsort_dim1": (f(lambda x: torch.argsort(x, dim=1)), [X]),
    "argsort_dim0_descending": (f(lambda x: torch.argsort(x, dim=0, descending=True)), [(7, 3)]),
    "argsort_stable_ties": (f(lambda x: torch.argsort(ties(x), dim=2, stable=True)), [(2, 3, 10)]),
    "sort_int": (f(lambda i: torch.sort(i, dim=0, descending=True, stable=True)),
                 [{"shape": [8, 3], "dtype": "int64", "high": 4}]),
    "sort_values_only": (f(lambda x: torch.sort(x, 1)[0] * 2), [(3, 6, 2)]),
}
