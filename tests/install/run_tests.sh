#!/usr/bin/env bash
# `make install` end to end (make install-test): into a temporary DESTDIR with
# PREFIX=/usr, then a plain C program — rill.h's usage example, cut from the
# installed header — is compiled with gcc against the installed librill.a
# through pkg-config, and samples a shipped model.
#   tests/install/run_tests.sh BUILD_DIR
set -u
B=${1:-build}
PASS=0
FAIL=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then PASS=$((PASS + 1)); echo "ok   $what"; else FAIL=$((FAIL + 1)); echo "FAIL $what"; fi
}

D=$T/root
make --no-print-directory -s install B="$B" DESTDIR="$D" PREFIX=/usr > "$T/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr succeeds" test $? -eq 0
HEADERS=$(cd "$D/usr/include" 2>/dev/null && find . -type f | sort | tr '\n' ' ')
check "exactly one header under include/: rill.h (found: $HEADERS)" test "$HEADERS" = "./rill.h "
check "lib/librill.a, bin/rill, lib/pkgconfig/rill.pc installed" \
  test -f "$D/usr/lib/librill.a" -a -x "$D/usr/bin/rill" -a -f "$D/usr/lib/pkgconfig/rill.pc"
check "the shipped models under share/rill/models" test -f "$D/usr/share/rill/models/moons.safetensors"

export PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$D/usr/lib/pkgconfig PKG_CONFIG_LIBDIR=$D/usr/lib/pkgconfig
VERSION=$(sed -n 's/^#define RILL_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$D/usr/include/rill.h" | paste -sd.)
check "rill.pc's Version is rill.h's RILL_VERSION_* ($VERSION)" test "$(pkg-config --modversion rill)" = "$VERSION"
check "pkg-config --cflags points into DESTDIR" test "$(echo $(pkg-config --cflags rill))" = "-I$D/usr/include"

# The usage example: the indented lines between "Usage" and "Conventions" in rill.h's first comment.
awk '/^ \* Usage/ { on = 1; next } /^ \* Conventions/ { exit } on && /^ \*     / { sub(/^ \*     /, ""); print }' \
  "$D/usr/include/rill.h" > "$T/example_body.h"
check "rill.h has a usage example of about ten lines ($(wc -l < "$T/example_body.h"))" \
  test "$(wc -l < "$T/example_body.h")" -ge 8 -a "$(wc -l < "$T/example_body.h")" -le 12
cat > "$T/example.c" <<'C'
#include <rill.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int example(const void* file, size_t len) {
#include "example_body.h"
  return rc;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  FILE* f = fopen(argv[1], "rb");
  if (!f) return 2;
  static unsigned char bytes[1 << 20];
  size_t len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  if (strcmp(rill_version(), VERSION) != 0) { printf("rill_version() %s\n", rill_version()); return 3; }
  return example(bytes, len);
}
C
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -pedantic -DVERSION="\"$VERSION\"" -I"$T" "$T/example.c" \
  $(pkg-config --cflags --libs rill) -o "$T/example" 2> "$T/cc.log"
check "a C program (gcc -std=c11, #include <rill.h>) builds with pkg-config --cflags --libs rill" test $? -eq 0
cat "$T/cc.log"
"$T/example" "$D/usr/share/rill/models/moons.safetensors" > "$T/example.out" 2>&1
check "it samples the installed moons model (exit $?)" test $? -eq 0
# Its first point is `rill sample`'s: 100 points, 20 Heun steps, seed 42.
WANT=$("$D/usr/bin/rill" sample --model "$D/usr/share/rill/models/moons.safetensors" --n 100 --steps 20 \
  --solver heun --seed 42 --out - | grep -v '^#' | sed -n 2p | awk -F, '{ printf "%g %g\n", $1, $2 }')
check "its first point ($(cat "$T/example.out")) is rill sample's ($WANT)" test "$(cat "$T/example.out")" = "$WANT"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
