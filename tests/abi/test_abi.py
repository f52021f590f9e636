"""The plugin ABI tested from the outside, through the `litecast` command (ctest test `abi`).

Each test loads exactly the plugins it wants (--no-default-plugins --plugin-dir ...; every
test plugin of tests/abi/plugins/ is built into its own directory) and checks what a user
would see: `litecast plugins/ops --json`, the warning lines on stderr, the exit code, the
converted model (`litecast inspect --json`) and its numbers against PyTorch in LiteRT
(tests/e2e/oracle.py). What each plugin does and why is written at the top of its source.

  a C plugin (c_plugin.c)              loads, lists its translator and pruning metric,
                                       converts neg.pt correctly on its own
  throwing translators (throw_*.cpp)   exit 1, one stderr line naming plugin and message,
                                       no stack trace, no output file; the host carries on
  version skew (newer_minor.c,         a 1.99 plugin with larger structs works; v2-only,
  refused.c)                           NULL-returning and major-2 libraries are refused
  other refusals (refused.c, garbage)  no entry, not a library, init error, duplicate id
  conflicts (relu_variant.cpp,         same priority: smaller id wins with a warning;
  add_overload.cpp)                    higher priority wins; overload beats op-wide
  rollback (dirty.cpp, meddle.cpp)     declined/failed attempts leave the model untouched
  quantized outputs (quant_binding.cpp) set_output refuses a tensor quantized unlike LibTorch's
                                       result; the next translator converts the node
  packed cells (packed_cell.c)         ABI 1.3 from C: a quantize_dynamic LSTM's int8 cell weights,
                                       scales and biases and the node's module path, as PyTorch
                                       has them; bad requests refused; plugins/rnn then converts
  exports                              plugins export only the entry symbol and need no
                                       LibTorch

Usage: test_abi.py --cli LITECAST --fixtures DIR --plugins DIR --first-party DIR --oracle DIR [NAME ...]
Prints "ok NAME" or "FAIL NAME: reason" per test (NAME filters by substring), then
"abi: N passed, M failed"; exits non-zero when any test failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback

A = None  # parsed arguments
oracle = None  # tests/e2e/oracle.py, imported in main()

ENTRY = "litecast_plugin_entry_v1"
# What must never appear on stderr when a plugin misbehaves: the host reports, never crashes.
CRASH_MARKERS = ("terminate called", "Traceback", "Exception raised from", "frame #", "Segmentation fault",
                 "Aborted", "core dumped", "what():")


class Failure(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Failure(message)


# --- running litecast --------------------------------------------------------------------

def run(args, timeout=300):
    return subprocess.run([A.cli] + list(args), capture_output=True, text=True, timeout=timeout)


def lines(text):
    return [l for l in text.splitlines() if l.strip()]


def plugin_args(*dirs, first_party=False):
    """--no-default-plugins plus one --plugin-dir per test plugin directory (in this order)."""
    out = ["--no-default-plugins"]
    if first_party:
        out += ["--plugin-dir", A.first_party]
    for d in dirs:
        out += ["--plugin-dir", d if os.path.isabs(d) else os.path.join(A.plugins, d)]
    return out


def shown(r):
    return f"exit {r.returncode}; stderr: {r.stderr.strip()!r}"


def plugins_json(*dirs, first_party=False):
    r = run(["plugins", "--json"] + plugin_args(*dirs, first_party=first_party))
    expect(r.returncode == 0, f"litecast plugins failed: {shown(r)}")
    try:
        return json.loads(r.stdout), lines(r.stderr)
    except ValueError as e:
        raise Failure(f"litecast plugins --json printed no JSON ({e}): {r.stdout[:300]!r}")


def ops_json(*dirs, first_party=False):
    r = run(["ops", "--json"] + plugin_args(*dirs, first_party=first_party))
    expect(r.returncode == 0, f"litecast ops failed: {shown(r)}")
    return json.loads(r.stdout), lines(r.stderr)


def spec_args(name):
    spec = oracle.load_spec(A.fixtures, name)
    args = []
    for i in spec["inputs"]:
        args += ["--input-shape", ",".join(str(d) for d in i["shape"])]
    return args


# The suite checks what translators emit, so the host's graph passes stay off: a pass such as
# dead-op removal or activation fusion would hide leftovers of a rolled-back attempt or change
# the histogram that tells which translator won.
NO_PASSES = ["--optimize", "0"]


def convert(name, out, extra):
    return run(["convert", os.path.join(A.fixtures, name + ".pt"), "-o", out] + spec_args(name) + list(extra)
               + NO_PASSES)


def inspect(path):
    r = run(["inspect", "--json", path])
    expect(r.returncode == 0, f"litecast inspect {path} failed: {shown(r)}")
    return json.loads(r.stdout)


def check_against_pytorch(name, extra, keep):
    """Converts fixture `name` with `extra` args into `keep`, compares LiteRT with PyTorch."""
    try:
        return oracle.check_fixture(A.cli, A.fixtures, name, list(extra) + NO_PASSES, keep=keep)
    except oracle.Failure as e:
        raise Failure(str(e))


def ids(plugins):
    return [p["id"] for p in plugins]


def no_crash(stderr):
    for m in CRASH_MARKERS:
        expect(m not in stderr, f"stderr shows a crash or stack trace ({m!r}): {stderr.strip()!r}")


def one_line_matching(stderr_lines, pattern, what):
    hits = [l for l in stderr_lines if re.search(pattern, l)]
    expect(len(hits) == 1, f"expected one stderr line for {what} (/{pattern}/), got {len(hits)}: {stderr_lines}")
    return hits[0]


# --- 2. a plugin in plain C -----------------------------------------------------------------

def test_c_plugin_is_listed():
    plugins, err = plugins_json("c_plugin")
    expect(err == [], f"unexpected warnings: {err}")
    expect(ids(plugins) == ["test.c-plugin"], f"plugins: {ids(plugins)}")
    p = plugins[0]
    expect(p["abi"] == "1.3", f"abi {p['abi']}")
    expect(p["translators"] == 1, f"translators {p['translators']}")
    expect(p["interfaces"] == ["litecast.pruning-metric/1:test_c_abs_sum"], f"interfaces {p['interfaces']}")
    expect(os.path.basename(p["path"]) == "libabi_c_plugin.so", f"path {p['path']}")
    ops, err = ops_json("c_plugin")
    expect([(o["op"], o["plugin"], o["priority"]) for o in ops] == [("aten::neg", "test.c-plugin", 200)],
           f"ops: {ops}")


def test_c_plugin_converts_neg():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.tflite")
        report = check_against_pytorch("neg", plugin_args("c_plugin"), out)
        model = inspect(out)
        expect(model["operator_histogram"] == {"NEG": 1}, f"histogram {model['operator_histogram']}")
    return report


def test_c_plugin_needs_no_cxx_runtime():
    so = os.path.join(A.plugins, "c_plugin", "libabi_c_plugin.so")
    expect(exported(so) == [ENTRY], f"exports {exported(so)}")
    cxx = [n for n in needed(so) if "stdc++" in n or "c++" in n]
    expect(not cxx, f"a C plugin should not need a C++ runtime, NEEDED: {needed(so)}")


# --- 3. translators that throw -------------------------------------------------------------

def expect_clean_failure(plugin_dir, plugin_id, message):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.tflite")
        r = convert("neg", out, plugin_args(plugin_dir))
        expect(r.returncode == 1, f"expected exit 1: {shown(r)}")
        no_crash(r.stderr)
        err = lines(r.stderr)
        expect(len(err) == 1, f"expected exactly one stderr line, got {len(err)}: {err}")
        expect(plugin_id in err[0] and message in err[0], f"the line should name {plugin_id!r} and {message!r}: {err[0]!r}")
        expect(err[0].startswith("error: "), f"not an error line: {err[0]!r}")
        expect(os.listdir(tmp) == [], f"output left behind: {os.listdir(tmp)}")


def test_throw_through_plugin_hpp():
    expect_clean_failure("throw_hpp", "test.throw-hpp", "boom from plugin.hpp translator")


def test_throw_raw_across_abi():
    # The host cannot know what the escaping exception said; its line says what happened.
    expect_clean_failure("throw_raw", "test.throw-raw", "threw a C++ exception")


def test_host_carries_on_after_throws():
    # Both throwers (priority 250) are tried first; each is rolled back, then the C plugin
    # (200) translates the node and the result is still exact.
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.tflite")
        extra = plugin_args("throw_hpp", "throw_raw", "c_plugin")
        r = convert("neg", out, extra)
        expect(r.returncode == 0, f"convert failed: {shown(r)}")
        no_crash(r.stderr)
        report = check_against_pytorch("neg", extra, out)
        model = inspect(out)
        expect(model["operator_histogram"] == {"NEG": 1} and model["tensors"] == 2,
               f"leftovers from the throwing attempts: {model['operator_histogram']}, {model['tensors']} tensors")
    return report


def test_init_throwing_across_abi_is_refused():
    plugins, err = plugins_json("c_plugin", "init_throw")
    expect(ids(plugins) == ["test.c-plugin"], f"plugins: {ids(plugins)}")
    expect(len(err) == 1, f"expected one warning, got {err}")
    expect("libabi_init_throw.so" in err[0] and "threw a C++ exception" in err[0], f"warning: {err[0]!r}")


# --- 4. version skew -----------------------------------------------------------------------

def test_newer_minor_loads_and_works():
    plugins, err = plugins_json("newer_minor")
    expect(err == [], f"unexpected warnings: {err}")
    expect(ids(plugins) == ["test.newer-minor"], f"plugins: {ids(plugins)}")
    expect(plugins[0]["abi"] == "1.99", f"abi {plugins[0]['abi']}")
    expect(plugins[0]["translators"] == 1, f"translators {plugins[0]['translators']}")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "neg.tflite")
        report = check_against_pytorch("neg", plugin_args("newer_minor"), out)
        expect(inspect(out)["operator_histogram"] == {"NEG": 1}, "NEG expected")
    return report


def expect_refusals(good_dirs, good_ids, refused, extra_dirs=()):
    """`refused`: {library file name: regex its one warning line must match}."""
    dirs = list(good_dirs) + list(extra_dirs)
    for cmd in (["plugins"], ["plugins", "--json"], ["ops", "--json"]):
        r = run(cmd + plugin_args(*dirs))
        expect(r.returncode == 0, f"litecast {' '.join(cmd)} failed: {shown(r)}")
        no_crash(r.stderr)
        err = lines(r.stderr)
        expect(len(err) == len(refused), f"litecast {' '.join(cmd)}: expected {len(refused)} warning lines, got {err}")
        for lib, pattern in refused.items():
            line = one_line_matching(err, re.escape(lib), lib)
            expect(line.startswith("warning: plugin "), f"not a warning line: {line!r}")
            expect(re.search(pattern, line), f"warning for {lib} should match /{pattern}/: {line!r}")
        if cmd == ["plugins", "--json"]:
            got = ids(json.loads(r.stdout))
            expect(got == good_ids, f"plugins listed: {got}, expected {good_ids}")
        if cmd == ["plugins"]:
            for i in good_ids:
                expect(i in r.stdout, f"{i} missing from the listing")


def test_version_skew_refusals():
    expect_refusals(
        ["c_plugin", "conflict_a"], ["test.c-plugin", "test.conflict-a"],
        {"libabi_entry_v2.so": r"ABI 2\b.*ABI 1\b",
         "libabi_entry_null.so": r"declined to serve this host \(ABI 1\.3\)",
         "libabi_major2.so": r"descriptor says ABI 2, this host speaks ABI 1"},
        extra_dirs=["entry_v2", "entry_null", "major2"])


# --- 5. other refusals ---------------------------------------------------------------------

def test_not_plugins_are_refused():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "x.so"), "wb") as f:
            f.write(bytes((i * 37 + 11) % 256 for i in range(4096)))  # garbage, not ELF
        open(os.path.join(tmp, "empty.so"), "wb").close()
        with open(os.path.join(tmp, "notes.txt"), "w") as f:  # not *.so: not even looked at
            f.write("not a plugin\n")
        os.mkdir(os.path.join(tmp, "dir.so"))  # a directory named *.so: skipped too
        expect_refusals(
            ["c_plugin"], ["test.c-plugin"],
            {"libabi_no_entry.so": r"not a litecast plugin",
             "/x.so": r"not a shared library \(no ELF header\)",
             "/empty.so": r"an empty file, not a shared library"},
            extra_dirs=["no_entry", tmp])


def test_init_error_is_refused_and_dropped():
    expect_refusals(["c_plugin"], ["test.c-plugin"],
                    {"libabi_init_error.so": r"init failed: init refuses on purpose \(abi test\)"},
                    extra_dirs=["init_error"])
    # What init registered before failing (aten::neg and aten::relu at 999, a metric) is gone.
    ops, _ = ops_json("init_error", "c_plugin")
    expect([(o["op"], o["plugin"]) for o in ops] == [("aten::neg", "test.c-plugin")], f"ops: {ops}")
    plugins, _ = plugins_json("init_error", "c_plugin")
    expect([i for p in plugins for i in p["interfaces"]] == ["litecast.pruning-metric/1:test_c_abs_sum"],
           f"interfaces: {plugins}")
    ops, err = ops_json("init_error")
    expect(ops == [], f"a refused plugin's translators are listed: {ops}")


def test_duplicate_id_is_refused():
    # libabi_dup_first.so and libabi_dup_second.so (one directory, loaded in name order) share
    # the id "test.dup": the first stays, the second is refused before its init runs.
    plugins, err = plugins_json("dup")
    expect([(p["id"], os.path.basename(p["path"])) for p in plugins] == [("test.dup", "libabi_dup_first.so")],
           f"plugins: {plugins}")
    expect(len(err) == 1, f"expected one warning line, got {err}")
    expect("libabi_dup_second.so" in err[0] and "duplicate plugin id 'test.dup'" in err[0], f"warning: {err[0]!r}")
    ops, _ = ops_json("dup")
    expect(len(ops) == 1, f"the refused duplicate's translator is listed: {ops}")


# --- 6. priorities and conflicts -----------------------------------------------------------

def relu_winner(dirs):
    """Converts relu.pt with exactly `dirs`; returns (histogram, stderr lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "relu.tflite")
        r = convert("relu", out, plugin_args(*dirs))
        expect(r.returncode == 0, f"convert failed: {shown(r)}")
        return inspect(out)["operator_histogram"], lines(r.stderr)


