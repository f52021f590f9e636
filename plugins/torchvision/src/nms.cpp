// torchvision::nms(boxes [N, 4], scores [N], iou_threshold) -> the indices of the boxes kept,
// by decreasing score. PyTorch returns as many as are kept; a TFLite tensor has a static shape,
// so the converted model returns N entries: the kept indices first, in PyTorch's order, then -1
// (the host records the node the same way). NON_MAX_SUPPRESSION_V4 with N as its maximum gives
// the indices and their count; a SELECT_V2 writes -1 past the count. batched_nms traces into
// ATen ops (the boxes of each class offset apart) around this one.
#include "torchvision.hpp"

#include <limits>
#include <numeric>
#include <vector>

namespace torchvision {

namespace {

void nms(litecast::Node& n) {
  litecast::TensorInfo boxes = n.info(0), scores = n.info(1), out = n.output_info(0);
  if (boxes.dtype != LC_FLOAT32 || scores.dtype != LC_FLOAT32) n.decline("float32 boxes and scores only");
  if (boxes.rank() != 2 || boxes.shape[1] != 4 || scores.rank() != 1) n.decline("boxes [N, 4] and scores [N] only");
  const int64_t count = boxes.shape[0];
  if (out.shape != std::vector<int64_t>{count}) n.fail("the host did not record nms as N entries");
  const int32_t max_out = static_cast<int32_t>(count);
  const float iou = static_cast<float>(n.f64(2)), floor = std::numeric_limits<float>::lowest();
  int32_t selected = n.add_tensor(LC_INT32, {count}), valid = n.add_tensor(LC_INT32, {});
  // IoU is the same with x and y swapped, so (x1, y1, x2, y2) serves for TFLite's (y1, x1, y2, x2).
  n.op(LC_OP_NON_MAX_SUPPRESSION_V4,
       {n.input(0), n.input(1), n.add_tensor(LC_INT32, {}, &max_out, sizeof max_out),
        n.add_tensor(LC_FLOAT32, {}, &iou, sizeof iou), n.add_tensor(LC_FLOAT32, {}, &floor, sizeof floor)},
       {selected, valid});
  std::vector<int32_t> positions(static_cast<size_t>(count)), minus(static_cast<size_t>(count), -1);
  std::iota(positions.begin(), positions.end(), 0);
  int32_t inside = n.add_tensor(LC_BOOL, {count});
  n.op(LC_OP_LESS, {n.const_i32({count}, positions), valid}, {inside});
  int32_t result = n.add_tensor(LC_INT32, {count});
  n.op(LC_OP_SELECT_V2, {inside, selected, n.const_i32({count}, minus)}, {result});
  if (out.dtype != LC_INT32) {
    int32_t cast = n.add_tensor(out.dtype, {count});
    n.op(LC_OP_CAST, {result}, {cast});
    result = cast;
  }
  n.output(0, result);
}

}  // namespace

void register_nms(litecast::Registrar& r) {
  r.translator("torchvision::nms", kPriority,
               "float32; NON_MAX_SUPPRESSION_V4, N results: the kept indices in PyTorch's order, then -1", nms);
}

}  // namespace torchvision
