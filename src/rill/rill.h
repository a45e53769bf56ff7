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
 *    WebAssembly has no safetensors loader: rill.mjs reads the file in
 *    JavaScript and opens it as a compiled model (rill_model_open_compiled).
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
                       RILL_OUT_OF_MEMORY if not even one fits); planned for the exact divergence:
                       Hutchinson's probes run as many points as that holds, the same way */
};

typedef struct rill_model rill_model;

/* Conditions of a model (rill_model_condition; formats.md `condition`). */
enum { RILL_CONDITION_NONE = 0, RILL_CONDITION_CLASS = 1, RILL_CONDITION_VECTOR = 2 };

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
  int32_t step_k;       /* -1: no step embedding; 0: raw h, K: sin:K (a step-conditioned model: it reads the step
                           length h of each solver step, integrates forwards only, has no log-density) */
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
  /* The condition of the call (formats.md, "Guidance"; rill_model_condition says the model's):
   * class_index for a class:C model, or condition for a vector:M model, never both; neither: the
   * model's own (unconditional) field. rill_sample_with, rill_integrate_with and rill_field_with
   * honour them with the bits of `rill sample --class K` / `--cond FILE` / `--guidance W`, and
   * rill_log_prob with one condition for every point. */
  int32_t class_index;    /* -1: no condition (default); 0..C-1 for a class:C model */
  const float* condition; /* vector:M model: condition_rows × M values (finite), or NULL (default: none) */
  int32_t condition_rows; /* 1 (one condition for every point, the default) or n (one per point) */
  float guidance;         /* 1 (default): u(·|0) + w·(u(·|c) − u(·|0)), computed in that order; w = 1 is
                             u(·|c) alone and w = 0 u(·|0) alone (one evaluation each), any other w two.
                             Needs a condition (w != 1 without one is refused). */
  int32_t probes;      /* rill_log_prob only: 0 (default) exact divergence; K >= 1: Hutchinson's estimate
                          with K Rademacher probes a point from probe_seed (formats.md, "Log-likelihood") */
  uint32_t probe_seed; /* the seed of those probes (default 0) */
  float h;             /* rill_field_with on a step-conditioned model (rill_model_info's step_k >= 0): the step
                          length h the model reads (default 0: the instantaneous velocity); sampling and
                          integration give such a model h = (t1 - t0) / steps, the h of each of their steps */
} rill_run_options;
void rill_run_options_default(rill_run_options* options);

#ifndef __EMSCRIPTEN__ /* the safetensors loader: native and firmware builds (rill.mjs reads files itself) */
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
#endif /* __EMSCRIPTEN__ */
/* A model that is a formula, by name (formats.md, "Models that are formulas"): "exact:8gaussians"
 * (the closed-form CondOT marginal field of the 8gaussians mixture) or "linear:a,b,c,d" (u = A·x,
 * A row-major, d² decimals, d = 1..8). It samples, integrates, gives fields and log-densities like a
 * file model (chunk 256); rill_model_get_info gives its dim, layers 0, width 0, params 0, flops 0,
 * sigma_min 0, in_place 0; it has no metadata. Any other name: RILL_INVALID_ARGUMENT and the reason. */
int rill_model_open_name(const char* name, rill_model** out, char* err, size_t err_cap);
void rill_model_free(rill_model* model); /* only for rill_model_open(_compiled); NULL is fine */

/* ---- using a model ------------------------------------------------------ */

int rill_model_dim(const rill_model* model);
int rill_model_get_info(const rill_model* model, rill_model_info* info);
#ifndef __EMSCRIPTEN__ /* rill.mjs has the metadata of the file it read */
/* A `__metadata__` value, zero-terminated into out; RILL_INVALID_ARGUMENT if absent or too long. */
int rill_model_metadata(const rill_model* model, const char* key, char* out, size_t cap);
#endif /* __EMSCRIPTEN__ */
/* The model's condition: *kind RILL_CONDITION_NONE (width 0), RILL_CONDITION_CLASS (width C: classes
 * 0..C-1; metadata "class_names" may name them) or RILL_CONDITION_VECTOR (width M). Its source (where
 * rill_sample draws x0: N(0, I) or a built-in dataset) is metadata "source" ("moons"; absent: gaussian). */
