"""One torchvision zoo model (tests/e2e/models/zoo.py): converted, run in LiteRT, compared
with PyTorch; for the CNNs the design promises to keep NHWC end to end, no TRANSPOSE may be
left inside the graph. Prints the operator count and histogram for the closing note.

NAME_scripted (torch.jit.script of NAME) is also compared with NAME, its traced twin, when
that fixture is there.

Usage: test_zoo.py CLI FIXTURES NAME
"""
import json
import os
import subprocess
import sys
import tempfile

import torch

import oracle
import runner

CLI, FIXTURES, NAME = sys.argv[1:4]
TWIN = NAME.removesuffix("_scripted")
NO_TRANSPOSE = {"mobilenet_v2", "resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large", "squeezenet1_1",
                "mnasnet1_0", "efficientnet_b0", "densenet121", "googlenet", "regnet_x_400mf"}


def test_converts_and_matches():
    spec = oracle.load_spec(FIXTURES, NAME)
    pt = os.path.join(FIXTURES, NAME + ".pt")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, NAME + ".tflite")
        r = oracle.convert(CLI, pt, out, spec, ["--json"])
        stats = json.loads(r.stdout)
        hist = stats["operator_histogram"]
        print(f"{NAME}: {stats['operators']} operators: " + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))
        inputs = oracle.make_inputs(spec)
        with torch.no_grad():
            want = oracle.flatten(torch.jit.load(pt)(*inputs))
        got = oracle.run_litert(out, inputs)
        print(oracle.compare(NAME, got, want, spec.get("rel_tol", 1e-4)))
        twin = os.path.join(FIXTURES, TWIN + ".pt")
        if TWIN != NAME and os.path.exists(twin):
            with torch.no_grad():
                traced = oracle.flatten(torch.jit.load(twin)(*inputs))
            print(oracle.compare(f"{NAME} against {TWIN} (traced)", got, traced, spec.get("rel_tol", 1e-4)))
        if TWIN in NO_TRANSPOSE:
            assert hist.get("TRANSPOSE", 0) == 0, f"{hist.get('TRANSPOSE')} TRANSPOSE left inside {NAME}"


if __name__ == "__main__":
    sys.exit(runner.run("zoo-" + NAME, [test_converts_and_matches]))
