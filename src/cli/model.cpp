// model: locating model files, loading them through model_file.h, and
// running them through a rill::Runner (see model.h).
#include "cli/model.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cli/fail.h"
#include "rill/runner.h"
#include "rill/thread_pool.h"

namespace cli {

namespace {

constexpr int kChunk = 1024;  // the Runner's chunk: bounded scratch, any n

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string exe_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return std::string();
  const std::string exe(buf, static_cast<std::size_t>(n));
  const std::size_t slash = exe.rfind('/');
  return slash == std::string::npos ? std::string() : exe.substr(0, slash);
}

}  // namespace

std::string find_model(const std::string& name) {
  if (name.empty()) runtime_error("the model name is empty");
  if (is_file(name)) return name;
  std::vector<std::string> looked{name};
  if (name.find('/') == std::string::npos) {
    const bool has_ext = name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0;
    const std::string file = has_ext ? name : name + ".safetensors";
    looked.push_back("./web/models/" + file);
    const std::string dir = exe_dir();
    if (!dir.empty()) {
      looked.push_back(dir + "/../web/models/" + file);         // build/rill in a source tree
      looked.push_back(dir + "/../share/rill/models/" + file);  // PREFIX/bin/rill after make install
    }
    for (std::size_t i = 1; i < looked.size(); ++i)
      if (is_file(looked[i])) return looked[i];
  }
  std::string list;
  for (const std::string& p : looked) list += (list.empty() ? "" : ", ") + p;
  runtime_error("model '%s' not found (looked at %s)", name.c_str(), list.c_str());
}

std::unique_ptr<LoadedModel> load_model(const std::string& name, bool pack) {
  std::unique_ptr<LoadedModel> m(new LoadedModel);
  m->path = find_model(name);
  rill::Message msg;
  rill::Status st = rill::model_read_file(m->path.c_str(), &m->file, &msg);
  if (st == rill::Status::io_error) runtime_error("%s", core_reason(st, msg).c_str());
  if (st != rill::Status::ok) runtime_error("damaged model %s: %s", m->path.c_str(), core_reason(st, msg).c_str());
  m->mlp = m->file.model.mlp;
  if (!pack) return m;
  m->pack.resize(rill::mlp_pack_bytes(m->mlp.spec));
  rill::Arena arena(m->pack.data(), m->pack.size());
  st = rill::mlp_pack(m->mlp, arena);
  if (st != rill::Status::ok) runtime_error("cannot pack the weights of %s: %s", m->path.c_str(), rill::status_message(st));
  return m;
}

namespace {

// A Runner over m's weights for `chunk` rows at a time and `threads` workers,
// with its memory: one scratch arena per worker (the first also the Runner's own).
class HeapRunner {
 public:
  HeapRunner(const LoadedModel& m, int chunk, int threads) {
    const std::size_t bytes = rill::Runner::scratch_bytes(m.mlp.spec, chunk) + rill::Arena::kAlign;  // any alignment
    mem_.assign(static_cast<std::size_t>(threads), std::vector<unsigned char>(bytes));
    for (auto& block : mem_) arenas_.emplace_back(block.data(), block.size());
    runner_ = rill::Runner(m.mlp, chunk, arenas_[0]);
    if (threads > 1) {
      pool_.reset(new rill::ThreadPool(threads));
      runner_.set_workers(pool_.get(), arenas_.data());
    }
  }
  rill::Runner& operator*() { return runner_; }
  rill::Runner* operator->() { return &runner_; }

 private:
  std::vector<std::vector<unsigned char>> mem_;
  std::vector<rill::Arena> arenas_;
  std::unique_ptr<rill::ThreadPool> pool_;
  rill::Runner runner_;
};

}  // namespace

void integrate_points(const LoadedModel& m, rill::Solver solver, int steps, float* x, long n, float t0, float t1,
                      float* trajectory, int threads) {
  if (threads < 1) threads = 1;
  // Chunks of at most kChunk rows, and at least one per thread.
  const long per_thread = (n + threads - 1) / threads;
  const int chunk = static_cast<int>(per_thread < 1 ? 1 : per_thread < kChunk ? per_thread : kChunk);
  HeapRunner runner(m, chunk, threads);
  rill::RunOptions run;
  run.solver = solver;
  run.steps = steps;
  run.t0 = t0;
  run.t1 = t1;
  run.trajectory = trajectory;
  const rill::Status st = runner->integrate(run, x, n);
  if (st != rill::Status::ok) runtime_error("integration failed: %s", rill::status_message(st));
}

void eval_field(const LoadedModel& m, float t, const float* x, long n, float* out) {
  const int chunk = n < 1 ? 1 : n < kChunk ? static_cast<int>(n) : kChunk;
  HeapRunner runner(m, chunk, 1);
  const rill::Status st = runner->field(x, n, t, out);
  if (st != rill::Status::ok) runtime_error("field evaluation failed: %s", rill::status_message(st));
}

}  // namespace cli
