/* rill.h — the public C API of rill, a flow-matching runtime: the one header `make install` installs
 * (include/rill.h, with lib/librill.a and lib/pkgconfig/rill.pc), and the surface of the WebAssembly
 * module and of microcontroller builds.
 *
 * Usage (plain C; `make install-test` compiles these lines against the installed library and runs them):
 *
 *     #include <rill.h>
 *     // file, len: a .safetensors model in memory (e.g. share/rill/models/moons.safetensors)
 *     rill_model* model = NULL;
 *     char err[256];
 *     if (rill_model_open(file, len, &model, err, sizeof err) != RILL_OK) { puts(err); return 1; }
 *     float x[100 * 2];  // 100 points of rill_model_dim(model) = 2 values
 *     int rc = rill_sample(model, 100, 20, RILL_HEUN, 42, x, NULL);  // 20 Heun steps, seed 42
 *     if (rc == RILL_OK) printf("%g %g\n", x[0], x[1]);
 *     else puts(rill_model_error(model));
 *     rill_model_free(model);
 *
 * Link with `pkg-config --cflags --libs rill` (the library is C++17 inside: a C program links
 * libstdc++ too, which rill.pc says).
 *
 * Conventions: every name has the `rill_` prefix; functions return a status
 * (0 = RILL_OK, see rill_status_message); the caller owns every buffer; no
 * exceptions cross this boundary. Points are row-major float32 arrays of
 * n × d values (d = rill_model_dim). Seeds are unsigned 32-bit integers.
 *
 * Two ways to hold a model:
 *  - heap-free (firmware): rill_model_memory() says how many bytes, then
 *    rill_model_init() places the model in caller memory. The file bytes are
 *    used in place (e.g. a const array in flash from `rill export-c`) and must
 *    be 4-byte aligned and outlive the model.
 *  - heap (native, WebAssembly): rill_model_open() copies the bytes and
 *    allocates; rill_model_free() releases. Trainers are heap-only.
 *
 * Every function declared here outside the `#ifndef __EMSCRIPTEN__` section is
 * exported by rill.wasm (the build derives its export list from this file).
 */
#ifndef RILL_H
#define RILL_H

#include <stddef.h>
#include <stdint.h>

/* The version of this header and library (rill_version() gives the library's; rill.pc's Version). */
#define RILL_VERSION_MAJOR 0
#define RILL_VERSION_MINOR 2
#define RILL_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/* "0.2.0": the version of the library linked, RILL_VERSION_MAJOR.MINOR.PATCH when it was built. */
const char* rill_version(void);

/* Status codes (the numbering of rill::Status). */
enum {
  RILL_OK = 0,
  RILL_INVALID_ARGUMENT = 1,
  RILL_OUT_OF_MEMORY = 2,
  RILL_IO_ERROR = 3,
  RILL_TRUNCATED = 4,
  RILL_BAD_HEADER = 5,
  RILL_BAD_JSON = 6,
  RILL_UNSUPPORTED_DTYPE = 7,
  RILL_BAD_TENSOR = 8,
  RILL_BAD_SHAPE = 9,
  RILL_BAD_OFFSETS = 10,
  RILL_NON_FINITE = 11,
  RILL_BAD_METADATA = 12,
  RILL_UNSUPPORTED = 13
};
const char* rill_status_name(int status);    /* "bad_shape" */
const char* rill_status_message(int status); /* "tensor shapes do not fit the model" */

