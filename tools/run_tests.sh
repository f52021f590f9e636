#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (ctest, two at a time).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/tools/build.sh"
cd "$here/build"
ctest -j"$(nproc)" --output-on-failure
