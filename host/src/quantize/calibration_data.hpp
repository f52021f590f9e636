// Calibration data for post-training quantization: a file or a directory of files, read with
// LibTorch, zlib, libpng and libjpeg. `.npy` (one input), `.npz` (several: by model input name,
// else in the archive's order), `.pt`/`.pth` (torch.save: a tensor or a tuple/list, one per
// input), `.png`/`.jpg` (one sample of a one-input model, see image_file.hpp).
// Every tensor holds a batch along dim 0, or one sample when it has one dimension less than
// the input shape given. Samples are cut out and regrouped into the model's batch size.
#ifndef LITECAST_HOST_QUANTIZE_CALIBRATION_DATA_HPP
#define LITECAST_HOST_QUANTIZE_CALIBRATION_DATA_HPP

#include "quantize/image_file.hpp"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace litecast::calibration {

struct CalibrationSet {
  // batches[b][i]: input i of batch b, shape input_shapes[i].
  std::vector<std::vector<at::Tensor>> batches;
  std::vector<std::vector<int64_t>> input_shapes;
  size_t samples = 0;  // used
  size_t dropped = 0;  // left over, fewer than one batch
};

// `input_names`: the model's inputs (for .npz); `input_shapes`: --input-shape, or empty to take
// them from the data (batch size 1). `max_samples` 0: all. Throws litecast::Error naming the
// file: unreadable, empty, a shape or count that does not fit, NaN or infinity.
CalibrationSet load_calibration_data(const std::string& path, const std::vector<std::string>& input_names,
                                     const std::vector<std::vector<int64_t>>& input_shapes, size_t max_samples,
                                     const ImageOptions& images = {});

// One .npy file's array (exposed for tests of the format reader).
at::Tensor read_npy(const std::string& name, const std::string& bytes);

}  // namespace litecast::calibration

#endif
