// demo_settings.h — the run the demo firmware (main.cpp) and bare.cpp both
// make, so that their hashes can be compared: n samples, solver, steps, seed.
// The Makefile's MCU_DEMO_HASH_ARGS (solver steps seed n) asks the native
// library for the same run; `make mcu-test` fails if they disagree.
#pragma once
#include "rill/rill.h"

#ifndef DEMO_N
#define DEMO_N 8
#endif
#ifndef DEMO_STEPS
#define DEMO_STEPS 10
#endif
#ifndef DEMO_SOLVER
#define DEMO_SOLVER RILL_HEUN
#endif
#ifndef DEMO_SEED
#define DEMO_SEED 42u
#endif
