#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), then configures once and builds incrementally
# into build/. Prints the build's wall time. ccache keeps rebuilds of other clones cheap.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/tools/setup.sh"
start=$(date +%s)
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
if [ ! -f "$here/build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build "$here/build" -- -j"$(nproc)"
echo "build: done in $(( $(date +%s) - start )) s"
