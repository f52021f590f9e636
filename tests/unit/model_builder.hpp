// A tiny TFLite model builder for the pass tests: activations and constants by name,
// operators in order.
#ifndef LITECAST_TESTS_UNIT_MODEL_BUILDER_HPP
#define LITECAST_TESTS_UNIT_MODEL_BUILDER_HPP

#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/tflite_model.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace litecast::passes {

struct Builder {
  Model m;
  std::map<std::string, int32_t> t;
  int32_t act(const std::string& name, std::vector<int32_t> shape) {
    m.tensors.push_back({name, LC_FLOAT32, std::move(shape), 0, {}, false});
    return t[name] = static_cast<int32_t>(m.tensors.size() - 1);
  }
  template <class T>
  int32_t constant(const std::string& name, int32_t type, std::vector<int32_t> shape, const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    std::memcpy(b.data(), v.data(), b.size());
    m.buffers.push_back(b);
    m.tensors.push_back({name, type, std::move(shape), static_cast<uint32_t>(m.buffers.size() - 1), {}, false});
    return t[name] = static_cast<int32_t>(m.tensors.size() - 1);
  }
  int32_t perm(const std::vector<int32_t>& p) {
    return constant("perm" + std::to_string(m.tensors.size()), LC_INT32, {static_cast<int32_t>(p.size())}, p);
  }
  Operator& op(int32_t code, std::vector<int32_t> in, std::vector<int32_t> out, std::vector<Option> opts = {}) {
    m.operators.push_back({code, "", 1, std::move(in), std::move(out), std::move(opts), {}});
    return m.operators.back();
  }
  void transpose(const std::string& in, const std::string& out, std::vector<int32_t> out_shape,
                 const std::vector<int32_t>& p) {
    op(LC_OP_TRANSPOSE, {t.at(in), perm(p)}, {act(out, std::move(out_shape))});
  }
};

inline const Tensor& tensor_of(const Model& m, int32_t t) {
  return m.tensors[static_cast<size_t>(t)];
}

// A constant's data as T values.
template <class T>
std::vector<T> data_of(const Model& m, int32_t t) {
  const auto& b = m.buffers[tensor_of(m, t).buffer];
  std::vector<T> v(b.size() / sizeof(T));
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

}  // namespace litecast::passes

#endif