def test_same_priority_smaller_id_wins():
    for order in (["conflict_a", "conflict_b"], ["conflict_b", "conflict_a"]):
        ops, err = ops_json(*order)
        got = [(o["op"], o["plugin"], o["priority"]) for o in ops]
        expect(got == [("aten::relu", "test.conflict-a", 150), ("aten::relu", "test.conflict-b", 150)],
               f"load order {order}: ops {got}")
        expect(len(err) == 1, f"load order {order}: expected one conflict warning, got {err}")
        line = err[0]
        expect("aten::relu" in line and "'test.conflict-a'" in line and "'test.conflict-b'" in line,
               f"the warning should name the op and both plugins: {line!r}")
        expect(re.search(r"'test\.conflict-a' is tried first", line), f"the warning should name the winner: {line!r}")
        histogram, err = relu_winner(order)
        expect(histogram == {"RELU": 1}, f"load order {order}: test.conflict-a (RELU) should win, got {histogram}")
        expect(len([l for l in err if "test.conflict-b" in l]) == 1, f"convert warnings: {err}")
    with tempfile.TemporaryDirectory() as tmp:
        return check_against_pytorch("relu", plugin_args("conflict_b", "conflict_a"), os.path.join(tmp, "r.tflite"))


def test_higher_priority_wins_regardless_of_id():
    for order in (["conflict_a", "conflict_b", "high_priority"], ["high_priority", "conflict_b", "conflict_a"]):
        ops, err = ops_json(*order)
        got = [o["plugin"] for o in ops if o["op"] == "aten::relu"]
        expect(got == ["test.zz-high", "test.conflict-a", "test.conflict-b"], f"load order {order}: {got}")
        expect(not any("test.zz-high" in l for l in err), f"no conflict at different priorities: {err}")
        histogram, _ = relu_winner(order)
        expect(histogram == {"RELU_N1_TO_1": 1}, f"test.zz-high (RELU_N1_TO_1) should win, got {histogram}")


