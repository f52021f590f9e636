// The benchmark's floor: a process that does only what any LibTorch-based converter must,
// load a TorchScript file and freeze it. `litecast convert` is measured against it.
#include <torch/script.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: litecast_bench_floor model.pt\n";
    return 2;
  }
  try {
    // Quantized models' packed weights are made for the engine active at load, as in litecast.
    for (at::QEngine e : at::globalContext().supportedQEngines())
      if (e == at::QEngine::QNNPACK) at::globalContext().setQEngine(e);
    torch::jit::Module m = torch::jit::load(argv[1]);
    m.eval();
    torch::jit::Module frozen = torch::jit::freeze(m);
    return frozen.get_method("forward").graph()->nodes().begin() == frozen.get_method("forward").graph()->nodes().end();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
