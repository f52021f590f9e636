#include "quantize/calibration_data.hpp"

#include "graph/example_file.hpp"

#include <litecast/error.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

namespace litecast::calibration {

namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read the file", path));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t le32(const std::string& b, size_t at) {
  if (at + 4 > b.size()) throw std::out_of_range("zip");
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + static_cast<size_t>(i)]);
  return v;
}
uint16_t le16(const std::string& b, size_t at) {
  if (at + 2 > b.size()) throw std::out_of_range("zip");
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8));
}
uint64_t le64(const std::string& b, size_t at) {
  return le32(b, at) | (static_cast<uint64_t>(le32(b, at + 4)) << 32);
}

// The members of a zip archive (what numpy.savez writes), in archive order: name -> contents.
std::vector<std::pair<std::string, std::string>> read_zip(const std::string& path, const std::string& z) {
  std::vector<std::pair<std::string, std::string>> out;
  try {
    // End of central directory: the last record with its signature.
    size_t eocd = std::string::npos;
    for (size_t i = z.size() >= 22 ? z.size() - 22 : 0;; --i) {
      if (le32(z, i) == 0x06054b50) {
        eocd = i;
        break;
      }
      if (i == 0 || z.size() - i > 70000) break;
    }
    if (eocd == std::string::npos) throw std::runtime_error("no zip directory");
    const size_t entries = le16(z, eocd + 10);
    size_t at = le32(z, eocd + 16);
    for (size_t e = 0; e < entries; ++e) {
      if (le32(z, at) != 0x02014b50) throw std::runtime_error("bad zip directory");
      const uint16_t method = le16(z, at + 10);
      uint64_t csize = le32(z, at + 20), usize = le32(z, at + 24);
      const uint16_t nlen = le16(z, at + 28), xlen = le16(z, at + 30), clen = le16(z, at + 32);
      uint64_t local = le32(z, at + 42);
      std::string name = z.substr(at + 46, nlen);
      // ZIP64: sizes and offset that do not fit 32 bits are in the extra field, in this order.
      for (size_t x = at + 46 + nlen; x + 4 <= at + 46 + nlen + xlen;) {
        const uint16_t id = le16(z, x), len = le16(z, x + 2);
        if (id == 1) {
          size_t p = x + 4;
          if (usize == 0xffffffffu) usize = le64(z, p), p += 8;
          if (csize == 0xffffffffu) csize = le64(z, p), p += 8;
          if (local == 0xffffffffu) local = le64(z, p);
        }
        x += 4 + len;
      }
      at += 46 + nlen + xlen + clen;
      if (le32(z, local) != 0x04034b50) throw std::runtime_error("bad zip member");
      const size_t data = local + 30 + le16(z, local + 26) + le16(z, local + 28);
      if (data + csize > z.size()) throw std::runtime_error("truncated");
      std::string bytes;
      if (method == 0) {
        bytes = z.substr(data, csize);
      } else if (method == 8) {
        bytes.resize(usize);
        z_stream s{};
        if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw std::runtime_error("zlib");
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data() + data));
        s.avail_in = static_cast<uInt>(csize);
        s.next_out = reinterpret_cast<Bytef*>(bytes.data());
        s.avail_out = static_cast<uInt>(usize);
        const int r = inflate(&s, Z_FINISH);
        inflateEnd(&s);
        if (r != Z_STREAM_END || s.total_out != usize) throw std::runtime_error("corrupt compressed member");
      } else {
        throw std::runtime_error(fmt::format("member {} uses an unsupported compression", name));
      }
      out.emplace_back(std::move(name), std::move(bytes));
    }
  } catch (const std::out_of_range&) {
    throw Error(fmt::format("{}: not a readable .npz file (truncated)", path));
  } catch (const std::runtime_error& e) {
    throw Error(fmt::format("{}: not a readable .npz file ({})", path, e.what()));
  }
  return out;
}