/* Solvers (rill::Solver). */
enum { RILL_EULER = 0, RILL_MIDPOINT = 1, RILL_HEUN = 2, RILL_RK4 = 3 };
/* Activations of a model's hidden layers (rill::Activation; the names of model files). */
enum { RILL_SILU = 0, RILL_RELU = 1, RILL_TANH = 2, RILL_GELU = 3, RILL_GELU_TANH = 4 };
/* Built-in datasets (rill::Dataset), for trainers and rill_dataset_draw. */
enum {
  RILL_GAUSSIAN = 0, RILL_8GAUSSIANS = 1, RILL_MOONS = 2, RILL_CHECKERBOARD = 3,
  RILL_CIRCLES = 4, RILL_SPIRALS = 5, RILL_SWISSROLL = 6, RILL_DATA_POINTS = -1
};
/* Flags of rill_model_memory / rill_model_init. */
enum {
  RILL_PACK = 1,    /* pack weights for the SIMD kernel: faster, needs RAM for a copy */
  RILL_DENSITY = 2  /* also plan scratch for rill_log_prob over `chunk` points (without it, rill_log_prob
                       runs as many points at a time as the sampling scratch holds: same bits, or
                       RILL_OUT_OF_MEMORY if not even one fits) */
};

typedef struct rill_model rill_model;

/* Facts about a model. */
typedef struct rill_model_info {
  int32_t dim;          /* data dimension d */
  int32_t layers;       /* linear layers */
  int32_t width;        /* widest hidden layer (0 for one layer) */
  int32_t activation;   /* RILL_SILU, RILL_RELU, RILL_TANH, RILL_GELU or RILL_GELU_TANH */
  int32_t time_k;       /* 0: raw t; K: sin:K */
  int32_t in_place;     /* 1 if weights are read from the caller's bytes */
  uint32_t params;      /* number of parameters */
  float flops;          /* per field evaluation of one point */
  float sigma_min;
} rill_model_info;

/* Per-call options of rill_sample_with, rill_integrate_with, rill_field_with and rill_log_prob, in
 * one struct so that later options (conditions, guidance, Hutchinson probes) join at its end and
 * no signature changes. Always fill it with rill_run_options_default first, then set what you
 * need; a function ignores the fields it has no use for. Bindings read its layout with
 * rill_layout_fields(RILL_LAYOUT_RUN_OPTIONS). */
typedef struct rill_run_options {
  int32_t solver; /* RILL_HEUN */
  int32_t steps;  /* 20 fixed steps (>= 1) */
  float t0;       /* 0: rill_integrate_with runs from t0 ... */
  float t1;       /* 1: ... to t1 (t1 < t0: backwards, data to noise) */
  float t;        /* 1: the time of rill_field_with's u_t and of rill_log_prob's log p_t (0..1) */
  int32_t probes;      /* rill_log_prob only: 0 (default) exact divergence; K >= 1: Hutchinson's estimate
                          with K Rademacher probes a point from probe_seed (formats.md, "Log-likelihood") */
  uint32_t probe_seed; /* the seed of those probes (default 0) */
} rill_run_options;
void rill_run_options_default(rill_run_options* options);

/* ---- heap-free ---------------------------------------------------------- */

/* Bytes rill_model_init needs for this file, processing up to `chunk` points
 * at a time (1 is enough for a microcontroller; larger batches are integrated
 * chunk by chunk with the same bits). err (optional) receives the reason. */
int rill_model_memory(const void* file, size_t len, int chunk, int flags, size_t* bytes, char* err,
                      size_t err_cap);
int rill_model_init(void* mem, size_t mem_size, const void* file, size_t len, int chunk, int flags,
                    rill_model** out, char* err, size_t err_cap);

/* ---- heap --------------------------------------------------------------- */

/* Copies the bytes; chunk 256, RILL_PACK and RILL_DENSITY. */
int rill_model_open(const void* file, size_t len, rill_model** out, char* err, size_t err_cap);
/* A model that is a formula, by name (formats.md, "Models that are formulas"): "exact:8gaussians"
 * (the closed-form CondOT marginal field of the 8gaussians mixture) or "linear:a,b,c,d" (u = A·x,
 * A row-major, d² decimals, d = 1..8). It samples, integrates, gives fields and log-densities like a
 * file model (chunk 256); rill_model_get_info gives its dim, layers 0, width 0, params 0, flops 0,
 * sigma_min 0, in_place 0; it has no metadata. Any other name: RILL_INVALID_ARGUMENT and the reason. */
