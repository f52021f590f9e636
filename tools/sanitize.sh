#!/usr/bin/env bash
# The unit tests (and optionally more ctest entries) under AddressSanitizer and
# UndefinedBehaviorSanitizer: a separate build in build-asan/ (gcc, -O1, the host library,
# plugins and tests instrumented; LibTorch itself is not). Slow to build the first time (the
# whole host), incremental afterwards.
#
#   tools/sanitize.sh                   build, then run the unit tests
#   tools/sanitize.sh 'unit|e2e_inspect|e2e_cli_errors'   build, then run these ctest entries
#
# Leak checking is off: LibTorch keeps process-lifetime allocations (operator registries) that
# LeakSanitizer reports at exit. Any other report fails the run (halt_on_error).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build-asan"
tests=${1:-^unit$}
bash "$here/tools/setup.sh"
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
if [ ! -f "$out/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S "$here" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Debug "${launcher[@]}" \
    -DCMAKE_C_FLAGS="$san -O1" -DCMAKE_CXX_FLAGS="$san -O1" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
start=$(date +%s)
if [ "$tests" = "^unit$" ]; then
  cmake --build "$out" --target litecast_unit_tests -- -j"$(nproc)"  # the unit tests need nothing else
else
  cmake --build "$out" -- -j"$(nproc)"
fi
echo "sanitize: built in $(( $(date +%s) - start )) s"
cd "$out"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest -R "$tests" --output-on-failure
