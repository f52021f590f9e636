#include "graph/example_file.hpp"

#include "graph/archive_check.hpp"

#include <litecast/error.hpp>

#include <torch/csrc/jit/serialization/pickle.h>

#include "util/output_file.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace litecast::graph {

namespace {

// The element types a model input can have in TFLite (quantized ones per tensor).
bool supported(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
    case at::kDouble:
    case at::kHalf:
    case at::kLong:
    case at::kInt:
    case at::kShort:
    case at::kChar:
    case at::kByte:
    case at::kBool:
    case at::kQUInt8:
    case at::kQInt8:
      return true;
    default:
      return false;
  }
}

// LibTorch warns, on stderr, that creating quantized tensors is deprecated: not the user's
// concern while their example file is read.
class SilentWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning&) override {}
};

// Python's name for what a torch.save file held instead of a tensor, with its article.
std::string kind_name(const c10::IValue& v) {
  if (v.isInt()) return "an int";
  if (v.isDouble()) return "a float";
  if (v.isBool()) return "a bool";
  if (v.isString()) return "a str";
  if (v.isNone()) return "None";
  if (v.isGenericDict()) return "a dict";
  if (v.isTuple()) return "a tuple";
  if (v.isList()) return "a list";
  return "a " + v.tagKind();
}

at::Tensor example_tensor(const std::string& path, const c10::IValue& item, size_t i, size_t count) {
  const std::string which = count == 1 ? "its tensor" : fmt::format("item {}", i);
  if (!item.isTensor())
    throw Error(fmt::format("{}: {} is {}, not a tensor; save a tensor or a tuple of tensors, one per model input",
                            path, which, kind_name(item)));
  at::Tensor t = item.toTensor();
  if (!t.defined()) throw Error(fmt::format("{}: {} is an undefined tensor", path, which));
  if (!t.device().is_cpu()) throw Error(fmt::format("{}: {} is not on the CPU; save it with .cpu()", path, which));
  if (t.is_quantized() && t.qscheme() != at::kPerTensorAffine && t.qscheme() != at::kPerTensorSymmetric)
    throw Error(
        fmt::format("{}: {} is quantized per channel; a model input is quantized per tensor in TFLite "
                    "(one scale and zero point), quantize it with torch.quantize_per_tensor",
                    path, which));
  if (!supported(t.scalar_type()))
    throw Error(fmt::format("{}: {} has type {}, which a TFLite model input cannot have", path, which,
                            c10::toString(t.scalar_type())));
  return t.detach().contiguous();
}

}  // namespace

std::vector<at::Tensor> load_example_file(const std::string& path) {
  SilentWarnings silent;
  c10::WarningUtils::WarningHandlerGuard guard(&silent);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(fmt::format("{}: {}", path, std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  std::vector<char> data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) throw Error(fmt::format("{}: cannot read the file", path));
  }
  // torch.save writes a zip archive (since torch 1.6); anything else gets a plain answer.
  if (data.size() < 4 || data[0] != 'P' || data[1] != 'K')
    throw Error(
        fmt::format("{}: not a file written by torch.save (expected its zip archive; files saved with "
                    "_use_new_zipfile_serialization=False are not read)",
                    path));
  check_archive_records(data.data(), data.size(), path);
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(data);
  } catch (const std::exception&) {
    throw Error(fmt::format(
        "{}: cannot be read as a torch.save file of tensors (truncated or damaged, or it holds objects other "
        "than tensors, tuples and lists)",
        path));
  }
  std::vector<c10::IValue> items;
  if (v.isTensor()) {
    items.push_back(v);
  } else if (v.isTuple()) {
    const auto& e = v.toTupleRef().elements();
    items.assign(e.begin(), e.end());
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef()) items.push_back(e);
  } else {
    throw Error(
        fmt::format("{}: holds {}, not a tensor or a tuple/list of tensors (one per model input)", path, kind_name(v)));
  }
  if (items.empty())
    throw Error(
        fmt::format("{}: holds an empty {}; give one tensor per model input", path, v.isTuple() ? "tuple" : "list"));
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < items.size(); ++i) out.push_back(example_tensor(path, items[i], i, items.size()));
  return out;
}

std::vector<at::Tensor> check_example_tensors(const std::vector<at::Tensor>& values, const std::string& origin) {
  if (values.empty()) throw Error(fmt::format("{}: no tensors; give one tensor per model input", origin));
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < values.size(); ++i) out.push_back(example_tensor(origin, values[i], i, values.size()));
  return out;
}

void save_example_file(const std::vector<at::Tensor>& values, const std::string& path) {
  std::vector<c10::IValue> items(values.begin(), values.end());
  std::vector<char> data;
  try {
    data = torch::jit::pickle_save(c10::ivalue::Tuple::create(std::move(items)));
  } catch (const std::exception&) {
    throw Error(fmt::format("{}: cannot serialize the example inputs", path));
  }
  util::TempOutput tmp(path);
  std::ofstream f(tmp.path(), std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  f.close();
  if (!f) throw Error(fmt::format("{}: cannot write the example inputs", path));
  tmp.commit();
}

}  // namespace litecast::graph
