#!/usr/bin/env bash
# libFuzzer targets for the readers of untrusted files: the .tflite reader and the pruning and
# quantization config readers, built with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-fuzz/ (apart from the main build; neither target links LibTorch).
#
#   tools/fuzz.sh build                 build the targets
#   tools/fuzz.sh run [SECONDS] [RUNS]  build, then fuzz each target from its committed seeds
#                                       (tests/fuzz/seeds/*) for SECONDS (default 20) or RUNS
#                                       executions, whichever ends first; exit 1 on any finding
#
# The short run is what `ctest -R fuzz` does when the fuzz build is enabled (LITECAST_FUZZ=ON); a
# long run is e.g. `LITECAST_FUZZ_SEED=0 tools/fuzz.sh run 3600`. New inputs found go to build-fuzz/corpus/<target>;
# crashes to build-fuzz/crash-*. tools/setup.sh installs clang when it is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/build-fuzz"
mode=${1:-run}
seconds=${2:-20}
# The same random sequence every run (CI must not fail on what another machine happened to try):
# LITECAST_FUZZ_SEED=0 asks libFuzzer for a random seed, which long runs want.
seed=${LITECAST_FUZZ_SEED:-1}
runs=${3:--1}

command -v clang++ >/dev/null || bash "$here/tools/setup.sh"  # installs clang
mkdir -p "$out/gen" "$out/obj"
flatc=$(command -v flatc)
if [ ! -f "$out/gen/schema_generated.h" ] || [ "$here/host/tflite/schema.fbs" -nt "$out/gen/schema_generated.h" ]; then
  "$flatc" --cpp -o "$out/gen" "$here/host/tflite/schema.fbs"
  "$flatc" -b --schema -o "$out/gen" "$here/host/tflite/schema.fbs"
  cmake -DINPUT="$out/gen/schema.bfbs" -DOUTPUT="$out/gen/schema_bfbs.cpp" -DSYMBOL=litecast_tflite_bfbs \
    -P "$here/tools/cmake/embed_file.cmake"
fi

flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$here/sdk/include" -I"$here/host/src" -I"$out/gen")
compile() {  # source -> object, rebuilt when the source is newer
  local src=$1 obj="$out/obj/$(echo "$1" | tr '/' '_').o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then clang++ "${flags[@]}" -c "$src" -o "$obj"; fi
  echo "$obj"
}
link() {  # target objects...
  local target=$1
  shift
  clang++ -fsanitize=fuzzer,address,undefined "$@" -o "$out/$target" -lfmt -lyaml-cpp -lflatbuffers
}
start=$(date +%s)
link tflite_reader_fuzz $(compile "$here/tests/fuzz/tflite_reader_fuzz.cpp") \
  $(compile "$here/host/src/tflite/reader.cpp") $(compile "$here/host/src/tflite/options_schema.cpp") \
  $(compile "$out/gen/schema_bfbs.cpp")
link prune_config_fuzz $(compile "$here/tests/fuzz/prune_config_fuzz.cpp") \
  $(compile "$here/host/src/prune/config.cpp") $(compile "$here/host/src/util/output_file.cpp") \
  $(compile "$here/host/src/util/yaml_checks.cpp")
link quantize_config_fuzz $(compile "$here/tests/fuzz/quantize_config_fuzz.cpp") \
  $(compile "$here/host/src/quantize/config.cpp") $(compile "$here/host/src/util/output_file.cpp") \
  $(compile "$here/host/src/util/yaml_checks.cpp")
echo "fuzz: built in $(( $(date +%s) - start )) s" >&2
[ "$mode" = build ] && exit 0

status=0
for t in tflite_reader prune_config quantize_config; do
  corpus="$out/corpus/$t"
  mkdir -p "$corpus"
  dict=()
  echo "fuzz: $t for ${seconds} s" >&2
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./${t}_fuzz" -seed="$seed" -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 "${dict[@]}" "$corpus" "$here/tests/fuzz/seeds/$t") || status=1
done
exit $status