def test_overload_beats_op_wide_at_equal_priority():
    ops, _ = ops_json("add_overload", first_party=True)
    add = {(o["op"], o["plugin"], o["priority"]) for o in ops if o["op"].startswith("aten::add")}
    expect({("aten::add", "litecast.aten", 100), ("aten::add.Tensor", "test.add-overload", 100)} <= add,
           f"aten::add entries: {add}")
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.tflite")
        check_against_pytorch("two_in_out", plugin_args(first_party=True), base)
        h = inspect(base)["operator_histogram"]
        expect(h.get("ADD", 0) >= 1 and "NEG" not in h, f"control (first-party only): {h}")
        out = os.path.join(tmp, "overload.tflite")
        report = check_against_pytorch("two_in_out", plugin_args("add_overload", first_party=True), out)
        h = inspect(out)["operator_histogram"]
        expect(h.get("NEG", 0) == 1 and "ADD" not in h,
               f"aten::add.Tensor (SUB + NEG) should beat aten::add (ADD): {h}")
    return report


# --- 7. rollback ----------------------------------------------------------------------------

COUNTS = ("operators", "operator_histogram", "tensors", "constant_tensors", "buffers", "buffer_bytes",
          "activation_bytes", "inputs", "outputs")
# Nodes the dirty plugins claim (aten::relu, aten::linear) per fixture.
DIRTY_NODES = {"relu": 1, "mlp": 3}


