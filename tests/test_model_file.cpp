// Tests for model_file: reading model files from disk, and the atomic write
// (temporary file beside the target, flushed, renamed over it) that every file
// rill writes goes through: an existing file is untouched when writing fails,
// and no temporary file is left behind.
#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "rill/model_file.h"
#include "rill/model_io.h"
#include "safetensors_files.h"

using namespace rill;

using namespace st_files;  // the file builders the model_io tests use

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/rill-model-io-XXXXXX";
    const char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    for (const std::string& e : entries()) {
      const std::string full = path + "/" + e;
      if (std::remove(full.c_str()) != 0) rmdir(full.c_str());
    }
    rmdir(path.c_str());
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    DIR* d = opendir(path.c_str());
    if (d == nullptr) return v;
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) v.push_back(e->d_name);
    closedir(d);
    return v;
  }
};

Bytes read_all(const std::string& path) {
  Bytes b;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return b;
  unsigned char buf[4096];
  std::size_t k;
  while ((k = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + k);
  std::fclose(f);
  return b;
}

void write_all(const std::string& path, const Bytes& b) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!b.empty()) REQUIRE(std::fwrite(b.data(), 1, b.size(), f) == b.size());
  std::fclose(f);
}

}  // namespace

TEST_CASE("model_file: write, read back, and fail safely") {
  TempDir dir;
  const MlpSpec spec = MlpSpec::make(2, 8, 2, Activation::relu, TimeEmbedding{3});
  std::vector<float> block = weights_for(spec, 11);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const KeyValue extra[] = {{"dataset", "moons"}, {"steps", "500"}};
  const std::string path = dir.path + "/model.safetensors";
  Message msg;

  REQUIRE(model_write_file(path.c_str(), mlp, 0.002f, extra, 2, &msg) == Status::ok);
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  CHECK(read_all(path) == write_model(mlp, 0.002f, extra, 2));

  {
    ModelFile mf;
    REQUIRE(model_read_file(path.c_str(), &mf, &msg) == Status::ok);
    CHECK(reinterpret_cast<std::uintptr_t>(mf.bytes) % 16 == 0);
    CHECK(mf.model.in_place);
    CHECK(same_spec(mf.model.mlp.spec, spec));
    CHECK(same_weights(mf.model.mlp, mlp));
    CHECK(mf.model.sigma_min == 0.002f);
    CHECK(meta_of(mf.model, "steps") == "500");
    // Moving keeps the model valid; the source becomes empty.
    ModelFile moved(std::move(mf));
    CHECK(mf.bytes == nullptr);
    CHECK(same_weights(moved.model.mlp, mlp));
    ModelFile assigned;
    assigned = std::move(moved);
    CHECK(same_weights(assigned.model.mlp, mlp));
    model_file_free(&assigned);
    CHECK(assigned.bytes == nullptr);
    CHECK(assigned.model.mlp.spec.n_layers == 0);
  }

  SUBCASE("a missing directory gives io_error naming the path, and leaves nothing") {
    const std::string bad = dir.path + "/no/such/dir/model.safetensors";
    msg = Message{};
    CHECK(model_write_file(bad.c_str(), mlp, 0.0f, nullptr, 0, &msg) == Status::io_error);
    CHECK(std::string(msg.text).find(bad) != std::string::npos);
    CHECK(std::string(msg.text).find("No such file or directory") != std::string::npos);
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("a refused model does not clobber an existing file") {
    const Bytes before = read_all(path);
    block[0] = std::numeric_limits<float>::quiet_NaN();
    CHECK(model_write_file(path.c_str(), mlp, 0.0f, nullptr, 0, &msg) == Status::non_finite);
    block[0] = 0.5f;
    const KeyValue reserved[] = {{"path", "x"}};
    CHECK(model_write_file(path.c_str(), mlp, 0.0f, reserved, 1, &msg) == Status::invalid_argument);
    CHECK(read_all(path) == before);
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("a failed rename leaves the target and no temporary file") {
    const std::string sub = dir.path + "/occupied";
    REQUIRE(mkdir(sub.c_str(), 0755) == 0);
    write_all(sub + "/keep", Bytes{1, 2, 3});
    msg = Message{};
    CHECK(model_write_file(sub.c_str(), mlp, 0.0f, nullptr, 0, &msg) == Status::io_error);
    CHECK(std::string(msg.text).find(sub) != std::string::npos);
    CHECK(read_all(sub + "/keep") == Bytes{1, 2, 3});
    auto e = dir.entries();
    std::sort(e.begin(), e.end());
    CHECK(e == std::vector<std::string>{"model.safetensors", "occupied"});
    std::remove((sub + "/keep").c_str());
  }
  SUBCASE("overwriting replaces the file whole") {
    const MlpSpec small = MlpSpec::make(2, 4, 0);
    std::vector<float> b2(small.param_count(), 0.25f);
    Mlp m2;
    m2.spec = small;
    m2.bind(b2.data());
    REQUIRE(model_write_file(path.c_str(), m2, 0.0f, nullptr, 0, &msg) == Status::ok);
    CHECK(read_all(path) == write_model(m2, 0.0f));
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("reading errors") {
    ModelFile mf;
    const std::string missing = dir.path + "/missing.safetensors";
    CHECK(model_read_file(missing.c_str(), &mf, &msg) == Status::io_error);
    CHECK(std::string(msg.text).find(missing) != std::string::npos);
    CHECK(std::string(msg.text).find("No such file") != std::string::npos);
    CHECK(model_read_file(dir.path.c_str(), &mf, &msg) == Status::io_error);
    CHECK(std::string(msg.text).find("not a regular file") != std::string::npos);
    const std::string damaged = dir.path + "/damaged.safetensors";
    Bytes b = read_all(path);
    b.resize(b.size() - 4);
    write_all(damaged, b);
    CHECK(model_read_file(damaged.c_str(), &mf, &msg) == Status::truncated);
    CHECK(mf.bytes == nullptr);
    write_all(damaged, Bytes{});
    CHECK(model_read_file(damaged.c_str(), &mf, &msg) == Status::truncated);
    std::remove(damaged.c_str());
  }
  SUBCASE("a file whose tensors are not 4-byte aligned is copied") {
    const std::string json = "{" + entry("rill.note", "3", 0, 3, "U8") + "," + entry("0.weight", "2,3", 3, 27) + "," +
                             entry("0.bias", "2", 27, 35) + "}";
    Bytes data = {7, 7, 7};
    const Bytes floats = as_bytes(ramp(8));
    data.insert(data.end(), floats.begin(), floats.end());
    // 8 + N a multiple of 16, so the U8 extra shifts the floats off alignment.
    const Bytes b = file_raw(pad_json(json, 16), data);
    const std::string odd = dir.path + "/odd.safetensors";
    write_all(odd, b);
    ModelFile mf;
    REQUIRE(model_read_file(odd.c_str(), &mf, &msg) == Status::ok);
    CHECK(!mf.model.in_place);
    CHECK(mf.model.mlp.weight[0][1] == 0.75f);
    CHECK(mf.model.mlp.bias[0][0] == 0.5f + 0.25f * 6);
    std::remove(odd.c_str());
  }
}

TEST_CASE("temp_file: commit replaces the target whole; discard and failures leave nothing") {
  TempDir dir;
  const std::string path = dir.path + "/out.bin";
  write_all(path, Bytes{9, 9});
  Message msg;
  SUBCASE("commit") {
    TempFile t;
    REQUIRE(temp_file_open(path.c_str(), &t, &msg) == Status::ok);
    REQUIRE(t.stream != nullptr);
    REQUIRE(t.path != nullptr);
    CHECK(std::string(t.path).rfind(path + ".tmp-", 0) == 0);  // beside the target
    CHECK(read_all(path) == Bytes{9, 9});                       // untouched until the commit
    REQUIRE(std::fwrite("abc", 1, 3, t.stream) == 3);
    REQUIRE(temp_file_commit(&t, path.c_str(), &msg) == Status::ok);
    CHECK(t.stream == nullptr);
    CHECK(t.path == nullptr);
    CHECK(read_all(path) == Bytes{'a', 'b', 'c'});
    CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
  }
  SUBCASE("discard") {
    TempFile t;
    REQUIRE(temp_file_open(path.c_str(), &t, &msg) == Status::ok);
    REQUIRE(std::fwrite("abc", 1, 3, t.stream) == 3);
    CHECK(dir.entries().size() == 2);
    temp_file_discard(&t);
    temp_file_discard(&t);  // an empty TempFile: nothing
    CHECK(t.path == nullptr);
    CHECK(read_all(path) == Bytes{9, 9});
    CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
  }
  SUBCASE("a failed write is reported at commit, naming the target") {
    TempFile t;
    REQUIRE(temp_file_open(path.c_str(), &t, &msg) == Status::ok);
    std::fgetc(t.stream);  // reading a write-only stream sets its error flag
    REQUIRE(std::ferror(t.stream));
    msg = Message{};
    CHECK(temp_file_commit(&t, path.c_str(), &msg) == Status::io_error);
    CHECK(std::string(msg.text).find(path) != std::string::npos);
    CHECK(t.path == nullptr);
    CHECK(read_all(path) == Bytes{9, 9});
    CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
  }
  SUBCASE("a missing directory") {
    TempFile t;
    const std::string bad = dir.path + "/no/out.bin";
    CHECK(temp_file_open(bad.c_str(), &t, &msg) == Status::io_error);
    CHECK(std::string(msg.text).find(bad) != std::string::npos);
    CHECK(t.stream == nullptr);
    CHECK(t.path == nullptr);
  }
}

TEST_CASE("model_write_stream writes model_write's bytes; a refused model writes nothing") {
  const MlpSpec spec = MlpSpec::make(2, 8, 2, Activation::silu, TimeEmbedding{2});
  std::vector<float> block = weights_for(spec, 5);
  Mlp mlp;
  mlp.spec = spec;
  mlp.bind(block.data());
  const KeyValue extra[] = {{"dataset", "moons"}};
  const Bytes want = write_model(mlp, 0.01f, extra, 1);
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  Message msg;
  REQUIRE(model_write_stream(f, mlp, 0.01f, extra, 1, &msg) == Status::ok);
  block[3] = std::numeric_limits<float>::infinity();
  CHECK(model_write_stream(f, mlp, 0.01f, extra, 1, &msg) == Status::non_finite);
  CHECK(model_write_stream(nullptr, mlp, 0.01f, extra, 1, &msg) == Status::invalid_argument);
  std::rewind(f);
  Bytes got(want.size() + 1);
  got.resize(std::fread(got.data(), 1, got.size(), f));
  std::fclose(f);
  CHECK(got == want);
}
