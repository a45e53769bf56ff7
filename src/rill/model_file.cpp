// model_file: model files, and atomic file replacement, on a native (POSIX)
// file system; see model_file.h.
//
// Not part of the firmware library: it uses the heap, stdio and POSIX (open,
// fsync, rename).
#include "rill/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rill {

namespace {

constexpr std::size_t kAlign = 16;

unsigned char* align_up(void* p) {
  const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
  return reinterpret_cast<unsigned char*>((a + kAlign - 1) / kAlign * kAlign);
}

Status io_fail(Message* msg, const char* what, const char* path, int err) {
  return fail(msg, Status::io_error, "%s %s: %s", what, path, std::strerror(err));
}

// Flushes the directory holding `path` so the rename itself is durable (best effort).
void sync_parent_dir(const char* path) {
  const char* slash = std::strrchr(path, '/');
  char* dir = nullptr;
  if (slash == nullptr) {
    dir = static_cast<char*>(std::malloc(2));
    if (dir != nullptr) std::memcpy(dir, ".", 2);
  } else {
    const std::size_t n = slash == path ? 1 : static_cast<std::size_t>(slash - path);
    dir = static_cast<char*>(std::malloc(n + 1));
    if (dir != nullptr) {
      std::memcpy(dir, path, n);
      dir[n] = '\0';
    }
  }
  if (dir == nullptr) return;
  const int fd = ::open(dir, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::free(dir);
}

// The bytes model_write produces, in a malloc'd buffer (*bytes; std::free it).
Status encode(const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra, unsigned char** bytes,
              std::size_t* size, Message* msg) {
  *bytes = nullptr;
  *size = model_file_size(mlp, sigma_min, extra, n_extra);
  if (*size == 0) {  // model_write says why
    const Status s = model_write(mlp, sigma_min, extra, n_extra, nullptr, 0, nullptr, msg);
    return s != Status::ok ? s : fail(msg, Status::invalid_argument, "the model cannot be written");
  }
  *bytes = static_cast<unsigned char*>(std::malloc(*size));
  if (*bytes == nullptr) return fail(msg, Status::io_error, "no memory for the %zu bytes of the model", *size);
  return model_write(mlp, sigma_min, extra, n_extra, *bytes, *size, size, msg);
}

}  // namespace

ModelFile::~ModelFile() { model_file_free(this); }

ModelFile::ModelFile(ModelFile&& other) noexcept { take(other); }

ModelFile& ModelFile::operator=(ModelFile&& other) noexcept {
  if (this != &other) {
    model_file_free(this);
    take(other);
  }
  return *this;
}

// Moves other's contents into this (which holds nothing) and leaves other empty.
void ModelFile::take(ModelFile& other) noexcept {
  model = other.model;
  bytes = other.bytes;
  size = other.size;
  block = other.block;
  copy = other.copy;
  other.block = nullptr;  // owned here now, so model_file_free only resets other
  other.copy = nullptr;
  model_file_free(&other);
}

void model_file_free(ModelFile* f) {
  if (f == nullptr) return;
  std::free(f->block);
  std::free(f->copy);
  f->model = Model{};
  f->bytes = nullptr;
  f->size = 0;
  f->block = nullptr;
  f->copy = nullptr;
}

Status model_read_file(const char* path, ModelFile* out, Message* msg) {
  if (out == nullptr) return fail(msg, Status::invalid_argument, "model_read_file: no ModelFile to read into");
  model_file_free(out);
  if (path == nullptr || *path == '\0') return fail(msg, Status::invalid_argument, "model_read_file: empty path");

  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_fail(msg, "cannot open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_fail(msg, "cannot stat", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(msg, Status::io_error, "cannot read %s: not a regular file", path);
  }
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > SIZE_MAX - 2 * kAlign) {
    ::close(fd);
    return fail(msg, Status::io_error, "cannot read %s: the file is too large", path);
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  void* block = std::malloc(size + kAlign);
  if (block == nullptr) {
    ::close(fd);
    return fail(msg, Status::io_error, "cannot read %s: no memory for %zu bytes", path, size);
  }
  unsigned char* bytes = align_up(block);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t k = ::read(fd, bytes + got, size - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      const int err = k < 0 ? errno : 0;
      ::close(fd);
      std::free(block);
      if (k == 0) return fail(msg, Status::io_error, "cannot read %s: the file shrank while it was read", path);
      return io_fail(msg, "cannot read", path, err);
    }
    got += static_cast<std::size_t>(k);
  }
  ::close(fd);

