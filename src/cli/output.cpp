// output: temporary file + rename (rill::TempFile), and output format by
// extension (see output.h).
#include "cli/output.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstring>

#include "cli/args.h"
#include "cli/fail.h"

namespace cli {

namespace {

// The temporary file being written, for the signal handler (one at a time).
char g_tmp[4096];
volatile std::sig_atomic_t g_has_tmp = 0;

extern "C" void remove_tmp_and_reraise(int sig) {
  if (g_has_tmp) ::unlink(g_tmp);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers() {
  static bool done = false;
  if (done) return;
  done = true;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, remove_tmp_and_reraise);
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::size_t n = std::strlen(suffix);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[s.size() - n + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The path with its directory resolved (realpath), for comparing paths to files that may not exist yet;
// the path itself when the directory cannot be resolved.
std::string resolved(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char buf[PATH_MAX];
  if (::realpath(parent_dir(path).c_str(), buf) == nullptr) return path;
  const std::string dir(buf);
  return (dir == "/" ? dir : dir + "/") + base;
}

// Whether two paths name one file: the same device and inode when both exist; when neither does (two
// outputs not written yet), the same resolved path.
bool same_file(const std::string& a, const std::string& b, bool b_is_output) {
  struct stat sa, sb;
  const bool ea = ::stat(a.c_str(), &sa) == 0, eb = ::stat(b.c_str(), &sb) == 0;
  if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea || eb || !b_is_output) return false;  // an input that is no file is a name (--data moons)
  return resolved(a) == resolved(b);
}


}  // namespace

void check_output(const Args& args, const char* flag, Kind kind) {
  const std::string path = args.text(flag);
  if (path != "-") {
    static const char* const kData[] = {".npy", ".csv", ".svg"};
    if (kind != Kind::any)
      for (const char* ext : kData)
        if (ends_with(path, ext))
          args.fail("%s '%s': %s is a data format; this command writes %s", flag, path.c_str(), ext,
                    kind == Kind::model ? "a model file (name it .safetensors)" : "a C header (name it .h)");
    if (kind == Kind::c_header && ends_with(path, ".safetensors"))
      args.fail("%s '%s': this command writes a C header, not a model file (name it .h)", flag, path.c_str());
    if (kind == Kind::model && (ends_with(path, ".h") || ends_with(path, ".c")))
      args.fail("%s '%s': this command writes a model file, not C source (name it .safetensors)", flag, path.c_str());
    for (const auto& [name, value] : args.given_flags())
      if (name != flag && !value.empty() && value != "-" && same_file(path, value, is_output_flag(name)))
        args.fail("%s '%s' names the same file as %s '%s': rill does not write over its own input or another output", flag,
                  path.c_str(), name.c_str(), value.c_str());
  }
  check_output_path(path);
}

void warn_non_finite(const float* v, long n, int d, const char* noun) {
  long bad = 0;
  for (long i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j)
      if (!std::isfinite(v[static_cast<std::size_t>(i) * d + j])) {
        ++bad;
        break;
      }
  if (bad > 0) std::fprintf(stderr, "rill: warning: %ld of %ld %s have NaN or Inf coordinates\n", bad, n, noun);
}

Format output_format(const Args& args, const char* flag, bool svg_allowed) {
  const std::string path = args.text(flag);
  if (path == "-") return Format::stdout_csv;
  if (ends_with(path, ".npy")) return Format::npy;
  if (ends_with(path, ".csv")) return Format::csv;
  if (ends_with(path, ".svg") && svg_allowed) return Format::svg;
  args.fail("%s '%s': unknown output format; name it .npy, .csv%s or - (CSV on stdout)", flag, path.c_str(),
            svg_allowed ? ", .svg" : "");
}

void check_output_path(const std::string& path) {
  if (path == "-") return;
  if (path.empty()) runtime_error("the output path is empty");
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) runtime_error("cannot write %s: it is a directory", path.c_str());
  const std::string dir = parent_dir(path);
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    runtime_error("cannot write %s: directory %s does not exist", path.c_str(), dir.c_str());
  if (::access(dir.c_str(), W_OK) != 0)
    runtime_error("cannot write %s: directory %s is not writable", path.c_str(), dir.c_str());
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path == "-") {
    to_stdout_ = true;
    return;
  }
  check_output_path(path);
  install_handlers();
  rill::Message msg;
  if (rill::temp_file_open(path.c_str(), &tmp_, &msg) != rill::Status::ok) runtime_error("%s", msg.text);
  const std::size_t n = std::strlen(tmp_.path);
  if (n < sizeof g_tmp) {
    std::memcpy(g_tmp, tmp_.path, n + 1);
    g_has_tmp = 1;
  }
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (tmp_.path == nullptr) return;
  g_has_tmp = 0;
  rill::temp_file_discard(&tmp_);
}

void OutputFile::commit() {
  if (to_stdout_) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) runtime_error("cannot write to standard output");
    return;
  }
  // A file written over keeps its permissions (a chmod 600 sample file stays 600); a new one gets the umask's.
  struct stat old;
  if (::stat(path_.c_str(), &old) == 0 && S_ISREG(old.st_mode)) ::chmod(tmp_.path, old.st_mode & 07777);
  rill::Message msg;
  // The signal handler may still remove the temporary file until it is renamed.
  const rill::Status st = rill::temp_file_commit(&tmp_, path_.c_str(), &msg);
  g_has_tmp = 0;
  if (st != rill::Status::ok) runtime_error("%s", msg.text);
}

void write_model(const std::string& path, const rill::Mlp& mlp, float sigma_min, const rill::KeyValue* extra,
                 int n_extra) {
  OutputFile out(path);
  rill::Message msg;
  const rill::Status st = rill::model_write_stream(out.file(), mlp, sigma_min, extra, n_extra, &msg);
  if (st != rill::Status::ok) runtime_error("cannot write %s: %s", path.c_str(), core_reason(st, msg).c_str());
  out.commit();
}

}  // namespace cli
