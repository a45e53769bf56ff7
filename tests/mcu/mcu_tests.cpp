// mcu_tests: rill on a Cortex-M under QEMU (make mcu-test), through rill.h only.
//
//  - golden: every case of tests/golden/golden.txt (sampling with every solver,
//    field evaluation, integration both ways, log-likelihood exact and by
//    Hutchinson's estimate) hashed on this target and compared with the
//    committed hash, for two placements: chunk 1 with the weights read in place
//    from flash (what firmware does), and chunk 8 with packed weights (the SIMD
//    kernel's layout, scalar code here); the logp cases in placements planned
//    with RILL_DENSITY, so the others keep their small arenas;
//  - loader: damaged copies of a model file give the status and message the
//    native library gives, never a fault;
//  - api: misaligned bytes, a too-small arena, bad arguments.
//
// The data (models, cases, hashes, damaged files) is generated from the
// committed golden file by `golden --emit-c` (tests/golden/golden.cpp).
// Negative controls, from qemu's semihosting command line:
//   flip=K   flip one bit of case K's expected hash (the run must then fail)
//   fault    take a fault after the first model (the run must exit 99)
// Prints failures, one summary line per group and "firmware: N passed, M
// failed"; exits with the number of failures (at most 98; 99 is a fault).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "golden_data.h"
#include "mcu/board.h"
#include "rill/rill.h"

