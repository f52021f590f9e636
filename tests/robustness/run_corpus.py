"""The bad-input corpus: generated truncated, foreign and hand-crafted .pt and .tflite files, bad
options and shapes, bad pruning configs and broken plugin directories, run through convert,
inspect, prune, quantize, export-debug, lstm-states and plugins.

For every case: the exit code is non-zero (or zero with a warning where the command can go on),
stderr is one line (or a bounded few warnings) without internal text, no signal ended the
process, nothing is left in the case's output directory (no temporary files, no partial
output), and the input files are byte for byte what they were. Then: concurrent runs to one
output end with one loadable file, and a convert killed with SIGINT/SIGTERM leaves no
temporary file behind.

Usage: run_corpus.py LITECAST [--only SUBSTRING] [--list]
Prints "ok CLASS/NAME" or "FAIL CLASS/NAME: why" per case, the count per class, and a summary.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore", category=FutureWarning)  # torch.jit.trace/load deprecation notes
sys.path.insert(0, HERE)
import tflite_builder as tb  # noqa: E402

# Text that must never reach a user: LibTorch, libstdc++ and runtime internals.
INTERNAL = ("frame #", "enforce fail", "PytorchStreamReader", "basic_filebuf", "_M_range_check", "std::",
            "terminate called", "Exception raised from", "Traceback", "what():", "max_size()", "filesystem error",
            "please report", "internal:", "Segmentation", "core dumped")

TIMES = {}
Case = collections.namedtuple("Case", "cls name args expect words max_lines out_dir inputs env")


def case(cls, name, args, expect="error", words=(), max_lines=1, out_dir=None, inputs=(), env=None):
    return Case(cls, name, list(args), expect, tuple(words), max_lines, out_dir, tuple(inputs), env)


def digest(path):
    if not os.path.isfile(path) or os.path.islink(path) and not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return "unreadable"


class Corpus:
    def __init__(self, cli, root):
        self.cli = cli
        self.root = root
        self.inp = os.path.join(root, "in")
        os.makedirs(self.inp)
        self.cases = []
        self.n_out = 0

    def path(self, name):
        return os.path.join(self.inp, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    def out_dir(self):
        self.n_out += 1
        d = os.path.join(self.root, f"out{self.n_out}")
        os.makedirs(d)
        return d

    def add(self, cls, name, args, **kw):
        self.cases.append(case(cls, name, args, **kw))


def make_models(c):
    """A 3-channel conv net (TorchScript), its .tflite, and a good pruning config."""
    import torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.c2 = torch.nn.Conv2d(8, 8, 3, padding=1)
            self.fc = torch.nn.Linear(8, 4)

        def forward(self, x):
            y = torch.relu(self.c2(torch.relu(self.c1(x))))
            return self.fc(y.mean((2, 3)))

    torch.manual_seed(0)
    net = Net().eval()
    with torch.no_grad():
        traced = torch.jit.trace(net, torch.randn(1, 3, 16, 16))
    pt = c.path("conv.pt")
    traced.save(pt)
    tfl = c.path("conv.tflite")
    r = subprocess.run([c.cli, "convert", pt, "-o", tfl, "--input-shape", "1,3,16,16"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"cannot convert the corpus model: {r.stderr}")
    cfg = c.write("good.yaml", "sparsity: 0.5\nmetrics: l2_norm\n")
    return pt, tfl, cfg


def tflite_cases(c, tfl):
    data = open(tfl, "rb").read()
    files = []
    for n in (0, 8, 40, len(data) // 4, len(data) // 2, len(data) - 1):
        files.append(("truncated", f"cut{n}", c.write(f"cut{n}.tflite", data[:n])))
    foreign = {
        "zeros": b"\0" * 4096, "text": b"this is not a model\n" * 30, "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 200,
        "zip": open(c.path("conv.pt"), "rb").read(), "tfl3_id_only": b"\0\0\0\0TFL3" + b"\xff" * 100,
        "random": bytes((i * 7919 + 13) % 251 for i in range(5000)),
    }
    for k, v in foreign.items():
        files.append(("foreign_tflite", k, c.write(f"{k}.tflite", v)))
    os.makedirs(c.path("dir.tflite"))
    files.append(("foreign_tflite", "directory", c.path("dir.tflite")))
    files.append(("foreign_tflite", "dev_zero", "/dev/zero"))
    files.append(("foreign_tflite", "missing", c.path("nope.tflite")))
    huge = c.path("huge.tflite")  # sparse: no disk used; must be refused before reading
    with open(huge, "wb") as f:
        f.truncate(5 << 30)
    files.append(("foreign_tflite", "huge_sparse", huge))
    with open(c.path("proc_mem.tflite"), "wb"):
        pass
    os.remove(c.path("proc_mem.tflite"))
    os.symlink("/proc/self/mem", c.path("proc_mem.tflite"))  # a regular file that cannot be read
    files.append(("foreign_tflite", "unreadable", c.path("proc_mem.tflite")))

    def crafted(name, edit):
        m = tb.base()
        edit(m)
        files.append(("crafted_tflite", name, c.write(f"crafted_{name}.tflite", tb.build(m))))

    def set_(path_fn):
        return path_fn

    crafted("subgraph_input_minus1", lambda m: m.update(inputs=[-1]))
    crafted("subgraph_input_99", lambda m: m.update(inputs=[99]))
    crafted("subgraph_output_minus5", lambda m: m.update(outputs=[-5]))
    crafted("op_input_99", lambda m: m["ops"][0].update(inputs=[0, 99]))
    crafted("op_input_minus2", lambda m: m["ops"][0].update(inputs=[-2, 1]))
    crafted("op_output_minus1", lambda m: m["ops"][0].update(outputs=[-1]))
    crafted("opcode_index_5", lambda m: m["ops"][0].update(opcode=5))
    crafted("tensor_buffer_42", lambda m: m["tensors"][1].update(buffer=42))
    crafted("negative_shape", lambda m: m["tensors"][0].update(shape=[-3, 4]))
    crafted("huge_shape", lambda m: m["tensors"][2].update(shape=[2147483647, 2147483647, 2147483647]))
    crafted("unknown_tensor_type", lambda m: m["tensors"][0].update(type=99))
    crafted("quant_2_scales_1_zero_point", lambda m: m["tensors"][0].update(type=tb.INT8, scales=[0.1, 0.2],
                                                                            zero_points=[0], axis=1))
    crafted("quant_zero_points_without_scales", lambda m: m["tensors"][0].update(type=tb.INT8, scales=[],
                                                                                 zero_points=[3]))
    crafted("quant_scale_without_zero_point", lambda m: m["tensors"][0].update(type=tb.INT8, scales=[0.5],
                                                                               zero_points=[]))
    crafted("quant_per_channel_count", lambda m: m["tensors"][0].update(type=tb.INT8, scales=[0.1, 0.2, 0.3],
                                                                        zero_points=[0, 0, 0], axis=1))
    crafted("quant_axis_out_of_range", lambda m: m["tensors"][0].update(type=tb.INT8, scales=[0.1] * 4,
                                                                        zero_points=[0] * 4, axis=7))
    crafted("constant_size_mismatch", lambda m: m["buffers"][1].update(data=b"\1\2\3"))
    crafted("buffer_past_eof", lambda m: m["buffers"].append(dict(offset=1 << 20, size=64)) or
            m["tensors"].append(tb.tensor("far", [16], buffer=2)))
    crafted("buffer_offset_wraps", lambda m: m["buffers"].append(dict(offset=(1 << 64) - 8, size=16)) or
            m["tensors"].append(tb.tensor("wrap", [4], buffer=2)))
    crafted("buffer_size_huge", lambda m: m["buffers"].append(dict(offset=16, size=1 << 63)) or
            m["tensors"].append(tb.tensor("big", [4], buffer=2)))
    crafted("no_subgraph", lambda m: m.update(subgraphs=0))
    crafted("while_cond_subgraph_5", lambda m: m.update(opcodes=[tb.ADD, tb.WHILE]) or
            m["ops"].append(dict(opcode=1, inputs=[2], outputs=[2], **{"while": (5, 0)})))
    crafted("while_body_subgraph_minus1", lambda m: m.update(opcodes=[tb.ADD, tb.WHILE]) or
            m["ops"].append(dict(opcode=1, inputs=[2], outputs=[2], **{"while": (0, -1)})))
    crafted("metadata_buffer_9", lambda m: m.update(metadata=[("min_runtime_version", 9)]))
    return files


def add_tflite_cases(c, tfl):
    # The hand-crafted base must itself be good, or the crafted cases prove nothing.
    good = c.write("crafted_good.tflite", tb.build(tb.base()))
    c.add("crafted_tflite", "control_good", ["inspect", good], expect="ok", max_lines=0, inputs=[good])
    c.add("crafted_tflite", "control_good_lstm_states", ["lstm-states", good], expect="ok", max_lines=0,
          inputs=[good])
    for cls, name, p in tflite_cases(c, tfl):
        inputs = [p] if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) < (1 << 24) else []
        c.add(cls, f"inspect_{name}", ["inspect", p], inputs=inputs)
        if name in ("subgraph_input_minus1", "op_input_99", "quant_scale_without_zero_point", "buffer_past_eof",
                    "cut40", "dev_zero"):
            c.add(cls, f"lstm_states_{name}", ["lstm-states", p, "--json"], inputs=inputs)


def pt_files(c, pt):
    data = open(pt, "rb").read()
    out = []
    for n in (0, 10, 100, len(data) // 3, len(data) // 2, len(data) - 22, len(data) - 1):
        out.append(("truncated_pt", f"cut{n}", c.write(f"cut{n}.pt", data[:n])))
    for k, v in {"text": "not a model\n" * 40, "zeros": b"\0" * 8192,
                 "tflite": open(c.path("conv.tflite"), "rb").read()}.items():
        out.append(("foreign_pt", k, c.write(f"{k}.pt", v)))
    zf = c.path("other_zip.pt")  # a zip archive that is not a TorchScript archive
    with zipfile.ZipFile(zf, "w") as z:
        z.writestr("hello.txt", "hello")
    out.append(("foreign_pt", "other_zip", zf))
    src = zipfile.ZipFile(pt)
    names = src.namelist()

    def rewrite(name, fn):
        p = c.path(f"{name}.pt")
        with zipfile.ZipFile(p, "w") as z:
            for n in names:
                v = fn(n, src.read(n))
                if v is not None:
                    z.writestr(n, v)
        out.append(("crafted_pt", name, p))

    rewrite("pickle_garbage", lambda n, v: b"\x80\x02garbage" if n.endswith("/data.pkl") else v)
    rewrite("no_data_pkl", lambda n, v: None if n.endswith("/data.pkl") else v)
    rewrite("no_constants", lambda n, v: None if n.endswith("constants.pkl") else v)
    rewrite("code_garbage", lambda n, v: b"def forward(self x):\n  return ?\n" if n.endswith(".py") else v)
    # A tensor record cut short inside an intact archive: LibTorch would read past its end.
    rewrite("tensor_record_cut", lambda n, v: v[:len(v) // 4] if "/data/" in n and len(v) > 64 else v)
    rewrite("tensor_record_empty", lambda n, v: b"" if "/data/" in n and len(v) > 64 else v)
    rewrite("tensor_data_missing", lambda n, v: None if "/data/" in n and not n.endswith(".pkl") else v)
    os.makedirs(c.path("dir.pt"))
    out.append(("foreign_pt", "directory", c.path("dir.pt")))
    out.append(("foreign_pt", "dev_zero", "/dev/zero"))
    out.append(("foreign_pt", "missing", c.path("missing.pt")))
    return out


def add_pt_cases(c, pt, cfg):
    for cls, name, p in pt_files(c, pt):
        ins = [p] if os.path.isfile(p) else []
        o = c.out_dir()
        c.add(cls, f"convert_{name}", ["convert", p, "-o", os.path.join(o, "m.tflite"), "--input-shape", "1,3,16,16"],
              out_dir=o, inputs=ins)
        if name in ("cut100", "text", "no_data_pkl", "dev_zero", "tensor_record_cut"):
            o = c.out_dir()
            c.add(cls, f"prune_{name}", ["prune", p, "-c", cfg, "-o", os.path.join(o, "p.pt"), "--input-shape",
                                         "1,3,16,16", "-q"], out_dir=o, inputs=ins + [cfg])
            o = c.out_dir()
            c.add(cls, f"export_debug_{name}", ["export-debug", p, "-o", os.path.join(o, "bundle"), "--input-shape",
                                                "1,3,16,16"], out_dir=o, inputs=ins)


BAD_SHAPES = {
    "huge_image": "1,3,100000,100000", "int64_max": "9223372036854775807,16", "wrong_channels": "1,4,16,16",
    "one_channel": "1,1,16,16", "zero_dim": "0,3,16,16", "negative_dim": "1,-3,16,16", "rank3": "3,16,16",
    "rank5": "1,3,16,16,1", "empty": "", "double_comma": "1,,16,16", "letters": "1,3,a,16", "overflow_digits":
    "99999999999999999999999,3", "float": "1,3,16.5,16", "spaces": "1, 3, 16, 16x",
}


def add_option_cases(c, pt, cfg):
    for name, shape in BAD_SHAPES.items():
        o = c.out_dir()
        c.add("bad_shape", f"convert_{name}", ["convert", pt, "-o", os.path.join(o, "m.tflite"), "--input-shape",
                                               shape], out_dir=o, inputs=[pt], words=("--input-shape",))
    for name in ("huge_image", "int64_max", "wrong_channels", "zero_dim"):
        o = c.out_dir()
        if name in ("int64_max", "zero_dim"):  # the same parser as huge_image, covered by convert
            continue
        c.add("bad_shape", f"prune_{name}", ["prune", pt, "-c", cfg, "-o", os.path.join(o, "p.pt"), "--input-shape",
                                             BAD_SHAPES[name], "-q"], out_dir=o, inputs=[pt, cfg],
              words=("--input-shape",))
        o = c.out_dir()
        c.add("bad_shape", f"export_debug_{name}", ["export-debug", pt, "-o", os.path.join(o, "b"), "--input-shape",
                                                    BAD_SHAPES[name]], out_dir=o, inputs=[pt],
              words=("--input-shape",))
    o = c.out_dir()
    out = os.path.join(o, "m.tflite")
    opts = {
        "dtype_int64": ["--input-shape", "1,3,16,16", "--input-dtype", "int64"],
        "dtype_unknown": ["--input-shape", "1,3,16,16", "--input-dtype", "float7"],
        "two_shapes": ["--input-shape", "1,3,16,16", "--input-shape", "1,3,16,16"],
        "no_shape": [],
        "unknown_option": ["--input-shape", "1,3,16,16", "--frobnicate"],
        "bad_quant_type": ["--input-shape", "1,3,16,16", "--quantize-target-type", "int4"],
        "bad_transpose_flags": ["--input-shape", "1,3,16,16", "--input-transpose", "2"],
        "example_input_garbage": ["--example-input", c.write("garbage.inputs.pt", b"junk" * 10)],
        "example_input_missing": ["--example-input", c.path("no.inputs.pt")],
    }
    for name, extra in opts.items():
        ins = [pt] + [a for a in extra if a.startswith(c.inp) and os.path.isfile(a)]
        c.add("bad_option", f"convert_{name}", ["convert", pt, "-o", out, *extra], out_dir=o, inputs=ins)
    fifo = os.path.join(c.inp, "fifo.tflite")  # never a device: as root, a rename would replace it
    os.mkfifo(fifo)
    for name, target in {"output_dir_missing": os.path.join(o, "no", "dir", "m.tflite"), "output_is_dir": o,
                         "output_is_input": pt, "output_is_fifo": fifo, "output_empty": ""}.items():
        c.add("bad_option", f"convert_{name}", ["convert", pt, "-o", target, "--input-shape", "1,3,16,16"], out_dir=o,
              inputs=[pt])
    blocker = c.write("a_file", "x")
    c.add("bad_option", "export_debug_dir_under_file", ["export-debug", pt, "-o", os.path.join(blocker, "sub"),
                                                        "--input-shape", "1,3,16,16"], inputs=[pt, blocker])
    c.add("bad_option", "export_debug_dir_is_file", ["export-debug", pt, "-o", blocker, "--input-shape", "1,3,16,16"],
          inputs=[pt, blocker])
    c.add("bad_option", "export_debug_overwrites_input",
          ["export-debug", pt, "-o", c.inp, "--input-shape", "1,3,16,16"], inputs=[pt])
    c.add("bad_option", "prune_output_is_config", ["prune", pt, "-c", cfg, "-o", cfg, "--input-shape", "1,3,16,16",
                                                   "-q"], inputs=[pt, cfg])
    o = c.out_dir()
    c.add("bad_option", "prune_no_output", ["prune", pt, "-c", cfg, "--input-shape", "1,3,16,16", "-q"],
          out_dir=o, inputs=[pt, cfg])
    c.add("bad_option", "prune_config_missing", ["prune", pt, "-c", c.path("none.yaml"), "-o",
                                                 os.path.join(o, "p.pt"), "--input-shape", "1,3,16,16", "-q"],
          out_dir=o, inputs=[pt])
    c.add("bad_option", "prune_config_is_dir", ["prune", pt, "-c", c.inp, "-o", os.path.join(o, "p.pt"),
                                                "--input-shape", "1,3,16,16", "-q"], out_dir=o, inputs=[pt])
    c.add("bad_option", "inspect_no_model", ["inspect"])
    c.add("bad_option", "inspect_two_models", ["inspect", c.path("conv.tflite"), c.path("conv.tflite")],
          inputs=[c.path("conv.tflite")])


CONFIGS = {
    "unknown_key": ("sparsity: 0.5\nmetrics: l2_norm\nsparsiti: 0.5\n", ("'sparsiti'", ":3")),
    "duplicate_key": ("sparsity: 0.5\nmetrics: l2_norm\nsparsity: 0.25\n", ("'sparsity'", ":3", "twice")),
    "duplicate_layer": ("sparsity:\n  default: 0.5\n  c1: 0.25\n  c1: 0.5\nmetrics: l2_norm\n", ("c1", ":4")),
    "exclude_layers_typo": ("sparsity: 0.5\nmetrics: l2_norm\nexclude_layers: [c1, cc2]\n",
                            ("'exclude_layers'", "cc2")),
    "sparsity_layer_typo": ("sparsity:\n  default: 0.5\n  cc1: 0.5\nmetrics: l2_norm\n", ("cc1",)),
    "sparsity_list": ("sparsity: [0.5]\nmetrics: l2_norm\n", ("'sparsity'",)),
    "sparsity_text": ("sparsity: half\nmetrics: l2_norm\n", ("'sparsity'",)),
    "sparsity_one_and_a_half": ("sparsity: 1.5\nmetrics: l2_norm\n", ("'sparsity'",)),
    "sparsity_nan": ("sparsity: .nan\nmetrics: l2_norm\n", ("'sparsity'",)),
    "metrics_list": ("sparsity: 0.5\nmetrics: [l2_norm]\n", ("'metrics'",)),
    "metrics_unknown": ("sparsity: 0.5\nmetrics: l7_norm\n", ("l7_norm",)),
    "multiple_text": ("sparsity: 0.5\nmetrics: l2_norm\nmultiple: many\n", ("'multiple'",)),
    "multiple_huge": ("sparsity: 0.5\nmetrics: l2_norm\nmultiple: 99999999999999999999\n", ("'multiple'",)),
    "skip_last_fc_maybe": ("sparsity: 0.5\nmetrics: l2_norm\nskip_last_fc: maybe\n", ("'skip_last_fc'",)),
    "exclude_ops_map": ("sparsity: 0.5\nmetrics: l2_norm\nexclude_ops: {a: 1}\n", ("'exclude_ops'",)),
    "exclude_ops_unknown": ("sparsity: 0.5\nmetrics: l2_norm\nexclude_ops: [pool]\n", ("'exclude_ops'",)),
    "seed_negative": ("sparsity: 0.5\nmetrics: l2_norm\nseed: -4\n", ("'seed'",)),
    "empty_file": ("", ("sparsity",)),
    "a_list": ("- sparsity: 0.5\n", ("map",)),
    "malformed": ("sparsity: [0.5\nmetrics: l2_norm\n", ("malformed YAML",)),
    "tab_indent": ("sparsity:\n\tdefault: 0.5\n", ()),
    "binary": ("\x00\x01\x02\xff\xfe".encode("latin-1"), ()),
    "key_is_a_map": ("{a: 1}: 2\nsparsity: 0.5\n", ()),
    "missing_sparsity": ("metrics: l2_norm\n", ("'sparsity'",)),
    "anchor_bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nsparsity: 0.5\n", ()),
}


def add_config_cases(c, pt):
    for name, (text, words) in CONFIGS.items():
        p = c.write(f"cfg_{name}.yaml", text)
        o = c.out_dir()
        c.add("bad_config", f"prune_{name}", ["prune", pt, "-c", p, "-o", os.path.join(o, "p.pt"), "--input-shape",
                                              "1,3,16,16", "-q"], out_dir=o, inputs=[pt, p], words=words)
    # A config without 'metrics' can go on (TinyNeuralNetwork's default, l2_norm) but says so.
    p = c.write("cfg_no_metrics.yaml", "sparsity: 0.5\n")
    o = c.out_dir()
    c.add("bad_config", "prune_no_metrics_warns", ["prune", pt, "-c", p, "--input-shape", "1,3,16,16", "-q",
                                                   "--dry-run"], expect="warn", words=("metrics", "l2_norm"),
          out_dir=o, inputs=[pt, p])


def add_quantize_cases(c, pt):
    """Calibration data that is empty, unreadable, of the wrong shape or dtype, or not finite; bad
    algorithm options; outputs that are inputs."""
    import numpy as np

    rng = np.random.default_rng(0)
    good = rng.standard_normal((4, 3, 16, 16)).astype(np.float32)
    good_p = c.path("calib.npy")
    np.save(good_p, good)
    whole = open(good_p, "rb").read()

    def npy(name, arr):
        p = c.path(f"calib_{name}.npy")
        np.save(p, arr)
        return p

    nan = good.copy()
    nan[1, 2, 3, 4] = np.nan
    inf = good.copy()
    inf[0, 0, 0, 0] = np.inf
    empty_dir = os.path.join(c.inp, "calib_empty_dir")
    os.makedirs(empty_dir)
    foreign_dir = os.path.join(c.inp, "calib_foreign_dir")
    os.makedirs(foreign_dir)
    with open(os.path.join(foreign_dir, "notes.txt"), "w") as f:
        f.write("not calibration data\n")
    import torch

    tensor_pt = c.path("calib_tensor.pt")
    torch.save(torch.from_numpy(good), tensor_pt)
    cut_pt = c.path("calib_record_cut.pt")
    with zipfile.ZipFile(tensor_pt) as src, zipfile.ZipFile(cut_pt, "w") as z:
        for n in src.namelist():
            v = src.read(n)
            z.writestr(n, v[:100] if "/data/" in n and not n.endswith(".pkl") else v)
    npz_p = c.path("calib_npz_empty.npz")
    np.savez(npz_p)
    data = {
        "missing": (c.path("no_such_calib.npy"), ("no_such_calib.npy",)),
        "empty_dir": (empty_dir, ("calib_empty_dir",)),
        "foreign_dir": (foreign_dir, ("calib_foreign_dir",)),
        "truncated_npy": (c.write("calib_cut.npy", whole[:len(whole) // 2]), ("calib_cut.npy",)),
        "header_only_npy": (c.write("calib_hdr.npy", whole[:128]), ("calib_hdr.npy",)),
        "text_as_npy": (c.write("calib_text.npy", "1 2 3\n"), ("calib_text.npy",)),
        "empty_file": (c.write("calib_empty.npy", b""), ("calib_empty.npy",)),
        "wrong_channels": (npy("ch4", rng.standard_normal((4, 4, 16, 16)).astype(np.float32)), ()),
        "wrong_rank": (npy("rank2", rng.standard_normal((4, 48)).astype(np.float32)), ()),
        "zero_samples": (npy("zero", np.zeros((0, 3, 16, 16), np.float32)), ("calib_zero.npy",)),
        "nan": (npy("nan", nan), ("calib_nan.npy",)),
        "inf": (npy("inf", inf), ("calib_inf.npy",)),
        "strings": (npy("str", np.array(["a", "b"])), ("calib_str.npy",)),
        "object_array": (c.write("calib_obj.npy", whole[:8] + whole[8:].replace(b"'<f4'", b"'|O' ", 1)), ()),
        "npz_empty": (npz_p, ("calib_npz_empty.npz",)),
        "pt_garbage": (c.write("calib_junk.pt", b"PK\x03\x04" + b"junk" * 20), ("calib_junk.pt",)),
        "pt_a_model": (pt, ()),
        "pt_record_cut": (cut_pt, ("calib_record_cut.pt", "data/0")),
    }
    for name, (path, words) in data.items():
        o = c.out_dir()
        ins = [path] if os.path.isfile(path) else []
        c.add("quantize", f"quantize_{name}", ["quantize", pt, "-o", os.path.join(o, "q.tflite"), "--calibration-data",
                                               path, "-q"], out_dir=o, inputs=[pt, *ins], words=words)
    opts = {
        "algorithm_unknown": (["--algorithm", "l3"], ("l3",)),
        "percentile_over_100": (["--algorithm", "percentile", "--percentile", "150"], ("--percentile",)),
        "percentile_text": (["--algorithm", "percentile", "--percentile", "most"], ("--percentile",)),
        "samples_zero": (["--calibration-samples", "0"], ("--calibration-samples",)),
        "samples_negative": (["--calibration-samples", "-3"], ("--calibration-samples",)),
        "shape_mismatch": (["--input-shape", "1,3,8,8"], ()),
        "target_type_int4": (["--quantize-target-type", "int4"], ("--quantize-target-type",)),
        "no_calibration": (None, ("--calibration-data",)),
    }
    for name, (extra, words) in opts.items():
        o = c.out_dir()
        args = ["quantize", pt, "-o", os.path.join(o, "q.tflite"), "-q"]
        args += ["--calibration-data", good_p] + extra if extra is not None else []
        c.add("quantize", f"quantize_{name}", args, out_dir=o, inputs=[pt, good_p], words=words)
    o = c.out_dir()
    c.add("quantize", "quantize_output_is_model", ["quantize", pt, "-o", pt, "--calibration-data", good_p, "-q"],
          inputs=[pt, good_p])
    c.add("quantize", "quantize_output_is_data", ["quantize", pt, "-o", good_p, "--calibration-data", good_p, "-q"],
          inputs=[pt, good_p])
    c.add("quantize", "quantize_report_is_model", ["quantize", pt, "-o", os.path.join(o, "q.tflite"),
                                                   "--calibration-data", good_p, "--report", pt, "-q"],
          out_dir=o, inputs=[pt, good_p])
    c.add("quantize", "quantize_report_dir_missing", ["quantize", pt, "-o", os.path.join(o, "q.tflite"),
                                                      "--calibration-data", good_p, "--report",
                                                      os.path.join(o, "no", "r.json"), "-q"],
          out_dir=o, inputs=[pt, good_p])


def make_plugin_dirs(c, root_plugins):
    aten = os.path.join(root_plugins, "liblitecast_aten.so")
    elf = open(aten, "rb").read()
    dirs = {}

    def d(name, files):
        p = os.path.join(c.inp, "plugins_" + name)
        os.makedirs(p)
        for fname, content in files.items():
            if isinstance(content, tuple) and content[0] == "symlink":
                os.symlink(content[1], os.path.join(p, fname))
            else:
                with open(os.path.join(p, fname), "wb") as f:
                    f.write(content)
        dirs[name] = p
        return p

    def patched(offset, fmt, value):
        b = bytearray(elf)
        struct.pack_into(fmt, b, offset, value)
        return bytes(b)

    d("truncated_elf_4k", {"libcut.so": elf[:4096]})
    d("truncated_elf_half", {"libcut.so": elf[:len(elf) // 2]})
    d("truncated_elf_header", {"libcut.so": elf[:64]})
    d("truncated_elf_16", {"libcut.so": elf[:16]})
    d("empty_so", {"libempty.so": b""})
    d("text_so", {"libtext.so": b"#!/bin/sh\necho not a library\n"})
    d("elf_other_machine", {"libarm.so": patched(18, "<H", 183)})  # EM_AARCH64
    d("elf_32bit", {"lib32.so": patched(4, "<B", 1)})
    d("elf_big_endian", {"libbe.so": patched(5, "<B", 2)})
    d("elf_section_headers_past_end", {"libsh.so": patched(40, "<Q", len(elf) * 4)})
    d("elf_program_headers_past_end", {"libph.so": patched(32, "<Q", len(elf) * 4)})
    d("elf_executable", {"libexe.so": patched(16, "<H", 2)})  # ET_EXEC
    d("symlink_loop", {"liba.so": ("symlink", "libb.so"), "libb.so": ("symlink", "liba.so")})
    d("symlink_self", {"libself.so": ("symlink", "libself.so")})
    d("dangling_symlink", {"libgone.so": ("symlink", "/nonexistent/lib.so")})
    d("unreadable", {"libmem.so": ("symlink", "/proc/self/mem")})
    p = d("dir_named_so", {})
    os.makedirs(os.path.join(p, "libdir.so"))
    p = d("fifo_named_so", {})
    os.mkfifo(os.path.join(p, "libfifo.so"))
    d("duplicate_plugin", {"libcopy.so": elf})
    d("no_entry_symbol", {"libm_copy.so": open(find_lib("libm.so.6"), "rb").read()})
    return dirs


def find_lib(name):
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise SystemExit(f"{name} not found")


def add_plugin_cases(c, pt, root_plugins):
    dirs = make_plugin_dirs(c, root_plugins)
    for name, d in dirs.items():
        own = [] if name == "duplicate_plugin" else ["--no-default-plugins"]
        # A directory or a FIFO named *.so is not meant as a plugin: skipped without a word.
        silent = name in ("dir_named_so", "fifo_named_so")
        c.add("plugins", f"plugins_{name}", ["plugins", *own, "--plugin-dir", d], expect="ok" if silent else "warn",
              max_lines=0 if silent else 2, inputs=[os.path.join(d, f) for f in sorted(os.listdir(d))
                                   if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f))
                                   and not stat.S_ISFIFO(os.stat(os.path.join(d, f)).st_mode)])
    for name in ("truncated_elf_4k", "symlink_loop", "elf_other_machine", "empty_so"):
        o = c.out_dir()
        c.add("plugins", f"convert_with_{name}", ["convert", pt, "-o", os.path.join(o, "m.tflite"), "--input-shape",
                                                  "1,3,16,16", "--plugin-dir", dirs[name]],
              expect="warn", max_lines=3, out_dir=o, inputs=[pt], words=("warning",))
    o = c.out_dir()
    c.add("plugins", "plugin_dir_missing", ["plugins", "--plugin-dir", c.path("no_such_dir")], words=("no_such_dir",))
    c.add("plugins", "plugin_dir_is_file", ["plugins", "--plugin-dir", pt], words=("conv.pt",), inputs=[pt])
    c.add("plugins", "convert_plugin_dir_missing", ["convert", pt, "-o", os.path.join(o, "m.tflite"), "--input-shape",
                                                    "1,3,16,16", "--plugin-dir", c.path("gone")],
          out_dir=o, inputs=[pt], words=("gone",))
    c.add("plugins", "ops_plugin_dir_is_file", ["ops", "--plugin-dir", pt], inputs=[pt], words=("conv.pt",))
    # LITECAST_PLUGIN_PATH entries that are not directories are said; the command goes on.
    c.add("plugins", "plugin_path_env_missing", ["plugins", "--no-default-plugins"], expect="warn",
          words=("LITECAST_PLUGIN_PATH", "not_there"), env={"LITECAST_PLUGIN_PATH": c.path("not_there")})
    c.add("plugins", "plugin_path_env_is_file", ["plugins", "--no-default-plugins"], expect="warn", inputs=[pt],
          words=("LITECAST_PLUGIN_PATH", "conv.pt"), env={"LITECAST_PLUGIN_PATH": pt + "::"})


def run_case(c, k):
    before = {p: digest(p) for p in k.inputs}
    listing_before = sorted(os.listdir(k.out_dir)) if k.out_dir else None
    env = dict(os.environ, LITECAST_PLUGIN_PATH="")
    if k.env:
        env.update(k.env)
    t0 = time.time()
    try:
        r = subprocess.run([c.cli, *k.args], capture_output=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "timed out after 60 s"
    finally:
        TIMES[f"{k.cls}/{k.name}"] = time.time() - t0
    err = r.stderr.decode("utf-8", "replace").strip()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    problems = []
    if r.returncode < 0:
        problems.append(f"killed by signal {-r.returncode}")
    elif k.expect == "error" and r.returncode == 0:
        problems.append("exit 0")
    elif k.expect in ("ok", "warn") and r.returncode != 0:
        problems.append(f"exit {r.returncode}")
    if k.expect == "error":
        if len(lines) != 1 or not lines[0].startswith("error: "):
            problems.append(f"{len(lines)} stderr lines, wanted one 'error:' line")
    elif k.expect == "warn":
        warnings = [ln for ln in lines if ln.startswith("warning: ")]
        if not warnings:
            problems.append("no warning")
        if len(lines) > k.max_lines:
            problems.append(f"{len(lines)} stderr lines (at most {k.max_lines})")
    elif len(lines) > k.max_lines:
        problems.append(f"{len(lines)} stderr lines (at most {k.max_lines})")
    for bad in INTERNAL:
        if bad in err:
            problems.append(f"internal text '{bad}'")
    for w in k.words:
        if w not in err:
            problems.append(f"'{w}' not named")
    if k.out_dir:
        listing = sorted(os.listdir(k.out_dir))
        if k.expect == "error" and listing != listing_before:
            problems.append(f"left behind: {sorted(set(listing) - set(listing_before))}")
        stray = [f for f in listing if "tmp" in f or f.endswith(".part")]
        if stray:
            problems.append(f"temporary files left: {stray}")
    for p, h in before.items():
        if digest(p) != h:
            problems.append(f"input {os.path.basename(p)} changed")
    if problems:
        return "; ".join(problems) + f" | exit {r.returncode} | stderr: {err[:400]!r}"
    return None


def concurrency_checks(c, pt, cfg, results):
    """Four converts and four prunes to one output at once: one loadable file, nothing else."""
    o = c.out_dir()
    out = os.path.join(o, "same.tflite")
    env = dict(os.environ, LITECAST_PLUGIN_PATH="")
    procs = [subprocess.Popen([c.cli, "convert", pt, "-o", out, "--input-shape", "1,3,16,16"], env=env,
                              stderr=subprocess.PIPE) for _ in range(4)]
    codes = [p.wait() for p in procs]
    problems = []
    if any(codes):
        problems.append(f"exit codes {codes}: {[p.stderr.read().decode()[:200] for p in procs]}")
    if sorted(os.listdir(o)) != ["same.tflite"]:
        problems.append(f"directory holds {sorted(os.listdir(o))}")
    else:
        from ai_edge_litert.interpreter import Interpreter
        try:
            Interpreter(model_path=out).allocate_tensors()
        except Exception as e:  # LiteRT's refusal, whatever it raises
            problems.append(f"LiteRT cannot load the result: {e}")
    for p in procs:
        p.stderr.close()
    results.append(("concurrency", "four_converts_one_output", "; ".join(problems) or None))

    o = c.out_dir()
    out = os.path.join(o, "same.pt")
    procs = [subprocess.Popen([c.cli, "prune", pt, "-c", cfg, "-o", out, "--input-shape", "1,3,16,16", "-q",
                               "--write-config", os.path.join(o, f"cfg{i}.yaml")], env=env, stderr=subprocess.PIPE)
             for i in range(4)]
    codes = [p.wait() for p in procs]
    problems = []
    if any(codes):
        problems.append(f"exit codes {codes}: {[p.stderr.read().decode()[:200] for p in procs]}")
    want = sorted(["same.pt"] + [f"cfg{i}.yaml" for i in range(4)])
    if sorted(os.listdir(o)) != want:
        problems.append(f"directory holds {sorted(os.listdir(o))}")
    else:
        import torch
        try:
            torch.jit.load(out)(torch.randn(1, 3, 16, 16))
        except Exception as e:  # torch's refusal, whatever it raises
            problems.append(f"torch cannot load and run the result: {e}")
    for p in procs:
        p.stderr.close()
    results.append(("concurrency", "four_prunes_one_output", "; ".join(problems) or None))


def signal_checks(c, pt, cfg, results):
    """Converts and prunes interrupted at different moments: no temporary file stays."""
    env = dict(os.environ, LITECAST_PLUGIN_PATH="")
    for i, (sig, delay) in enumerate([(signal.SIGTERM, 0.25), (signal.SIGINT, 0.3), (signal.SIGTERM, 0.35),
                                      (signal.SIGINT, 0.4), (signal.SIGTERM, 0.5), (signal.SIGINT, 0.6)]):
        o = c.out_dir()
        cmd = ([c.cli, "convert", pt, "-o", os.path.join(o, "m.tflite"), "--input-shape", "1,3,16,16"] if i % 2 == 0
               else [c.cli, "prune", pt, "-c", cfg, "-o", os.path.join(o, "p.pt"), "--input-shape", "1,3,16,16",
                     "-q", "--write-config", os.path.join(o, "p.yaml")])
        p = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(sig)
        p.wait()
        left = sorted(os.listdir(o))
        stray = [f for f in left if f not in ("m.tflite", "p.pt", "p.yaml")]
        name = f"{os.path.basename(cmd[1])}_{signal.Signals(sig).name}_{int(delay * 1000)}ms"
        results.append(("signals", name, f"left behind: {stray}" if stray else None))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="litecast-corpus-")
    try:
        c = Corpus(os.path.abspath(a.cli), root)
        pt, tfl, cfg = make_models(c)
        add_tflite_cases(c, tfl)
        add_pt_cases(c, pt, cfg)
        add_option_cases(c, pt, cfg)
        add_config_cases(c, pt)
        add_quantize_cases(c, pt)
        add_plugin_cases(c, pt, os.path.join(os.path.dirname(c.cli), "plugins"))
        cases = [k for k in c.cases if a.only in f"{k.cls}/{k.name}"]
        if a.list:
            for k in cases:
                print(f"{k.cls}/{k.name}: litecast {' '.join(k.args)}")
            return 0
        start = time.time()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(lambda k: run_case(c, k), cases))
        results = [(k.cls, k.name, why) for k, why in zip(cases, outcomes)]
        if not a.only:
            concurrency_checks(c, pt, cfg, results)
            signal_checks(c, pt, cfg, results)
        per_class = collections.Counter()
        failed = 0
        for cls, name, why in results:
            per_class[cls] += 1
            if why:
                failed += 1
                print(f"FAIL {cls}/{name}: {why}", flush=True)
            else:
                print(f"ok {cls}/{name}", flush=True)
        print("corpus by class: " + ", ".join(f"{k} {v}" for k, v in sorted(per_class.items())))
        if os.environ.get("LITECAST_CORPUS_TIMES"):
            for name, t in sorted(TIMES.items(), key=lambda x: -x[1])[:25]:
                print(f"time {t:6.2f} s {name}")
        print(f"robustness: {len(results) - failed} passed, {failed} failed ({time.time() - start:.1f} s)")
        return 1 if failed else 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
