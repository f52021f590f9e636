"""F.grid_sample on 4-D input: bilinear, nearest and bicubic, zeros, border and reflection padding, align_corners both
ways, grids partly outside [-1, 1], a grid computed in the model, a batch of 2 with its own
grids, and a spatial-transformer-style grid from F.affine_grid."""
import torch
import torch.nn.functional as F

from _fn import f


def gs(mode, padding, align, spread=1.0):
    """`spread` widens the grid: reflection then folds positions several times."""
    return f(lambda x, g: F.grid_sample(x, g * spread, mode=mode, padding_mode=padding, align_corners=align))


def affine(x, theta):
    grid = F.affine_grid(theta, [x.shape[0], x.shape[1], 6, 7], align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


X, G = (1, 3, 6, 7), (1, 5, 4, 2)
FIXTURES = {
    "grid_sample_bilinear_zeros": (gs("bilinear", "zeros", False), [X, G]),
    "grid_sample_bilinear_zeros_align": (gs("bilinear", "zeros", True), [X, G]),
    "grid_sample_bilinear_border": (gs("bilinear", "border", False), [X, G]),
    "grid_sample_bilinear_border_align": (gs("bilinear", "border", True), [X, G]),
    "grid_sample_nearest_zeros": (gs("nearest", "zeros", False), [X, G]),
    "grid_sample_nearest_border_align": (gs("nearest", "border", True), [X, G]),
    "grid_sample_bilinear_reflection": (gs("bilinear", "reflection", False, 3.0), [X, G]),
    "grid_sample_bilinear_reflection_align": (gs("bilinear", "reflection", True, 3.0), [X, G]),
    "grid_sample_nearest_reflection": (gs("nearest", "reflection", False, 3.0), [X, G]),
    "grid_sample_reflection_one_pixel": (gs("bilinear", "reflection", True, 2.0), [(1, 2, 1, 5), G]),
    "grid_sample_bicubic_zeros": (gs("bicubic", "zeros", False), [X, G]),
    "grid_sample_bicubic_border_align": (gs("bicubic", "border", True, 1.5), [X, G]),
    "grid_sample_bicubic_reflection": (gs("bicubic", "reflection", False, 3.0), [X, G]),
    "grid_sample_batch": (gs("bilinear", "zeros", False), [(2, 4, 5, 5), (2, 3, 6, 2)]),
    "grid_sample_computed_grid": (f(lambda x, g: F.grid_sample(x, torch.tanh(g) * 0.9, align_corners=True)),
                                  [X, (1, 8, 8, 2)]),
    "grid_sample_affine": (f(affine), [(2, 3, 5, 6), (2, 2, 3)]),
    "affine_grid_align": (f(lambda t: F.affine_grid(t, [1, 2, 4, 5], align_corners=True)), [(1, 2, 3)]),
}
