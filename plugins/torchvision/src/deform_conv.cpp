// torchvision::deform_conv2d(input [N, Cin, H, W], weight [Cout, Cin / groups, kh, kw],
// offset [N, 2 * G * kh * kw, Ho, Wo], mask [N, G * kh * kw, Ho, Wo], bias [Cout], stride_h,
// stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, offset_groups G, use_mask)
// -> [N, Cout, Ho, Wo].
//
// Kernel tap (i, j) of output pixel (y, x) reads input channel group g at
// (y * stride_h - pad_h + i * dilation_h + dy, x * stride_w - pad_w + j * dilation_w + dx), with
// (dy, dx) = offset channels g * 2 * kh * kw + 2 * (i * kw + j) + (0, 1), bilinearly, zero
// outside the image (nothing at all once a coordinate is <= -1 or >= the size), times
// mask channel g * kh * kw + i * kw + j when use_mask. The sampled columns then meet the weights
// as an ordinary convolution's would.
//
// Emitted: the image zero-padded by one pixel in NHWC, flattened to a table of [Cin / G]-channel
// rows, one row per (image, y, x, offset group); the four corners of every tap GATHERed from it by
// a flat index computed from floor(y), floor(x) (clamped, so every index is in the table), the
// bilinear weights times the inside test and the mask; the weighted sum is the column matrix
// [N * Ho * Wo, Cin * kh * kw], then a FULLY_CONNECTED (groups == 1) or a BATCH_MATMUL per group.
#include "emit.hpp"
#include "torchvision.hpp"

#include <string>
#include <vector>

namespace torchvision {

namespace {

void deform_conv2d(litecast::Node& n) {
  litecast::TensorInfo in = n.info(0), weight = n.info(1), off = n.info(2), mask_info = n.info(3),
                       out = n.output_info(0);
  if (in.dtype != LC_FLOAT32 || weight.dtype != LC_FLOAT32 || off.dtype != LC_FLOAT32) n.decline("float32 only");
  if (in.rank() != 4 || weight.rank() != 4 || off.rank() != 4 || out.rank() != 4)
    n.decline("4-D input, weight, offset and output only");
  const int64_t sh = n.i64(5), sw = n.i64(6), pad_h = n.i64(7), pad_w = n.i64(8), dh = n.i64(9), dw = n.i64(10);
  const int64_t groups = n.i64(11), og = n.i64(12);
  const bool use_mask = n.flag(13);
  const int64_t batch = in.shape[0], cin = in.shape[1], h = in.shape[2], w = in.shape[3];
  const int64_t cout = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3], kk = kh * kw;
  const int64_t ho = out.shape[2], wo = out.shape[3];
  if (groups <= 0 || og <= 0 || cin % groups != 0 || cin % og != 0 || cout % groups != 0 ||
      weight.shape[1] * groups != cin)
    n.fail("deform_conv2d: " + std::to_string(cin) + " input channels do not split into " + std::to_string(groups) +
           " weight groups and " + std::to_string(og) + " offset groups");
  if (off.shape != std::vector<int64_t>{batch, 2 * og * kk, ho, wo})
    n.fail("deform_conv2d: offset must be [N, 2 * offset_groups * kh * kw, Ho, Wo]");
  if (use_mask && mask_info.shape != std::vector<int64_t>{batch, og * kk, ho, wo})
    n.fail("deform_conv2d: mask must be [N, offset_groups * kh * kw, Ho, Wo]");
  const int64_t cg = cin / og, m = batch * ho * wo, hp = h + 2, wp = w + 2;
  if (batch * hp * wp * og >= (int64_t{1} << 31)) n.decline("the padded image has more rows than int32 indices");
  const Emit e{n};

  // The table: [N, Cin, H, W] -> padded [N, H + 2, W + 2, Cin] -> [N * (H+2) * (W+2) * G, Cin / G].
  std::vector<int32_t> pads = {0, 0, 0, 0, 1, 1, 1, 1};
  int32_t padded = e.tensor(LC_FLOAT32, {batch, cin, hp, wp});
  n.op(LC_OP_PAD, {n.input(0), n.const_i32({4, 2}, pads)}, {padded});
  int32_t table = e.reshape(e.transpose(padded, {0, 2, 3, 1}), {batch * hp * wp * og, cg});

