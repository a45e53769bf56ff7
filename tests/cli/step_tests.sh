# Step-conditioned models on the command line (formats.md, `step_embedding`): sourced by
# run_tests.sh, whose helpers (rill, expect_ok, check, refuse, ok, bad) and $T, $ROOT, $LIB it uses.
#
# rill trains no such model, so tests/step_model.py writes them: `lin`, one linear layer reading
# [x0 x1 | t | h] with u = (t, h), whose samples are known in closed form (an x0 of dyadic values
# makes them exact: Heun with N steps adds sum h/2 (2 t_i + h) = 1/2 to x0 and N h^2 = 1/N to x1),
# and `stp`, a silu MLP 8 -> 16 -> 16 -> 2 with sin:2 time and sin:1 step.

# ---- step-conditioned models --------------------------------------------------
STEP_PY="$ROOT/tests/step_model.py"
python3 "$STEP_PY" lin.safetensors --sizes 4,2 --linear "0,0,1,0,0,0,0,1;0,0"
python3 "$STEP_PY" stp.safetensors --sizes 8,16,16,2 --time sin:2 --step sin:1 --seed 5
python3 "$STEP_PY" stpc.safetensors --sizes 6,16,2 --step raw --condition class:2 --seed 6
check "step_model.py writes three step-conditioned models" test -s lin.safetensors -a -s stp.safetensors -a -s stpc.safetensors

rill info --model lin.safetensors
check "info of a one-layer model: \"(1 linear layer)\", singular" test $RC -eq 0 -a -n "$(grep '(1 linear layer)$' "$T/out")"
expect_ok "info of a step model" info --model stp.safetensors
check "info: the step line (sin:1, 2 features, forwards only, no log-density)" \
  grep -q '^step  *sin:1 (the step length h of each solver step, 2 features after the time.s: the output is the average velocity over \[t, t + h\]; forwards only, no log-density)$' "$T/out"
rill info --model stpc.safetensors
check "info of a class step model: the one-hot comes after the step features" \
  grep -q '^condition  *class:2 (one-hot after the step features; --class K), classes 0,1$' "$T/out"
rill info --model moons
check "info: no step line for a model without step_embedding" test $RC -eq 0 -a -z "$(grep '^step ' "$T/out")"

# Closed form: u = (t, h) from dyadic x0 (exact in float32 for Heun and Euler; RK4's h/6 rounds).
printf 'x0,x1\n0.5,-1.25\n2,0\n-0.75,3.5\n' >sx0.csv
# step_want SOLVER N: the end points of sx0.csv in closed form.
step_want() {
  awk -F, -v s="$1" -v n="$2" 'NR > 1 { h = 1 / n; dx = (s == "euler") ? h * h * n * (n - 1) / 2 : 0.5
    printf "%.9g,%.9g\n", $1 + dx, $2 + n * h * h }' sx0.csv
}
step_close() {  # step_close FILE WANT_FILE TOL: same rows within TOL
  python3 -c 'import sys
a = [list(map(float, l.split(","))) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
b = [list(map(float, l.split(","))) for l in open(sys.argv[2]).read().split("\n") if l]
sys.exit(0 if len(a) == len(b) == 3 and all(abs(p - q) <= float(sys.argv[3]) for r, w in zip(a, b) for p, q in zip(r, w)) else 1)' "$@"
}
for sv in euler:4:0 heun:4:0 heun:1:0 midpoint:2:0 rk4:3:2e-6; do
  IFS=: read -r solver n tol <<<"$sv"
  rill sample --model lin.safetensors --x0 sx0.csv --solver "$solver" --steps "$n" --out "slin_$solver$n.csv"
  step_want "$solver" "$n" >"want_$solver$n.csv"
  check "sample of the linear step model, $solver, $n steps: x0 + (1/2, 1/N) in closed form (h = 1/N at every stage)" \
    step_close "slin_$solver$n.csv" "want_$solver$n.csv" "$tol"
done
expect_ok "integrate of the linear step model from 0 to 1" integrate --model lin.safetensors --x sx0.csv --t0 0 --t1 1 \
  --steps 4 --solver heun --out ilin.csv
check "integrate from 0 to 1 equals sample --x0, bit for bit" cmp -s ilin.csv slin_heun4.csv
# From t0 = 0.25 to 0.75 in 2 steps: h = 1/4, x1 gains 2 h^2 = 1/8 (a model fed h = 1/2 would give 1/2).
rill integrate --model lin.safetensors --x sx0.csv --t0 0.25 --t1 0.75 --steps 2 --solver euler --out -
check "integrate --t0 0.25 --t1 0.75 --steps 2: the step model reads h = 0.25" \
  test "$(sed -n 2p "$T/out")" = "0.6875,-1.125"

expect_ok "sample a step model --threads 1" sample --model stp.safetensors --n 2500 --steps 3 --solver rk4 --out sstp1.npy
expect_ok "sample a step model --threads 3" sample --model stp.safetensors --n 2500 --steps 3 --solver rk4 --threads 3 \
  --out sstp3.npy
check "a step model samples the same bits on 1 and 3 threads" cmp -s sstp1.npy sstp3.npy
rill sample --model stp.safetensors --n 2500 --steps 3 --solver rk4 --trajectory --threads 2 --out tstp.npy
check "sample --trajectory of a step model: its last snapshot is the samples" python3 -c '
import sys, struct
def load(p):
    b = open(p, "rb").read(); n = struct.unpack("<H", b[8:10])[0]; return b[10 + n:]
a, t = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if len(t) == 4 * len(a) and t[-len(a):] == a else 1)' sstp1.npy tstp.npy
rill sample --model stp.safetensors --n 50 --steps 6 --solver rk4 --out sstp6.npy
check "a step model's samples depend on the steps (it reads h)" test $RC -eq 0 -a "$(cmp -s sstp6.npy sstp1.npy; echo $?)" -ne 0
expect_ok "sample --class 1 --guidance 2 of a class step model" sample --model stpc.safetensors --class 1 --guidance 2 \
  --n 20 --steps 2 --out sstpc.csv