def expect_rollback(plugin_dir, plugin_id, marker):
    reports = []
    for name, attempts in DIRTY_NODES.items():
        with tempfile.TemporaryDirectory() as tmp:
            base = os.path.join(tmp, "base.tflite")
            r = convert(name, base, plugin_args(first_party=True))
            expect(r.returncode == 0, f"{name}: baseline convert failed: {shown(r)}")
            out = os.path.join(tmp, "dirty.tflite")
            r = convert(name, out, plugin_args(plugin_dir, first_party=True))
            expect(r.returncode == 0, f"{name}: convert with {plugin_id} failed: {shown(r)}")
            ran = [l for l in lines(r.stderr) if f"({plugin_id}): {marker}" in l]
            expect(len(ran) == attempts, f"{name}: {plugin_id} should have run {attempts} time(s): {lines(r.stderr)}")
            want, got = inspect(base), inspect(out)
            for k in COUNTS:
                expect(got[k] == want[k], f"{name}: {k} is {got[k]} with {plugin_id}, {want[k]} without")
            with open(base, "rb") as f1, open(out, "rb") as f2:
                expect(f1.read() == f2.read(), f"{name}: the model differs from the one made without {plugin_id}")
            reports.append(check_against_pytorch(name, plugin_args(plugin_dir, first_party=True), out))
    return "; ".join(reports)


