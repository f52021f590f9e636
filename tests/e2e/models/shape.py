"""Shape ops: reshapes (incl. shape arithmetic the host folds), squeeze/unsqueeze, dimension
permutations, expand, repeat/tile, flip. Each fixture is one op (or one variant) so that a
failure names it; `+ 0` keeps an op's result from being a bare reshape of the model input."""
import torch
import torch.nn as nn


from _fn import Fn, f  # noqa: F401


X3 = (2, 3, 4)
X4 = (2, 3, 4, 5)

FIXTURES = {
    # aten::size / aten::Int / prim::NumToTensor / ListConstruct arithmetic fold in the host.
    "shape_view_size_arith": (f(lambda x: x.view(x.size(0), -1) * 2), [X4]),
    "shape_reshape_shape_arith": (f(lambda x: x.reshape(x.shape[0] * x.shape[1], x.shape[2] // 2, -1) + 1), [X4]),
    "shape_flatten": (f(lambda x: torch.flatten(x, 1) + 1), [X4]),
    "shape_flatten_mid": (f(lambda x: torch.flatten(x, 1, 2) + 1), [X4]),
    "shape_unflatten": (f(lambda x: x.unflatten(-1, (2, 2)) + 1), [X3]),
    "shape_view_as": (f(lambda x, y: x.view_as(y) + y), [(2, 12), X3]),
    "shape_squeeze_all": (f(lambda x: x.squeeze() + 1), [(2, 1, 3, 1)]),
    "shape_squeeze_dim": (f(lambda x: x.squeeze(1) + 1), [(2, 1, 3, 1)]),
    "shape_squeeze_neg_dim": (f(lambda x: x.squeeze(-1) + 1), [(2, 1, 3, 1)]),
    "shape_squeeze_noop_dim": (f(lambda x: x.squeeze(0) + 1), [(2, 1, 3)]),
    "shape_unsqueeze": (f(lambda x: x.unsqueeze(0) + 1), [X3]),
    "shape_unsqueeze_neg": (f(lambda x: x.unsqueeze(-1) + 1), [X3]),
    "shape_permute": (f(lambda x: x.permute(0, 2, 3, 1)), [X4]),
    "shape_permute_neg": (f(lambda x: x.permute(-1, 0, -2)), [X3]),
    "shape_transpose": (f(lambda x: x.transpose(0, 2)), [X3]),
    "shape_transpose_neg": (f(lambda x: x.transpose(-1, -3)), [X4]),
    "shape_swapaxes": (f(lambda x: torch.swapaxes(x, 1, 2)), [X3]),
    "shape_t": (f(lambda x: x.t()), [(3, 5)]),
    "shape_t_1d": (f(lambda x: x.t() + 1), [(5,)]),
    "shape_numpy_T": (f(lambda x: x.T), [(3, 5)]),
    "shape_mT": (f(lambda x: x.mT), [X3]),
    "shape_movedim": (f(lambda x: torch.movedim(x, 1, -1)), [X4]),
    "shape_movedim_list": (f(lambda x: torch.movedim(x, (0, 3), (2, 0))), [X4]),
    "shape_expand": (f(lambda x: x.expand(2, 3, 4)), [(3, 1)]),
    "shape_expand_neg_one": (f(lambda x: x.expand(-1, 4) + 0), [(3, 1)]),
    "shape_expand_as": (f(lambda x, y: x.expand_as(y) * y), [(1, 4), X3]),
    "shape_expand_rank_only": (f(lambda x: x.expand(1, 3, 4) + 1), [(3, 4)]),
    "shape_expand_same": (f(lambda x: x.expand(3, 4) + 1), [(3, 4)]),
    "shape_broadcast_to": (f(lambda x: torch.broadcast_to(x, (2, 3, 4))), [(3, 1)]),
    "shape_repeat": (f(lambda x: x.repeat(2, 1, 3)), [X3]),
    "shape_repeat_more_dims": (f(lambda x: x.repeat(2, 2, 1)), [(3, 4)]),
    "shape_repeat_ones": (f(lambda x: x.repeat(1, 1) + 1), [(3, 4)]),
    "shape_tile": (f(lambda x: torch.tile(x, (2,))), [(3, 4)]),
    "shape_flip": (f(lambda x: x.flip(1)), [X3]),
    "shape_flip_dims": (f(lambda x: torch.flip(x, (0, -1))), [X4]),
    "shape_flip_int": (f(lambda x: x.flip(-1) * 3), [{"shape": [3, 4], "dtype": "int64", "high": 10}]),
    "shape_fliplr": (f(lambda x: torch.fliplr(x)), [(3, 4)]),
}
