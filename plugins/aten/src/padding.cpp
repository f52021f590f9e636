// Padding -> PAD / PADV2 (constant), MIRROR_PAD (reflect), GATHER (replicate, circular).
// Padding is layout-free, so these work on the NCHW tensor directly, in any rank. PyTorch
// lists pads from the last dimension backwards; a negative pad crops.
#include "spatial.hpp"

#include <algorithm>
#include <string>

namespace aten {

namespace {

using spatial::Pads;

constexpr int kInput = 0, kPad = 1, kMode = 2, kPadValue = 3;
constexpr int kConstantValue = 2;  // aten::constant_pad_nd

Pads read_pads(const litecast::Node& n) {
  const size_t rank = static_cast<size_t>(n.info(kInput).rank());
  std::vector<int64_t> p = n.ints(kPad);
  if (p.size() % 2 != 0 || p.size() / 2 > rank) n.decline("pad needs (before, after) pairs, at most one per dimension");
  Pads pads(rank, {0, 0});
  for (size_t i = 0; i < p.size() / 2; ++i) pads[rank - 1 - i] = {p[2 * i], p[2 * i + 1]};
  return pads;
}

// SLICE away the negative pads, then pad by the positive ones.
int32_t constant_pad(const litecast::Node& n, int32_t t, const Pads& pads, float value) {
  litecast::TensorInfo info = n.tensor_info(t);
  if (value != 0.0f && info.dtype != LC_FLOAT32 && info.dtype != LC_INT32)
    n.decline("a non-zero pad value on a tensor neither float32 nor int32");
  std::vector<int32_t> begin, size;
  std::vector<int64_t> shape;
  Pads grow;
  bool crop = false;
  for (size_t d = 0; d < pads.size(); ++d) {
    const int64_t cut_before = std::max<int64_t>(-pads[d][0], 0), cut_after = std::max<int64_t>(-pads[d][1], 0);
    begin.push_back(static_cast<int32_t>(cut_before));
    shape.push_back(info.shape[d] - cut_before - cut_after);
    size.push_back(static_cast<int32_t>(shape.back()));
    grow.push_back({std::max<int64_t>(pads[d][0], 0), std::max<int64_t>(pads[d][1], 0)});
    crop = crop || cut_before > 0 || cut_after > 0;
  }
  if (crop) {
    int32_t cropped = n.add_tensor(info.dtype, shape);
    n.op(LC_OP_SLICE, {t, n.const_i32(begin), n.const_i32(size)}, {cropped});
    t = cropped;
  }
  return spatial::pad(n, t, grow, value);
}

int32_t reflect(const litecast::Node& n, int32_t t, const Pads& pads) {
  std::vector<int32_t> p;
  std::vector<int64_t> shape = n.tensor_info(t).shape;
  for (size_t d = 0; d < pads.size(); ++d) {
    if (pads[d][0] < 0 || pads[d][1] < 0) n.decline("negative reflection padding");
    p.push_back(static_cast<int32_t>(pads[d][0]));
    p.push_back(static_cast<int32_t>(pads[d][1]));
    shape[d] += pads[d][0] + pads[d][1];
  }
  int32_t y = n.add_tensor(n.tensor_info(t).dtype, shape);
  n.op(LC_OP_MIRROR_PAD, {t, n.const_i32({static_cast<int64_t>(pads.size()), 2}, p)}, {y}).set("mode", "REFLECT");
  return y;
}

// Replicate and circular padding read, for each output position, one input position:
// a GATHER per padded dimension.
int32_t gather_pad(const litecast::Node& n, int32_t t, const Pads& pads, bool circular) {
  for (size_t d = 0; d < pads.size(); ++d) {
    if (pads[d][0] == 0 && pads[d][1] == 0) continue;
    litecast::TensorInfo info = n.tensor_info(t);
    const int64_t size = info.shape[d], out = size + pads[d][0] + pads[d][1];
    if (circular && (pads[d][0] > size || pads[d][1] > size)) n.decline("circular padding larger than the dimension");
    std::vector<int32_t> idx;
    for (int64_t j = 0; j < out; ++j) {
      const int64_t i = j - pads[d][0];
      idx.push_back(static_cast<int32_t>(circular ? (i % size + size) % size : std::clamp<int64_t>(i, 0, size - 1)));
    }
    std::vector<int64_t> shape = info.shape;
    shape[d] = out;
    int32_t y = n.add_tensor(info.dtype, shape);
    n.op(LC_OP_GATHER, {t, n.const_i32(idx)}, {y}).set("axis", static_cast<int64_t>(d)).set("batch_dims", 0);
    t = y;
  }
  return t;
}

void constant_pad_nd(litecast::Node& n) {
  float value = n.is_none(kConstantValue) ? 0.0f : static_cast<float>(n.f64(kConstantValue));
  n.output(0, constant_pad(n, n.input(kInput), read_pads(n), value));
}

void reflection_pad(litecast::Node& n) {
  n.output(0, reflect(n, n.input(kInput), read_pads(n)));
}

void replication_pad(litecast::Node& n) {
  n.output(0, gather_pad(n, n.input(kInput), read_pads(n), false));
}

void pad(litecast::Node& n) {
  const std::string mode = n.is_none(kMode) ? "constant" : n.str(kMode);
  Pads pads = read_pads(n);
  int32_t x = n.input(kInput);
  if (mode == "constant")
    n.output(0, constant_pad(n, x, pads, n.is_none(kPadValue) ? 0.0f : static_cast<float>(n.f64(kPadValue))));
  else if (mode == "reflect")
    n.output(0, reflect(n, x, pads));
  else if (mode == "replicate" || mode == "circular")
    n.output(0, gather_pad(n, x, pads, mode == "circular"));
  else
    n.decline("padding mode '" + mode + "'");
}

}  // namespace

const Family family([](litecast::Registrar& r) {
  r.translator("aten::constant_pad_nd", kPriority, "any rank; negative pads crop; non-zero value on float32",
               constant_pad_nd);
  r.translator("aten::pad", kPriority, "constant, reflect, replicate, circular modes; any rank", pad);
  r.translator("aten::reflection_pad1d", kPriority, "MIRROR_PAD REFLECT; non-negative pads", reflection_pad);
  r.translator("aten::reflection_pad2d", kPriority, "MIRROR_PAD REFLECT; non-negative pads", reflection_pad);
  r.translator("aten::replication_pad1d", kPriority, "GATHER per padded dimension; negative pads crop",
               replication_pad);
  r.translator("aten::replication_pad2d", kPriority, "GATHER per padded dimension; negative pads crop",
               replication_pad);
});

}  // namespace aten