def test_declined_attempt_leaves_nothing():
    return expect_rollback("dirty_decline", "test.dirty-decline", "dirty attempt")


def test_failed_attempt_leaves_nothing():
    return expect_rollback("dirty_error", "test.dirty-error", "dirty attempt")


def test_declined_attempt_cannot_change_earlier_operators():
    # meddle.cpp sets an option on the operator before its own, then declines: the model must
    # come out byte-identical to the one made without it.
    with tempfile.TemporaryDirectory() as tmp:
        base, out = os.path.join(tmp, "base.tflite"), os.path.join(tmp, "meddle.tflite")
        r = convert("mlp", base, plugin_args(first_party=True))
        expect(r.returncode == 0, f"baseline convert failed: {shown(r)}")
        r = convert("mlp", out, plugin_args("meddle", first_party=True))
        expect(r.returncode == 0, f"convert with test.meddle failed: {shown(r)}")
        said = [l for l in lines(r.stderr) if "(test.meddle): meddle:" in l]
        expect(len(said) == 1, f"test.meddle should have run once: {lines(r.stderr)}")
        with open(base, "rb") as f1, open(out, "rb") as f2:
            same = f1.read() == f2.read()
        expect(same, "a declined translator changed an earlier node's operator and the change was not rolled "
                     f"back (host said: {said[0].split('meddle: ', 1)[1]!r})")


