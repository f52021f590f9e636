"""One quantized torchvision model (tests/e2e/models/qzoo.py): converted to int8, run in LiteRT,
compared with PyTorch's quantized output in quantization steps. Prints the figures for the
closing note: % of elements within one step, max error in steps, file size, operators.

Usage: test_qzoo.py CLI FIXTURES NAME
"""
import json
import os
import sys
import tempfile

import oracle
import runner

CLI, FIXTURES, NAME = sys.argv[1:4]


def test_converts_and_matches_in_steps():
    spec = oracle.load_spec(FIXTURES, NAME)
    pt = os.path.join(FIXTURES, NAME + ".pt")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, NAME + ".tflite")
        stats = json.loads(oracle.convert(CLI, pt, out, spec, ["--json"]).stdout)
        hist = stats["operator_histogram"]
        inputs = oracle.make_inputs(spec)
        want = oracle.quantized_reference(oracle.load_quantized(pt), inputs)
        got = oracle.run_litert(out, inputs)
        report, figures = oracle.compare_steps(NAME, got, want, oracle.output_steps(out))
        size = os.path.getsize(out)
        print(report)
        print(f"{NAME}: {figures[0][0]:.2f}% within 1 step, max {figures[0][1]:.2f} steps, "
              f"{size / 1e6:.2f} MB, {stats['operators']} operators: "
              + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))
        float_ops = oracle.float_compute_ops(out)
        assert not float_ops, f"float compute left in the int8 model: {float_ops}"


if __name__ == "__main__":
    sys.exit(runner.run("qzoo-" + NAME, [test_converts_and_matches_in_steps]))