  // Where each tap samples: [M, G, K] for M = N * Ho * Wo output pixels, K = kh * kw taps.
  int32_t offsets = e.reshape(e.transpose(n.input(2), {0, 2, 3, 1}), {m, og, kk, 2});
  auto part = [&](int32_t which) {
    int32_t y = e.tensor(LC_FLOAT32, {m, og, kk, 1});
    n.op(LC_OP_SLICE,
         {offsets, n.const_i32({0, 0, 0, which}),
          n.const_i32({static_cast<int32_t>(m), static_cast<int32_t>(og), static_cast<int32_t>(kk), 1})},
         {y});
    return e.reshape(y, {m, og, kk});
  };
  std::vector<float> base_y, base_x;
  std::vector<int32_t> image_rows;  // the table row of (image, y = -1, x = -1, group g): pixel (0, 0) of the pad
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t y = 0; y < ho; ++y)
      for (int64_t x = 0; x < wo; ++x) {
        for (int64_t g = 0; g < og; ++g) image_rows.push_back(static_cast<int32_t>(b * hp * wp * og + g));
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j) {
            base_y.push_back(static_cast<float>(y * sh - pad_h + i * dh));
            base_x.push_back(static_cast<float>(x * sw - pad_w + j * dw));
          }
      }
  int32_t py = e.binary(LC_OP_ADD, n.const_f32({m, 1, kk}, base_y), part(0));
  int32_t px = e.binary(LC_OP_ADD, n.const_f32({m, 1, kk}, base_x), part(1));
  auto between = [&](int32_t v, int64_t size) {
    return e.binary(LC_OP_LOGICAL_AND, e.binary(LC_OP_GREATER, v, e.scalar(-1.0f), LC_BOOL),
                    e.binary(LC_OP_LESS, v, e.scalar(static_cast<float>(size)), LC_BOOL), LC_BOOL);
  };
  int32_t keep = e.unary(LC_OP_CAST, e.binary(LC_OP_LOGICAL_AND, between(py, h), between(px, w), LC_BOOL));
  if (use_mask) keep = e.binary(LC_OP_MUL, keep, e.reshape(e.transpose(n.input(3), {0, 2, 3, 1}), {m, og, kk}));

  // Corners: floor clamped to [-1, size - 1], one more for the pad, so the four rows exist.
  int32_t fy = e.unary(LC_OP_FLOOR, py), fx = e.unary(LC_OP_FLOOR, px);
  int32_t ly = e.binary(LC_OP_SUB, py, fy), lx = e.binary(LC_OP_SUB, px, fx);
  int32_t hy = e.binary(LC_OP_SUB, e.scalar(1.0f), ly), hx = e.binary(LC_OP_SUB, e.scalar(1.0f), lx);
  auto row_of = [&](int32_t f, int64_t size) {
    int32_t c =
        e.binary(LC_OP_MINIMUM, e.binary(LC_OP_MAXIMUM, f, e.scalar(-1.0f)), e.scalar(static_cast<float>(size - 1)));
    return e.unary(LC_OP_CAST, e.binary(LC_OP_ADD, c, e.scalar(1.0f)), LC_INT32);
  };
  const int32_t row_step = static_cast<int32_t>(wp * og), col_step = static_cast<int32_t>(og);
  int32_t flat = e.binary(LC_OP_ADD, e.binary(LC_OP_MUL, row_of(fy, h), n.const_i32({}, {row_step}), LC_INT32),
                          e.binary(LC_OP_MUL, row_of(fx, w), n.const_i32({}, {col_step}), LC_INT32), LC_INT32);
  flat = e.binary(LC_OP_ADD, flat, n.const_i32({m, og, 1}, image_rows), LC_INT32);  // [M, G, K]
  auto corner = [&](int32_t step, int32_t wy, int32_t wx) {
    int32_t at = step == 0 ? flat : e.binary(LC_OP_ADD, flat, n.const_i32({}, {step}), LC_INT32);
    int32_t v = e.tensor(LC_FLOAT32, {m, og, kk, cg});
    n.op(LC_OP_GATHER, {table, at}, {v}).set("axis", 0);
    int32_t wt = e.binary(LC_OP_MUL, e.binary(LC_OP_MUL, wy, wx), keep);
    return e.binary(LC_OP_MUL, v, e.reshape(wt, {m, og, kk, 1}));
  };
  int32_t sampled = e.binary(LC_OP_ADD, e.binary(LC_OP_ADD, corner(0, hy, hx), corner(col_step, hy, lx)),
                             e.binary(LC_OP_ADD, corner(row_step, ly, hx), corner(row_step + col_step, ly, lx)));
  // Columns in the weight's order: input channel (g * Cg + c), then tap.
  int32_t cols = e.reshape(e.transpose(sampled, {0, 1, 3, 2}), {m, cin * kk});

  const int64_t per = cin / groups * kk, cout_g = cout / groups;
  int32_t wmat = weight.is_constant ? n.const_f32({cout, per}, n.floats_of(1)) : e.reshape(n.input(1), {cout, per});
  int32_t result = -1;
  if (groups == 1) {
    result = e.tensor(LC_FLOAT32, {m, cout});
    n.op(LC_OP_FULLY_CONNECTED, {cols, wmat, n.input(4)}, {result})
        .set("fused_activation_function", "NONE")
        .set("keep_num_dims", false);
  } else {
    int32_t by_group = e.transpose(e.reshape(cols, {m, groups, per}), {1, 0, 2});  // [groups, M, per]
    int32_t prod = e.tensor(LC_FLOAT32, {groups, m, cout_g});
    n.op(LC_OP_BATCH_MATMUL, {by_group, e.reshape(wmat, {groups, cout_g, per})}, {prod})
        .set("adj_x", false)
        .set("adj_y", true);
    int32_t joined = e.reshape(e.transpose(prod, {1, 0, 2}), {m, cout});
    result = e.binary(LC_OP_ADD, joined, e.reshape(n.input(4), {1, cout}));
  }
  n.output(0, e.transpose(e.reshape(result, {batch, ho, wo, cout}), {0, 3, 1, 2}));
}

}  // namespace

void register_deform_conv(litecast::Registrar& r) {
  r.translator("torchvision::deform_conv2d", kPriority,
               "float32; with or without mask, offset groups, weight groups, stride/padding/dilation; 4 GATHERs of "
               "bilinear corners (N*Ho*Wo*offset_groups*kh*kw*Cin/offset_groups values each) + FULLY_CONNECTED "
               "(BATCH_MATMUL per weight group)",
               deform_conv2d);
}

}  // namespace torchvision
