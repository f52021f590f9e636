"""`pip install .` builds against the torch of the environment it installs into: configured the
way scikit-build-core configures (SKBUILD, Python_EXECUTABLE), the CMake build stops at once with
one clear message when that Python has no torch, or a torch other than 2.x.

Usage: test_build_torch_check.py SOURCE_DIR PYTHON_WITHOUT_TORCH [PYTHON_WITH_TORCH_1]
(an argument that is not an executable Python is reported as a skip of that case, with why)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import runner  # noqa: E402

SOURCE = sys.argv[1]
CASES = {"no_torch": sys.argv[2], "torch_1": sys.argv[3] if len(sys.argv) > 3 else ""}


def probe(python):
    """torch's version under `python`, None without torch; raises when python cannot run."""
    r = subprocess.run([python, "-I", "-c", "import torch; print(torch.__version__)"], capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def configure(python):
    with tempfile.TemporaryDirectory() as build:
        r = subprocess.run(["cmake", "-S", SOURCE, "-B", build, "-G", "Ninja", "-DSKBUILD=2",
                            f"-DPython_EXECUTABLE={python}", "-DLITECAST_BUILD_TESTS=OFF"],
                           capture_output=True, text=True)
    return r.returncode, " ".join((r.stdout + r.stderr).split())


def test_python_without_torch():
    python = CASES["no_torch"]
    if not os.access(python, os.X_OK) or probe(python) is not None:
        print(f"  skipped: {python} is not a Python without torch")
        return
    rc, out = configure(python)
    assert rc != 0, "configured without torch"
    assert "`import torch` fails there: install torch 2.x into it first" in out, out[-600:]


def test_python_with_torch_1():
    python = CASES["torch_1"]
    version = probe(python) if python and os.access(python, os.X_OK) else None
    if not version or not version.startswith("1."):
        print(f"  skipped: no Python with torch 1.x given ({python or 'none'})")
        return
    rc, out = configure(python)
    assert rc != 0, "configured against torch 1.x"
    assert f"has torch {version}" in out and "install torch 2.x into it" in out, out[-600:]


if __name__ == "__main__":
    sys.exit(runner.run("build torch check", [test_python_without_torch, test_python_with_torch_1]))