def test_output_quantization_must_match_libtorch():
    # On q_relu.pt (aten::relu on a quantized tensor) test.wrong-quant binds relu's output with
    # PyTorch's scale and a zero point 7 codes off: the host must refuse it, the attempt is rolled
    # back and the quantized plugin converts the node (compared with PyTorch in quantization
    # steps). The control, test.right-quant, binds PyTorch's quantization and is accepted.
    reports = []
    for plugin_dir, plugin_id, verdict in (("wrong_quant", "test.wrong-quant", "refused"),
                                           ("right_quant", "test.right-quant", "accepted")):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "q_relu.tflite")
            extra = plugin_args(plugin_dir, first_party=True)
            r = convert("q_relu", out, extra)
            expect(r.returncode == 0, f"convert with {plugin_id} failed: {shown(r)}")
            no_crash(r.stderr)
            said = one_line_matching(lines(r.stderr), rf"\({re.escape(plugin_id)}\): quant-binding:", plugin_id)
            expect(f"set_output {verdict}" in said, f"{plugin_id}: the host should have {verdict} the binding: {said!r}")
            reports.append(f"{plugin_id} {verdict}: " + check_against_pytorch("q_relu", extra, out))
    return "; ".join(reports)


def test_packed_cells_match_pytorch():
    # test.packed-cell logs each cell's unpacked figures and declines; plugins/rnn converts.
    import torch
    torch.backends.quantized.engine = "qnnpack"
    model = torch.jit.load(os.path.join(A.fixtures, "qlstm_dynamic.pt"))
    state = getattr(model.rnn._all_weight_values, "0").param.__getstate__()[0]
    want = []
    for k, which in ((0, "ih"), (1, "hh")):
        w, _ = torch.ops.quantized.linear_unpack(state[4][k])
        want.append(f"packed-cell: module 'rnn' cell 0 {which}: kind 2 weight [{w.shape[0]},{w.shape[1]}] "
                    f"scale {w.q_scale():.9g} zero point {w.q_zero_point()} scales 1 "
                    f"bias {state[1][k].numel()} sum {int(w.int_repr().sum())}")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "qlstm_dynamic.tflite")
        extra = plugin_args("packed_cell", first_party=True)
        r = convert("qlstm_dynamic", out, extra)
        expect(r.returncode == 0, f"convert failed: {shown(r)}")
        no_crash(r.stderr)
        for line in want:
            one_line_matching(lines(r.stderr), re.escape(line) + "$", line)
        one_line_matching(lines(r.stderr), r"packed-cell: bad requests refused", "bad requests")
        return check_against_pytorch("qlstm_dynamic", extra, out)


# --- 8. what plugin libraries export and need ---------------------------------------------

def exported(so):
    r = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"nm {so}: {r.stderr.strip()}")
    return sorted(l.split()[-1] for l in lines(r.stdout))


