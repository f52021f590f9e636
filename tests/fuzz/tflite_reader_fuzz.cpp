// libFuzzer target: litecast::read_tflite on arbitrary bytes. The reader may refuse with
// litecast::Error; anything else (another exception, a crash, a sanitizer report) is a bug.
// After a successful read every index the reader returns must be usable as inspect uses it.
#include <litecast/error.hpp>
#include <litecast/tflite_model.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  try {
    const litecast::Model m = litecast::read_tflite(bytes, "fuzz.tflite");
    uint64_t sum = 0;
    for (const litecast::Tensor& t : m.tensors) {
      sum += m.buffers.at(t.buffer).size();
      uint64_t n = litecast::element_size(t.type);
      for (int32_t d : t.shape) n *= static_cast<uint64_t>(d);
      sum += n;
      if (t.quant.scales.size() == 1) sum += static_cast<uint64_t>(t.quant.zero_points.at(0));
    }
    for (int32_t i : m.inputs) sum += m.tensors.at(static_cast<size_t>(i)).shape.size();
    for (int32_t i : m.outputs) sum += m.tensors.at(static_cast<size_t>(i)).shape.size();
    for (const litecast::Operator& op : m.operators) {
      for (int32_t i : op.inputs)
        if (i >= 0) sum += m.tensors.at(static_cast<size_t>(i)).is_variable;
      for (int32_t i : op.outputs) sum += m.tensors.at(static_cast<size_t>(i)).shape.size();
      sum += litecast::builtin_name(op.builtin_code).size();
    }
    volatile uint64_t keep = sum;
    (void)keep;
  } catch (const litecast::Error&) {
  }
  return 0;
}
