// grid_sampler (F.grid_sample) on 4-D input: TFLite has no sampler, so the sample positions are
// computed in the graph from the grid (which may be computed too), and each pixel a sample
// reads (4 for bilinear, 16 for bicubic, 1 for nearest) is a GATHER of input rows (NHWC, one
// row of C channels per pixel), weighted and masked to zero outside the input.
#include "pointwise.hpp"

#include <string>
#include <vector>

namespace aten {

namespace {

constexpr int kInput = 0, kGrid = 1, kMode = 2, kPadding = 3, kAlignCorners = 4;
constexpr int64_t kBilinear = 0, kNearest = 1, kBicubic = 2;
constexpr int64_t kZeros = 0, kBorder = 1, kReflection = 2;

struct Sampler {
  const litecast::Node& n;
  int64_t batch, height, width;
  int32_t rows;                // the input as [N * H * W, C]
  int32_t batch_base;          // [N, 1, 1] int32: n * H * W
  std::vector<int64_t> plane;  // [N, Ho, Wo]

  int32_t f(double v) const { return pw::scalar(n, LC_FLOAT32, v); }
  int32_t i(double v) const { return pw::scalar(n, LC_INT32, v); }
  int32_t bin(int32_t code, int32_t a, int32_t b, int32_t dtype = -1) const { return pw::binary(n, code, a, b, dtype); }

  // Grid coordinate (-1 .. 1) -> input position along an axis of `size` pixels, as PyTorch's
  // grid_sampler_unnormalize.
  int32_t unnormalize(int32_t g, int64_t size, bool align_corners) const {
    int32_t p = bin(LC_OP_ADD, g, f(1.0));
    if (align_corners) return bin(LC_OP_MUL, bin(LC_OP_DIV, p, f(2.0)), f(static_cast<double>(size - 1)));
    p = bin(LC_OP_MUL, p, f(static_cast<double>(size)));
    return bin(LC_OP_DIV, bin(LC_OP_SUB, p, f(1.0)), f(2.0));
  }

  // A position as the padding mode leaves it: reflected (reflection) and clipped (border and
  // reflection); zeros padding keeps it, and the reads outside give 0.
  int32_t padded(int32_t p, int64_t size, bool align_corners, int64_t padding) const {
    if (padding == kReflection) p = reflect(p, size, align_corners);
    if (padding != kZeros) p = bin(LC_OP_MINIMUM, bin(LC_OP_MAXIMUM, p, f(0.0)), f(static_cast<double>(size - 1)));
    return p;
  }

  // PyTorch's reflect_coordinates: p folded back and forth into [low, high], the pixel edges
  // (-0.5 .. size - 0.5) or, with align_corners, the pixel centres (0 .. size - 1).
  int32_t reflect(int32_t p, int64_t size, bool align_corners) const {
    const double low = align_corners ? 0.0 : -0.5;
    const double span = align_corners ? static_cast<double>(size - 1) : static_cast<double>(size);
    if (span <= 0.0) return bin(LC_OP_MUL, p, f(0.0));
    int32_t d = pw::unary(n, LC_OP_ABS, bin(LC_OP_SUB, p, f(low)));
    int32_t flips = pw::unary(n, LC_OP_FLOOR, bin(LC_OP_DIV, d, f(span)));
    int32_t extra = bin(LC_OP_SUB, d, bin(LC_OP_MUL, flips, f(span)));
    int32_t even = bin(LC_OP_EQUAL, bin(LC_OP_FLOOR_MOD, flips, f(2.0)), f(0.0), LC_BOOL);
    return pw::select(n, even, bin(LC_OP_ADD, extra, f(low)), bin(LC_OP_SUB, f(span + low), extra));
  }

  // PyTorch's cubic convolution coefficients of the 4 taps around fraction t (A = -0.75).
  std::vector<int32_t> cubic(int32_t t) const {
    const double a = -0.75;
    auto near = [&](int32_t x) {  // ((A + 2) x - (A + 3)) x x + 1
      int32_t v = bin(LC_OP_SUB, bin(LC_OP_MUL, x, f(a + 2.0)), f(a + 3.0));
      return bin(LC_OP_ADD, bin(LC_OP_MUL, bin(LC_OP_MUL, v, x), x), f(1.0));
    };
    auto far = [&](int32_t x) {  // ((A x - 5 A) x + 8 A) x - 4 A
      int32_t v = bin(LC_OP_SUB, bin(LC_OP_MUL, x, f(a)), f(5.0 * a));
      v = bin(LC_OP_ADD, bin(LC_OP_MUL, v, x), f(8.0 * a));
      return bin(LC_OP_SUB, bin(LC_OP_MUL, v, x), f(4.0 * a));
    };
    int32_t rest = bin(LC_OP_SUB, f(1.0), t);
    return {far(bin(LC_OP_ADD, t, f(1.0))), near(t), near(rest), far(bin(LC_OP_ADD, rest, f(1.0)))};
  }

