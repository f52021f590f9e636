// resolve_control_flow on small TorchScript IR graphs: the resolved graph has no blocks and
// computes what the original computes on an input of the example's shape.
#include <litecast/error.hpp>

#include "graph/control_flow.hpp"

#include <torch/csrc/jit/ir/irparser.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <gtest/gtest.h>

#include <string>

namespace {

using litecast::graph::ImportedGraph;

ImportedGraph parse(const std::string& ir) {
  ImportedGraph g;
  g.module = torch::jit::Module("ControlFlowTest");
  g.graph = std::make_shared<torch::jit::Graph>();
  torch::jit::parseIR(ir, g.graph.get());
  auto inputs = g.graph->inputs();
  for (size_t i = 1; i < inputs.size(); ++i) g.inputs.push_back(inputs[i]);
  g.outputs = litecast::graph::flat_outputs(*g.graph);
  return g;
}

at::Tensor run(const std::shared_ptr<torch::jit::Graph>& graph, const at::Tensor& x) {
  torch::jit::GraphExecutor exec(graph->copy(), "test");
  torch::jit::Stack stack{at::Tensor(), x};
  exec.run(stack);
  return stack.at(0).toTensor();
}

bool flat(const torch::jit::Graph& g) {
  for (const torch::jit::Node* n : g.nodes())
    if (!n->blocks().empty()) return false;
  return true;
}

size_t count(const torch::jit::Graph& g, const char* kind) {
  size_t k = 0;
  for (const torch::jit::Node* n : g.nodes()) k += n->kind() == c10::Symbol::fromQualString(kind);
  return k;
}

// for i in range(x.shape[1]): if i == 3: break; y = y + x[:, i:i+1]
const char* kShapeLoopWithBreak = R"IR(
graph(%self : Tensor, %x : Tensor):
  %three : int = prim::Constant[value=3]()
  %max : int = prim::Constant[value=9223372036854775807]()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %false : bool = prim::Constant[value=0]()
  %none : NoneType = prim::Constant()
  %true : bool = prim::Constant[value=1]()
  %sizes : int[] = aten::size(%x)
  %n : int = aten::__getitem__(%sizes, %one)
  %go : bool = aten::gt(%n, %zero)
  %y : Tensor, %last : int = prim::Loop(%max, %go, %x, %zero)
    block0(%it : int, %acc : Tensor, %i : int):
      %stop : bool = aten::eq(%i, %three)
      %more : bool, %next : Tensor = prim::If(%stop)
        block0():
          -> (%false, %acc)
        block1():
          %a : Tensor = aten::slice(%x, %zero, %none, %none, %one)
          %i1 : int = aten::add(%i, %one)
          %b : Tensor = aten::slice(%a, %one, %i, %i1, %one)
          %c : Tensor = aten::add(%acc, %b, %one)
          -> (%true, %c)
      %i2 : int = aten::add(%i, %one)
      %below : bool = aten::lt(%i2, %n)
      %cont : bool = aten::__and__(%below, %more)
      -> (%cont, %next, %i2)
  return (%y)
)IR";

TEST(ControlFlow, LoopStopsWhereItsConditionTurnsFalse) {
  for (int64_t width : {2, 6}) {  // runs out of range at 2, breaks at 3 with 6
    ImportedGraph g = parse(kShapeLoopWithBreak);
    const auto original = g.graph->copy();
    ASSERT_TRUE(litecast::graph::resolve_control_flow(g, {{{2, width}, at::kFloat}}));
    EXPECT_TRUE(flat(*g.graph));
    EXPECT_EQ(count(*g.graph, "aten::add"), static_cast<size_t>(std::min<int64_t>(width, 3)));
    const at::Tensor x = torch::randn({2, width});
    EXPECT_TRUE(torch::allclose(run(g.graph, x), run(original, x)));
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.outputs[0], g.graph->outputs()[0]);
  }
}

