#!/usr/bin/env bash
# The unit tests (and optionally more ctest entries) under AddressSanitizer and
# UndefinedBehaviorSanitizer: a separate build in build-asan/ (gcc, -O1, the host library,
# plugins and tests instrumented; LibTorch itself is not). Slow to build the first time (the
# whole host), incremental afterwards.
#
#   tools/sanitize.sh                   build, then run the unit tests
#   tools/sanitize.sh 'unit|e2e_inspect|e2e_cli_errors'   build, then run these ctest entries
#
# Left out of any selection, as they cannot run under it: python_* (the instrumented extension
# inside an uninstrumented Python), sdk (its probe is an uninstrumented program linking the
# instrumented library: "ASan runtime does not come first"), e2e_large_model (2.25 GiB under
# ASan), fuzz_short and sanitize_quick (their own clang builds). `tools/sanitize.sh .` runs all
# the others: 145 entries, about 35 minutes on 2 cores after a build of about an hour.
# Leak checking is off: LibTorch keeps process-lifetime allocations (operator registries) that
# LeakSanitizer reports at exit. Any other report fails the run (halt_on_error).
#   tools/sanitize.sh quick             minutes, not an hour: the unit tests of the pieces that do
#                                       not need LibTorch (.tflite writer/reader, op versions, the
#                                       pruning config), built with clang into build-asan-quick/
#                                       (needs the main build's generated headers: tools/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build-asan"
tests=${1:-^unit$}

if [ "$tests" = quick ]; then
  q="$here/build-asan-quick"
  mkdir -p "$q/obj"
  gen="$here/build/gen"
  command -v clang++ >/dev/null || bash "$here/tools/setup.sh"  # installs clang
  [ -f "$gen/schema_generated.h" ] || { echo "sanitize: run tools/build.sh first (generated headers)" >&2; exit 1; }
  flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
         -I"$here/sdk/include" -I"$here/host/src" -I"$gen" -I"$gen/include")
  objs=()
  for src in host/src/tflite/reader.cpp host/src/tflite/writer.cpp host/src/tflite/options_schema.cpp \
             host/src/tflite/op_version.cpp host/src/prune/config.cpp host/src/quantize/config.cpp \
             host/src/util/output_file.cpp host/src/util/yaml_checks.cpp \
             tests/unit/tflite_io_test.cpp tests/unit/op_version_test.cpp tests/unit/prune_config_test.cpp \
             tests/unit/quantize_config_test.cpp; do
    obj="$q/obj/$(echo "$src" | tr '/' '_').o"
    # Rebuilt when the source or any header it may include is newer (a changed struct in a
    # header would otherwise link objects that disagree on its layout).
    if [ ! -f "$obj" ] || [ "$here/$src" -nt "$obj" ] ||
       [ -n "$(find "$here/sdk/include" "$here/host/src" -name '*.h*' -newer "$obj" -print -quit)" ]; then
      clang++ "${flags[@]}" -c "$here/$src" -o "$obj"
    fi
    objs+=("$obj")
  done
  clang++ "${flags[@]}" -c "$gen/schema_bfbs.cpp" -o "$q/obj/schema_bfbs.o"
  clang++ -fsanitize=address,undefined "${objs[@]}" "$q/obj/schema_bfbs.o" -o "$q/unit_quick" \
    -lgtest_main -lgtest -lfmt -lyaml-cpp -lflatbuffers -lpthread
  ASAN_OPTIONS="detect_leaks=1:halt_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" "$q/unit_quick"
  exit $?
fi
bash "$here/tools/setup.sh"
export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
if [ ! -f "$out/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # gcc's -Wstringop-overread misfires inside FlatBuffers' reflection headers once ASan is on.
  # vptr checks need typeinfo that LibTorch does not export (c10::DynamicType): off.
  san="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-stringop-overread"
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
ctest -R "$tests" -E "python_|^sdk$|large_model|fuzz_short|sanitize_quick" --output-on-failure -j"$(nproc)"
