// Native threads for the C API (rill.h): a ThreadPool per model or trainer.
// Not in the firmware or WebAssembly libraries (they have no threads).
#include <cstdlib>
#include <new>

#include "rill/capi_heap.h"
#include "rill/thread_pool.h"

using namespace rill;

namespace {
constexpr int kMaxThreads = 64;

// One per threaded model: the pool (or a borrowed one), and each worker's scratch arena.
struct Threads {
  ThreadPool* own = nullptr;
  Arena arenas[kMaxThreads];
  void* mem[kMaxThreads] = {};
  ~Threads() {
    for (void* p : mem) std::free(p);
    delete own;
  }
};

void release_model(rill_model* m) {
  delete static_cast<Threads*>(m->threads);
  m->threads = nullptr;
  m->runner.set_workers(nullptr, nullptr);
  m->release_threads = nullptr;
}

// Attaches `pool` to m's Runner with one scratch arena per worker (the pool is owned by m when own is true).
int attach(rill_model* m, ThreadPool* pool, bool own) {
  Threads* t = new (std::nothrow) Threads();
  if (t == nullptr) {
    if (own) delete pool;
    return RILL_OUT_OF_MEMORY;
  }
  if (own) t->own = pool;
  const std::size_t bytes =
      m->scratch_bytes != 0 ? m->scratch_bytes : Runner::scratch_bytes(m->model.mlp.spec, m->runner.chunk());
  for (int p = 0; p < pool->workers(); ++p) {
    t->mem[p] = aligned_block(bytes);
    if (t->mem[p] == nullptr) {
      delete t;
      return RILL_OUT_OF_MEMORY;
    }
    t->arenas[p] = Arena(t->mem[p], bytes);
  }
  m->threads = t;
  m->runner.set_workers(pool, t->arenas);
  m->release_threads = release_model;
  return RILL_OK;
}

void release_trainer(rill_trainer* t) {
  release_model(&t->view);
  t->trainer.set_executor(nullptr);
  delete static_cast<ThreadPool*>(t->threads);
  t->threads = nullptr;
  t->release_threads = nullptr;
}
}  // namespace

extern "C" {

int rill_model_set_threads(rill_model* m, int threads) {
  if (m == nullptr || threads < 1 || threads > kMaxThreads) return RILL_INVALID_ARGUMENT;
  release_model(m);
  if (threads == 1) return RILL_OK;
  ThreadPool* pool = ThreadPool::create(threads);
  if (pool == nullptr) return RILL_OUT_OF_MEMORY;
  return attach(m, pool, true);
}

int rill_trainer_set_threads(rill_trainer* t, int threads) {
  if (t == nullptr || threads < 1 || threads > kMaxThreads) return RILL_INVALID_ARGUMENT;
  release_trainer(t);
  if (threads == 1) return RILL_OK;
  ThreadPool* pool = ThreadPool::create(threads);
  if (pool == nullptr) return RILL_OUT_OF_MEMORY;
  t->threads = pool;
  t->release_threads = release_trainer;
  t->trainer.set_executor(pool);
  t->view.model.mlp = t->trainer.model();
  const int rc = attach(&t->view, pool, false);
  if (rc != RILL_OK) release_trainer(t);
  return rc;
}

}  // extern "C"