# rill field --h: the average velocity over [t, t + h]; u = (t, h) for the linear model.
expect_ok "field --h 0.25 of the linear step model" field --model lin.safetensors --t 0.375 --h 0.25 --x sx0.csv --out -
check "field --h 0.25: u = (t, h) at every point" test "$(sed -n '2,4p' "$T/out" | sort -u)" = "0.375,0.25"
rill field --model lin.safetensors --t 0.375 --x sx0.csv --out -
check "field without --h: h = 0, the instantaneous velocity" test "$(sed -n '2,4p' "$T/out" | sort -u)" = "0.375,0"
refuse "field --h on a model without step_embedding" 1 "--h: the model .*moons.safetensors is not step-conditioned (it has no step_embedding)" \
  "$T/fh.csv" field --model moons --t 0.5 --h 0.25 --x sx0.csv --out "$T/fh.csv"
refuse "field --h 1.5" 2 "--h must be in \\[0, 1\\], got 1.5" "$T/fh.csv" \
  field --model lin.safetensors --t 0.5 --h 1.5 --x sx0.csv --out "$T/fh.csv"
refuse "field --h x" 2 "--h expects a number, got .x." "$T/fh.csv" field --model lin.safetensors --t 0.5 --h x --x sx0.csv --out "$T/fh.csv"

# Forwards only, no log-density.
refuse "integrate a step model backwards (--t0 1 --t1 0)" 1 \
  "the model stp.safetensors is step-conditioned (step_embedding): it integrates forwards only (t1 >= t0)" "$T/ib.csv" \
  integrate --model stp.safetensors --x sx0.csv --t0 1 --t1 0 --out "$T/ib.csv"
refuse "logp of a step model" 1 \
  "the model stp.safetensors is step-conditioned (step_embedding): its output is an average velocity over a step, so it has no log-density" \
  "$T/lp.npy" logp --model stp.safetensors --x sx0.csv --out "$T/lp.npy"
expect_ok "eval of a step model" eval --data moons --model lin.safetensors --n 200 --steps 2
check "eval: the nll line says a step-conditioned model has no log-density; the distances are there" \
  bash -c 'grep -q "^nll *- *(a step-conditioned model has no log-density)$" "$1" && grep -q "^w2 " "$1"' _ "$T/out"
expect_ok "eval --json of a step model" eval --data moons --model lin.safetensors --n 200 --steps 2 --json
check "eval --json: distances, no nll" python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if "w2" in r and "nll" not in r else 1)' "$T/out"
refuse "reflow from a step-conditioned teacher with --init teacher: refused before the pairs are made" 1 \
  "give --init scratch" "$T/rstp_t.safetensors" reflow --model lin.safetensors --out "$T/rstp_t.safetensors" --pairs 64 --teacher-steps 2 --steps 3
check "... and before any work (no 'integrating' line)" test -z "$(grep integrating "$T/err")"
expect_ok "reflow with a step-conditioned teacher" reflow --model lin.safetensors --out rstp.safetensors --pairs 64 \
  --teacher-steps 2 --steps 3 --width 8 --init scratch
rill info --model rstp.safetensors
check "reflow: the student of a step teacher has no step_embedding" test $RC -eq 0 -a -z "$(grep '^step ' "$T/out")"

# A file that declares step_embedding wrongly.
python3 "$STEP_PY" bad1.safetensors --sizes 4,2 --linear "0,0,0,0,0,0,0,1;0,0" --format 1
refuse "a format-1 file with step_embedding" 1 "a model with a step_embedding is rill.format 2, not 1" "" info --model bad1.safetensors
python3 "$STEP_PY" bad2.safetensors --sizes 4,2 --linear "0,0,0,0,0,0,0,1;0,0" --step sin:13
refuse "step_embedding sin:13" 1 "unknown step_embedding sin:13 (rill reads none, raw or sin:K, K in 1..12)" "" \
  info --model bad2.safetensors
