"""Bad input gets one clear line on stderr naming the file/node/option, a non-zero exit, no
stack trace and no output file; --help and --version work on every command."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import runner

CLI, FIXTURES = sys.argv[1:3]
TMP = tempfile.mkdtemp(prefix="litecast-cli-")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


def expect_user_error(r, *words, code=1):
    err = r.stderr.strip()
    assert r.returncode == code, f"exit {r.returncode}, wanted {code}; stderr: {err}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    for w in words:
        assert w in err, f"'{w}' not in: {err}"
    for bad in ("terminate called", "Traceback", "what():", "Exception raised from"):
        assert bad not in err, f"stack trace or crash text: {err}"


def convert_expecting_error(src, *extra, words=()):
    out = os.path.join(TMP, "out.tflite")
    r = run("convert", src, "-o", out, *extra)
    expect_user_error(r, *words)
    left = [f for f in os.listdir(TMP) if f.startswith("out.tflite")]
    assert not left, f"partial output left behind: {left}"


def fixture(name):
    return os.path.join(FIXTURES, name + ".pt")


def test_missing_model_file():
    convert_expecting_error(os.path.join(TMP, "nope.pt"), "--input-shape", "1,2", words=("nope.pt", "no such file"))


def test_foreign_file():
    p = os.path.join(TMP, "foreign.pt")
    with open(p, "w") as f:
        f.write("this is not a model\n" * 20)
    convert_expecting_error(p, "--input-shape", "1,2", words=("foreign.pt", "not a TorchScript file"))


def test_output_is_the_input():
    # The same file under another name (a hard link) counts too; the model stays as it was.
    src = os.path.join(TMP, "own.pt")
    shutil.copy(fixture("mlp"), src)
    link = os.path.join(TMP, "own-link.pt")
    os.link(src, link)
    with open(src, "rb") as f:
        before = f.read()
    for out in (src, link):
        r = run("convert", src, "-o", out, "--input-shape", "4,16")
        expect_user_error(r, "own.pt", "is the input")
    with open(src, "rb") as f:
        assert f.read() == before, "the input model was changed"


def test_truncated_torchscript():
    p = os.path.join(TMP, "truncated.pt")
    with open(fixture("mlp"), "rb") as f:
        data = f.read()
    with open(p, "wb") as f:
        f.write(data[: len(data) // 2])
    convert_expecting_error(p, "--input-shape", "4,16", words=("truncated.pt",))


def test_missing_input_shape():
    convert_expecting_error(fixture("mlp"), words=("mlp.pt", "--input-shape", "1 input"))


def test_too_many_input_shapes():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--input-shape", "1,2",
                            words=("mlp.pt", "2 --input-shape"))


def test_malformed_input_shape():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,x", words=("--input-shape", "4,x"))


def test_wrong_input_shape_names_the_node():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,15", words=("mlp.pt", "aten::linear", "linear.py:", "--input-shape"))


def test_unknown_input_dtype():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--input-dtype", "float7",
                            words=("--input-dtype", "float7"))


def test_unsupported_op_lists_kind_count_and_location():
    convert_expecting_error(fixture("unsupported"), "--input-shape", "2,8",
                            words=("aten::erfinv x1", "models/basic.py:", "docs/plugin-guide.md"))


def test_condition_on_tensor_values_names_the_source_line():
    convert_expecting_error(fixture("value_if"), "--input-shape", "2,8",
                            words=("value_if.pt", "prim::If", "models/basic.py:", "tensor values"))
    convert_expecting_error(fixture("value_loop"), "--input-shape", "2,8",
                            words=("value_loop.pt", "prim::Loop", "models/basic.py:", "loop's condition",
                                   "tensor values"))


def test_untaken_raise_converts_and_reached_raise_is_an_error():
    good = os.path.join(TMP, "checked.tflite")
    r = run("convert", fixture("script_checked_input"), "-o", good, "--input-shape", "3,16")
    assert r.returncode == 0, r.stderr
    os.remove(good)
    convert_expecting_error(fixture("script_checked_input"), "--input-shape", "3,16,1",
                            words=("script_checked_input.pt", "prim::RaiseException", "models/scripted.py:",
                                   "expected 2D input (got 3D input)"))


def test_unknown_option():
    r = run("convert", fixture("mlp"), "-o", os.path.join(TMP, "out.tflite"), "--input-shape", "4,16", "--frobnicate")
    expect_user_error(r, "frobnicate", code=1)


def test_contradicting_transpose_flags():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--nchw-transpose", "--no-nchw-transpose",
                            words=("--nchw-transpose", "--no-nchw-transpose"))


def test_bad_quantization_types():
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--quantize-target-type", "int4",
                            words=("--quantize-target-type", "int4", "int8 or uint8"))
    convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--fuse-quant-dequant",
                            "--quantize-input-output-type", "float", words=("--quantize-input-output-type", "float"))


def test_output_directory_missing():
    r = run("convert", fixture("mlp"), "-o", os.path.join(TMP, "no", "such", "dir", "m.tflite"), "--input-shape", "4,16")
    expect_user_error(r, "m.tflite")


def test_inspect_foreign_and_truncated():
    p = os.path.join(TMP, "x.tflite")
    with open(p, "wb") as f:
        f.write(b"\x00" * 64)
    expect_user_error(run("inspect", p), "x.tflite", "not a TFLite file")
    good = os.path.join(TMP, "good.tflite")
    assert run("convert", fixture("mlp"), "-o", good, "--input-shape", "4,16").returncode == 0
    with open(good, "rb") as f:
        data = f.read()
    cut = os.path.join(TMP, "cut.tflite")
    with open(cut, "wb") as f:
        f.write(data[: len(data) // 3])
    expect_user_error(run("inspect", cut), "cut.tflite")
    expect_user_error(run("inspect", os.path.join(TMP, "absent.tflite")), "absent.tflite")


def test_export_debug_bundle_reproduces_the_conversion():
    out_dir = os.path.join(TMP, "bundle")
    r = run("export-debug", fixture("two_in_out"), "--input-shape", "2,8", "--input-shape", "2,8", "-o", out_dir)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out_dir, "two_in_out.json")) as f:
        spec = json.load(f)
    assert [i["name"] for i in spec["inputs"]] == ["x.1", "y.1"], spec["inputs"]
    assert [o["shape"] for o in spec["outputs"]] == [[2, 8], [2, 8]], spec["outputs"]
    assert all(i["dtype"] == "float32" and not i["transposed"] for i in spec["inputs"] + spec["outputs"])
    assert spec["example_input"] == "two_in_out.inputs.pt" and os.path.exists(os.path.join(out_dir, spec["example_input"]))
    # The recorded command converts the bundled model (with the bundled example inputs).
    args = spec["convert_command"].split()[1:]
    r = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=out_dir)
    assert r.returncode == 0 and os.path.exists(os.path.join(out_dir, "two_in_out.tflite")), r.stderr
    # A wrong call leaves no bundle behind.
    bad = os.path.join(TMP, "bad_bundle")
    expect_user_error(run("export-debug", fixture("two_in_out"), "--input-shape", "2,8", "-o", bad), "--input-shape")
    assert not os.path.exists(os.path.join(bad, "two_in_out.pt"))
    assert not os.path.exists(bad), "a directory was left behind"


def saved(name, value):
    """A torch.save file in TMP (torch is imported only here: the rest needs no PyTorch)."""
    import torch
    p = os.path.join(TMP, name)
    torch.save(value, p)
    return p


def test_example_input_missing_foreign_truncated():
    convert_expecting_error(fixture("mlp"), "--example-input", os.path.join(TMP, "absent.inputs.pt"),
                            words=("absent.inputs.pt", "no such file"))
    p = os.path.join(TMP, "foreign.inputs.pt")
    with open(p, "w") as f:
        f.write("4,16\n" * 10)
    convert_expecting_error(fixture("mlp"), "--example-input", p, words=("foreign.inputs.pt", "torch.save"))
    import torch
    good = saved("good.inputs.pt", torch.randn(4, 16))
    with open(good, "rb") as f:
        data = f.read()
    cut = os.path.join(TMP, "cut.inputs.pt")
    with open(cut, "wb") as f:
        f.write(data[: len(data) // 2])
    convert_expecting_error(fixture("mlp"), "--example-input", cut, words=("cut.inputs.pt", "truncated"))
    # A TorchScript model is a zip archive too, but not one of tensors.
    convert_expecting_error(fixture("mlp"), "--example-input", fixture("mlp"), words=("mlp.pt", "torch.save"))


def test_example_input_wrong_count_and_items():
    import torch
    two = saved("two.inputs.pt", (torch.randn(4, 16), torch.randn(4, 16)))
    convert_expecting_error(fixture("mlp"), "--example-input", two,
                            words=("two.inputs.pt", "2 tensors", "1 input", "x.1"))
    mixed = saved("mixed.inputs.pt", (torch.randn(2, 8), 3))
    convert_expecting_error(fixture("two_in_out"), "--example-input", mixed,
                            words=("mixed.inputs.pt", "item 1", "int", "not a tensor"))
    d = saved("dict.inputs.pt", {"x": torch.randn(4, 16)})
    convert_expecting_error(fixture("mlp"), "--example-input", d, words=("dict.inputs.pt", "dict"))
    pc = saved("per_channel.inputs.pt", torch.quantize_per_channel(
        torch.randn(4, 16), torch.full((4,), 0.1), torch.zeros(4, dtype=torch.long), 0, torch.qint8))
    convert_expecting_error(fixture("mlp"), "--example-input", pc, words=("per_channel.inputs.pt", "per channel"))


def test_example_input_disagreeing_with_input_shape():
    import torch
    ex = saved("x.inputs.pt", torch.randn(4, 16))
    convert_expecting_error(fixture("mlp"), "--example-input", ex, "--input-shape", "2,16",
                            words=("--input-shape 2,16", "x.inputs.pt", "4,16"))
    convert_expecting_error(fixture("mlp"), "--example-input", ex, "--input-dtype", "int64",
                            words=("--input-dtype int64", "x.inputs.pt", "float32"))
    # Agreeing ones are fine, and the file alone is enough.
    for extra in (["--input-shape", "4,16", "--input-dtype", "float32"], []):
        out = os.path.join(TMP, "agree.tflite")
        r = run("convert", fixture("mlp"), "-o", out, "--example-input", ex, *extra)
        assert r.returncode == 0 and os.path.exists(out), r.stderr
        os.remove(out)


def test_quantized_input_dtype_points_to_example_input():
    for dtype in ("quint8", "qint8"):
        convert_expecting_error(fixture("mlp"), "--input-shape", "4,16", "--input-dtype", dtype,
                                words=(f"--input-dtype {dtype}", "scale and zero point", "--example-input"))


def test_export_debug_keeps_the_users_files():
    import torch
    out_dir = os.path.join(TMP, "own")
    os.makedirs(out_dir, exist_ok=True)
    ex = os.path.join(out_dir, "mlp.inputs.pt")
    torch.save(torch.randn(4, 16), ex)
    before = os.path.getmtime(ex), os.path.getsize(ex)
    expect_user_error(run("export-debug", fixture("mlp"), "--example-input", ex, "-o", out_dir),
                      "mlp.inputs.pt", "overwrite")
    assert (os.path.getmtime(ex), os.path.getsize(ex)) == before, "the user's example file was rewritten"
    assert sorted(os.listdir(out_dir)) == ["mlp.inputs.pt"], os.listdir(out_dir)


def test_unknown_command_is_usage_error():
    r = run("transmogrify")
    assert r.returncode == 2 and "unknown command" in r.stderr, r.stderr


def test_help_everywhere_and_version():
    for cmd in ("convert", "export-debug", "inspect", "ops", "plugins"):
        r = run(cmd, "--help")
        assert r.returncode == 0 and "usage: litecast " + cmd in r.stdout, f"{cmd} --help: {r.returncode} {r.stdout}"
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("litecast ") and "ABI 1." in r.stdout, r.stdout
    r = run("--help")
    assert r.returncode == 0 and "convert" in r.stdout


if __name__ == "__main__":
    try:
        code = runner.run("cli-errors", [v for k, v in sorted(globals().items()) if k.startswith("test_")])
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)
