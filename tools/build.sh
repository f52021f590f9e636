#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), then configures once and builds incrementally
# into build/. Prints the build's wall time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/tools/setup.sh"
start=$(date +%s)
if [ ! -f "$here/build/build.ninja" ]; then
  cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$here/build" -- -j"$(nproc)"
echo "build: done in $(( $(date +%s) - start )) s"
