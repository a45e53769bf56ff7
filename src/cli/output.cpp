// output: temporary file + rename, and output format by extension (see output.h).
#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

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
    f_ = stdout;
    return;
  }
  check_output_path(path);
  install_handlers();
  int fd = -1;
  int err = 0;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp_ = path + ".tmp-" + std::to_string(static_cast<long>(::getpid())) + "-" + std::to_string(attempt);
    fd = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    err = errno;
    if (fd < 0 && err != EEXIST) break;
  }
  if (fd < 0) runtime_error("cannot write %s: %s", path.c_str(), std::strerror(err));
  if (tmp_.size() < sizeof g_tmp) {
    std::memcpy(g_tmp, tmp_.c_str(), tmp_.size() + 1);
    g_has_tmp = 1;
  }
  f_ = ::fdopen(fd, "wb");
  if (f_ == nullptr) {
    err = errno;
    ::close(fd);
    discard();
    runtime_error("cannot write %s: %s", path.c_str(), std::strerror(err));
  }
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (to_stdout_ || tmp_.empty()) return;
  g_has_tmp = 0;
  if (f_ != nullptr) std::fclose(f_);
  f_ = nullptr;
  ::unlink(tmp_.c_str());
  tmp_.clear();
}

void OutputFile::commit() {
  if (to_stdout_) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) runtime_error("cannot write to standard output");
    return;
  }
  bool ok = std::fflush(f_) == 0 && !std::ferror(f_);
  int err = ok ? 0 : errno;
  if (ok && ::fsync(::fileno(f_)) != 0) {
    ok = false;
    err = errno;
  }
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (ok && rc != 0) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    discard();
    runtime_error("cannot write %s: %s", path_.c_str(), err != 0 ? std::strerror(err) : "write error");
  }
  g_has_tmp = 0;
  tmp_.clear();
}

}  // namespace cli
