"""The e2e fixtures (tests/e2e/models/<family>.py) converted through the Python API instead of
the command line: each model is handed to litecast.TFLiteConverter as the nn.Module it is (or,
for the fixtures that are scripted or traced with autograd on, as the ScriptModule the fixture
makes), with its convert_args as TinyNeuralNetwork keyword options, then run in LiteRT and
compared with PyTorch exactly as tests/e2e/check_conversion.py compares the CLI's files.

Usage: check_api_conversion.py --family F [--family G ...] [NAME ...]
Prints one line per fixture and "api conversion: N passed, M failed".
"""
import argparse
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import litecast  # noqa: E402
import make_fixtures  # noqa: E402
import oracle  # noqa: E402

# CLI spellings that are not TinyNeuralNetwork's name with dashes.
ALIASES = {"dynamic_range": "hybrid_quantization_from_float", "float16": "float16_quantization"}
LISTS = {"input_transpose", "output_transpose", "disable_pass", "dynamic_exclude"}


def options_from_args(args):
    """['--unroll-rnn', '--quantize-target-type', 'uint8', '--no-nchw-transpose'] -> kwargs."""
    out = {}
    i = 0
    while i < len(args):
        name = args[i][2:].replace("-", "_")
        value = True
        if name.startswith("no_"):
            name, value = name[3:], False
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 1
        name = ALIASES.get(name, name)
        if name in LISTS:
            if name in ("input_transpose", "output_transpose"):
                value = [v in ("1", "true") for v in value.split(",")]
            else:
                value = value.split(",")
            name = "disabled_passes" if name == "disable_pass" else name
        out[name] = value
        i += 1
    return out


def check(name, fam_entry, extra_options):
    factory, shapes = fam_entry[0], fam_entry[1]
    fx_options = fam_entry[2] if len(fam_entry) > 2 else {}
    torch.manual_seed(0)
    model = factory().eval()
    specs = [make_fixtures.input_spec(s) for s in shapes]
    g = torch.Generator().manual_seed(0)
    dummy = tuple(make_fixtures.example(s, g) for s in specs)
    # What the user hands over: the module itself, unless the fixture needs another trace.
    given = model
    if fx_options.get("script"):
        given = torch.jit.script(model)
    elif fx_options.get("grad") or fx_options.get("strict") is False:
        with torch.set_grad_enabled(bool(fx_options.get("grad"))):
            given = torch.jit.trace(model, dummy, strict=fx_options.get("strict", True),
                                    check_trace=not fx_options.get("grad"))
    options = options_from_args(fx_options.get("convert_args", []))
    options.update(extra_options)
    spec = {"inputs": specs}
    inputs = oracle.make_inputs(spec)
    nchw = options.get("nchw_transpose", True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, name + ".tflite")
        litecast.TFLiteConverter(given, dummy[0] if len(dummy) == 1 else dummy, out, **options).convert()
        got = oracle.run_litert(out, inputs, nchw_transpose=nchw)
        if fx_options.get("quantized"):
            want = oracle.quantized_reference(model, inputs)
            report = oracle.compare_steps(name, got, want, oracle.output_steps(out))[0]
            if fx_options.get("int8_weights") and oracle.float_weights(out):
                raise oracle.Failure(f"{name}: float weights left in {oracle.float_weights(out)}")
            return report
        with torch.no_grad():
            want = oracle.flatten(model(*[i.clone() for i in inputs]))
    return oracle.compare(name, got, want, fx_options.get("rel_tol", 1e-4))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--family", action="append", default=[])
    p.add_argument("--no-nchw-transpose", action="store_true")
    p.add_argument("names", nargs="*")
    a = p.parse_args()
    families = make_fixtures.load_families()
    every = {n: e for fam, (_, fx) in families.items() for n, e in fx.items()}
    names = list(a.names)
    for fam in a.family:
        if fam not in families:
            p.error(f"no fixture family {fam}")
        names += sorted(families[fam][1])
    if not names:
        p.error("no fixtures named")
    extra = {"nchw_transpose": False} if a.no_nchw_transpose else {}
    passed = failed = 0
    for name in names:
        try:
            print(check(name, every[name], extra), flush=True)
            passed += 1
        except Exception as e:  # a failure of this fixture only
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            failed += 1
    print(f"api conversion: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
