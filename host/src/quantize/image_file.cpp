#include "quantize/image_file.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <jpeglib.h>
#include <png.h>

namespace litecast::calibration {

namespace {

constexpr uint64_t kMaxPixels = uint64_t{1} << 28;  // 16384 x 16384: far beyond any calibration image

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Decoded pixels: height x width x channels bytes, owned by the caller (std::free).
struct Pixels {
  unsigned char* data = nullptr;
  uint32_t height = 0, width = 0, channels = 0;
};

// libpng's simplified API: no setjmp here. `want` 0: the file's own (gray or RGB), else 1 or 3.
bool decode_png(const unsigned char* bytes, size_t size, uint32_t want, Pixels* out, std::string* why) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes, size)) {
    *why = image.message;
    return false;
  }
  const bool color = want ? want == 3 : (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;  // alpha composited away, 8 bits
  if (static_cast<uint64_t>(image.width) * image.height > kMaxPixels) {
    png_image_free(&image);
    *why = fmt::format("{}x{} pixels is too large", image.width, image.height);
    return false;
  }
  const size_t n = PNG_IMAGE_SIZE(image);
  out->data = static_cast<unsigned char*>(std::malloc(n ? n : 1));
  if (!out->data || !png_image_finish_read(&image, nullptr, out->data, 0, nullptr)) {
    *why = out->data ? image.message : "out of memory";
    std::free(out->data);
    out->data = nullptr;
    png_image_free(&image);
    return false;
  }
  out->height = image.height;
  out->width = image.width;
  out->channels = color ? 3 : 1;
  return true;
}

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr info) {
  JpegError* e = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, e->message);
  std::longjmp(e->jump, 1);
}

void jpeg_quiet(j_common_ptr, int) {}  // warnings (corrupt but decodable data) are not printed

// Only trivially destructible objects live in this frame: a longjmp leaves it from libjpeg.
bool decode_jpeg(const unsigned char* bytes, size_t size, uint32_t want, Pixels* out, char* why, size_t why_size) {
  jpeg_decompress_struct info;
  JpegError err;
  info.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  unsigned char* volatile pixels = nullptr;
  if (setjmp(err.jump)) {
    std::free(pixels);
    jpeg_destroy_decompress(&info);
    std::snprintf(why, why_size, "%s", err.message);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes, static_cast<unsigned long>(size));
  jpeg_read_header(&info, TRUE);
  if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&info);
    std::snprintf(why, why_size, "CMYK images are not read");
    return false;
  }
  const bool color = want ? want == 3 : info.num_components != 1;
  info.out_color_space = color ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_start_decompress(&info);
  if (static_cast<uint64_t>(info.output_width) * info.output_height > kMaxPixels) {
    std::snprintf(why, why_size, "%ux%u pixels is too large", info.output_width, info.output_height);
    jpeg_destroy_decompress(&info);
    return false;
  }
  const size_t row = static_cast<size_t>(info.output_width) * static_cast<size_t>(info.output_components);
  pixels = static_cast<unsigned char*>(std::malloc(row * info.output_height + 1));
  if (!pixels) {
    jpeg_destroy_decompress(&info);
    std::snprintf(why, why_size, "out of memory");
    return false;
  }
  while (info.output_scanline < info.output_height) {
    JSAMPROW line = pixels + row * info.output_scanline;
    jpeg_read_scanlines(&info, &line, 1);
  }
  jpeg_finish_decompress(&info);
  out->data = pixels;
  out->height = info.output_height;
  out->width = info.output_width;
  out->channels = static_cast<uint32_t>(info.output_components);
  jpeg_destroy_decompress(&info);
  return true;
}

// One value for every channel, or one per channel.
std::vector<double> per_channel(const std::vector<double>& v, int64_t channels, double fallback, const char* option) {
  if (v.empty()) return std::vector<double>(static_cast<size_t>(channels), fallback);
  if (v.size() == 1) return std::vector<double>(static_cast<size_t>(channels), v[0]);
  if (static_cast<int64_t>(v.size()) != channels)
    throw Error(
        fmt::format("{}: {} values for images of {} channel{}", option, v.size(), channels, channels == 1 ? "" : "s"));
  return v;
}

}  // namespace

bool is_image_file(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

at::Tensor read_image(const std::string& path, int64_t channels, int64_t height, int64_t width,
                      const ImageOptions& options) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw Error(fmt::format("{}: the model's input has {} channels; images give 1 (gray) or 3 (RGB)", path, channels));
  std::vector<unsigned char> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(fmt::format("{}: cannot be opened", path));
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) throw Error(fmt::format("{}: cannot be read", path));
  }
  Pixels px;
  const bool png = lower_extension(path) == ".png";
  bool ok = false;
  std::string why;
  if (png) {
    ok = decode_png(bytes.data(), bytes.size(), static_cast<uint32_t>(channels), &px, &why);
  } else {
    char message[JMSG_LENGTH_MAX + 1] = {};
    ok = decode_jpeg(bytes.data(), bytes.size(), static_cast<uint32_t>(channels), &px, message, sizeof message);
    why = message;
  }
  if (!ok) throw Error(fmt::format("{}: not a readable {} image ({})", path, png ? "PNG" : "JPEG", why));
  const auto h = static_cast<int64_t>(px.height), w = static_cast<int64_t>(px.width);
  const auto c = static_cast<int64_t>(px.channels);
  at::Tensor t = at::from_blob(
      px.data, {h, w, c}, [](void* p) { std::free(p); }, at::kByte);
  t = t.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).div_(255.0);
  if (height == 0 && options.size.size() == 2) {
    height = options.size[0];
    width = options.size[1];
  }
  if (height > 0 && width > 0 && (height != h || width != w))
    t = at::_upsample_bilinear2d_aa(t, {height, width}, /*align_corners=*/false);
  const std::vector<double> mean = per_channel(options.mean, c, 0.0, "--image-mean");
  const std::vector<double> std = per_channel(options.std, c, 1.0, "--image-std");
  for (int64_t k = 0; k < c; ++k) {
    if (!(std[static_cast<size_t>(k)] > 0)) throw Error("--image-std: every value must be greater than 0");
    t.select(1, k).sub_(mean[static_cast<size_t>(k)]).div_(std[static_cast<size_t>(k)]);
  }
  return t.contiguous();
}

}  // namespace litecast::calibration
