"""Reductions: mean/sum/prod/amax/amin, max/min (values + indices), argmax/argmin, var/std,
norms, logsumexp. Each fixture is one reduction of the input, so a failure names its op."""
import math

import torch
import torch.nn as nn


from _fn import Fn, f  # noqa: F401


X3 = (2, 6, 5)
X4 = (2, 3, 4, 5)

FIXTURES = {
    "mean_dims_keep": (f(lambda x: x.mean((1, 3), keepdim=True)), [X4]),
    "mean_all": (f(lambda x: x.mean()), [X3]),
    "mean_last": (f(lambda x: x.mean(-1)), [X3]),
    "sum_dim": (f(lambda x: x.sum(1)), [X3]),
    "sum_dims_keep": (f(lambda x: x.sum((0, 2), keepdim=True)), [X3]),
    "sum_all": (f(lambda x: x.sum()), [X4]),
    "sum_int": (f(lambda x: x.sum(1)), [{"shape": [3, 4], "dtype": "int32", "high": 10}]),
    "sum_bool_dtype": (f(lambda x: x.sum(-1, dtype=torch.float32)), [{"shape": [3, 4], "dtype": "bool"}]),
    "prod_dim": (f(lambda x: x.prod(1)), [X3]),
    "prod_all": (f(lambda x: x.prod()), [(2, 3)]),
    "amax": (f(lambda x: x.amax((1, 2))), [X4]),
    "amin_keep": (f(lambda x: x.amin(-1, keepdim=True)), [X3]),
    "max_dim": (f(lambda x: torch.max(x, 1)), [X3]),
    "min_dim_keep": (f(lambda x: torch.min(x, -1, keepdim=True)), [X4]),
    "max_all": (f(lambda x: x.max()), [X3]),
    "min_all": (f(lambda x: x.min()), [X3]),
    "max_other": (f(lambda x, y: torch.max(x, y)), [X3, (6, 5)]),
    "argmax_dim": (f(lambda x: x.argmax(1)), [X3]),
    "argmax_keep": (f(lambda x: x.argmax(-1, keepdim=True)), [X4]),
    "argmin_flat": (f(lambda x: x.argmin()), [X3]),
    "any_dim": (f(lambda x: x.any(1)), [{"shape": [3, 4], "dtype": "bool"}]),
    "all_float": (f(lambda x: (x > -1.5).all()), [X3]),
    "any_keep_int": (f(lambda x: torch.any(x, -1, keepdim=True)), [{"shape": [3, 4], "dtype": "int32", "high": 2}]),
    "var_dim": (f(lambda x: x.var(1)), [X3]),
    "var_biased_all": (f(lambda x: x.var(unbiased=False)), [X3]),
    "var_correction": (f(lambda x: torch.var(x, (0, 2), correction=0, keepdim=True)), [X3]),
    "std_dims_keep": (f(lambda x: x.std((1, 2), keepdim=True)), [X4]),
    "std_all": (f(lambda x: x.std()), [X3]),
    "var_mean": (f(lambda x: torch.var_mean(x, 1)), [X3]),
    "std_mean_keep": (f(lambda x: torch.std_mean(x, -1, unbiased=False, keepdim=True)), [X3]),
    "norm_l2_dim": (f(lambda x: x.norm(dim=1)), [X3]),
    "norm_l1_keep": (f(lambda x: x.norm(p=1, dim=-1, keepdim=True)), [X3]),
    "norm_all": (f(lambda x: x.norm()), [X4]),
    "norm_p3": (f(lambda x: x.norm(p=3, dim=1)), [X3]),
    "norm_fro_dims": (f(lambda x: torch.norm(x, p="fro", dim=(1, 2))), [X3]),
    "vector_norm_inf": (f(lambda x: torch.linalg.vector_norm(x, ord=math.inf, dim=1)), [X3]),
    "vector_norm_l2": (f(lambda x: torch.linalg.vector_norm(x, dim=(0, 2), keepdim=True)), [X3]),
    "logsumexp": (f(lambda x: x.logsumexp(1)), [X3]),
    "logsumexp_keep": (f(lambda x: torch.logsumexp(x * 10, (1, 2), keepdim=True)), [X4]),
}