def needed(so):
    r = subprocess.run(["readelf", "-d", so], capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"readelf {so}: {r.stderr.strip()}")
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)


FORBIDDEN_NEEDED = re.compile(r"^lib(torch|c10|caffe2|litecast|flatbuffers|fmt|boost)")


def check_libraries(paths):
    for so in paths:
        name = os.path.basename(so)
        exp = exported(so)
        expect(exp == [ENTRY], f"{name} exports {exp}, expected only {ENTRY}")
        bad = [n for n in needed(so) if FORBIDDEN_NEEDED.match(n)]
        expect(not bad, f"{name} needs {bad} (plugins link nothing of LibTorch or the host)")


def test_first_party_exports_and_needs():
    libs = sorted(os.path.join(A.first_party, f) for f in os.listdir(A.first_party) if f.endswith(".so"))
    expect(any(os.path.basename(l) == "liblitecast_aten.so" for l in libs), f"first-party plugins missing: {libs}")
    check_libraries(libs)
    return f"{len(libs)} first-party plugins"


def test_sdk_built_test_plugins_export_only_entry():
    # The test plugins built with litecast_add_plugin (all but the RAW ones) obey the same rule.
    raw = {"entry_v2", "no_entry"}
    libs = []
    for d in sorted(os.listdir(A.plugins)):
        if d in raw or not os.path.isdir(os.path.join(A.plugins, d)):
            continue
        libs += [os.path.join(A.plugins, d, f) for f in os.listdir(os.path.join(A.plugins, d)) if f.endswith(".so")]
    expect(len(libs) >= 15, f"expected the test plugins, found {libs}")
    check_libraries(libs)
    return f"{len(libs)} test plugins"


TESTS = [
    test_c_plugin_is_listed,
    test_c_plugin_converts_neg,
    test_c_plugin_needs_no_cxx_runtime,
    test_throw_through_plugin_hpp,
    test_throw_raw_across_abi,
    test_host_carries_on_after_throws,
    test_init_throwing_across_abi_is_refused,
    test_newer_minor_loads_and_works,
    test_version_skew_refusals,
    test_not_plugins_are_refused,
    test_init_error_is_refused_and_dropped,
    test_duplicate_id_is_refused,
    test_same_priority_smaller_id_wins,
    test_higher_priority_wins_regardless_of_id,
    test_overload_beats_op_wide_at_equal_priority,
    test_declined_attempt_leaves_nothing,
    test_failed_attempt_leaves_nothing,
    test_declined_attempt_cannot_change_earlier_operators,
    test_output_quantization_must_match_libtorch,
    test_packed_cells_match_pytorch,
    test_first_party_exports_and_needs,
    test_sdk_built_test_plugins_export_only_entry,
]


def main():
    global A, oracle
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--fixtures", required=True)
    p.add_argument("--plugins", required=True, help="the test plugins' root (one directory per plugin)")
    p.add_argument("--first-party", required=True, help="the first-party plugins' directory")
    p.add_argument("--oracle", required=True, help="the directory of tests/e2e/oracle.py")
    p.add_argument("names", nargs="*", help="run only tests whose name contains one of these")
    A = p.parse_args()
    sys.path.insert(0, A.oracle)
    import oracle as oracle_module
    oracle = oracle_module
    # Only what each test names may load: no plugins from the caller's environment.
    os.environ.pop("LITECAST_PLUGIN_PATH", None)

    passed = failed = 0
    for t in TESTS:
        name = t.__name__[len("test_"):]
        if A.names and not any(n in name for n in A.names):
            continue
        try:
            note = t()
            print(f"ok {name}" + (f" ({note})" if note else ""), flush=True)
            passed += 1
        except Failure as e:
            print(f"FAIL {name}: {e}", flush=True)
            failed += 1
        except Exception:  # a bug in the test itself still counts, with its trace
            print(f"FAIL {name}: unexpected exception\n{traceback.format_exc()}", flush=True)
            failed += 1
    print(f"abi: {passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
