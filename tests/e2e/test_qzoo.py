"""One quantized torchvision model (tests/e2e/models/qzoo.py): converted to int8 and uint8, with
float and with integer model I/O (--fuse-quant-dequant), run in LiteRT, compared with PyTorch's
quantized output in quantization steps. Prints the figures for the closing note: % of elements
within one step, max error in steps, file size, operators.

Usage: test_qzoo.py CLI FIXTURES NAME
"""
import json
import os
import sys
import tempfile

import numpy as np

import oracle
import runner

CLI, FIXTURES, NAME = sys.argv[1:4]


# The target types and integer model I/O: the same model, the same rule.
VARIANTS = [
    ("int8", []),
    ("uint8", ["--quantize-target-type", "uint8"]),
    ("int8 fused I/O", ["--fuse-quant-dequant"]),
    ("uint8 fused I/O", ["--quantize-target-type", "uint8", "--fuse-quant-dequant"]),
]


def variant_test(label, extra):
    integer = {"int8": np.int8, "uint8": np.uint8}[label.split()[0]]
    fused = "--fuse-quant-dequant" in extra

    def test():
        spec = oracle.load_spec(FIXTURES, NAME)
        pt = os.path.join(FIXTURES, NAME + ".pt")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, NAME + ".tflite")
            stats = json.loads(oracle.convert(CLI, pt, out, spec, ["--json", *extra]).stdout)
            hist = stats["operator_histogram"]
            inputs = oracle.make_inputs(spec)
            want = oracle.quantized_reference(oracle.load_quantized(pt), inputs)
            got = oracle.run_litert(out, inputs)
            report, figures = oracle.compare_steps(f"{NAME} {label}", got, want, oracle.output_steps(out))
            size = os.path.getsize(out)
            print(report)
            print(f"{NAME} {label}: {figures[0][0]:.2f}% within 1 step, max {figures[0][1]:.2f} steps, "
                  f"{size / 1e6:.2f} MB, {stats['operators']} operators: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))
            float_ops = oracle.float_compute_ops(out)
            assert not float_ops, f"float compute left in the quantized model: {float_ops}"
            it = oracle.Interpreter(model_path=out)
            kinds = {t["dtype"] for t in it.get_tensor_details() if t["quantization"][0]}
            assert kinds <= {integer, np.int32}, f"quantized tensors of types {kinds}, wanted {integer.__name__}"
            io = [d["dtype"] for d in it.get_input_details() + it.get_output_details()]
            assert io == [integer if fused else np.float32] * len(io), f"model I/O types {io}"

    test.__name__ = "test_" + label.replace(" ", "_").replace("/", "")
    return test


if __name__ == "__main__":
    sys.exit(runner.run("qzoo-" + NAME, [variant_test(label, extra) for label, extra in VARIANTS]))