// The value of `key` in a .npy header dictionary ("{'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }"), as text.
std::string header_field(const std::string& h, const std::string& key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t colon = h.find(':', k);
  if (colon == std::string::npos) return "";
  size_t b = h.find_first_not_of(' ', colon + 1);
  if (b == std::string::npos) return "";
  size_t e = h[b] == '(' ? h.find(')', b) + 1 : h.find_first_of(",}", b);
  return h.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

at::ScalarType npy_type(const std::string& descr, char* order) {
  // '<f4', '|u1', ...: byte order, kind, size.
  std::string d = descr;
  if (d.size() >= 2 && (d.front() == '\'' || d.front() == '"')) d = d.substr(1, d.size() - 2);
  if (d.size() < 3) return at::ScalarType::Undefined;
  *order = d[0];
  const std::string ks = d.substr(1);
  static const std::map<std::string, at::ScalarType> types = {
      {"f4", at::kFloat}, {"f8", at::kDouble}, {"f2", at::kHalf}, {"i8", at::kLong}, {"i4", at::kInt},
      {"i2", at::kShort}, {"i1", at::kChar},   {"u1", at::kByte}, {"b1", at::kBool}};
  auto it = types.find(ks);
  return it == types.end() ? at::ScalarType::Undefined : it->second;
}

std::vector<at::Tensor> read_file_tensors(const std::string& path, const std::vector<std::string>& input_names,
                                          const std::vector<std::vector<int64_t>>& input_shapes,
                                          const ImageOptions& images) {
  if (is_image_file(path)) {
    if (input_names.size() != 1)
      throw Error(fmt::format("{}: an image is one sample of a one-input model; this model has {} inputs ({})", path,
                              input_names.size(), fmt::join(input_names, ", ")));
    int64_t channels = 0, height = 0, width = 0;
    if (!input_shapes.empty()) {
      const std::vector<int64_t>& s = input_shapes[0];
      if (s.size() != 4)
        throw Error(fmt::format("{}: images fit 4-D (N,C,H,W) inputs; --input-shape is {}", path, fmt::join(s, ",")));
      channels = s[1];
      height = s[2];
      width = s[3];
    }
    return {read_image(path, channels, height, width, images)};
  }
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".pt" || ext == ".pth") return graph::load_example_file(path);
  if (ext == ".npy") return {read_npy(path, read_file(path))};
  if (ext == ".npz") {
    auto members = read_zip(path, read_file(path));
    std::vector<std::pair<std::string, at::Tensor>> arrays;
    for (auto& [name, bytes] : members) {
      std::string stem =
          name.size() > 4 && name.substr(name.size() - 4) == ".npy" ? name.substr(0, name.size() - 4) : name;
      arrays.emplace_back(stem, read_npy(path + ":" + name, bytes));
    }
    if (arrays.empty()) throw Error(fmt::format("{}: the archive holds no arrays", path));
    // By the model's input names when every one is there; else in the archive's order.
    std::vector<at::Tensor> by_name;
    for (const std::string& n : input_names)
      for (const auto& [stem, t] : arrays)
        if (stem == n) by_name.push_back(t);
    if (by_name.size() == input_names.size() && !input_names.empty()) return by_name;
    std::vector<at::Tensor> ordered;
    for (auto& a : arrays) ordered.push_back(a.second);
    return ordered;
  }
  throw Error(
      fmt::format("{}: unsupported calibration file type '{}' (use .npy, .npz, .pt, .png or .jpg)", path, ext));
}

}  // namespace

