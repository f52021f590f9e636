// Sliding-window rearrangements: im2col (F.unfold) and col2im (F.fold). The positions each
// window reads are fixed by the shapes, so both are constant maps: im2col a GATHER of the
// zero-padded image, col2im (which sums overlapping windows) a FULLY_CONNECTED with a 0/1
// weight matrix.
#include "math_emit.hpp"

#include <string>
#include <vector>

namespace aten {

namespace {

struct Window {
  int64_t kh, kw, dh, dw, ph, pw, sh, sw;
};

Window window_args(const litecast::Node& n, int first) {
  auto pair = [&](int i) {
    std::vector<int64_t> v = n.ints(i);
    if (v.size() == 1) v.push_back(v[0]);
    if (v.size() != 2) n.decline("window arguments must have two values");
    return v;
  };
  std::vector<int64_t> k = pair(first), d = pair(first + 1), p = pair(first + 2), s = pair(first + 3);
  return {k[0], k[1], d[0], d[1], p[0], p[1], s[0], s[1]};
}

int32_t pad_spatial(const litecast::Node& n, int32_t x, const std::vector<int64_t>& shape, int64_t ph, int64_t pw) {
  if (ph == 0 && pw == 0) return x;
  std::vector<int32_t> pads = {0,
                               0,
                               0,
                               0,
                               static_cast<int32_t>(ph),
                               static_cast<int32_t>(ph),
                               static_cast<int32_t>(pw),
                               static_cast<int32_t>(pw)};
  std::vector<int64_t> out = {shape[0], shape[1], shape[2] + 2 * ph, shape[3] + 2 * pw};
  int32_t y = n.add_tensor(LC_FLOAT32, out);
  n.op(LC_OP_PAD, {x, n.const_i32({4, 2}, pads)}, {y});
  return y;
}

// im2col(self [N, C, H, W] or [C, H, W], kernel, dilation, padding, stride) -> [N, C*kh*kw, L]:
// row c*kh*kw + i*kw + j holds, for each window l, the padded image at the window's (i, j).
void im2col(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (in.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 3 && in.rank() != 4) n.decline("3-D or 4-D input only");
  const Window w = window_args(n, 1);
  std::vector<int64_t> shape = in.shape;
  if (shape.size() == 3) shape.insert(shape.begin(), 1);
  int32_t x = reshape(n, n.input(0), shape);
  x = pad_spatial(n, x, shape, w.ph, w.pw);
  const int64_t hp = shape[2] + 2 * w.ph, wp = shape[3] + 2 * w.pw;
  const int64_t oh = (hp - w.dh * (w.kh - 1) - 1) / w.sh + 1, ow = (wp - w.dw * (w.kw - 1) - 1) / w.sw + 1;
  if (oh <= 0 || ow <= 0) n.decline("the window does not fit in the image");
  std::vector<int32_t> map;
  for (int64_t i = 0; i < w.kh; ++i)
    for (int64_t j = 0; j < w.kw; ++j)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t z = 0; z < ow; ++z)
          map.push_back(static_cast<int32_t>((y * w.sh + i * w.dh) * wp + z * w.sw + j * w.dw));
  const int64_t nb = shape[0], c = shape[1];
  x = reshape(n, x, {nb, c, hp * wp});
  int32_t g = n.add_tensor(LC_FLOAT32, {nb, c, static_cast<int64_t>(map.size())});
  n.op(LC_OP_GATHER, {x, n.const_i32(map)}, {g}).set("axis", 2);
  n.output(0, reshape(n, g, n.output_info(0).shape));
}

// col2im(self [N, C*kh*kw, L] or [C*kh*kw, L], output_size, kernel, dilation, padding, stride)
// -> [N, C, H, W]: each column entry added at its window position (overlaps sum).
void col2im(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0);
  if (in.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 2 && in.rank() != 3) n.decline("2-D or 3-D input only");
  std::vector<int64_t> size = n.ints(1);
  if (size.size() != 2) n.decline("output_size must have two values");
  const Window w = window_args(n, 2);
  const int64_t hp = size[0] + 2 * w.ph, wp = size[1] + 2 * w.pw;
  const int64_t oh = (hp - w.dh * (w.kh - 1) - 1) / w.sh + 1, ow = (wp - w.dw * (w.kw - 1) - 1) / w.sw + 1;
  const int64_t k = w.kh * w.kw, l = oh * ow;
  std::vector<int64_t> shape = in.shape;
  if (shape.size() == 2) shape.insert(shape.begin(), 1);
  if (shape[1] % k != 0 || shape[2] != l) n.decline("the columns do not match the windows");
  const int64_t nb = shape[0], c = shape[1] / k;
  if (k * l * hp * wp > (int64_t{1} << 22)) n.decline("image too large for the constant window matrix");
  // weights[out pixel][column entry] = 1 where the entry lands on the pixel.
  std::vector<float> weights(static_cast<size_t>(hp * wp * k * l), 0.0f);
  for (int64_t i = 0; i < w.kh; ++i)
    for (int64_t j = 0; j < w.kw; ++j)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t z = 0; z < ow; ++z) {
          const int64_t row = (i * w.kw + j) * l + y * ow + z;
          const int64_t pixel = (y * w.sh + i * w.dh) * wp + z * w.sw + j * w.dw;
          weights[static_cast<size_t>(pixel * k * l + row)] = 1.0f;
        }
  int32_t x = reshape(n, n.input(0), {nb * c, k * l});
  int32_t y = emit_fully_connected(n, x, n.const_f32({hp * wp, k * l}, weights), -1);
  y = reshape(n, y, {nb, c, hp, wp});
  if (w.ph > 0 || w.pw > 0) {
    std::vector<int32_t> begin = {0, 0, static_cast<int32_t>(w.ph), static_cast<int32_t>(w.pw)};
    std::vector<int32_t> len = {static_cast<int32_t>(nb), static_cast<int32_t>(c), static_cast<int32_t>(size[0]),
                                static_cast<int32_t>(size[1])};
    int32_t cut = n.add_tensor(LC_FLOAT32, {nb, c, size[0], size[1]});
    n.op(LC_OP_SLICE, {y, n.const_i32(begin), n.const_i32(len)}, {cut});
    y = cut;
  }
  n.output(0, reshape(n, y, n.output_info(0).shape));
}

}  // namespace

const Family im2col_family([](litecast::Registrar& r) {
  r.translator("aten::im2col", kPriority, "float32; F.unfold as PAD + one constant GATHER", im2col);
  r.translator("aten::col2im", kPriority,
               "float32; F.fold as FULLY_CONNECTED with a 0/1 matrix (up to 4M entries), overlaps summed", col2im);
});

}  // namespace aten
