// Example inputs in a file written by Python's torch.save: a tensor or a tuple/list of tensors,
// one per model input. They give the shapes, dtypes (quantized ones with scale and zero point)
// and the values of the recording run. Read and written with LibTorch alone (no Python).
#ifndef LITECAST_HOST_GRAPH_EXAMPLE_FILE_HPP
#define LITECAST_HOST_GRAPH_EXAMPLE_FILE_HPP

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace litecast::graph {

// The tensors of `path`, contiguous CPU tensors without autograd. Throws litecast::Error with
// one line naming the file: missing, not a torch.save file, truncated, an item that is not a
// tensor, a tensor quantized per channel or of a type TFLite has no equivalent for.
std::vector<at::Tensor> load_example_file(const std::string& path);

// Example tensors handed over in memory (the Python package's dummy_input), checked as a
// file's are; `origin` names them in errors.
std::vector<at::Tensor> check_example_tensors(const std::vector<at::Tensor>& values, const std::string& origin);

// Writes `values` as a tuple that torch.load reads (and load_example_file): through a
// temporary file renamed into place, so a failure leaves nothing behind.
void save_example_file(const std::vector<at::Tensor>& values, const std::string& path);

}  // namespace litecast::graph

#endif
