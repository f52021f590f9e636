// The benchmark's floor: a process that does only what any LibTorch-based converter must,
// load a TorchScript file and freeze it. `litecast convert` is measured against it.
// With --load-only it stops after loading: the least any converter can do (read the weights).
#include <torch/script.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  bool load_only = argc == 3 && std::string(argv[1]) == "--load-only";
  if (argc != 2 && !load_only) {
    std::cerr << "usage: litecast_bench_floor [--load-only] model.pt\n";
    return 2;
  }
  const char* path = argv[argc - 1];
  try {
    // Quantized models' packed weights are made for the engine active at load, as in litecast.
    for (at::QEngine e : at::globalContext().supportedQEngines())
      if (e == at::QEngine::QNNPACK) at::globalContext().setQEngine(e);
    torch::jit::Module m = torch::jit::load(path);
    m.eval();
    if (load_only) return 0;
    torch::jit::Module frozen = torch::jit::freeze(m);
    return frozen.get_method("forward").graph()->nodes().begin() == frozen.get_method("forward").graph()->nodes().end();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
