"""Every operator version litecast writes is one LiteRT registers and runs.

tests/unit/write_op_models.cpp writes one single-operator model per case of the operator-version
table (host/src/tflite/op_version.cpp), letting the writer choose the version. Per case: the file
carries the version the table should give, LiteRT loads it (its resolver matches the operator and
version), allocates it and invokes it on random inputs with the builtin kernels.
Then: every (operator, version) a rule can give has a case, and per tabled operator the table's
resolver maximum loads while one more is refused.

Usage: test_op_versions.py WRITE_OP_MODELS
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import tflite
from ai_edge_litert.interpreter import Interpreter, OpResolverType

import runner

TOOL = sys.argv[1]


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def written_versions(path):
    """(builtin code, version) of each operator code in the file."""
    with open(path, "rb") as f:
        model = tflite.Model.GetRootAsModel(f.read(), 0)
    codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
    return [(max(c.BuiltinCode(), c.DeprecatedBuiltinCode()), c.Version()) for c in codes]


def random_input(detail, rng):
    """Floats in [-1, 1]; integers just above the zero point, so that quantized SQRT and RSQRT
    see positive values."""
    shape, dtype = tuple(detail["shape"]), detail["dtype"]
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    if np.issubdtype(dtype, np.floating):
        return rng.uniform(-1, 1, shape).astype(dtype)
    info, zero_point = np.iinfo(dtype), int(detail["quantization"][1])
    return rng.integers(zero_point + 1, min(info.max, zero_point + 100) + 1, shape).astype(dtype)


def case_test(path, op, expected):
    def test():
        versions = written_versions(path)
        assert [v for _, v in versions] == [expected], f"{op}: written versions {versions}, table says {expected}"
        # Loading refuses an (operator, version) the resolver does not register. Runs use the
        # builtin kernels alone: the XNNPACK delegate cannot run a graph of constants only.
        interpreter = Interpreter(
            model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interpreter.allocate_tensors()
        rng = np.random.default_rng(0)
        for detail in interpreter.get_input_details():
            interpreter.set_tensor(detail["index"], random_input(detail, rng))
        interpreter.invoke()
        for detail in interpreter.get_output_details():
            interpreter.get_tensor(detail["index"])
    return test


def coverage_test(cases, table):
    def test_every_rule_has_a_case():
        covered = {(op, int(v)) for _, op, v in cases}
        missing = [f"{op} v{v} ({feature})" for op, v, feature in table if (op, int(v)) not in covered]
        assert not missing, "no case for: " + ", ".join(missing)
    return test_every_rule_has_a_case


def probe_test(directory, probes):
    def test_resolver_max_versions():
        wrong = []
        for name, op, version, must_load in probes:
            try:
                Interpreter(model_path=os.path.join(directory, name + ".tflite"))
                loaded = True
            except (RuntimeError, ValueError) as e:
                if "find op" not in str(e):
                    raise
                loaded = False
            if loaded != (must_load == "1"):
                wrong.append(f"{op} v{version} {'loads' if loaded else 'is refused'}")
        assert not wrong, "resolver_max_version in op_version.cpp is out of date: " + ", ".join(wrong)
    return test_resolver_max_versions


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([TOOL, tmp], check=True)
        cases = read_tsv(os.path.join(tmp, "cases.tsv"))
        tests = []
        for name, op, expected in cases:
            t = case_test(os.path.join(tmp, name + ".tflite"), op, int(expected))
            t.__name__ = name
            tests.append(t)
        tests.append(coverage_test(cases, read_tsv(os.path.join(tmp, "table.tsv"))))
        tests.append(probe_test(tmp, read_tsv(os.path.join(tmp, "probes.tsv"))))
        return runner.run("op-versions", tests)


if __name__ == "__main__":
    sys.exit(main())
