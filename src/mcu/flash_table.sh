#!/usr/bin/env bash
# flash_table.sh BUILD_DIR RILL DATASET... — the flash of each shipped model compiled in each dtype
# (make mcu-size's flash table): `rill convert --dtype DT` (F32: the shipped file), `rill export-c
# --compiled`, the header compiled for the M4F in a C11 object that keeps the struct, and the
# object's .rodata (the struct and its arrays) summed from `arm-none-eabi-size -A`. Prints
# `dataset dtype bytes` lines.
set -euo pipefail
B=${1:?usage: flash_table.sh BUILD_DIR RILL DATASET...}
RILL=${2:?}
shift 2
dir=$B/mcu/flash
mkdir -p "$dir"
for ds in "$@"; do
  for dt in f32 f16 bf16 i8; do
    model=web/models/$ds.safetensors
    if [ "$dt" != f32 ]; then
      "$RILL" convert --model "$model" --dtype "$dt" --out "$dir/$ds-$dt.safetensors" >/dev/null
      model=$dir/$ds-$dt.safetensors
    fi
    "$RILL" export-c --compiled --model "$model" --out "$dir/$ds-$dt.h" --name m >/dev/null
    printf '#include "rill/rill.h"\n#include "%s-%s.h"\nconst rill_compiled_model* model(void) { return &m; }\n' \
      "$ds" "$dt" > "$dir/$ds-$dt.c"
    arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -std=c11 -Os -fdata-sections \
      -Wall -Wextra -Werror -Isrc -I"$dir" -c "$dir/$ds-$dt.c" -o "$dir/$ds-$dt.o"
    bytes=$(arm-none-eabi-size -A "$dir/$ds-$dt.o" | awk '$1 ~ /^\.rodata/ { t += $2 } END { print t + 0 }')
    echo "$ds $dt $bytes"
  done
done
