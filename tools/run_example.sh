#!/usr/bin/env bash
# The main job on the bundled example: make a small TorchScript model (tools/make_fixtures.py,
# Debian's torch, fixed seed), convert it to TFLite, and show what `litecast inspect` says.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/tools/build.sh"
out="$here/out"
mkdir -p "$out"
"$here/.venv/bin/python" "$here/tools/make_fixtures.py" "$out" mlp
"$here/build/litecast" convert "$out/mlp.pt" -o "$out/mlp.tflite" --input-shape 4,16
"$here/build/litecast" inspect "$out/mlp.tflite"