int rill_model_condition(const rill_model* model, int* kind, int* width);
/* The reason for the last failure on this model ("" if none). */
const char* rill_model_error(const rill_model* model);

/* Draws n samples: x0 ~ N(0, I) from `seed` (or, for a model whose source is a dataset, that
 * dataset's points from the same stream, as `rill sample`), integrated from t = 0 to 1 in
 * `steps` steps. out: n × d. trajectory (optional): (steps + 1) × n × d. */
int rill_sample(rill_model* model, int n, int steps, int solver, uint32_t seed, float* out, float* trajectory);
/* Integrates given points x (n × d, in place) from t0 to t1 (t1 < t0: backwards). */
int rill_integrate(rill_model* model, float* x, int n, int steps, int solver, float t0, float t1,
                   float* trajectory);
/* The vector field u_t at n points: out = u_t(x), both n × d. */
int rill_field(rill_model* model, const float* x, int n, float t, float* out);

/* The same three with their per-call options (NULL: the defaults). rill_sample_with runs from
 * t = 0 to 1 with options->solver and steps; rill_integrate_with from options->t0 to t1;
 * rill_field_with at options->t. The bits of the calls above with the same values. With a
 * condition (options->class_index, condition, condition_rows, guidance) the bits of the CLI's
 * conditioned run. Refused with RILL_INVALID_ARGUMENT and a message naming the value and its
 * limit: t, t0 or t1 outside 0..1 (the model's times; a linear: formula, which does not depend
 * on t, takes any finite time), a class outside 0..C-1 or on a model without classes, a
 * condition on a model without a vector condition, both at once,
 * condition_rows other than 1 or n, a non-finite condition value, guidance not a number or != 1
 * without a condition. A point x that is not finite is not refused: its own row of the result is
 * NaN or Inf, and no other row changes (check the input if that matters to you). */
int rill_sample_with(rill_model* model, int n, uint32_t seed, const rill_run_options* options, float* out,
                     float* trajectory);
int rill_integrate_with(rill_model* model, float* x, int n, const rill_run_options* options, float* trajectory);
int rill_field_with(rill_model* model, const float* x, int n, const rill_run_options* options, float* out);

/* logp[i] = log p_t(x_i) in nats (t = options->t, default 1) for n points x (n × d, not changed):
 * under options' condition and guidance if given (one condition for every point: class_index, or
 * condition with condition_rows 1; n rows is RILL_UNSUPPORTED; the divergence guided like the field,
 * div u0 + w·(div uc − div u0)); a model whose source is a dataset has no density (RILL_INVALID_ARGUMENT);
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
  float cfg_dropout;   /* 0.1: a conditioned model's rows train as "no condition" with this probability
                          (the unconditional field guidance needs), 0 <= p < 1 */
  int32_t source;      /* -1: x0 ~ N(0, I); else a RILL_* dataset X0 is drawn from (d = 2 data) */
  int32_t condition;   /* RILL_CONDITION_NONE; for a built-in dataset RILL_CONDITION_CLASS (its labels)
                          or RILL_CONDITION_VECTOR (swissroll's s); array data: rill_trainer_new_labeled */
} rill_train_config;

typedef struct rill_trainer rill_trainer;

void rill_train_config_default(rill_train_config* cfg);
/* dataset: a RILL_* dataset (d = 2), or RILL_DATA_POINTS with `count` points of
 * dimension `dim` (copied). The configuration and points are checked before
 * anything is allocated: a refusal (e.g. coupling 1 with batch > 4096) costs no memory.
 * cfg->condition conditions a built-in dataset's model on its labels (class:C, C its classes)
 * or its vector (swissroll: vector:1); refused for a dataset without them and for array data. */
int rill_trainer_new(const rill_train_config* cfg, int dataset, const float* points, long count, int dim,
                     rill_trainer** out, char* err, size_t err_cap);
/* A conditioned trainer on `count` points of dimension `dim` (copied, like the rest): labels (count
 * values >= 0; the model is class:C with C = 1 + the largest label) or cond (count × cond_dim values;
 * vector:cond_dim), exactly one of them non-NULL. cfg->condition is RILL_CONDITION_NONE or the kind
 * given. Refused with RILL_INVALID_ARGUMENT and the reason: both or neither, a negative label, a
 * non-finite condition value, cond_dim outside 1..4096. */
