// Images as calibration samples: PNG and JPEG files decoded with libpng and libjpeg, resized and
// normalized as torchvision's ToTensor + Resize + Normalize would (values scaled to [0, 1], then
// (x - mean) / std per channel), laid out as one NCHW sample.
#ifndef LITECAST_HOST_QUANTIZE_IMAGE_FILE_HPP
#define LITECAST_HOST_QUANTIZE_IMAGE_FILE_HPP

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace litecast::calibration {

struct ImageOptions {
  std::vector<int64_t> size;  // {height, width}; empty: the input shape's, else the image's own
  std::vector<double> mean;   // one value, or one per channel; empty: 0
  std::vector<double> std;    // likewise; empty: 1
};

// True for the file names this reads (.png, .jpg, .jpeg; any case).
bool is_image_file(const std::string& path);

// One image as a [1, channels, height, width] float tensor. `channels` 1 or 3 (0: the image's
// own, 1 for gray and 3 otherwise; alpha is dropped); `height`/`width` 0: from `options.size`,
// else the image's own. Throws litecast::Error naming the file.
at::Tensor read_image(const std::string& path, int64_t channels, int64_t height, int64_t width,
                      const ImageOptions& options);

}  // namespace litecast::calibration

#endif