namespace {

// Sizes for the mps2 boards (4 MiB of RAM); the micro:bit build (16 KiB) makes them small.
// A placement whose arena does not fit is reported as skipped.
#ifndef MCU_TEST_ARENA
#define MCU_TEST_ARENA (384 * 1024)
#endif
#ifndef MCU_TEST_FILE
#define MCU_TEST_FILE (16 * 1024)
#endif
#ifndef MCU_TEST_FLOATS
#define MCU_TEST_FLOATS 512
#endif
alignas(64) unsigned char arena[MCU_TEST_ARENA];
alignas(16) unsigned char file_copy[MCU_TEST_FILE];
float xbuf[MCU_TEST_FLOATS];
float obuf[MCU_TEST_FLOATS];

int passed = 0, failed = 0;
int flip_case = -1;
bool take_fault = false;

float from_bits(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}

void fixed_points(float* x, size_t count) {
  for (size_t k = 0; k < count; ++k) x[k] = static_cast<float>(static_cast<int>((7 * k) % 33) - 16) / 8.0f;
}

void check(bool ok, const char* group, const char* what, const char* detail = nullptr) {
  if (ok) {
    ++passed;
    return;
  }
  ++failed;
  board_put("FAIL ");
  board_put(group);
  board_put(": ");
  board_put(what);
  if (detail != nullptr) {
    board_put(": ");
    board_put(detail);
  }
  board_put("\n");
}

void parse_cmdline() {
  char line[128];
  board_cmdline(line, sizeof line);
  for (const char* p = line; *p;) {
    while (*p == ' ') ++p;
    if (strncmp(p, "flip=", 5) == 0) {
      flip_case = 0;
      for (p += 5; *p >= '0' && *p <= '9'; ++p) flip_case = flip_case * 10 + (*p - '0');
    } else if (strncmp(p, "fault", 5) == 0) {
      take_fault = true;
      p += 5;
    } else {
      while (*p && *p != ' ') ++p;
    }
  }
  if (flip_case >= 0) {
    board_put("negative control: case ");
    board_put_u(static_cast<uint32_t>(flip_case));
    board_put(" expects a hash with one bit flipped\n");
  }
}

// Runs case c on model m; returns its hash, or 0 with a failure noted.
uint64_t run_case(const golden_case& c, rill_model* m, int* status) {
  const int d = rill_model_dim(m);
  const size_t count = static_cast<size_t>(c.n) * static_cast<size_t>(d);
  if (count > sizeof obuf / sizeof obuf[0]) {
    *status = -1;
    return 0;
  }
  if (c.kind == GOLDEN_SAMPLE) {
    *status = rill_sample(m, c.n, c.steps, c.solver, c.seed, obuf, nullptr);
  } else if (c.kind == GOLDEN_FIELD) {
    fixed_points(xbuf, count);
    *status = rill_field(m, xbuf, c.n, from_bits(c.t0_bits), obuf);
  } else if (c.kind == GOLDEN_LOGP) {
    fixed_points(xbuf, count);
    rill_run_options o;
    rill_run_options_default(&o);
    o.solver = c.solver;
    o.steps = c.steps;
    o.t = from_bits(c.t0_bits);
    o.probes = c.probes;
    o.probe_seed = c.seed;
    *status = rill_log_prob(m, xbuf, c.n, &o, obuf);
    return board_fnv1a(obuf, sizeof(float) * static_cast<size_t>(c.n));
  } else {
    fixed_points(obuf, count);
    *status = rill_integrate(m, obuf, c.n, c.steps, c.solver, from_bits(c.t0_bits), from_bits(c.t1_bits), nullptr);
  }
  return board_fnv1a(obuf, sizeof(float) * count);
}

// The cases of model mi on one placement: the logp cases alone when flags has
// RILL_DENSITY, else all the others.
void golden_model_cases(int mi, int chunk, int flags, const char* placement) {
  const bool density = (flags & RILL_DENSITY) != 0;
  const golden_model& gm = golden_models[mi];
  char err[200] = "";
  size_t need = 0;
  rill_model* m = nullptr;
  int st = rill_model_memory(gm.bytes, gm.len, chunk, flags, &need, err, sizeof err);
  if (st == RILL_OK && need > sizeof arena) {
    board_put("skip ");
    board_put(gm.name);
    board_put(" ");
    board_put(placement);
    board_put(": needs ");
    board_put_u(static_cast<uint32_t>(need));
    board_put(" bytes of arena\n");
    return;
  }
  if (st == RILL_OK) st = rill_model_init(arena, sizeof arena, gm.bytes, gm.len, chunk, flags, &m, err, sizeof err);
  check(st == RILL_OK, "golden", gm.name, err);
  if (st != RILL_OK) return;
  int ok = 0, bad = 0;
  for (int i = 0; i < GOLDEN_CASES; ++i) {
    const golden_case& c = golden_cases[i];
    if (c.model != mi || (c.kind == GOLDEN_LOGP) != density) continue;
    int cst = 0;
    const uint64_t h = run_case(c, m, &cst);
    const uint64_t want = c.hash ^ (i == flip_case ? 1ull : 0ull);
    const bool good = cst == RILL_OK && h == want;
    good ? ++ok : ++bad;
    check(good, "golden", c.text, placement);
    if (!good) {
      board_put("  status ");
      board_put_i(cst);
      board_put(", hash ");
      board_put_x64(h);
      board_put(", golden ");
      board_put_x64(want);
      board_put("\n");
    }
  }
  board_put("golden ");
  board_put(gm.name);
  board_put(" (");
  board_put(placement);
  board_put("): ");
  board_put_u(static_cast<uint32_t>(ok));
  board_put(" ok, ");
  board_put_u(static_cast<uint32_t>(bad));
  board_put(" differ\n");
}

void golden_tests() {
  for (int mi = 0; mi < GOLDEN_MODELS; ++mi) {
    const golden_model& gm = golden_models[mi];
    check(board_fnv1a(gm.bytes, gm.len) == gm.fnv, "golden", gm.name, "embedded model bytes differ from golden.txt");
    golden_model_cases(mi, 1, 0, "chunk 1, in place");
    golden_model_cases(mi, 8, RILL_PACK, "chunk 8, packed");
    golden_model_cases(mi, 1, RILL_DENSITY, "logp, chunk 1, in place");
    golden_model_cases(mi, 8, RILL_PACK | RILL_DENSITY, "logp, chunk 8, packed");
    if (take_fault && mi == 0) {
      board_put("negative control: taking a fault now\n");
      board_flush();
      __builtin_trap();  // UDF: HardFault -> startup.c's handler -> exit 99
    }
  }
}

// A damaged copy of golden model d.model in file_copy (4-byte aligned).
size_t make_damaged(const golden_damage& d) {
  const golden_model& gm = golden_models[d.model];
  memcpy(file_copy, gm.bytes, gm.len);
  for (int i = 0; i < d.patch_n; ++i) file_copy[d.off + i] = d.patch[i];
  return d.len;
}

void loader_tests() {
  int ok = 0, bad = 0, skipped = 0;
  for (int i = 0; i < GOLDEN_DAMAGES; ++i) {
    const golden_damage& d = golden_damages[i];
    if (golden_models[d.model].len > sizeof file_copy) {
      board_put("skip loader ");
      board_put(d.what);
      board_put(": ");
      board_put(golden_models[d.model].name);
      board_put(" is bigger than MCU_TEST_FILE\n");
      ++skipped;
      continue;
    }
    const size_t len = make_damaged(d);
    char err[200] = "";
    size_t need = 0;
    int st = rill_model_memory(file_copy, len, 1, 0, &need, err, sizeof err);
    const bool good = st == d.status && board_fnv1a(err, strlen(err)) == d.msg_fnv;
    check(good, "loader rill_model_memory", d.what, err);
    if (!good) {
      board_put("  status ");
      board_put(rill_status_name(st));
      board_put(", native ");
      board_put(rill_status_name(d.status));
      board_put(": ");
      board_put(d.msg);
      board_put("\n");
    }
    rill_model* m = nullptr;
    err[0] = '\0';
    st = rill_model_init(arena, sizeof arena, file_copy, len, 1, 0, &m, err, sizeof err);
    const bool good2 = st == d.status && (st != RILL_OK || m != nullptr);
    check(good2, "loader rill_model_init", d.what, err);
    if (st == RILL_OK && m != nullptr)  // an undamaging patch: the model must also sample
      check(rill_sample(m, 2, 2, RILL_RK4, 5u, obuf, nullptr) == RILL_OK, "loader sample", d.what);
    (good && good2) ? ++ok : ++bad;
  }
  board_put("loader: ");
  board_put_u(static_cast<uint32_t>(ok));
  board_put(" damaged files give the native status and message, ");
  board_put_u(static_cast<uint32_t>(bad));
  board_put(" differ, ");
  board_put_u(static_cast<uint32_t>(skipped));
  board_put(" skipped\n");
}

void api_tests() {
  const golden_model& gm = golden_models[GOLDEN_DAMAGES > 0 ? golden_damages[0].model : 0];
  char err[200] = "";
  size_t need = 0;
  rill_model* m = nullptr;
  // Misaligned bytes are refused, not read unaligned.
  memcpy(file_copy + 1, gm.bytes, gm.len < sizeof file_copy - 1 ? gm.len : 0);
  check(rill_model_memory(file_copy + 1, gm.len, 1, 0, &need, err, sizeof err) == RILL_INVALID_ARGUMENT, "api",
        "misaligned bytes (memory)");
  check(rill_model_init(arena, sizeof arena, file_copy + 1, gm.len, 1, 0, &m, err, sizeof err) ==
            RILL_INVALID_ARGUMENT,
        "api", "misaligned bytes (init)");
  check(rill_model_memory(nullptr, gm.len, 1, 0, &need, err, sizeof err) == RILL_INVALID_ARGUMENT, "api", "null file");
  check(rill_model_memory(gm.bytes, gm.len, 0, 0, &need, err, sizeof err) == RILL_INVALID_ARGUMENT, "api", "chunk 0");
  // The arena: exactly what rill_model_memory says is enough, one byte less is not.
  check(rill_model_memory(gm.bytes, gm.len, 1, 0, &need, err, sizeof err) == RILL_OK, "api", "memory", err);
  check(rill_model_init(arena, need - 1, gm.bytes, gm.len, 1, 0, &m, err, sizeof err) == RILL_OUT_OF_MEMORY, "api",
        "arena one byte short");
  check(m == nullptr, "api", "no model from a failed init");
  // The arena at an odd address: rill aligns inside it, and the same size still fits.
  check(rill_model_init(arena + 1, need, gm.bytes, gm.len, 1, 0, &m, err, sizeof err) == RILL_OK, "api",
        "arena at an odd address", err);
  check(rill_model_init(arena, need, gm.bytes, gm.len, 1, 0, &m, err, sizeof err) == RILL_OK, "api", "exact arena",
        err);
  if (m == nullptr) return;
  check(rill_sample(m, 3, 0, RILL_EULER, 1u, obuf, nullptr) == RILL_INVALID_ARGUMENT, "api", "steps 0");
  check(rill_model_error(m)[0] != '\0', "api", "steps 0 gives a reason");
  check(rill_sample(m, 3, 2, 4, 1u, obuf, nullptr) == RILL_INVALID_ARGUMENT, "api", "solver 4");
  check(rill_sample(m, 0, 2, RILL_RK4, 1u, obuf, nullptr) == RILL_OK, "api", "n 0");
  check(rill_sample(m, -1, 2, RILL_RK4, 1u, obuf, nullptr) == RILL_INVALID_ARGUMENT, "api", "n -1");
  check(rill_field(m, xbuf, 1, from_bits(0x7fc00000u), obuf) == RILL_INVALID_ARGUMENT, "api", "field at t = NaN");
  check(rill_sample(m, 2, 3, RILL_HEUN, 9u, obuf, nullptr) == RILL_OK, "api", "sample after errors");
  // A trajectory: the last snapshot is the sample itself (2 points, 3 steps: 4 snapshots, in xbuf after them).
  const size_t pts = 2 * static_cast<size_t>(rill_model_dim(m));
  float* direct = xbuf;
  float* traj = xbuf + pts;
  check(5 * pts <= sizeof xbuf / sizeof xbuf[0] && rill_sample(m, 2, 3, RILL_HEUN, 9u, direct, traj) == RILL_OK &&
            memcmp(traj + 3 * pts, direct, sizeof(float) * pts) == 0 && memcmp(direct, obuf, sizeof(float) * pts) == 0,
        "api", "trajectory ends at the samples");
  rill_model_info info;
  check(rill_model_get_info(m, &info) == RILL_OK && info.in_place == 1 && info.dim == rill_model_dim(m), "api",
        "info: in place");
  board_put("api: done\n");
}

}  // namespace

int main() {
  const uintptr_t top = board_stack_paint();
  parse_cmdline();
  golden_tests();
  loader_tests();
  api_tests();
  board_put("stack high-water mark ");
  board_put_u(board_stack_used(top));
  board_put(" bytes\nfirmware: ");
  board_put_u(static_cast<uint32_t>(passed));
  board_put(" passed, ");
  board_put_u(static_cast<uint32_t>(failed));
  board_put(" failed\n");
  return failed > 98 ? 98 : failed;
}
