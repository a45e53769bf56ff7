// demo_settings.h — the run the demo firmware (main.cpp) and bare.cpp both
// make, so that their hashes can be compared: n samples, solver, steps, seed;
// and the guidance weight of the demo's class-conditional samples.
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
#ifndef DEMO_GUIDANCE
#define DEMO_GUIDANCE 2.0f  // u0 + w (u_c - u0): two evaluations per stage (the Makefile's MCU_CLASS_GUIDANCE)
#endif
