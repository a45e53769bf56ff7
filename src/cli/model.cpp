// model: locating model files, loading them through model_file.h, and
// running sampling and field evaluation in fixed-size chunks (see model.h).
#include "cli/model.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cli/fail.h"
#include "rill/field.h"
#include "rill/thread_pool.h"

namespace cli {

namespace {

constexpr int kChunk = 1024;  // points per integrate() call: bounded scratch, any n

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

void integrate_points(const LoadedModel& m, rill::Solver solver, int steps, float* x, long n, float t0, float t1,
                      float* trajectory, int threads) {
  const rill::MlpField field(m.mlp);
  if (threads < 1) threads = 1;
  // Chunks of at most kChunk rows, and at least one per thread.
  const long per_thread = (n + threads - 1) / threads;
  const int chunk = static_cast<int>(per_thread < 1 ? 1 : per_thread < kChunk ? per_thread : kChunk);
  const std::size_t bytes = rill::integrate_scratch(field, solver, chunk) + rill::Arena::kAlign;
  std::vector<std::vector<unsigned char>> mem(static_cast<std::size_t>(threads), std::vector<unsigned char>(bytes));
  std::vector<rill::Arena> arenas;
  for (auto& block : mem) arenas.emplace_back(block.data(), block.size());
  std::unique_ptr<rill::ThreadPool> pool(threads > 1 ? new rill::ThreadPool(threads) : nullptr);
  const rill::Status st = rill::integrate_batch(field, solver, steps, x, n, t0, t1, chunk, arenas.data(), pool.get(),
                                                trajectory);
  if (st != rill::Status::ok) runtime_error("integration failed: %s", rill::status_message(st));
}

void eval_field(const LoadedModel& m, float t, const float* x, long n, float* out) {
  const rill::MlpField field(m.mlp);
  const int d = m.dim();
  const int chunk = n < kChunk ? static_cast<int>(n) : kChunk;
  std::vector<unsigned char> scratch(field.scratch_bytes(chunk < 1 ? 1 : chunk) + rill::Arena::kAlign);
  rill::Arena arena(scratch.data(), scratch.size());
  for (long r0 = 0; r0 < n; r0 += chunk) {
    const int c = n - r0 < chunk ? static_cast<int>(n - r0) : chunk;
    const std::size_t off = static_cast<std::size_t>(r0) * static_cast<std::size_t>(d);
    arena.reset();
    const rill::Status st = field.eval(x + off, c, t, out + off, arena);
    if (st != rill::Status::ok) runtime_error("field evaluation failed: %s", rill::status_message(st));
  }
}

}  // namespace cli