int rill_model_open_name(const char* name, rill_model** out, char* err, size_t err_cap);
void rill_model_free(rill_model* model); /* only for rill_model_open; NULL is fine */

/* ---- using a model ------------------------------------------------------ */

int rill_model_dim(const rill_model* model);
int rill_model_get_info(const rill_model* model, rill_model_info* info);
/* A `__metadata__` value, zero-terminated into out; RILL_INVALID_ARGUMENT if absent or too long. */
int rill_model_metadata(const rill_model* model, const char* key, char* out, size_t cap);
/* The reason for the last failure on this model ("" if none). */
const char* rill_model_error(const rill_model* model);

/* Draws n samples: x0 ~ N(0, I) from `seed`, integrated from t = 0 to 1 in
 * `steps` steps. out: n × d. trajectory (optional): (steps + 1) × n × d. */
int rill_sample(rill_model* model, int n, int steps, int solver, uint32_t seed, float* out, float* trajectory);
/* Integrates given points x (n × d, in place) from t0 to t1 (t1 < t0: backwards). */
int rill_integrate(rill_model* model, float* x, int n, int steps, int solver, float t0, float t1,
                   float* trajectory);
/* The vector field u_t at n points: out = u_t(x), both n × d. */
int rill_field(rill_model* model, const float* x, int n, float t, float* out);

/* The same three with their per-call options (NULL: the defaults). rill_sample_with runs from
 * t = 0 to 1 with options->solver and steps; rill_integrate_with from options->t0 to t1;
 * rill_field_with at options->t. The bits of the calls above with the same values. */
int rill_sample_with(rill_model* model, int n, uint32_t seed, const rill_run_options* options, float* out,
                     float* trajectory);
int rill_integrate_with(rill_model* model, float* x, int n, const rill_run_options* options, float* trajectory);
int rill_field_with(rill_model* model, const float* x, int n, const rill_run_options* options, float* out);

/* logp[i] = log p_t(x_i) in nats (t = options->t, default 1) for n points x (n × d, not changed):
 * x integrated back from t to 0 by options->solver in options->steps steps, the divergence exact
 * and carried as one more state (formats.md, "Log-likelihood"). NULL options: the defaults. In
 * chunks of the model's chunk (bounded memory), on the model's threads where it has them; any
 * chunking or number of threads gives the same bits. Refused with RILL_INVALID_ARGUMENT: a
 * non-finite point, t outside 0..1. RILL_NON_FINITE: some points' integration overflowed or
 * gave NaN; rill_model_error names up to ten 0-based indices and the count (logp is written,
 * those points non-finite). options->probes = K >= 1: the divergence is Hutchinson's unbiased
 * estimate instead, mean of e.(J e) over K Rademacher vectors e a point (fixed over the way back,
 * from options->probe_seed's own stream; point i of the batch always gets the same probes, so the
 * same bits for any chunking); RILL_UNSUPPORTED for exact:8gaussians (closed form only), and
 * RILL_INVALID_ARGUMENT for K < 0 or K > 4096. */
int rill_log_prob(rill_model* model, const float* x, int n, const rill_run_options* options, float* logp);

/* exp(t·A) for a 2 × 2 matrix A (row-major) in closed form, into E (row-major): the flow of the
 * linear field u = A·x is x_t = exp(tA)·x_0. The same bits on every target. */
void rill_matrix_exp_2x2(const float A[4], float t, float E[4]);

/* ---- training (heap) ---------------------------------------------------- */

