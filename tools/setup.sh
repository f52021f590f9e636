#!/usr/bin/env bash
# Installs what litecast needs on Debian 12: build dependencies from Debian, the test
# oracle (LiteRT + the `tflite` parser) from PyPI into .venv. Idempotent: a ready machine
# passes through in about a second.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

debs=(build-essential cmake ninja-build pkg-config
      libtorch-dev libflatbuffers-dev flatbuffers-compiler
      libboost-dev libboost-program-options-dev libboost-filesystem-dev
      libfmt-dev libgtest-dev libyaml-cpp-dev nlohmann-json3-dev
      python3-torch python3-torchvision python3-venv python3-sklearn python3-yaml
      clang-format binutils)

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

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$venv/bin/python" -c "import tflite, numpy; assert int(numpy.__version__.split('.')[0]) < 2; from ai_edge_litert.interpreter import Interpreter" 2>/dev/null &&
   ! "$venv/bin/python" -c "import tflite, numpy; assert int(numpy.__version__.split('.')[0]) < 2; from tflite_runtime.interpreter import Interpreter" 2>/dev/null; then
  echo "setup: installing the LiteRT oracle into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "numpy<2" tflite
  "$venv/bin/pip" install -q --disable-pip-version-check "numpy<2" ai-edge-litert ||
    "$venv/bin/pip" install -q --disable-pip-version-check "numpy<2" tflite-runtime
fi
# The oracle must be usable: fail loudly rather than let tests skip.
"$venv/bin/python" - <<'PY'
import numpy, torch, tflite
assert int(numpy.__version__.split('.')[0]) < 2, numpy.__version__
try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:
    from tflite_runtime.interpreter import Interpreter
torch.zeros(2).numpy()
PY
