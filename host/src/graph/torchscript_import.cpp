#include "graph/torchscript_import.hpp"

#include "graph/archive_check.hpp"
#include "graph/mapped_load.hpp"
#include "graph/torch_message.hpp"
#include "graph/torchvision_ops.hpp"
#include "graph/view_writes.hpp"

#include <litecast/error.hpp>

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/lower_tuples.h>
#include <torch/csrc/jit/passes/peephole.h>
#include <torch/csrc/jit/passes/remove_dropout.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace litecast::graph {

namespace {

void flatten_outputs(torch::jit::Graph& g, torch::jit::Value* v, std::vector<torch::jit::Value*>& out) {
  torch::jit::Node* n = v->node();
  if (n->kind() == c10::prim::TupleConstruct || n->kind() == c10::prim::ListConstruct) {
    for (torch::jit::Value* i : n->inputs()) flatten_outputs(g, i, out);
    return;
  }
  if (v->type()->kind() == c10::TypeKind::DictType)
    throw Error("dict outputs are not supported: trace with strict=False and return a tuple");
  // A None in the returned tuple (a scripted googlenet's aux outputs) has nothing to convert.
  if (v->type()->kind() == c10::TypeKind::NoneType) return;
  out.push_back(v);
}

}  // namespace

std::vector<torch::jit::Value*> flat_outputs(torch::jit::Graph& g) {
  std::vector<torch::jit::Value*> out;
  for (torch::jit::Value* v : g.outputs()) flatten_outputs(g, v, out);
  return out;
}

std::string describe_node(const torch::jit::Node* n) {
  std::string s = n->outputs().empty() ? "" : "%" + n->output(0)->debugName() + " = ";
  s += n->kind().toQualString();
  torch::jit::SourceRange range = n->sourceRange();
  if (auto original = range.findSourceRangeThatGenerated()) range = *original;
  if (auto flc = range.file_line_col()) s += fmt::format(" at {}:{}", std::get<0>(*flc), std::get<1>(*flc));
  return s;
}

// LibTorch gives a tensor whose record in the archive is shorter than its shape a storage that
// short, and reading it reads past the end: a damaged archive, said before anything reads it.
static void check_storages(const torch::jit::Module& m, const std::string& path) {
  auto check = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined() || t.numel() == 0 || !t.has_storage()) return;
    int64_t last = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) last += (t.size(d) - 1) * t.stride(d);
    const uint64_t needed = static_cast<uint64_t>(last + 1) * static_cast<uint64_t>(t.element_size());
    if (t.storage().nbytes() < needed)
      throw Error(fmt::format("{}: damaged TorchScript archive: the data of '{}' holds {} bytes, its shape needs {}",
                              path, name, t.storage().nbytes(), needed));
  };
  for (const auto& p : m.named_parameters(true)) check(p.name, p.value);
  for (const auto& b : m.named_buffers(true)) check(b.name, b.value);
}

torch::jit::Module load_module(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(fmt::format("{}: {}", path, std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  {
    // TorchScript archives are zip files; anything else gets a plain answer, not LibTorch's.
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    if (in.gcount() < 4 || magic[0] != 'P' || magic[1] != 'K')
      throw Error(fmt::format("{}: not a TorchScript file (expected a zip archive from torch.jit.save)", path));
  }
  // Quantized models are repacked at load for the active quantized engine. Ours come from
  // qnnpack (the mobile engine), which packs every layer they hold; onednn, the default here,
  // refuses some (transposed convolutions with output_padding).
  const auto& engines = at::globalContext().supportedQEngines();
  if (std::find(engines.begin(), engines.end(), at::QEngine::QNNPACK) != engines.end())
    at::globalContext().setQEngine(at::QEngine::QNNPACK);
  check_archive_records(path);
  auto load = [&] {
    torch::jit::Module m = load_mapped(path);
    m.eval();
    check_storages(m, path);
    return m;
  };
  try {
    return load();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    const std::string message = torch_message(e);
    // A model calling torchvision's operators: load them from the installed torchvision, retry.
    if (message.find("torchvision::") == std::string::npos)
      throw Error(fmt::format("{}: cannot load as TorchScript: {}", path, message));
    if (std::string why = load_torchvision_ops(); !why.empty())
      throw Error(fmt::format("{}: the model uses torchvision's operators, and {}", path, why));
  }
  try {
    return load();  // again, with torchvision's operators registered
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot load as TorchScript: {}", path, torch_message(e)));
  }
}

void simplify(std::shared_ptr<torch::jit::Graph>& graph) {
  torch::jit::RemoveListMutation(graph);
  torch::jit::RemoveTensorMutation(graph);
  // Each round of writes made functional can leave plain in-place ops on their results.
  while (functionalize_view_writes(*graph) > 0) torch::jit::RemoveTensorMutation(graph);
  torch::jit::LowerSimpleTuples(graph);
  torch::jit::ConstantPropagation(graph);
  torch::jit::PeepholeOptimize(graph, /*disable_shape_peepholes=*/true);
  torch::jit::EliminateDeadCode(graph);
}

namespace {

// Freezes, inlines and simplifies `loaded`, which it may modify.
ImportedGraph import_loaded(torch::jit::Module loaded, const std::string& path) {
  ImportedGraph out;
  try {
    if (!loaded.find_method("forward")) throw Error(fmt::format("{}: the module has no forward method", path));
    rewrite_fused_fake_quant(loaded);
    std::vector<FakeQuantWeight> fake_quant = find_fake_quant_weights(loaded);
    // The loaded module is ours alone: frozen in place, its weights are never held twice
    // (torch::jit::freeze clones them first), then LibTorch's frozen-graph optimisations.
    torch::jit::freeze_module_inplace(&loaded);
    std::shared_ptr<torch::jit::Graph> frozen = loaded.get_method("forward").graph();
    torch::jit::OptimizeFrozenGraph(frozen, /*optimize_numerics=*/true);
    out.module = loaded;
    // The method's own graph, not a copy: a copy would hold every weight a second time, and
    // the translation releases weights from this graph as it consumes them. The module's
    // forward is never run afterwards.
    out.graph = frozen;
    torch::jit::Inline(*out.graph);
    torch::jit::removeDropout(out.graph);
    simplify(out.graph);
    out.fake_quant = match_fake_quant_weights(*out.graph, fake_quant);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot freeze or simplify: {}", path, torch_message(e)));
  }
  auto inputs = out.graph->inputs();
  for (size_t i = 1; i < inputs.size(); ++i) out.inputs.push_back(inputs[i]);  // 0 is self
  out.outputs = flat_outputs(*out.graph);
  return out;
}

}  // namespace

ImportedGraph import_torchscript(const std::string& path) {
  return import_loaded(load_module(path), path);
}

ImportedGraph import_module(const torch::jit::Module& module, const std::string& name) {
  torch::jit::Module copy;
  try {
    copy = module.clone();
    copy.eval();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: cannot copy the module: {}", name, torch_message(e)));
  }
  return import_loaded(std::move(copy), name);
}

}  // namespace litecast::graph
