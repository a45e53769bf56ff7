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
#    the demo's class lines (`class K hash H`: guided samples of each class of a
#    class-conditional model) must equal `rill sample --class K --guidance W`'s; the compiled
#    models (MCU_COMPILED_RUNS: the demo's model and its F16/BF16/I8 conversions, and a step-conditioned
#    model (MCU_STEP_MODEL), lean and placed;
#    no loader symbol allowed) with the native hash of their file, and compiled_check.elf (damaged
#    copies refused by rill_model_init_compiled and rill_compiled_check);
#  - negative controls on the first variant: one flipped bit in one expected hash
#    must fail the run; a fault must end it with exit 99.
# Ends with `N passed, M failed`; exits non-zero on any failure. From the Makefile's
# environment: MCU_VARIANTS, MCU_BOARDS (variant=board ...), MCU_MODEL,
# MCU_DEMO_HASH_ARGS (the demo's solver, steps, seed, n), MCU_QEMU_RUN, and for the
# class demo MCU_CLASS_MODEL, MCU_CLASS_GUIDANCE and RILL_CLI (the native command line), and
# MCU_COMPILED_RUNS (the compiled firmware names) and MCU_STEP_MODEL.
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

read -r demo_solver demo_steps demo_seed demo_n <<< "$MCU_DEMO_HASH_ARGS"
model_hash=$("$B/golden/golden" --sample-hash "$MCU_MODEL" $MCU_DEMO_HASH_ARGS) || fail "native hash of $MCU_MODEL"
# The compiled models' files: the demo's model and its conversions (mk/mcu.mk: $B/mcu/moons_DT.safetensors).
declare -A compiled_hash=([f32]=$model_hash)
for dt in f16 bf16 i8; do
  compiled_hash[$dt]=$("$B/golden/golden" --sample-hash "$B/mcu/moons_$dt.safetensors" $MCU_DEMO_HASH_ARGS) ||
    fail "native hash of $B/mcu/moons_$dt.safetensors"
done
# The step-conditioned model (mk/mcu.mk's MCU_STEP_MODEL, formats.md step_embedding), compiled.
compiled_hash[step]=$("$B/golden/golden" --sample-hash "$MCU_STEP_MODEL" $MCU_DEMO_HASH_ARGS) ||
  fail "native hash of $MCU_STEP_MODEL"

# The class demo's native lines: `class K hash H` for every class K of MCU_CLASS_MODEL, from the CLI's
# samples (.npy: the FNV-1a 64 of the float32 data after the header, as the firmware's board_fnv1a).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
classes=$("$RILL_CLI" info --model "$MCU_CLASS_MODEL" | sed -n 's/.*class:\([0-9]*\).*/\1/p' | head -1)
class_lines=""
for ((k = 0; k < ${classes:-0}; k++)); do
  "$RILL_CLI" sample --model "$MCU_CLASS_MODEL" --class "$k" --guidance "$MCU_CLASS_GUIDANCE" --n "$demo_n" \
    --steps "$demo_steps" --solver "$demo_solver" --seed "$demo_seed" --out "$tmp/class$k.npy" 2>/dev/null ||
    fail "native samples of class $k of $MCU_CLASS_MODEL"
  h=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<H", b[8:10])[0] if b[6] == 1 else struct.unpack("<I", b[8:12])[0]
data = b[(10 if b[6] == 1 else 12) + n:]
h = 0xcbf29ce484222325
for x in data: h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$tmp/class$k.npy")
  class_lines="${class_lines}class $k hash $h"$'\n'
done
[ -n "$class_lines" ] || fail "no classes in $MCU_CLASS_MODEL (rill info)"
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
    pass "$v demo: $demo_n samples of $(basename "$MCU_MODEL") ($demo_solver, $demo_steps steps) hash $got = native; $(echo "$out" | grep '^ram arena')"
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

  got_classes=$(echo "$out" | grep '^class ')$'\n'
  if [ "$rc" -eq 0 ] && [ "$got_classes" = "$class_lines" ]; then
    pass "$v demo: $classes classes of $(basename "$MCU_CLASS_MODEL") (guidance $MCU_CLASS_GUIDANCE), every class hash = native; $(echo "$out" | grep '^ram class')"
  else
    fail "$v demo: class hashes differ from native (rill sample --class K --guidance $MCU_CLASS_GUIDANCE)"
    diff <(echo "$got_classes") <(echo "$class_lines") | head -6
  fi

  qemu "$v" "$B/mcu/$v/bare.elf"
  got=$(echo "$out" | sed -n 's/^hash //p')
  if [ "$rc" -eq 0 ] && [ -n "$got" ] && [ "$got" = "$model_hash" ]; then
    pass "$v bare: the same samples without the loader, hash $got = native"
  else
    fail "$v bare: exit $rc, hash '$got', native '$model_hash' (bare.cpp does not sample the demo's model)"
    echo "$out" | tail -3
  fi

  # The demo's model compiled (rill export-c --compiled), F32 and converted to F16, BF16 and I8, and a
  # step-conditioned model (its step features on the lean path, its h through rill_sample), through
  # the lean path (compiled*.elf) and rill_model_init_compiled + rill_sample (*_placed.elf): the samples
  # of the file it came from without any loader linked, and (compiled_check.elf) damaged copies
  # refused with bad_tensor and a message by both.
  for run in $MCU_COMPILED_RUNS; do
    case $run in compiled_bf16*) dt=bf16 ;; compiled_f16*) dt=f16 ;; compiled_i8*) dt=i8 ;; compiled_step*) dt=step ;;
      *) dt=f32 ;; esac
    want=${compiled_hash[$dt]}
    if arm-none-eabi-nm "$B/mcu/$v/$run.elf" 2>/dev/null | grep -q 'model_load\|parse_header' ||
       riscv64-unknown-elf-nm "$B/mcu/$v/$run.elf" 2>/dev/null | grep -q 'model_load\|parse_header'; then
      fail "$v $run: the loader is linked into $run.elf"
      continue
    fi
    qemu "$v" "$B/mcu/$v/$run.elf"
    got=$(echo "$out" | sed -n 's/^hash //p')
    if [ "$rc" -eq 0 ] && [ -n "$got" ] && [ "$got" = "$want" ]; then
      pass "$v $run: no loader linked; the samples of the $dt file, hash $got = native; $(echo "$out" | grep '^compiled')"
    else
      fail "$v $run: exit $rc, hash '$got', native ($dt file) '$want'"
      echo "$out" | tail -3
    fi
  done
  qemu "$v" "$B/mcu/$v/compiled_check.elf"
  if [ "$rc" -eq 0 ] && [ "$(echo "$out" | grep -c '^check ok ')" -eq 4 ] && [ "$(echo "$out" | sed -n 's/^hash //p')" = "$model_hash" ]; then
    pass "$v compiled: a flipped checksum bit and swapped weights are refused by init and by rill_compiled_check (bad_tensor, checksum message)"
  else
    fail "$v compiled checks: exit $rc"
    echo "$out" | tail -4
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
