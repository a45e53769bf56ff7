#!/usr/bin/env bash
# run_tests.sh BUILD_DIR — rill's microcontroller tests (make mcu-test).
#
#  - nm check of every firmware library (no heap, exceptions, libm, stdio, global
#    state), and its negative control (host-only metrics.cpp must fail it);
#  - no heap/exception/stdio code in the linked firmware images;
#  - under QEMU, for each of MCU_VARIANTS: the test firmware (golden vectors
#    for both placements, damaged files, API), whose own counts are added here;
#    the demo firmware and bare.elf (sampling without the loader, whose code
#    `make mcu-size` reports), whose sample hashes must equal the native library's;
#  - negative controls on the first variant: one flipped bit in one expected hash
#    must fail the run; a fault must end it with exit 99.
# Ends with `N passed, M failed`; exits non-zero on any failure. From the Makefile's
# environment: MCU_VARIANTS, MCU_BOARDS (variant=board ...), MCU_MODEL,
# MCU_DEMO_HASH_ARGS (the demo's solver, steps, seed, n) and MCU_QEMU_RUN.
set -uo pipefail
B=${1:?usage: run_tests.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
board_of() { for kv in $MCU_BOARDS; do [ "${kv%%=*}" = "$1" ] && echo "${kv#*=}"; done; }
qemu() {  # qemu VARIANT ELF [ARG...] -> output in $out, exit status in $rc
  local v=$1 elf=$2; shift 2
  local args=""
  for a in "$@"; do args="$args,arg=$a"; done  # MCU_QEMU_RUN's -semihosting-config enables; QEMU merges the two
  local run=$MCU_QEMU_RUN
  case $v in rv*) run=$MCU_QEMU_RUN_RV ;; esac
  out=$($run -M "$(board_of "$v")" -semihosting-config "arg=$(basename "$elf")$args" -kernel "$elf" 2>&1)
  rc=$?
}

# The binutils of a variant's toolchain (check_nm.sh reads NM and SIZE).
tools_of() { case $1 in rv*) echo "NM=riscv64-unknown-elf-nm SIZE=riscv64-unknown-elf-size" ;;
                        *) echo "NM=arm-none-eabi-nm SIZE=arm-none-eabi-size" ;; esac; }
for v in $MCU_VARIANTS; do
  if r=$(env $(tools_of "$v") "$here/check_nm.sh" "$B/mcu/$v/librill.a"); then pass "nm $v: ${r#ok }"; else fail "nm $v: $r"; fi
done
if r=$("$here/check_nm.sh" "$B/mcu/m4f/nm_control.a"); then
  fail "nm negative control: host-only metrics.o passed the check"
else
  pass "nm negative control: metrics.o is refused (${r%%$'\n'*})"
fi

read -r demo_solver demo_steps _ demo_n <<< "$MCU_DEMO_HASH_ARGS"
model_hash=$("$B/golden/golden" --sample-hash "$MCU_MODEL" $MCU_DEMO_HASH_ARGS) || fail "native hash of $MCU_MODEL"
logp_hash=$("$B/golden/golden" --demo-logp-hash "$MCU_MODEL" $MCU_DEMO_HASH_ARGS) || fail "native log p hash of $MCU_MODEL"
for v in $MCU_VARIANTS; do
  for elf in "$B/mcu/$v/mcu_tests.elf" "$B/mcu/$v/demo.elf" "$B/mcu/$v/bare.elf"; do
    if r=$(env $(tools_of "$v") "$here/check_nm.sh" --elf "$elf"); then pass "$v ${r#ok }"; else fail "$v $r"; fi
  done
  start=$(date +%s.%N)
  qemu "$v" "$B/mcu/$v/mcu_tests.elf"
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$out" | grep -E '^(FAIL|golden |loader|api|stack|skip|FAULT)' | sed "s/^/  $v: /"
  counts=$(echo "$out" | sed -n 's/^firmware: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -1)
  if [ -z "$counts" ]; then
    fail "$v firmware tests: no summary line (exit $rc)"
  else
    set -- $counts
    passed=$((passed + $1))
    failed=$((failed + $2))
    if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then fail "$v firmware tests exit $rc"; fi
    echo "     $v firmware tests: $1 passed, $2 failed, exit $rc, ${secs}s"
  fi

  qemu "$v" "$B/mcu/$v/demo.elf"
  got=$(echo "$out" | sed -n 's/^hash //p')
  if [ "$rc" -eq 0 ] && [ -n "$got" ] && [ "$got" = "$model_hash" ]; then
    pass "$v demo: $demo_n samples of $(basename "$MCU_MODEL") ($demo_solver, $demo_steps steps) hash $got = native; $(echo "$out" | grep '^ram')"
  else
    fail "$v demo: exit $rc, hash '$got', native '$model_hash'"
    echo "$out" | tail -5
  fi
  # The log-likelihood line (an anomaly score): the native library's bits; the micro:bit's
  # 16 KiB leave no room for RILL_DENSITY's scratch, and it says so.
  line=$(echo "$out" | grep '^logp ')
  got=$(echo "$line" | sed -n 's/.*, hash //p')
  if [ -n "$got" ] && [ "$got" = "$logp_hash" ]; then
    pass "$v demo: ${line% hash*} = native"
  elif [ "$v" = m0plus ] && echo "$line" | grep -q '^logp skipped'; then
    pass "$v demo: $line"
  else
    fail "$v demo: log-likelihood line '$line', native hash '$logp_hash'"
  fi

  qemu "$v" "$B/mcu/$v/bare.elf"
  got=$(echo "$out" | sed -n 's/^hash //p')
  if [ "$rc" -eq 0 ] && [ -n "$got" ] && [ "$got" = "$model_hash" ]; then
    pass "$v bare: the same samples without the loader, hash $got = native"
  else
    fail "$v bare: exit $rc, hash '$got', native '$model_hash' (bare.cpp does not sample the demo's model)"
    echo "$out" | tail -3
  fi
done

# Negative controls: the tests must notice one flipped bit and a fault.
v=${MCU_VARIANTS%% *}
qemu "$v" "$B/mcu/$v/mcu_tests.elf" flip=3
if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] && echo "$out" | grep -q '^FAIL golden'; then
  pass "negative control: one flipped bit in golden case 3 fails the firmware (exit $rc)"
else
  fail "negative control: a flipped bit went unnoticed (exit $rc)"
fi
qemu "$v" "$B/mcu/$v/mcu_tests.elf" fault
if [ "$rc" -eq 99 ]; then
  pass "negative control: a fault ends the firmware with exit 99"
else
  fail "negative control: a fault gave exit $rc, not 99"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
