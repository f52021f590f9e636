// Building blocks of the RoI translators (roi_align.cpp, ps_roi.cpp): per-box interpolation
// weights and bin masks along one axis, built at run time from the boxes, so boxes computed by
// the model work as well as constant ones.
#ifndef LITECAST_PLUGINS_TORCHVISION_ROI_HPP
#define LITECAST_PLUGINS_TORCHVISION_ROI_HPP

#include "emit.hpp"

namespace torchvision {

// How many bilinear samples a bin takes along one axis.
struct Sampling {
  int64_t ratio = 0;  // > 0: this many; <= 0: ceil(bin size), per box (torchvision's adaptive grid)
  int64_t slots = 0;  // adaptive only: sample slots per bin that the weights are built with
};

// The number of sample slots per bin that makes the adaptive grid exact on an axis of `size`
// pixels, whatever the boxes. A bin of b pixels takes g = ceil(b) samples, b / g apart; only
// those in [-1, size] weigh anything. With g <= size + 3 there are at most g of them; with
// g >= size + 4 they are more than (size + 3) / (size + 4) apart, so at most size + 2 fit. Two
// more slots cover rounding in the first slot's index (taken one early): size + 5.
int64_t exact_slots(int64_t size);

// The averaged bilinear weights of the input rows (or columns) for each bin of each box along
// one axis: [K, pooled, size]. `lo`, `hi` ([K, 1]) are the box's scaled and offset coordinates;
// `at_least_one` clamps the box extent to 1 (roi_align without `aligned`).
int32_t axis_weights(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t size, bool at_least_one,
                     Sampling sampling);

// The rows each bin covers, as a 0/1 [K, pooled, size] bool mask: bins [floor(p * bin),
// ceil((p + 1) * bin)) from `lo` with bin = max(hi - lo + extra, 1) / pooled, clipped to
// [0, clip]. `lo`, `hi` are rounded box coordinates ([K, 1]).
int32_t bin_mask(const Emit& e, int32_t lo, int32_t hi, int64_t k, int64_t pooled, int64_t size, float extra,
                 int64_t clip);

// round() as C's: half away from zero (TFLite's ROUND rounds half to even).
int32_t round_away(const Emit& e, int32_t x);

// Box coordinate `col` (1..4) of rois [K, 5] times `scale`, minus `offset`: [K, 1].
int32_t box_coord(const Emit& e, int32_t rois, int64_t k, int32_t col, double scale, float offset);

// The feature map of each box's image, [K, C, H, W]: input GATHERed by the boxes' batch index;
// with a single image the input itself, [1, C, H, W], for the ops that follow to broadcast.
int32_t box_maps(const Emit& e, int32_t input, int32_t rois, const std::vector<int64_t>& in_shape, int64_t k);

// Ay @ maps @ Ax^T per box: [K, ph, H], [K or 1, C, H, W], [K, pw, W] -> [K, C, ph, pw].
int32_t separable_bins(const Emit& e, int32_t ay, int32_t maps, int32_t ax, int64_t k, int64_t c, int64_t ph,
                       int64_t pw, int64_t h, int64_t w);

// The sampling of one axis for sampling_ratio `ratio` (rois are input 1, the axis's low
// coordinate is column `lo_col`): fixed, or adaptive with exact_slots(size) slots, fewer when
// the boxes are constant and their largest grid is smaller.
Sampling sampling_for(const litecast::Node& n, int64_t ratio, int lo_col, double scale, float offset, bool at_least_one,
                      int64_t pooled, int64_t size);

// For the adaptive grid with constant boxes: the largest ceil(bin size) over the boxes along
// the axis of columns (lo_col, hi_col), as torchvision computes it in float; 0 if unknown.
int64_t largest_grid(const litecast::Node& n, int rois_input, int lo_col, double scale, float offset, bool at_least_one,
                     int64_t pooled);

}  // namespace torchvision

#endif
