"""The installed SDK, used the way a third party uses it.

Installs this build to a temporary prefix (`cmake --install`), builds the plugin guide's
example (docs/plugin-guide/example) and a small tool (tests/sdk/probe) out of tree against
that prefix, and drives the INSTALLED `litecast` with the example plugin: listings, a
conversion that must fail without it, and conversions checked by LiteRT against PyTorch.

Usage: run_sdk_test.py --build-dir B --source-dir S --libdir lib --generator G
                       --make-program M --cxx CXX --fixtures DIR [--keep]
Prints "ok NAME" / "FAIL NAME: reason" per check and a closing line "sdk: N passed, M failed".
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import checklist  # noqa: E402
import oracle  # noqa: E402

ENTRY = "litecast_plugin_entry_v1"
METRIC_ID = "litecast.pruning-metric/1"
PTQ_ID = "litecast.ptq-algorithm/1"
EXAMPLE_ID = "example.hardshrink"
EXAMPLE_LIB = "libexample_hardshrink.so"
EXAMPLE_OP = "aten::hardshrink"
FIXTURE = "hardshrink"  # tests/e2e/models/basic.py: hardshrink(x, 0.3) + 1


class Failure(Exception):
    pass


def run(cmd, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-15:]
        raise Failure(f"`{' '.join(str(c) for c in cmd)}` exited {r.returncode}:\n    " + "\n    ".join(tail))
    return r


def exported(lib):
    """Defined dynamic symbols of a shared library."""
    out = run(["nm", "-D", "--defined-only", lib]).stdout
    return sorted(line.split()[-1] for line in out.splitlines() if line.strip())


def dynamic_entries(lib, tag):
    """Values of a dynamic-section tag (NEEDED, RUNPATH, RPATH) of an ELF file."""
    out = run(["readelf", "-d", lib]).stdout
    return re.findall(r"\(" + tag + r"\)\s+[^\[]*\[([^\]]*)\]", out)


class SdkTest:
    def __init__(self, a, tmp):
        self.a = a
        self.src = os.path.abspath(a.source_dir)
        self.build = os.path.abspath(a.build_dir)
        self.prefix = os.path.join(tmp, "prefix")
        self.libdir = os.path.join(self.prefix, a.libdir)
        self.plugin_dir = os.path.join(self.libdir, "litecast", "plugins")
        self.cli = os.path.join(self.prefix, "bin", "litecast")
        self.example_src = os.path.join(self.src, "docs", "plugin-guide", "example")
        self.example_build = os.path.join(tmp, "example-build")
        self.example_lib = os.path.join(self.example_build, EXAMPLE_LIB)
        self.probe_build = os.path.join(tmp, "probe-build")
        self.tmp = tmp
        self.configure_log = ""

    def configure(self, source, binary):
        r = run(["cmake", "-S", source, "-B", binary, "-G", self.a.generator,
                 f"-DCMAKE_MAKE_PROGRAM={self.a.make_program}", f"-DCMAKE_CXX_COMPILER={self.a.cxx}",
                 f"-DCMAKE_PREFIX_PATH={self.prefix}", "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
                 "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"])
        with open(os.path.join(binary, "CMakeCache.txt")) as f:
            m = re.search(r"^litecast_DIR:PATH=(.*)$", f.read(), re.M)
        want = os.path.join(self.libdir, "cmake", "litecast")
        if not m or os.path.realpath(m.group(1)) != os.path.realpath(want):
            raise Failure(f"find_package(litecast) found {m.group(1) if m else 'nothing'}, not {want}")
        return r.stdout

    # ---- the install ----------------------------------------------------------------------
    def install(self):
        run(["cmake", "--install", self.build, "--prefix", self.prefix])
        must = ["bin/litecast",
                f"{self.a.libdir}/liblitecast.so",
                f"{self.a.libdir}/cmake/litecast/litecastConfig.cmake",
                f"{self.a.libdir}/cmake/litecast/litecastConfigVersion.cmake",
                f"{self.a.libdir}/cmake/litecast/litecastTargets.cmake",
                f"{self.a.libdir}/cmake/litecast/litecast_plugin.cmake",
                f"{self.a.libdir}/litecast/plugins/liblitecast_aten.so",
                "include/litecast/plugin.h", "include/litecast/plugin.hpp", "include/litecast/tflite_ops.h",
                "include/litecast/version.hpp", "include/litecast/plugins.hpp", "include/litecast/convert.hpp",
                "include/litecast/prune.hpp"]
        missing = [p for p in must if not os.path.exists(os.path.join(self.prefix, p))]
        if missing:
            raise Failure("not installed: " + ", ".join(missing))
        if os.path.exists(os.path.join(self.prefix, "include", "litecast_internal")):
            raise Failure("internal headers (litecast_internal/) were installed")

    def installed_rpath(self):
        want = "$ORIGIN/../" + self.a.libdir
        entries = dynamic_entries(self.cli, "RUNPATH") + dynamic_entries(self.cli, "RPATH")
        paths = [p for e in entries for p in e.split(":")]
        # The engine library first, then LibTorch's directory (the torch wheel's lib/).
        if len(paths) != 2 or paths[0] != want or not os.path.exists(os.path.join(paths[1], "libtorch_cpu.so")):
            raise Failure(f"bin/litecast has RPATH/RUNPATH {paths}, expected ['{want}', <torch's lib/>] "
                          f"(the engine library installs into {self.a.libdir}/)")
        ldd = run(["ldd", self.cli]).stdout
        m = re.search(r"liblitecast\.so\S*\s+=>\s+(\S+)", ldd)
        if not m or not os.path.realpath(m.group(1)).startswith(os.path.realpath(self.libdir) + os.sep):
            raise Failure(f"bin/litecast resolves liblitecast to {m.group(1) if m else 'nothing'}, "
                          f"not into {self.libdir}")
        r = run([self.cli, "--version"])
        if not r.stdout.startswith("litecast "):
            raise Failure(f"unexpected --version output: {r.stdout.strip()!r}")

    def installed_plugins_export_entry_only(self):
        libs = sorted(f for f in os.listdir(self.plugin_dir) if f.endswith(".so"))
        if not libs:
            raise Failure(f"no plugins in {self.plugin_dir}")
        bad = [f"{f}: {exported(os.path.join(self.plugin_dir, f))}" for f in libs
               if exported(os.path.join(self.plugin_dir, f)) != [ENTRY]]
        if bad:
            raise Failure("export more than the entry: " + "; ".join(bad))

    # ---- the example, out of tree -----------------------------------------------------------
    def example_configure(self):
        self.configure_log = self.configure(self.example_src, self.example_build)

    def config_plugin_dir(self):
        # The example prints litecast_PLUGIN_DIR, which litecastConfig.cmake sets.
        m = re.search(r"its own plugins are in (\S*)", self.configure_log)
        got = m.group(1) if m else None
        if not got or os.path.realpath(got) != os.path.realpath(self.plugin_dir):
            raise Failure(f"litecast_PLUGIN_DIR is {got!r}, expected {self.plugin_dir}")

    def example_build_(self):
        run(["cmake", "--build", self.example_build])
        if not os.path.isfile(self.example_lib):
            raise Failure(f"{self.example_lib} was not built")
        with open(os.path.join(self.example_build, "compile_commands.json")) as f:
            commands = " ".join(c["command"] for c in json.load(f))
        if os.path.join(self.prefix, "include") not in commands:
            raise Failure("the example did not compile against <prefix>/include")
        for leak in (os.path.join(self.src, "sdk"), self.build):
            if leak in commands:
                raise Failure(f"the example's compile command reaches into {leak}")

    def example_exports_entry_only(self):
        syms = exported(self.example_lib)
        if syms != [ENTRY]:
            raise Failure(f"exports {syms}, expected only {ENTRY}")
        needed = dynamic_entries(self.example_lib, "NEEDED")
        bad = [n for n in needed if re.search(r"litecast|torch|c10|flatbuffers", n)]
        if bad:
            raise Failure(f"links {bad}; a plugin links nothing of the host")

    # ---- the installed CLI with the example ------------------------------------------------
    def plugins_listing(self):
        r = run([self.cli, "plugins", "--plugin-dir", self.example_build, "--json"])
        if r.stderr.strip():
            raise Failure(f"warnings while loading plugins: {r.stderr.strip()}")
        plugins = {p["id"]: p for p in json.loads(r.stdout)}
        ex = plugins.get(EXAMPLE_ID)
        if not ex:
            raise Failure(f"{EXAMPLE_ID} not listed (got {sorted(plugins)})")
        if os.path.realpath(ex["path"]) != os.path.realpath(self.example_lib):
            raise Failure(f"{EXAMPLE_ID} loaded from {ex['path']}")
        if ex["translators"] != 1 or sorted(ex["interfaces"]) != [f"{METRIC_ID}:max_abs", f"{PTQ_ID}:symmetric_max"]:
            raise Failure(f"{EXAMPLE_ID} provides {ex['translators']} translators and {ex['interfaces']}")
        aten = plugins.get("litecast.aten")
        if not aten or os.path.dirname(os.path.realpath(aten["path"])) != os.path.realpath(self.plugin_dir):
            raise Failure(f"litecast.aten not loaded from the default dir {self.plugin_dir} "
                          f"(got {aten['path'] if aten else 'nothing'})")
        text = run([self.cli, "plugins", "--plugin-dir", self.example_build]).stdout
        if EXAMPLE_ID not in text or f"provides {METRIC_ID}:max_abs" not in text:
            raise Failure(f"the text listing lacks {EXAMPLE_ID} or its metric:\n{text}")

    def ops_listing(self):
        r = run([self.cli, "ops", "--plugin-dir", self.example_build, "--json"])
        rows = [o for o in json.loads(r.stdout) if o["op"] == EXAMPLE_OP]
        if len(rows) != 1:
            raise Failure(f"{EXAMPLE_OP} has {len(rows)} translators listed: {rows}")
        o = rows[0]
        if o["plugin"] != EXAMPLE_ID or o["priority"] != 100 or not o["limits"]:
            raise Failure(f"{EXAMPLE_OP} listed as {o}")

    def convert_without_plugin(self):
        spec = oracle.load_spec(self.a.fixtures, FIXTURE)
        out = os.path.join(self.tmp, "no-plugin.tflite")
        r = oracle.convert(self.cli, os.path.join(self.a.fixtures, FIXTURE + ".pt"), out, spec, check=False)
        err = r.stderr.strip()
        if r.returncode == 0:
            raise Failure(f"converted {FIXTURE}.pt without the example plugin")
        if EXAMPLE_OP not in err:
            raise Failure(f"the error does not name {EXAMPLE_OP}: {err!r}")
        if "aten::add" in err:
            raise Failure(f"aten::add unsupported too: the default plugins were not found: {err!r}")
        if os.path.exists(out):
            raise Failure(f"a failed conversion left {out} behind")

    def convert_with_plugin_dir(self):
        return oracle.check_fixture(self.cli, self.a.fixtures, FIXTURE, ["--plugin-dir", self.example_build])

    def convert_with_plugin_path(self):
        os.environ["LITECAST_PLUGIN_PATH"] = self.example_build
        try:
            return oracle.check_fixture(self.cli, self.a.fixtures, FIXTURE, [])
        finally:
            del os.environ["LITECAST_PLUGIN_PATH"]

    # ---- litecast prune with the example's metric ---------------------------------------------
    def prune_model(self):
        """A conv -> relu -> conv model, traced; returns its path and first weight."""
        import torch
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 1)).eval()
        path = os.path.join(self.tmp, "prune_me.pt")
        torch.jit.trace(m, torch.randn(1, 3, 8, 8)).save(path)
        cfg = os.path.join(self.tmp, "prune.yaml")
        with open(cfg, "w") as f:
            f.write("sparsity: 0.5\nmetrics: max_abs\n")
        return path, cfg, m[0].weight.detach().numpy()

    def prune_with_plugin_metric(self):
        path, cfg, w = self.prune_model()
        out = os.path.join(self.tmp, "pruned.pt")
        r = run([self.cli, "prune", path, "-c", cfg, "-o", out, "--input-shape", "1,3,8,8", "--json", "-q",
                 "--plugin-dir", self.example_build])
        groups = {g["name"]: g for g in json.loads(r.stdout)["groups"]}
        if set(groups) != {"0"}:
            raise Failure(f"prunable groups {sorted(groups)}, expected ['0']")
        scores = abs(w.reshape(8, -1)).max(1)
        want = sorted(sorted(range(8), key=lambda c: -scores[c])[:4])
        if groups["0"]["kept_indices"] != want:
            raise Failure(f"max_abs kept {groups['0']['kept_indices']}, the 4 largest max|w| rows are {want}")
        if not os.path.isfile(out):
            raise Failure("no pruned model written")
        return f"kept {want}"

    def prune_without_plugin_metric(self):
        path, cfg, _ = self.prune_model()
        out = os.path.join(self.tmp, "pruned_without.pt")
        r = run([self.cli, "prune", path, "-c", cfg, "-o", out, "--input-shape", "1,3,8,8"], check=False)
        if r.returncode == 0 or "max_abs" not in r.stderr or os.path.exists(out):
            raise Failure(f"without the example plugin: exit {r.returncode}, {r.stderr.strip()!r}")

    # ---- litecast quantize with the example's PTQ algorithm ------------------------------------
    def quantize_inputs(self):
        """The conv -> relu -> conv model and a calibration batch (.npy); returns the paths."""
        import numpy as np
        import torch
        path, _, _ = self.prune_model()
        torch.manual_seed(1)
        data = os.path.join(self.tmp, "calibration.npy")
        np.save(data, torch.randn(32, 3, 8, 8).numpy())
        return path, data

    def quantize_with_plugin_algorithm(self):
        import torch
        path, data = self.quantize_inputs()
        ranges = {}
        for alg in ("symmetric_max", "minmax"):
            out = os.path.join(self.tmp, f"q_{alg}.tflite")
            rep = out + ".json"
            run([self.cli, "quantize", path, "-o", out, "--calibration-data", data, "--algorithm", alg,
                 "--report", rep, "-q", "--plugin-dir", self.example_build])
            with open(rep) as f:
                ranges[alg] = {l["tensor"]: l["range"] for l in json.load(f)["layers"]}
        # The report gives each tensor's int8 grid, [(-128 - zp) s, (127 - zp) s]: a symmetric range
        # [-a, a] has its zero point at 0 (or -1, by rounding) and a = 127.5 s = minmax's largest
        # magnitude (within one of minmax's steps).
        for t, (lo, hi) in ranges["symmetric_max"].items():
            mlo, mhi = ranges["minmax"][t]
            step, mstep = (hi - lo) / 255, (mhi - mlo) / 255
            if abs(lo + hi) > step * 1.001 or abs(127.5 * step - max(-mlo, mhi)) > mstep * 1.001:
                raise Failure(f"{t}: symmetric_max range [{lo}, {hi}], minmax's [{mlo}, {mhi}]")
        model = torch.jit.load(path)
        x = torch.randn(4, 3, 8, 8)
        got = oracle.run_litert(os.path.join(self.tmp, "q_symmetric_max.tflite"), [x[:1]])[0]
        with torch.no_grad():
            want = model(x[:1]).numpy()
        sqnr = 10 * math.log10(float((want ** 2).sum()) / max(float(((got - want) ** 2).sum()), 1e-30))
        if sqnr < 25:
            raise Failure(f"int8 output with symmetric_max: SQNR {sqnr:.1f} dB against float")
        return f"{len(ranges['minmax'])} activations symmetric, output SQNR {sqnr:.1f} dB in LiteRT"

    def quantize_without_plugin_algorithm(self):
        path, data = self.quantize_inputs()
        out = os.path.join(self.tmp, "q_without.tflite")
        r = run([self.cli, "quantize", path, "-o", out, "--calibration-data", data, "--algorithm", "symmetric_max"],
                check=False)
        if r.returncode == 0 or "symmetric_max" not in r.stderr or os.path.exists(out):
            raise Failure(f"without the example plugin: exit {r.returncode}, {r.stderr.strip()!r}")

    # ---- a tool linking the installed engine library -------------------------------------------
    def probe_build_(self):
        self.configure(os.path.join(self.src, "tests", "sdk", "probe"), self.probe_build)
        run(["cmake", "--build", self.probe_build])

    def probe_metric(self):
        r = run([os.path.join(self.probe_build, "metric_probe"), self.example_lib, "max_abs"])
        lines = r.stdout.split("\n")
        if f"plugin {EXAMPLE_ID}" not in lines:
            raise Failure(f"probe output: {r.stdout!r}")
        scores = [ln for ln in lines if ln.startswith("scores ")]
        got = [float(s) for s in scores[0].split()[1:]] if scores else None
        if got != [3.0, 2.5, 0.0]:
            raise Failure(f"max_abs scored {got}, expected [3.0, 2.5, 0.0] (max |w| per row)")


def main():
    p = argparse.ArgumentParser()
    for opt in ("--build-dir", "--source-dir", "--libdir", "--generator", "--make-program", "--cxx", "--fixtures"):
        p.add_argument(opt, required=True)
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = p.parse_args()
    # The installed binary must stand on its own: no search paths from the caller.
    for var in ("LD_LIBRARY_PATH", "LITECAST_PLUGIN_PATH"):
        os.environ.pop(var, None)

    tmp = tempfile.mkdtemp(prefix="litecast-sdk-")
    t = SdkTest(a, tmp)
    # (name, check, names of earlier checks it needs)
    checks = [
        ("install", t.install, []),
        ("installed_rpath", t.installed_rpath, ["install"]),
        ("installed_plugins_export_entry_only", t.installed_plugins_export_entry_only, ["install"]),
        ("example_configure", t.example_configure, ["install"]),
        ("config_plugin_dir", t.config_plugin_dir, ["example_configure"]),
        ("example_build", t.example_build_, ["example_configure"]),
        ("example_exports_entry_only", t.example_exports_entry_only, ["example_build"]),
        ("plugins_listing", t.plugins_listing, ["installed_rpath", "example_build"]),
        ("ops_listing", t.ops_listing, ["installed_rpath", "example_build"]),
        ("convert_without_plugin", t.convert_without_plugin, ["installed_rpath"]),
        ("convert_with_plugin_dir", t.convert_with_plugin_dir, ["installed_rpath", "example_build"]),
        ("convert_with_plugin_path", t.convert_with_plugin_path, ["installed_rpath", "example_build"]),
        ("prune_with_plugin_metric", t.prune_with_plugin_metric, ["installed_rpath", "example_build"]),
        ("prune_without_plugin_metric", t.prune_without_plugin_metric, ["installed_rpath"]),
        ("quantize_with_plugin_algorithm", t.quantize_with_plugin_algorithm, ["installed_rpath", "example_build"]),
        ("quantize_without_plugin_algorithm", t.quantize_without_plugin_algorithm, ["installed_rpath"]),
        ("probe_build", t.probe_build_, ["install"]),
        ("probe_metric", t.probe_metric, ["probe_build", "example_build"]),
    ]
    try:
        return checklist.run(checks, (Failure, oracle.Failure), "sdk")
    finally:
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