// A while loop on a carried int: while x.dim() + i < 6: x = x * 2; i += 1
const char* kCarriedWhile = R"IR(
graph(%self : Tensor, %x : Tensor):
  %max : int = prim::Constant[value=9223372036854775807]()
  %zero : int = prim::Constant[value=0]()
  %one : int = prim::Constant[value=1]()
  %two : int = prim::Constant[value=2]()
  %six : int = prim::Constant[value=6]()
  %d : int = aten::dim(%x)
  %go : bool = aten::lt(%d, %six)
  %y : Tensor, %k : int = prim::Loop(%max, %go, %x, %zero)
    block0(%it : int, %acc : Tensor, %i : int):
      %m : Tensor = aten::mul(%acc, %two)
      %i1 : int = aten::add(%i, %one)
      %s : int = aten::add(%d, %i1)
      %c : bool = aten::lt(%s, %six)
      -> (%c, %m, %i1)
  return (%y)
)IR";

TEST(ControlFlow, WhileLoopOnCarriedValuesUnrolls) {
  ImportedGraph g = parse(kCarriedWhile);
  const auto original = g.graph->copy();
  ASSERT_TRUE(litecast::graph::resolve_control_flow(g, {{{3, 4}, at::kFloat}}));
  EXPECT_TRUE(flat(*g.graph));
  EXPECT_EQ(count(*g.graph, "aten::mul"), 4u);  // dim 2: i = 0..3
  const at::Tensor x = torch::randn({3, 4});
  EXPECT_TRUE(torch::allclose(run(g.graph, x), run(original, x)));
}

const char* kValueIf = R"IR(
graph(%self : Tensor, %x : Tensor):
  %none : NoneType = prim::Constant()
  %zero : int = prim::Constant[value=0]()
  %s : Tensor = aten::sum(%x, %none)
  %p : Tensor = aten::gt(%s, %zero)
  %b : bool = aten::Bool(%p)
  %y : Tensor = prim::If(%b)
    block0():
      -> (%x)
    block1():
      %n : Tensor = aten::neg(%x)
      -> (%n)
  return (%y)
)IR";

TEST(ControlFlow, ConditionOnTensorValuesIsOneClearError) {
  ImportedGraph g = parse(kValueIf);
  try {
    litecast::graph::resolve_control_flow(g, {{{2, 3}, at::kFloat}});
    FAIL() << "no error";
  } catch (const litecast::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(" = prim::If"), std::string::npos) << what;
    EXPECT_NE(what.find("depends on tensor values"), std::string::npos) << what;
    EXPECT_NE(what.find("aten::Bool"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

const char* kRaise = R"IR(
graph(%self : Tensor, %x : Tensor):
  %two : int = prim::Constant[value=2]()
  %msg : str = prim::Constant[value="expected 2D input (got {}D input)"]()
  %cls : str = prim::Constant[value="builtins.ValueError"]()
  %d : int = aten::dim(%x)
  %bad : bool = aten::ne(%d, %two)
  prim::If(%bad)
    block0():
      %text : str = aten::format(%msg, %d)
      prim::RaiseException(%text, %cls)
      -> ()
    block1():
      -> ()
  %y : Tensor = aten::relu(%x)
  return (%y)
)IR";

TEST(ControlFlow, RaiseGoesWithItsBranchOrIsReported) {
  ImportedGraph ok = parse(kRaise);
  ASSERT_TRUE(litecast::graph::resolve_control_flow(ok, {{{2, 3}, at::kFloat}}));
  EXPECT_TRUE(flat(*ok.graph));
  EXPECT_EQ(count(*ok.graph, "prim::RaiseException"), 0u);
  EXPECT_EQ(count(*ok.graph, "aten::format"), 0u);
  ImportedGraph bad = parse(kRaise);
  try {
    litecast::graph::resolve_control_flow(bad, {{{2, 3, 4}, at::kFloat}});
    FAIL() << "no error";
  } catch (const litecast::Error& e) {
    EXPECT_NE(std::string(e.what()).find("prim::RaiseException"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ValueError: expected 2D input (got 3D input)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