int rill_trainer_new_labeled(const rill_train_config* cfg, const float* points, long count, int dim,
                             const int32_t* labels, const float* cond, int cond_dim, rill_trainer** out, char* err,
                             size_t err_cap);
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
/* The same with labels (datasets.md, "Labels"): class_index -1 draws every class (the points of
 * rill_dataset_draw), K >= 0 class K alone (`rill data --class K`); labels (optional, n values:
 * each point's class, `--labels-out`). RILL_INVALID_ARGUMENT for a dataset without labels or a
 * class outside 0..C-1. */
int rill_dataset_draw_labeled(int dataset, int n, uint32_t seed, int class_index, float* out, int32_t* labels);

/* ---- struct layouts, for bindings that cannot include this header --------- */

/* Which struct: */
enum { RILL_LAYOUT_MODEL_INFO = 0, RILL_LAYOUT_TRAIN_CONFIG = 1, RILL_LAYOUT_RUN_OPTIONS = 2,
       RILL_LAYOUT_COMPILED_MODEL = 3 };
/* The struct's fields in order, as "name:type" separated by spaces, type i (int32_t), u (uint32_t),
 * f (float) or p (a pointer: 4 bytes in wasm32, 8 in 64-bit builds): "dim:i layers:i ...". An array
 * field is named once with its element's type (rill_compiled_model's sizes:i, weight:p, ...): its
 * elements follow each other from its offset. NULL for another `which`. */
const char* rill_layout_fields(int which);
/* The byte offset of the struct's field number `field` (0-based, the order of rill_layout_fields);
 * field -1: the struct's size. -1 for a `which` or `field` out of range. */
int rill_layout_offset(int which, int field);

/* ---- compiled models (capi_compiled*.cpp; in rill.wasm the struct, its checksum and
 * rill_model_open_compiled, which rill.mjs opens every model file with) ----
 * `rill export-c --compiled` validates a model on the host and writes it as const C data: this
 * struct (the shapes and encodings) and one const array per weight, bias and I8 scale, in flash.
 * The firmware places it with rill_model_init_compiled: no safetensors parser, no JSON, a few
 * hundred bytes of stack; the model then samples with the bits of the file it came from. Narrow
 * weights (formats.md's F16, BF16, I8) stay narrow in flash and are widened as they are read, as
 * the loader does: F16/BF16 weights and biases are little-endian 16-bit halves, I8 weights bytes
 * with one F32 weight_scale per output row and F32 biases. The checksum (rill_compiled_checksum:
 * FNV-1a over every field above it as little-endian 32-bit words, then each layer's weight bytes,
 * bias and scales, little-endian) is checked at every init: a struct edited by hand, or weights out
 * of step with their shapes, is refused with RILL_BAD_TENSOR and a message; it guards against
 * mistakes, not against hostile memory. Fields are the model's (formats.md names in comments). */
#define RILL_COMPILED_VERSION 2
enum { RILL_COMPILED_MAX_LAYERS = 16 };
/* Weight dtypes of a compiled model (formats.md, "Weight dtypes"). */
enum { RILL_F32 = 0, RILL_F16 = 1, RILL_BF16 = 2, RILL_I8 = 3 };
typedef struct rill_compiled_model {
  uint32_t version;         /* RILL_COMPILED_VERSION */
  int32_t dim;              /* d */
  int32_t layers;           /* linear layers L, 1..RILL_COMPILED_MAX_LAYERS */
  int32_t sizes[RILL_COMPILED_MAX_LAYERS + 1]; /* sizes[0] inputs .. sizes[L] = d; the rest 0 */
  int32_t activation;       /* RILL_SILU ... */
  int32_t time_k;           /* time_embedding: 0 raw, K sin:K */
  int32_t step_k;           /* step_embedding: -1 none, 0 raw h, K sin:K (a step-conditioned model) */
  int32_t condition_kind;   /* condition: 0 none, 1 class:C, 2 vector:M */
  int32_t condition_count;  /* C or M (0 for none) */
  int32_t source;           /* -1 gaussian, else the RILL_* dataset X0 is drawn from */
  float sigma_min;
  int32_t dtype;            /* the weights' RILL_F32, RILL_F16, RILL_BF16 or RILL_I8 */
  /* layer i: weights [sizes[i+1], sizes[i]] row-major (F32: const float, 4-byte aligned; F16/BF16:
   * 2 little-endian bytes each; I8: one signed byte each, -127..127), biases [sizes[i+1]] (F32
   * floats, F16/BF16: the weights' dtype, I8: F32) and, for I8 only, weight_scale [sizes[i+1]]
   * (finite, >= 0; NULL for the other dtypes). */
  const void* weight[RILL_COMPILED_MAX_LAYERS];
  const void* bias[RILL_COMPILED_MAX_LAYERS];
  const float* scale[RILL_COMPILED_MAX_LAYERS];
  uint32_t checksum;
} rill_compiled_model;
/* The checksum of a compiled model as it is (0 for NULL or a shape out of range). */
uint32_t rill_compiled_checksum(const rill_compiled_model* model);
/* Heap (capi_compiled_heap.cpp): a compiled model held in one block from rill_alloc (the struct at
 * its start; its arrays may follow in the same block, 4-byte aligned), placed with chunk 256,
 * RILL_PACK and RILL_DENSITY like rill_model_open, with rill_model_init_compiled's checks and
 * messages. On success the model owns the block: rill_model_free frees both; on failure the block
 * stays the caller's. rill.mjs reads a safetensors file in JavaScript and opens it this way. */
