"""Trace coverage: every op kind that the current torch traces of the torchvision zoo
(tests/e2e/models/zoo.py) and of nn.Transformer* / nn.MultiheadAttention / nn.RMSNorm,
traced both under torch.no_grad() and with autograd on (eval mode either way), must have a
translator in `litecast ops --json`. Nothing is converted: the models are traced, frozen and
simplified the way the host does it, and the op kinds left are compared with the supported list,
so a new torch that emits a new op kind fails here by name. KNOWN_GAPS lists the kinds known not
to be translatable yet, with the reason; they are reported, not failed.

Usage: test_trace_coverage.py CLI MODELS_DIR [--list]
(--list prints the op kinds found, with the models that use them, and exits 0)
"""
import collections
import importlib.util
import json
import os
import subprocess
import sys
import warnings

import torch
import torch.nn as nn

import runner

CLI, MODELS = sys.argv[1], sys.argv[2]
LIST = "--list" in sys.argv[3:]

# Nodes the host handles itself (lists and tuples are bookkeeping; shape queries and anything
# computed only from constants and shape queries fold to constants before translation).
STRUCTURAL = {"prim::Constant", "prim::ListConstruct", "prim::TupleConstruct", "prim::ListUnpack",
              "prim::TupleUnpack", "prim::TupleIndex"}
SHAPE_QUERIES = {"aten::size", "aten::dim", "aten::numel", "prim::dtype", "prim::device", "prim::layout",
                 "aten::len", "aten::__is__", "aten::__isnot__"}


# Factories whose result depends on their first input's shape and dtype only: with the other
# inputs fixed the host records them as constants (value_records.cpp), in-place writes included.
SHAPE_ONLY_FACTORIES = {"aten::new_zeros", "aten::new_ones", "aten::new_full", "aten::zeros_like", "aten::ones_like",
                        "aten::full_like"}

# Op kind -> why it is not translated yet.
KNOWN_GAPS = {}


def load_zoo():
    spec = importlib.util.spec_from_file_location("zoo_fixtures", os.path.join(MODELS, "zoo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.FIXTURES


class Mha(nn.Module):
    def __init__(self, batch_first):
        super().__init__()
        self.mha = nn.MultiheadAttention(32, 4, batch_first=batch_first)

    def forward(self, x):
        return self.mha(x, x, x)


class MhaMasked(nn.Module):
    """Causal attn_mask and a key padding mask: the slow path, whatever the grad mode."""

    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(32, 4, batch_first=True)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(6))

    def forward(self, x):
        return self.mha(x, x, x, attn_mask=self.causal, need_weights=False)[0]


def encoder(norm_first=False, activation="relu", batch_first=True):
    def make():
        layer = nn.TransformerEncoderLayer(32, 4, 64, activation=activation, batch_first=batch_first,
                                           norm_first=norm_first)
        return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    return make


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = nn.Transformer(32, 4, 2, 2, 64, batch_first=True)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(5))

    def forward(self, src, tgt):
        return self.t(src, tgt, tgt_mask=self.causal)


SEQ = [(2, 6, 32)]
TRANSFORMERS = {
    "mha_batch_first": (lambda: Mha(True), SEQ),
    "mha_sequence_first": (lambda: Mha(False), SEQ),
    "mha_causal_mask": (MhaMasked, SEQ),
    "encoder_layer": (lambda: nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), SEQ),
    "encoder_post_norm": (encoder(), SEQ),
    "encoder_pre_norm_gelu": (encoder(norm_first=True, activation="gelu"), SEQ),
    "encoder_sequence_first": (encoder(batch_first=False), SEQ),
    "transformer": (Transformer, [(2, 6, 32), (2, 5, 32)]),
    "rms_norm": (lambda: nn.Sequential(nn.Linear(32, 32), nn.RMSNorm(32)), SEQ),
}



def simplified_graph(traced):
    """The graph the host translates: frozen, inlined, dropout and mutation removed, simplified
    (host/src/graph/torchscript_import.cpp)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frozen = torch.jit.freeze(traced.eval())
    g = frozen.graph
    torch._C._jit_pass_inline(g)
    torch._C._jit_pass_remove_dropout(frozen._c)
    torch._C._jit_pass_remove_mutation(g)
    torch._C._jit_pass_lower_all_tuples(g)
    torch._C._jit_pass_constant_propagation(g)
    torch._C._jit_pass_peephole(g, True)
    torch._C._jit_pass_dce(g)
    return g


def translated_kinds(graph):
    """Op kinds of the nodes the host hands to translators (not the folded ones)."""
    static = set()  # values fixed before translation: constants, shapes, what follows from them
    kinds = collections.Counter()

    def visit(block):
        for node in block.nodes():
            kind = node.kind()
            inputs = list(node.inputs())
            outputs = list(node.outputs())
            fixed = inputs[1:] if kind in SHAPE_ONLY_FACTORIES else inputs
            if kind == "prim::Constant" or kind in SHAPE_QUERIES or (inputs and all(i in static for i in fixed)):
                static.update(outputs)
                continue
            for sub in node.blocks():
                visit(sub)
            if kind not in STRUCTURAL:
                kinds[kind] += 1

    visit(graph)
    return kinds


def trace(factory, shapes, grad):
    torch.manual_seed(0)
    model = factory().eval()
    g = torch.Generator().manual_seed(0)
    inputs = tuple(torch.randn(*s, generator=g) for s in shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.set_grad_enabled(grad):
            return torch.jit.trace(model, inputs, check_trace=False)


def supported_kinds():
    r = subprocess.run([CLI, "ops", "--json"], capture_output=True, text=True, check=True)
    ops = json.loads(r.stdout)
    if isinstance(ops, dict):
        ops = ops.get("ops", ops.get("translators", []))
    return {o["op"].split(".")[0] for o in ops}


def found_kinds():
    """{op kind: [model/mode, ...]}: the zoo as its fixtures are traced (vit_b_16 both ways),
    the transformer modules both ways."""
    runs = [(name, e[0], e[1], len(e) > 2 and e[2].get("grad", False)) for name, e in load_zoo().items()]
    runs += [(name, f, shapes, grad) for name, (f, shapes) in TRANSFORMERS.items() for grad in (False, True)]
    where = collections.defaultdict(list)
    for name, factory, shapes, grad in runs:
        graph = simplified_graph(trace(factory, shapes, grad))
        for kind in translated_kinds(graph):
            where[kind].append(f"{name}{'/grad' if grad and not name.endswith('_grad') else ''}")
    return where


def test_every_traced_op_kind_is_translated():
    where = found_kinds()
    supported = supported_kinds()
    missing = sorted(k for k in where if k not in supported and k not in KNOWN_GAPS)
    known = sorted(k for k in where if k not in supported and k in KNOWN_GAPS)
    print(f"{len(where)} op kinds traced, {len(where) - len(missing) - len(known)} translated")
    for k in known:
        print(f"known gap: {k} ({', '.join(where[k][:3])}): {KNOWN_GAPS[k]}")
    for k in sorted(k for k in KNOWN_GAPS if k in supported):
        print(f"note: {k} is translated now; drop it from KNOWN_GAPS")
    assert not missing, "not translated: " + "; ".join(f"{k} ({', '.join(where[k][:3])})" for k in missing)


if __name__ == "__main__":
    if LIST:
        for kind, models in sorted(found_kinds().items()):
            print(f"{kind:45s} {len(models):3d}  {', '.join(models[:4])}")
        sys.exit(0)
    sys.exit(runner.run("trace-coverage", [test_every_traced_op_kind_is_translated]))
