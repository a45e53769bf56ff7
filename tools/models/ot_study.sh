#!/usr/bin/env bash
# The OT-coupling study of issue 3: the same recipe trained with independent
# and with minibatch-OT coupling, then MMD² and W2 of Euler samples at 1, 2,
# 4, 8 and 20 steps (4000 samples, `rill eval --json`). Markdown on stdout,
# progress on stderr.
#
#   tools/models/ot_study.sh RILL OUTDIR "RECIPE FLAGS" [DATASETS...]
#
# Couplings trained per dataset:
#   independent   the recipe as given
#   ot            the recipe with --coupling ot (same number of steps)
#   ot-same-time  (only when OT_SAME_TIME=1) --coupling ot with the steps cut so the
#                 training time matches independent's (from the measured steps/s)
# The models stay in OUTDIR (NAME-COUPLING.safetensors); an existing model is
# reused unless RETRAIN=1. Deterministic: fixed seeds (the recipe's, default 0).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 RILL OUTDIR \"RECIPE FLAGS\" [DATASETS...]" >&2
  exit 2
fi
RILL=$1 OUT=$2 RECIPE=$3
shift 3
DATASETS=${*:-moons 8gaussians}
STEPS_LIST="1 2 4 8 20"
N=${N:-4000}
mkdir -p "$OUT"

meta() { "$RILL" info --model "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
# The recipe's --steps (the trainer's default is 20000); `rill train` refuses a flag given twice,
# so --steps and --coupling are taken out of the recipe and given per run.
recipe_steps=$(echo " $RECIPE " | sed -n 's/.* --steps \([0-9]*\) .*/\1/p')
recipe_steps=${recipe_steps:-20000}
BASE=$(echo " $RECIPE " | sed -e 's/ --steps [0-9]*//' -e 's/ --coupling [a-z]*//')

train() {  # DATASET COUPLING-LABEL EXTRA-FLAGS...
  local ds=$1 label=$2 model="$OUT/$1-$2.safetensors"
  shift 2
  if [ "${RETRAIN:-0}" = 1 ] || [ ! -f "$model" ]; then
    echo "ot_study: training $model" >&2
    # shellcheck disable=SC2086
    "$RILL" train --data "$ds" --out "$model" $BASE "$@" 2>"$OUT/$ds-$label.log" ||
      { tail -3 "$OUT/$ds-$label.log" >&2; exit 1; }
  fi
}

rows=()
for ds in $DATASETS; do
  labels="independent ot"
  train "$ds" independent --coupling independent --steps "$recipe_steps"
  train "$ds" ot --coupling ot --steps "$recipe_steps"
  if [ "${OT_SAME_TIME:-0}" = 1 ]; then
    # OT steps that fit in independent's time, at OT's measured speed.
    ti=$(meta "$OUT/$ds-independent.safetensors" train_seconds)
    to=$(meta "$OUT/$ds-ot.safetensors" train_seconds)
    same=$(python3 -c "print(max(1, round($recipe_steps * $ti / $to)))")
    train "$ds" ot-same-time --coupling ot --steps "$same"
    labels="$labels ot-same-time"
  fi
  for label in $labels; do
    model="$OUT/$ds-$label.safetensors"
    steps=$(meta "$model" steps)
    secs=$(meta "$model" train_seconds)
    sps=$(python3 -c "print('%.0f' % ($steps / $secs))")
    mmd="" w2=""
    for k in $STEPS_LIST; do
      echo "ot_study: eval $ds $label euler $k" >&2
      j=$("$RILL" eval --data "$ds" --model "$model" --solver euler --steps "$k" --n "$N" --json)
      read -r m w < <(echo "$j" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.4f %.3f" % (d["mmd2"], d["w2"]))')
      mmd="$mmd | $m" w2="$w2 | $w"
    done
    rows+=("| $ds | $label | $steps | $secs | $sps $mmd $w2 |")
  done
done

echo "Euler, $N samples against the reference draw of \`rill eval\`. Recipe: \`$RECIPE\`."
echo
hdr="| dataset | coupling | train steps | train s | steps/s"
sep="| --- | --- | ---: | ---: | ---:"
for k in $STEPS_LIST; do hdr="$hdr | MMD² $k"; sep="$sep | ---:"; done
for k in $STEPS_LIST; do hdr="$hdr | W2 $k"; sep="$sep | ---:"; done
echo "$hdr |"
echo "$sep |"
printf '%s\n' "${rows[@]}"