int rill_model_open_compiled(rill_compiled_model* model, rill_model** out, char* err, size_t err_cap);
#ifndef __EMSCRIPTEN__ /* heap-free placement: native and firmware builds (rill.wasm: rill_model_open_compiled) */
/* rill_model_memory and rill_model_init for a compiled model (the struct and its arrays must
 * outlive the model): the same flags and chunk, the same errors, and RILL_BAD_TENSOR for a
 * checksum that does not match. rill_model_metadata has nothing to give for such a model. */
int rill_model_memory_compiled(const rill_compiled_model* model, int chunk, int flags, size_t* bytes, char* err,
                               size_t err_cap);
int rill_model_init_compiled(void* mem, size_t mem_size, const rill_compiled_model* model, int chunk, int flags,
                             rill_model** out, char* err, size_t err_cap);


/* The lean path (capi_compiled_sample.cpp), for the smallest firmware: samples a compiled model
 * straight from its struct, one point at a time, with no rill_model, no options, no chunking; the
 * bits of rill_sample(m, n, steps, solver, seed, out, NULL) on the same model (conditional models:
 * its unconditional field, as rill_sample without a class). It takes Gaussian-noise models only
 * (source -1; others: rill_model_init_compiled). rill_compiled_check checks the model once (all of
 * rill_model_init_compiled's checks and the checksum, with a message in err) and gives the bytes of
 * scratch sampling needs (a few hundred: the input, two layers' outputs, three stage buffers).
 * There is one sampling function per activation, so that a firmware links only its model's
 * (`export-c --compiled` writes NAME_sample(), which calls the right one): each refuses a model of
 * another activation (RILL_BAD_METADATA), rechecks the shapes (not the checksum) and its arguments
 * (n >= 0, steps >= 1, a known solver, enough scratch: RILL_INVALID_ARGUMENT) and returns a status
 * code; rill_compiled_check says why in words. */
int rill_compiled_check(const rill_compiled_model* model, size_t* scratch_bytes, char* err, size_t err_cap);
int rill_compiled_sample_silu(const rill_compiled_model* model, int n, int steps, int solver, uint32_t seed,
                              float* out, void* scratch, size_t scratch_bytes);
int rill_compiled_sample_relu(const rill_compiled_model* model, int n, int steps, int solver, uint32_t seed,
                              float* out, void* scratch, size_t scratch_bytes);
int rill_compiled_sample_tanh(const rill_compiled_model* model, int n, int steps, int solver, uint32_t seed,
                              float* out, void* scratch, size_t scratch_bytes);
int rill_compiled_sample_gelu(const rill_compiled_model* model, int n, int steps, int solver, uint32_t seed,
                              float* out, void* scratch, size_t scratch_bytes);
int rill_compiled_sample_gelu_tanh(const rill_compiled_model* model, int n, int steps, int solver, uint32_t seed,
                                   float* out, void* scratch, size_t scratch_bytes);
#endif /* __EMSCRIPTEN__ */

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