typedef struct rill_train_config {
  int32_t width;       /* 128 */
  int32_t depth;       /* 3 hidden layers */
  int32_t activation;  /* RILL_SILU */
  int32_t time_k;      /* 0: raw t */
  int32_t steps;       /* 20000: planned length (cosine schedule) */
  int32_t batch;       /* 256 */
  float lr;            /* 1e-3 */
  int32_t schedule;    /* 0 constant, 1 cosine */
  int32_t warmup;      /* 0 */
  float lr_floor;      /* 0: cosine decays to lr·lr_floor */
  float clip;          /* 0: no gradient clipping */
  float ema;           /* 0: no EMA */
  int32_t coupling;    /* 0 independent, 1 minibatch OT */
  float sigma_min;     /* 0 */
  uint32_t seed;       /* 0 */
} rill_train_config;

typedef struct rill_trainer rill_trainer;

void rill_train_config_default(rill_train_config* cfg);
/* dataset: a RILL_* dataset (d = 2), or RILL_DATA_POINTS with `count` points of
 * dimension `dim` (copied). The configuration and points are checked before
 * anything is allocated: a refusal (e.g. coupling 1 with batch > 4096) costs no memory. */
int rill_trainer_new(const rill_train_config* cfg, int dataset, const float* points, long count, int dim,
                     rill_trainer** out, char* err, size_t err_cap);
void rill_trainer_free(rill_trainer* trainer);
/* k steps; losses (optional) receives k values. */
int rill_trainer_step(rill_trainer* trainer, int k, float* losses);
int rill_trainer_steps_done(const rill_trainer* trainer);
/* The current model (the EMA when enabled), usable with rill_sample / rill_field
 * until the next rill_trainer_step or rill_trainer_free. It samples with the
 * trainer's threads, or its own from rill_model_set_threads (which
 * rill_trainer_free ends); never pass it to rill_model_free. */
rill_model* rill_trainer_model(rill_trainer* trainer);
/* The model as a safetensors file (with its training facts). */
size_t rill_trainer_file_size(rill_trainer* trainer);
int rill_trainer_write(rill_trainer* trainer, unsigned char* out, size_t cap, size_t* written);
const char* rill_trainer_error(const rill_trainer* trainer);

/* ---- datasets ------------------------------------------------------------ */

/* n points of a built-in dataset (RILL_GAUSSIAN .. RILL_SWISSROLL, d = 2) into out (n × 2): the
 * points `rill data --data NAME --n N --seed SEED` writes, bit for bit, on every target. */
int rill_dataset_draw(int dataset, int n, uint32_t seed, float* out);

/* ---- struct layouts, for bindings that cannot include this header --------- */

/* Which struct: */
enum { RILL_LAYOUT_MODEL_INFO = 0, RILL_LAYOUT_TRAIN_CONFIG = 1, RILL_LAYOUT_RUN_OPTIONS = 2 };
/* The struct's fields in order, as "name:type" separated by spaces, type i (int32_t), u (uint32_t)
 * or f (float): "dim:i layers:i ...". NULL for another `which`. */
const char* rill_layout_fields(int which);
/* The byte offset of the struct's field number `field` (0-based, the order of rill_layout_fields);
 * field -1: the struct's size. -1 for a `which` or `field` out of range. */
int rill_layout_offset(int which, int field);

#ifndef __EMSCRIPTEN__
/* ---- threads (native builds only: capi_threads.cpp; not in rill.wasm) ------ */
/* Splits sampling (or training) over `threads` threads, 1..64 (1: none). Any
 * number of threads gives the bits of one. RILL_OUT_OF_MEMORY if memory or a
 * thread cannot be had (then none is left running and the handle runs on the
 * calling thread alone). */
int rill_model_set_threads(rill_model* model, int threads);
int rill_trainer_set_threads(rill_trainer* trainer, int threads);
#endif /* __EMSCRIPTEN__ */

/* ---- memory for bindings (WebAssembly) ---------------------------------- */
void* rill_alloc(size_t bytes); /* 16-byte aligned; NULL on failure */
void rill_free(void* p);

#ifdef __cplusplus
}
#endif

#endif /* RILL_H */
