#!/usr/bin/env bash
# run_tests.sh BUILD_DIR — rill as a CMake package (make cmake-test): the tiny consumer project
# tests/cmake/consumer configured and built with Debian's cmake
#  - on the host through add_subdirectory, then run (it links rill::rill and samples);
#  - on the host through FetchContent (SOURCE_DIR: this checkout);
#  - for Cortex-M4F (cmake/arm-none-eabi.cmake) and rv32imac (cmake/riscv-none-elf.cmake): the firmware
#    library, checked by tests/mcu/check_nm.sh like `make mcu`'s (no heap, exceptions, libm, stdio).
# Also: CMakeLists.txt's project version is rill.h's. Ends with `N passed, M failed`.
set -uo pipefail
B=${1:?usage: run_tests.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W=$B/cmake-test
rm -rf "$W" && mkdir -p "$W"
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# configure NAME [cmake args...]: configure and build the consumer in $W/NAME; log in $W/NAME.log.
build() {
  local name=$1; shift
  cmake -S "$ROOT/tests/cmake/consumer" -B "$W/$name" -DRILL_SOURCE_DIR="$ROOT" -DCMAKE_BUILD_TYPE=Release "$@" \
    >"$W/$name.log" 2>&1 && cmake --build "$W/$name" -j 2 >>"$W/$name.log" 2>&1
}

h=$(sed -n 's/^#define RILL_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$ROOT/src/rill/rill.h" | paste -sd.)
c=$(sed -n 's/^project(rill VERSION \([0-9.]*\) .*/\1/p' "$ROOT/CMakeLists.txt")
if [ -n "$h" ] && [ "$h" = "$c" ]; then pass "CMakeLists.txt's version $c is rill.h's"; else fail "CMakeLists.txt's version '$c', rill.h's '$h'"; fi

if build host -DRILL_VIA=subdirectory; then
  out=$("$W/host/consumer" 2>&1)
  if [ $? -eq 0 ] && [ "${out%%:*}" = "rill $h" ]; then pass "host, add_subdirectory: built and ran: $out"
  else fail "host, add_subdirectory: the consumer printed '$out'"; fi
else
  fail "host, add_subdirectory: configure or build failed"; tail -15 "$W/host.log"
fi
if build fetch -DRILL_VIA=fetchcontent && [ -x "$W/fetch/consumer" ]; then pass "host, FetchContent: configured and built"
else fail "host, FetchContent: configure or build failed"; tail -15 "$W/fetch.log"; fi

for t in arm-none-eabi:arm-none-eabi riscv-none-elf:riscv64-unknown-elf; do
  file=${t%%:*} prefix=${t#*:}
  if ! command -v "$prefix-g++" >/dev/null; then fail "$file: $prefix-g++ missing (make deps)"; continue; fi
  if build "$file" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/$file.cmake" -DRILL_VIA=subdirectory; then
    lib=$(find "$W/$file" -name librill.a | head -1)
    if r=$(NM=$prefix-nm SIZE=$prefix-size "$ROOT/tests/mcu/check_nm.sh" "$lib"); then
      pass "$file toolchain: the consumer and the firmware library built; ${r#ok }"
    else
      fail "$file toolchain: $r"
    fi
  else
    fail "$file toolchain: configure or build failed"; tail -15 "$W/$file.log"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