  out->block = block;
  out->bytes = bytes;
  out->size = size;
  // The buffer is aligned, so weights are used in place, unless `rill.` extras
  // of odd sizes shift them: then they are copied (they fit in `size` bytes).
  Status s = model_load(bytes, size, nullptr, &out->model, msg);
  if (s == Status::out_of_memory) {
    const std::size_t cap = Arena::padded(size);
    out->copy = std::malloc(cap);
    if (out->copy == nullptr) {
      model_file_free(out);
      return fail(msg, Status::io_error, "cannot read %s: no memory for %zu bytes", path, cap);
    }
    Arena arena(out->copy, cap);
    s = model_load(bytes, size, &arena, &out->model, msg);
  }
  if (s != Status::ok) model_file_free(out);
  return s;
}

Status temp_file_open(const char* target, TempFile* t, Message* msg) {
  if (t == nullptr) return fail(msg, Status::invalid_argument, "temp_file_open: no TempFile");
  *t = TempFile{};
  if (target == nullptr || *target == '\0') return fail(msg, Status::invalid_argument, "cannot write: empty path");
  // A new name in the target's directory (so that rename() is atomic), never an existing file.
  const std::size_t cap = std::strlen(target) + 48;
  char* tmp = static_cast<char*>(std::malloc(cap));
  if (tmp == nullptr) return fail(msg, Status::io_error, "cannot write %s: out of memory", target);
  int fd = -1;
  int err = 0;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    std::snprintf(tmp, cap, "%s.tmp-%ld-%d", target, static_cast<long>(::getpid()), attempt);
    fd = ::open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    err = errno;
    if (fd < 0 && err != EEXIST) break;
  }
  if (fd < 0) {
    std::free(tmp);
    return io_fail(msg, "cannot write", target, err);
  }
  std::FILE* stream = ::fdopen(fd, "wb");
  if (stream == nullptr) {
    err = errno;
    ::close(fd);
    ::unlink(tmp);
    std::free(tmp);
    return io_fail(msg, "cannot write", target, err);
  }
  t->stream = stream;
  t->path = tmp;
  return Status::ok;
}

void temp_file_discard(TempFile* t) {
  if (t == nullptr) return;
  if (t->stream != nullptr) std::fclose(t->stream);
  if (t->path != nullptr) ::unlink(t->path);
  std::free(t->path);
  *t = TempFile{};
}

Status temp_file_commit(TempFile* t, const char* target, Message* msg) {
  if (t == nullptr || t->stream == nullptr || t->path == nullptr || target == nullptr) {
    temp_file_discard(t);
    return fail(msg, Status::invalid_argument, "temp_file_commit: no temporary file");
  }
  bool ok = true;
  int err = 0;  // 0: a write failed earlier, and its errno is gone
  if (std::fflush(t->stream) != 0) {
    ok = false;
    err = errno;
  } else if (std::ferror(t->stream)) {
    ok = false;
  }
  if (ok && ::fsync(::fileno(t->stream)) != 0) {
    ok = false;
    err = errno;
  }
  const int rc = std::fclose(t->stream);
  t->stream = nullptr;
  if (ok && rc != 0) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(t->path, target) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    temp_file_discard(t);
    if (err == 0) return fail(msg, Status::io_error, "cannot write %s: write error", target);
    return io_fail(msg, "cannot write", target, err);
  }
  std::free(t->path);
  *t = TempFile{};
  sync_parent_dir(target);
  return Status::ok;
}

Status model_write_stream(std::FILE* out, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                          Message* msg) {
  if (out == nullptr) return fail(msg, Status::invalid_argument, "model_write_stream: no stream");
  unsigned char* buf = nullptr;
  std::size_t size = 0;
  Status s = encode(mlp, sigma_min, extra, n_extra, &buf, &size, msg);
  if (s == Status::ok && std::fwrite(buf, 1, size, out) != size)
    s = fail(msg, Status::io_error, "write failed: %s", std::strerror(errno));
  std::free(buf);
  return s;
}

Status model_write_file(const char* path, const Mlp& mlp, float sigma_min, const KeyValue* extra, int n_extra,
                        Message* msg) {
  if (path == nullptr || *path == '\0') return fail(msg, Status::invalid_argument, "model_write_file: empty path");
  unsigned char* buf = nullptr;
  std::size_t size = 0;
  Status s = encode(mlp, sigma_min, extra, n_extra, &buf, &size, msg);  // refusals create no file
  if (s == Status::ok) {
    TempFile t;
    s = temp_file_open(path, &t, msg);
    if (s == Status::ok) {
      if (std::fwrite(buf, 1, size, t.stream) != size) {
        const int err = errno;
        temp_file_discard(&t);
        s = io_fail(msg, "cannot write", path, err);
      } else {
        s = temp_file_commit(&t, path, msg);
      }
    }
  }
  std::free(buf);
  return s;
}

}  // namespace rill
