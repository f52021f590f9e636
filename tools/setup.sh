#!/usr/bin/env bash
# Installs what litecast needs on Debian 12: build tools and libraries from Debian; torch 2.x
# (whose LibTorch the host links), the test oracle (LiteRT + the `tflite` parser) and the
# fixtures' Python packages from PyPI into .venv, pinned in tools/python-requirements.txt.
# Idempotent: a ready machine passes through in about a second.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
requirements="$here/tools/python-requirements.txt"

debs=(build-essential cmake ninja-build pkg-config ccache
      libflatbuffers-dev flatbuffers-compiler
      libboost-dev libboost-program-options-dev libboost-filesystem-dev
      libfmt-dev libgtest-dev libyaml-cpp-dev nlohmann-json3-dev libpng-dev libjpeg62-turbo-dev
      python3-venv python3-dev clang-format binutils
      clang libclang-rt-14-dev  # tools/fuzz.sh and tools/sanitize.sh quick (ctest fuzz_short, sanitize_quick)
      dataset-fashion-mnist)  # 31 MB: tools/prune_fashion_mnist.py

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's Python, not whatever `python3` comes first on PATH. A .venv from an earlier layout
# (one that saw Debian's torch 1.13 through --system-site-packages) is replaced.
venv="$here/.venv"
if [ -f "$venv/pyvenv.cfg" ] && grep -q "include-system-site-packages = true" "$venv/pyvenv.cfg"; then
  echo "setup: replacing $venv (it used the system's packages)"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv"
fi
stamp="$venv/.litecast-requirements"
if ! cmp -s "$requirements" "$stamp"; then
  echo "setup: installing $(grep -E '^torch==' "$requirements") and the test oracle into $venv (about 3 GB on a new machine)"
  start=$(date +%s)
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
  echo "setup: PyPI packages installed in $(( $(date +%s) - start )) s; .venv is $(du -sh "$venv" | cut -f1)"
fi
# The oracle must be usable: fail loudly rather than let tests skip.
"$venv/bin/python" - <<'PY'
import numpy, torch, tflite
from ai_edge_litert.interpreter import Interpreter
assert torch.__version__.startswith("2."), torch.__version__
torch.from_numpy(numpy.zeros(2, dtype=numpy.float32)).numpy()
PY
