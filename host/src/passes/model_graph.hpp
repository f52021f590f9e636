// Graph views over a TFLite Model for the passes: who produces and who consumes each tensor,
// constant data access, and the edits passes share (rewire uses, add constants, drop ops,
// compact unused tensors and buffers). Operators stay in a valid execution order.
#ifndef LITECAST_HOST_PASSES_MODEL_GRAPH_HPP
#define LITECAST_HOST_PASSES_MODEL_GRAPH_HPP

#include <litecast/tflite_model.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace litecast::passes {

class ModelGraph {
 public:
  explicit ModelGraph(Model& m) : m_(m) { rebuild(); }

  // Recomputes producers and consumers; call after changing operators' tensor lists.
  void rebuild();

  Model& model() { return m_; }
  Operator& op(size_t i) { return m_.operators[i]; }
  Tensor& tensor(int32_t t) { return m_.tensors[static_cast<size_t>(t)]; }

  // Index of the op producing t, or -1 (model input, constant).
  int32_t producer(int32_t t) const { return producer_[static_cast<size_t>(t)]; }
  const std::vector<int32_t>& consumers(int32_t t) const { return consumers_[static_cast<size_t>(t)]; }
  bool is_constant(int32_t t) const;
  bool is_model_output(int32_t t) const;
  bool is_model_input(int32_t t) const;

  // Constant data (float32 / int32) of t; empty when t is not such a constant.
  std::vector<float> floats(int32_t t) const;
  std::vector<int32_t> ints(int32_t t) const;

  int32_t add_tensor(const std::string& name, int32_t type, const std::vector<int32_t>& shape);
  // `bytes` become the new tensor's buffer as they are.
  int32_t add_constant(const std::string& name, int32_t type, const std::vector<int32_t>& shape,
                       std::vector<uint8_t>&& bytes) {
    m_.buffers.push_back(std::move(bytes));
    int32_t t = add_tensor(name, type, shape);
    m_.tensors.back().buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
    return t;
  }
  template <class T>
  int32_t add_constant(const std::string& name, int32_t type, const std::vector<int32_t>& shape,
                       const std::vector<T>& data) {
    std::vector<uint8_t> bytes(data.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), data.data(), bytes.size());
    m_.buffers.push_back(std::move(bytes));
    int32_t t = add_tensor(name, type, shape);
    m_.tensors.back().buffer = static_cast<uint32_t>(m_.buffers.size() - 1);
    return t;
  }

  // Every use of `from` (operator inputs, model outputs) now reads `to`.
  void replace_uses(int32_t from, int32_t to);
  // Inserts `op` before operator `at`; returns its index. Invalidates maps until rebuild().
  size_t insert_op(size_t at, Operator op);
  // Removes operator i, whose output 0 becomes its input 0 for every consumer (an identity
  // op). False, and nothing changed, where a model output would become an input or constant.
  bool bypass(size_t i);
  // Marks operator i for removal at compact().
  void remove_op(size_t i) { removed_.at(i) = true; }
  bool removed(size_t i) const { return removed_.at(i); }
  // Drops removed operators, then tensors and buffers nothing refers to; rebuilds.
  void compact();
  // Frees the data of constant t at once, when no operator or model output reads t any more
  // and no other tensor shares its buffer; true if freed. Weight passes call it after moving
  // a weight's readers to its converted form, so old and new never all coexist; compact()
  // then drops the emptied tensor.
  bool release_if_unread(int32_t t);

 private:
  Model& m_;
  std::vector<int32_t> producer_;
  std::vector<std::vector<int32_t>> consumers_;
  std::vector<bool> removed_;
};

}  // namespace litecast::passes

#endif