python3 "$STEP_PY" bad3.safetensors --sizes 3,2 --linear "0,0,0,0,0,1;0,0"
refuse "a step model whose layer 0 has no room for h" 1 \
  "layer 0: layers.0.weight takes 3 inputs; dimension 2 + 1 time features + 1 step features + 0 condition features needs 4" \
  "" info --model bad3.safetensors

# convert keeps step_embedding (format 2); the F32 copy samples the same bits.
for d in f32 f16 bf16 i8; do
  expect_ok "convert --dtype $d of a step model" convert --model stp.safetensors --dtype $d --out "stp_$d.safetensors"
  rill info --model "stp_$d.safetensors"
  check "convert --dtype $d keeps step_embedding sin:1 (rill.format 2)" \
    bash -c 'grep -q "^step  *sin:1 " "$1" && grep -q "^  step_embedding *sin:1$" "$1" && grep -q "^  rill.format *2$" "$1"' _ "$T/out"
done
rill sample --model stp_f32.safetensors --n 2500 --steps 3 --solver rk4 --out sstpf32.npy
check "convert --dtype f32: the same samples, bit for bit" cmp -s sstpf32.npy sstp1.npy

# export-c of a step model: the file's bytes (with NAME_STEP_K), and --compiled (step_k), placed and
# through the lean path, compiled as C11: the bits of rill sample.
expect_ok "export-c of a step model" export-c --model stp.safetensors --out stp_model.h --name stp_model
check "export-c: STP_MODEL_STEP_K 1 and the encodings in the comment" \
  bash -c 'grep -q "^#define STP_MODEL_STEP_K 1$" "$1" && grep -q "time sin:2, step sin:1, 450 parameters" "$1"' _ stp_model.h
rill export-c --model moons --out plain_model.h --name plain_model
check "export-c of a model without step_embedding: no _STEP_K macro" test $RC -eq 0 -a -z "$(grep STEP_K plain_model.h)"
expect_ok "export-c --compiled of a step model" export-c --compiled --model stp.safetensors --out stp_c.h --name stp_c
check "export-c --compiled: step_k 1 after activation 0 and time_k 2" grep -q '^  0, 2, 1, 0, 0, -1, 0.0f, 0,$' stp_c.h
cat >use_step.c <<'EOF'
/* A step model three ways, in C11: the file's bytes placed (rill_model_init), the compiled struct
 * placed (rill_model_init_compiled), the lean path (stp_c_sample); each prints 50 samples. */
#include <stdio.h>
#include <string.h>
#include "rill/rill.h"
#include "stp_model.h"
#include "stp_c.h"
static unsigned char mem[1 << 20];
static float scratch[1 << 14];
int main(int argc, char** argv) {
  char err[200] = "";
  size_t need = 0;
  float out[2 * 50];
  rill_model* m = NULL;
  int st;
  if (argc < 2) return 2;
  if (strcmp(argv[1], "file") == 0) {
    st = rill_model_init(mem, sizeof mem, stp_model, stp_model_len, 1, 0, &m, err, sizeof err);
    if (st == RILL_OK) st = rill_sample(m, 50, 4, RILL_RK4, 7, out, NULL);
  } else if (strcmp(argv[1], "placed") == 0) {
    st = rill_model_init_compiled(mem, sizeof mem, &stp_c, 1, 0, &m, err, sizeof err);
    if (st == RILL_OK) st = rill_sample(m, 50, 4, RILL_RK4, 7, out, NULL);
  } else {
    st = rill_compiled_check(&stp_c, &need, err, sizeof err);
    if (st == RILL_OK) st = stp_c_sample(50, 4, RILL_RK4, 7, out, scratch, sizeof scratch);
  }
  if (st != RILL_OK) { printf("%s: %s\n", rill_status_name(st), err); return 1; }
  printf("x0,x1\n");
  for (int i = 0; i < 50; ++i) printf("%.9g,%.9g\n", out[2 * i], out[2 * i + 1]);
  return 0;
}
EOF
if [ -f "$LIB" ] && command -v gcc >/dev/null && command -v g++ >/dev/null; then
  gcc -std=c11 -Wall -Wextra -Werror ${RILL_TEST_CXXFLAGS:-} -I. -I"$ROOT/src" -c use_step.c -o use_step.o &&
    g++ ${RILL_TEST_CXXFLAGS:-} use_step.o "$LIB" -o use_step
  check "export-c of a step model: both headers compile as C11 and link against librill.a" test $? -eq 0
  rill sample --model stp.safetensors --n 50 --steps 4 --solver rk4 --seed 7 --out -
  for how in file placed lean; do
    ./use_step "$how" >"use_step_$how.csv" 2>&1
    check "export-c of a step model ($how): the samples of rill sample, bit for bit" cmp -s "use_step_$how.csv" "$T/out"
  done
else
  bad "export-c of a step model: $LIB, gcc or g++ missing, cannot compile the headers"
fi