at::Tensor read_npy(const std::string& name, const std::string& b) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0)
    throw Error(fmt::format("{}: not a .npy file (no NUMPY magic)", name));
  const int major = static_cast<uint8_t>(b[6]);
  size_t hlen = 0, start = 0;
  if (major == 1) {
    hlen = static_cast<uint8_t>(b[8]) | (static_cast<size_t>(static_cast<uint8_t>(b[9])) << 8);
    start = 10;
  } else {
    if (b.size() < 12) throw Error(fmt::format("{}: truncated .npy file", name));
    hlen = 0;
    for (int i = 3; i >= 0; --i) hlen = (hlen << 8) | static_cast<uint8_t>(b[8 + static_cast<size_t>(i)]);
    start = 12;
  }
  if (start + hlen > b.size()) throw Error(fmt::format("{}: truncated .npy header", name));
  const std::string h = b.substr(start, hlen);
  char order = '<';
  const std::string descr = header_field(h, "descr");
  const at::ScalarType type = npy_type(descr, &order);
  if (type == at::ScalarType::Undefined)
    throw Error(fmt::format("{}: arrays of dtype {} are not supported (float32/64, int, uint8, bool)", name, descr));
  if (order == '>') throw Error(fmt::format("{}: big-endian arrays are not supported", name));
  const bool fortran = header_field(h, "fortran_order").rfind("True", 0) == 0;
  std::string shape_text = header_field(h, "shape");
  std::vector<int64_t> shape;
  for (size_t i = 0; i < shape_text.size();) {
    if (std::isdigit(static_cast<unsigned char>(shape_text[i]))) {
      size_t used = 0;
      shape.push_back(std::stoll(shape_text.substr(i), &used));
      i += used;
    } else {
      ++i;
    }
  }
  if (shape_text.empty() || shape_text.front() != '(') throw Error(fmt::format("{}: malformed .npy header", name));
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  const size_t bytes = static_cast<size_t>(count) * c10::elementSize(type);
  if (start + hlen + bytes > b.size())
    throw Error(fmt::format("{}: truncated .npy data ({} bytes for shape ({}), {} present)", name, bytes,
                            fmt::join(shape, ", "), b.size() - start - hlen));
  std::vector<int64_t> stored = shape;
  if (fortran) std::reverse(stored.begin(), stored.end());
  at::Tensor t = at::empty(stored, at::TensorOptions().dtype(type));
  if (bytes) std::memcpy(t.data_ptr(), b.data() + start + hlen, bytes);
  if (fortran && t.dim() > 1) {
    std::vector<int64_t> perm;
    for (int64_t d = t.dim() - 1; d >= 0; --d) perm.push_back(d);
    t = t.permute(perm).contiguous();
  }
  return t;
}

