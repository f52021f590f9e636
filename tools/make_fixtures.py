"""Makes the TorchScript fixtures the tests convert: models with random weights and fixed
seeds, traced with the torch in .venv (the same LibTorch version as the host).

Fixtures live in tests/e2e/models/<family>.py, each module with a dict
    FIXTURES = {name: (factory, [input, ...])}
where an input is a shape tuple (float32) or a dict {"shape": [...], "dtype": "int64",
"high": 10} (integers drawn from [0, high)), and optionally per fixture a third element,
a dict of options: {"rel_tol": 1e-3} (looser float tolerance, say why in the module),
{"convert_args": ["--unroll-rnn"]} (extra
`litecast convert` arguments for this fixture), {"strict": False} (trace with strict=False), {"grad": True} (trace with autograd on instead of
under torch.no_grad(): torch 2.x then traces nn.MultiheadAttention and the nn.Transformer layers
into aten::scaled_dot_product_attention rather than their fused fast-path ops; traced with
check_trace=False, as the check re-traces under no_grad), {"script": True} (torch.jit.script
instead of tracing: control flow stays in the file for litecast to resolve), {"convert_args":
["--missing-outputs-as-constants"]} (options the conversion is run with).

Usage: make_fixtures.py OUTDIR [--exclude-family F ...] [NAME ...]
Writes OUTDIR/NAME.pt, OUTDIR/NAME.json (inputs and options) and OUTDIR/index.json
({family: [names]}). Fixtures newer than their module and this script are kept.
"""
import importlib.util
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "tests", "e2e", "models")


def load_families():
    families = {}
    if MODELS not in sys.path:
        sys.path.insert(0, MODELS)  # fixture modules share helpers from models/_*.py
    for fname in sorted(os.listdir(MODELS)):
        if not fname.endswith(".py") or fname.startswith("_"):
            continue
        path = os.path.join(MODELS, fname)
        spec = importlib.util.spec_from_file_location("fixtures_" + fname[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        families[fname[:-3]] = (path, mod.FIXTURES)
    return families


def input_spec(i):
    if isinstance(i, dict):
        return {"shape": list(i["shape"]), "dtype": i.get("dtype", "float32"), "high": i.get("high", 2)}
    return {"shape": list(i), "dtype": "float32"}


def example(spec, g):
    dtype = getattr(torch, spec["dtype"])
    if dtype.is_floating_point:
        return torch.randn(*spec["shape"], generator=g, dtype=dtype)
    return torch.randint(0, spec.get("high", 2), tuple(spec["shape"]), generator=g).to(dtype)


def write_json(path, value):
    # Atomic: several fixture processes may run at once (ctest -j).
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


def make(out_dir, name, entry):
    factory, inputs = entry[0], entry[1]
    options = entry[2] if len(entry) > 2 else {}
    torch.manual_seed(0)
    model = factory().eval()
    specs = [input_spec(i) for i in inputs]
    g = torch.Generator().manual_seed(0)
    examples = tuple(example(s, g) for s in specs)
    grad = options.get("grad", False)
    # The trace check re-runs the model under no_grad, where those layers take the fast path
    # and the graphs differ: a model traced with autograd on is traced without the check.
    with torch.set_grad_enabled(grad):
        if options.get("script"):
            traced = torch.jit.script(model)
        else:
            traced = torch.jit.trace(model, examples, strict=options.get("strict", True), check_trace=not grad)
    pt = os.path.join(out_dir, name + ".pt")
    traced.save(f"{pt}.{os.getpid()}.tmp")
    os.replace(f"{pt}.{os.getpid()}.tmp", pt)
    write_json(os.path.join(out_dir, name + ".json"),
               {"inputs": specs, **{k: v for k, v in options.items() if k not in ("strict", "grad", "script")}})


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    out_dir = argv[1]
    args = argv[2:]
    excluded = set()
    while "--exclude-family" in args:
        k = args.index("--exclude-family")
        excluded.add(args[k + 1])
        del args[k:k + 2]
    os.makedirs(out_dir, exist_ok=True)
    families = load_families()
    every = {}
    for fam, (path, fx) in families.items():
        for n, e in fx.items():
            if n in every:  # one file per name: the second would silently replace the first
                print(f"fixture {n} is defined in both {every[n][0]} and {fam}", file=sys.stderr)
                return 2
            every[n] = (fam, path, e)
    names = args or sorted(n for n, (fam, _, _) in every.items() if fam not in excluded)
    unknown = [n for n in names if n not in every]
    if unknown:
        print("unknown fixtures: " + ", ".join(unknown), file=sys.stderr)
        return 2
    # The shared helpers (models/_*.py) make every family's models: a change to them remakes all.
    helpers_stamp = max([os.path.getmtime(os.path.join(MODELS, f)) for f in os.listdir(MODELS)
                         if f.startswith("_") and f.endswith(".py")] or [0])
    made = 0
    for name in names:
        fam, path, entry = every[name]
        pt = os.path.join(out_dir, name + ".pt")
        stamp = max(os.path.getmtime(__file__), os.path.getmtime(path), helpers_stamp)
        if os.path.exists(pt) and os.path.getmtime(pt) > stamp:
            continue
        try:
            make(out_dir, name, entry)
        except Exception as e:
            print(f"fixture {name} ({fam}): {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        made += 1
    write_json(os.path.join(out_dir, "index.json"), {fam: sorted(fx) for fam, (_, fx) in families.items()})
    print(f"fixtures: {made} made, {len(names) - made} up to date in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