  // x[yy, xx] per sample ([N, Ho, Wo, C]) times weight, 0 where (yy, xx) lies outside.
  int32_t corner(int32_t yy, int32_t xx, int32_t weight) const {
    int32_t inside = bin(LC_OP_LOGICAL_AND, bin(LC_OP_GREATER_EQUAL, xx, i(0), LC_BOOL),
                         bin(LC_OP_LESS, xx, i(static_cast<double>(width)), LC_BOOL), LC_BOOL);
    inside = bin(LC_OP_LOGICAL_AND, inside, bin(LC_OP_GREATER_EQUAL, yy, i(0), LC_BOOL), LC_BOOL);
    inside = bin(LC_OP_LOGICAL_AND, inside, bin(LC_OP_LESS, yy, i(static_cast<double>(height)), LC_BOOL), LC_BOOL);
    int32_t xc = bin(LC_OP_MINIMUM, bin(LC_OP_MAXIMUM, xx, i(0)), i(static_cast<double>(width - 1)));
    int32_t yc = bin(LC_OP_MINIMUM, bin(LC_OP_MAXIMUM, yy, i(0)), i(static_cast<double>(height - 1)));
    int32_t index = bin(LC_OP_ADD, bin(LC_OP_MUL, yc, i(static_cast<double>(width))), xc);
    index = bin(LC_OP_ADD, reshape(n, index, plane), batch_base);
    std::vector<int64_t> shape = plane;
    shape.push_back(n.tensor_info(rows).shape[1]);
    int32_t values = n.add_tensor(LC_FLOAT32, shape);
    n.op(LC_OP_GATHER, {rows, index}, {values}).set("axis", 0).set("batch_dims", 0);
    int32_t w = bin(LC_OP_MUL, weight, pw::cast(n, inside, LC_FLOAT32));
    return bin(LC_OP_MUL, values, w);
  }
};

void grid_sampler(litecast::Node& n) {
  litecast::TensorInfo x = n.info(kInput), grid = n.info(kGrid);
  if (x.dtype != LC_FLOAT32 || grid.dtype != LC_FLOAT32) n.decline("float32 input and grid only");
  if (x.rank() != 4 || grid.rank() != 4 || grid.shape[3] != 2) n.decline("4-D input and grid (N, Ho, Wo, 2) only");
  const int64_t mode = n.i64(kMode), padding = n.i64(kPadding);
  if (mode != kBilinear && mode != kNearest && mode != kBicubic) n.decline("unknown interpolation mode");
  if (padding != kZeros && padding != kBorder && padding != kReflection) n.decline("unknown padding mode");
  const bool align_corners = n.flag(kAlignCorners);
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t Ho = grid.shape[1], Wo = grid.shape[2];
  if (N * H * W >= (int64_t{1} << 31)) n.decline("input too large for int32 positions");
  std::vector<int32_t> base;
  for (int64_t b = 0; b < N; ++b) base.push_back(static_cast<int32_t>(b * H * W));
  Sampler s{n,
            N,
            H,
            W,
            reshape(n, to_channels_last(n, n.input(kInput)), {N * H * W, C}),
            n.const_i32({N, 1, 1}, base),
            {N, Ho, Wo}};
  const std::vector<int64_t> half{N, Ho, Wo, 1};
  int32_t gx = n.add_tensor(LC_FLOAT32, half), gy = n.add_tensor(LC_FLOAT32, half);
  n.op(LC_OP_SPLIT, {n.const_i32({}, {3}), pw::cast(n, n.input(kGrid), LC_FLOAT32)}, {gx, gy}).set("num_splits", 2);
  int32_t ux = s.unnormalize(gx, W, align_corners), uy = s.unnormalize(gy, H, align_corners);
  int32_t y;
  if (mode == kBicubic) {
    // The 4 x 4 pixels around the position, each read through the padding mode on its own,
    // weighted by PyTorch's cubic convolution coefficients (A = -0.75).
    int32_t x0f = pw::unary(n, LC_OP_FLOOR, ux), y0f = pw::unary(n, LC_OP_FLOOR, uy);
    std::vector<int32_t> wx = s.cubic(s.bin(LC_OP_SUB, ux, x0f)), wy = s.cubic(s.bin(LC_OP_SUB, uy, y0f));
    std::vector<int32_t> xs, ys;
    for (int k = 0; k < 4; ++k) {
      xs.push_back(pw::cast(n, s.padded(s.bin(LC_OP_ADD, x0f, s.f(k - 1.0)), W, align_corners, padding), LC_INT32));
      ys.push_back(pw::cast(n, s.padded(s.bin(LC_OP_ADD, y0f, s.f(k - 1.0)), H, align_corners, padding), LC_INT32));
    }
    y = -1;
    for (size_t r = 0; r < 4; ++r)
      for (size_t c = 0; c < 4; ++c) {
        int32_t term = s.corner(ys[r], xs[c], s.bin(LC_OP_MUL, wy[r], wx[c]));
        y = y < 0 ? term : s.bin(LC_OP_ADD, y, term);
      }
    return n.output(0, to_channels_first(n, y));
  }
  int32_t px = s.padded(ux, W, align_corners, padding), py = s.padded(uy, H, align_corners, padding);
  if (mode == kNearest) {
    // PyTorch rounds half to even (nearbyint), as TFLite's ROUND does.
    int32_t xx = pw::cast(n, pw::unary(n, LC_OP_ROUND, px), LC_INT32);
    int32_t yy = pw::cast(n, pw::unary(n, LC_OP_ROUND, py), LC_INT32);
    y = s.corner(yy, xx, s.f(1.0));
  } else {
    int32_t x0f = pw::unary(n, LC_OP_FLOOR, px), y0f = pw::unary(n, LC_OP_FLOOR, py);
    // Weights as PyTorch forms them: the far corner's distance for the near one and back.
    int32_t wx1 = s.bin(LC_OP_SUB, px, x0f), wy1 = s.bin(LC_OP_SUB, py, y0f);
    int32_t wx0 = s.bin(LC_OP_SUB, s.bin(LC_OP_ADD, x0f, s.f(1.0)), px);
    int32_t wy0 = s.bin(LC_OP_SUB, s.bin(LC_OP_ADD, y0f, s.f(1.0)), py);
    int32_t x0 = pw::cast(n, x0f, LC_INT32), y0 = pw::cast(n, y0f, LC_INT32);
    int32_t x1 = s.bin(LC_OP_ADD, x0, s.i(1)), y1 = s.bin(LC_OP_ADD, y0, s.i(1));
    y = s.corner(y0, x0, s.bin(LC_OP_MUL, wy0, wx0));
    y = s.bin(LC_OP_ADD, y, s.corner(y0, x1, s.bin(LC_OP_MUL, wy0, wx1)));
    y = s.bin(LC_OP_ADD, y, s.corner(y1, x0, s.bin(LC_OP_MUL, wy1, wx0)));
    y = s.bin(LC_OP_ADD, y, s.corner(y1, x1, s.bin(LC_OP_MUL, wy1, wx1)));
  }
  n.output(0, to_channels_first(n, y));
}

// PyTorch's base grid coordinates along an axis of `steps` samples: -1 .. 1, pulled in by
// (steps - 1) / steps without align_corners; 0 for a single step.
std::vector<double> base_coordinates(int64_t steps, bool align_corners) {
  std::vector<double> v(static_cast<size_t>(steps), 0.0);
  if (steps <= 1) return v;
  for (int64_t k = 0; k < steps; ++k) {
    double c = -1.0 + 2.0 * static_cast<double>(k) / static_cast<double>(steps - 1);
    if (!align_corners) c = c * static_cast<double>(steps - 1) / static_cast<double>(steps);
    v[static_cast<size_t>(k)] = c;
  }
  return v;
}

// affine_grid_generator(theta [N, 2, 3], size [N, C, H, W], align_corners) -> grid [N, H, W, 2]:
// the constant base grid (x, y, 1) per output pixel times theta^T, one BATCH_MATMUL.
void affine_grid(litecast::Node& n) {
  litecast::TensorInfo theta = n.info(0), out = n.output_info(0);
  if (theta.dtype != LC_FLOAT32) n.decline("float32 theta only");
  if (theta.rank() != 3 || theta.shape[1] != 2 || theta.shape[2] != 3 || out.rank() != 4)
    n.decline("2-D affine grids only (theta N x 2 x 3)");
  const bool align_corners = n.flag(2);
  const int64_t N = out.shape[0], H = out.shape[1], W = out.shape[2];
  const std::vector<double> xs = base_coordinates(W, align_corners), ys = base_coordinates(H, align_corners);
  std::vector<float> base;
  for (int64_t b = 0; b < N; ++b)
    for (int64_t r = 0; r < H; ++r)
      for (int64_t c = 0; c < W; ++c) {
        base.push_back(static_cast<float>(xs[static_cast<size_t>(c)]));
        base.push_back(static_cast<float>(ys[static_cast<size_t>(r)]));
        base.push_back(1.0f);
      }
  int32_t y = n.add_tensor(LC_FLOAT32, {N, H * W, 2});
  n.op(LC_OP_BATCH_MATMUL, {n.const_f32({N, H * W, 3}, base), n.input(0)}, {y}).set("adj_x", false).set("adj_y", true);
  n.output(0, reshape(n, y, out.shape));
}

}  // namespace

const Family grid_sample_family([](litecast::Registrar& r) {
  r.translator("aten::grid_sampler", kPriority,
               "float32; 4-D; bilinear, nearest or bicubic; zeros, border or reflection padding; align_corners either; "
               "grid may be "
               "computed; GATHER per corner",
               grid_sampler);
  r.translator("aten::grid_sampler_2d", kPriority,
               "float32; 4-D; bilinear, nearest or bicubic; zeros, border or reflection padding; align_corners either; "
               "grid may be "
               "computed; GATHER per corner",
               grid_sampler);
  r.translator("aten::affine_grid_generator", kPriority,
               "float32; 2-D (theta N x 2 x 3); constant base grid, BATCH_MATMUL", affine_grid);
});

}  // namespace aten