CalibrationSet load_calibration_data(const std::string& path, const std::vector<std::string>& input_names,
                                     const std::vector<std::vector<int64_t>>& input_shapes, size_t max_samples,
                                     const ImageOptions& images) {
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      std::string ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (e.is_regular_file() &&
          (ext == ".npy" || ext == ".npz" || ext == ".pt" || ext == ".pth" || is_image_file(e.path().string())))
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw Error(fmt::format("{}: the calibration directory holds no .npy, .npz, .pt, .png or .jpg files", path));
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    throw Error(fmt::format("{}: no such calibration file or directory", path));
  }
  const size_t n_inputs = input_names.size();
  CalibrationSet set;
  set.input_shapes = input_shapes;
  // Samples, each with a leading batch dimension of 1, per input.
  std::vector<std::vector<at::Tensor>> samples;
  for (const std::string& f : files) {
    if (max_samples && samples.size() >= max_samples) break;
    // Images take their size from the first input shape known: --input-shape, else the first image.
    std::vector<at::Tensor> ts = read_file_tensors(
        f, input_names, input_shapes.empty() && !samples.empty() && images.size.empty()
                            ? std::vector<std::vector<int64_t>>{samples[0][0].sizes().vec()}
                            : input_shapes,
        images);
    if (ts.size() != n_inputs)
      throw Error(fmt::format("{}: holds {} array{} for a model with {} input{} ({})", f, ts.size(),
                              ts.size() == 1 ? "" : "s", n_inputs, n_inputs == 1 ? "" : "s",
                              fmt::join(input_names, ", ")));
    int64_t count = -1;
    for (size_t i = 0; i < n_inputs; ++i) {
      at::Tensor& t = ts[i];
      if (t.is_quantized())
        throw Error(fmt::format("{}: input {} ('{}') is a quantized tensor; calibration takes float data", f, i,
                                input_names[i]));
      if (t.scalar_type() == at::kDouble || t.scalar_type() == at::kHalf) t = t.to(at::kFloat);
      if (at::isFloatingType(t.scalar_type()) && t.numel() && !at::isfinite(t).all().item<bool>())
        throw Error(fmt::format("{}: input {} ('{}') holds NaN or infinity", f, i, input_names[i]));
      if (t.dim() == 0) throw Error(fmt::format("{}: input {} ('{}') is a scalar, not a batch", f, i, input_names[i]));
      if (!input_shapes.empty()) {
        const auto& s = input_shapes[i];
        std::vector<int64_t> sample(s.begin() + 1, s.end());
        std::vector<int64_t> have = t.sizes().vec();
        if (t.dim() == static_cast<int64_t>(s.size()) - 1 && have == sample) {
          t = t.unsqueeze(0);
        } else if (t.dim() != static_cast<int64_t>(s.size()) ||
                   !std::equal(have.begin() + 1, have.end(), sample.begin())) {
          throw Error(
              fmt::format("{}: input {} ('{}') has shape ({}), which fits neither a batch nor one sample of "
                          "--input-shape {}",
                          f, i, input_names[i], fmt::join(have, ","), fmt::join(s, ",")));
        }
      }
      if (count >= 0 && t.size(0) != count)
        throw Error(fmt::format("{}: the inputs hold different numbers of samples ({} and {})", f, count, t.size(0)));
      count = t.size(0);
    }
    for (int64_t k = 0; k < count; ++k) {
      if (max_samples && samples.size() >= max_samples) break;
      std::vector<at::Tensor> s;
      for (size_t i = 0; i < n_inputs; ++i) s.push_back(ts[i].narrow(0, k, 1));
      samples.push_back(std::move(s));
    }
  }
  if (samples.empty()) throw Error(fmt::format("{}: the calibration data holds no samples", path));
  if (set.input_shapes.empty())
    for (size_t i = 0; i < n_inputs; ++i) set.input_shapes.push_back(samples[0][i].sizes().vec());
  const size_t batch = static_cast<size_t>(set.input_shapes.at(0).at(0));
  for (size_t i = 0; i < n_inputs; ++i)
    if (static_cast<size_t>(set.input_shapes[i][0]) != batch)
      throw Error(fmt::format("--input-shape: the inputs have different batch sizes ({} and {})", batch,
                              set.input_shapes[i][0]));
  if (samples.size() < batch)
    throw Error(fmt::format("{}: {} calibration sample{} for a batch size of {}", path, samples.size(),
                            samples.size() == 1 ? "" : "s", batch));
  for (size_t b = 0; b + batch <= samples.size(); b += batch) {
    std::vector<at::Tensor> inputs;
    for (size_t i = 0; i < n_inputs; ++i) {
      std::vector<at::Tensor> parts;
      for (size_t k = b; k < b + batch; ++k) parts.push_back(samples[k][i]);
      at::Tensor t = at::cat(parts, 0).contiguous();
      if (t.sizes().vec() != set.input_shapes[i])
        throw Error(fmt::format("{}: input {} ('{}') samples have shape ({}), the first had ({})", path, i,
                                input_names[i], fmt::join(t.sizes(), ","), fmt::join(set.input_shapes[i], ",")));
      inputs.push_back(t);
    }
    set.batches.push_back(std::move(inputs));
  }
  set.samples = set.batches.size() * batch;
  set.dropped = samples.size() - set.samples;
  return set;
}

}  // namespace litecast::calibration
