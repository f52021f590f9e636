// Writes sample.tflite with the writer alone: y = (conv3x3(x, w, b) + c) * 0.5, fused RELU6
// in the conv, NHWC, constant weights with a known pattern that tests/e2e/test_writer.py
// recomputes in numpy.
#include <litecast/plugin.h>
#include <litecast/tflite_ops.h>
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include <cstring>
#include <iostream>

namespace {

std::vector<uint8_t> floats(size_t n, float (*f)(size_t)) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = f(i);
  std::vector<uint8_t> b(n * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_sample_model OUT.tflite\n";
    return 2;
  }
  using namespace litecast;
  Model m;
  // w[o][kh][kw][i] = ((o*9 + kh*3 + kw)*2 + i) % 7 / 7 - 0.4 ; b[o] = 0.1*o ; c[o] = -0.2*o
  m.buffers.push_back(floats(4 * 3 * 3 * 2, [](size_t i) { return static_cast<float>(i % 7) / 7.0f - 0.4f; }));
  m.buffers.push_back(floats(4, [](size_t i) { return 0.1f * static_cast<float>(i); }));
  m.buffers.push_back(floats(4, [](size_t i) { return -0.2f * static_cast<float>(i); }));
  m.buffers.push_back(floats(1, [](size_t) { return 0.5f; }));
  m.tensors = {{"x", LC_FLOAT32, {1, 5, 5, 2}, 0, {}, false}, {"w", LC_FLOAT32, {4, 3, 3, 2}, 1, {}, false},
               {"b", LC_FLOAT32, {4}, 2, {}, false},          {"conv", LC_FLOAT32, {1, 5, 5, 4}, 0, {}, false},
               {"c", LC_FLOAT32, {4}, 3, {}, false},          {"sum", LC_FLOAT32, {1, 5, 5, 4}, 0, {}, false},
               {"half", LC_FLOAT32, {1}, 4, {}, false},       {"y", LC_FLOAT32, {1, 5, 5, 4}, 0, {}, false}};
  Operator conv{LC_OP_CONV_2D, "", 1, {0, 1, 2}, {3}, {}, {}};
  conv.options = {{"padding", EnumName{"SAME"}},
                  {"stride_w", int64_t{1}},
                  {"stride_h", int64_t{1}},
                  {"fused_activation_function", EnumName{"RELU6"}}};
  Operator add{LC_OP_ADD, "", 1, {3, 4}, {5}, {}, {}};
  Operator mul{LC_OP_MUL, "", 1, {5, 6}, {7}, {}, {}};
  m.operators = {conv, add, mul};
  m.inputs = {0};
  m.outputs = {7};
  try {
    write_tflite_file(m, argv[1]);
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
