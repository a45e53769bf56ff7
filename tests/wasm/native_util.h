// native_util.h: what the two native helpers of the wasm tests (native_load.cpp,
// native_vectors.cpp) share.
#pragma once
#include <cstdio>
#include <vector>

// Appends the bytes of the file at `path` to *out; false if it cannot be opened.
inline bool read_file(const char* path, std::vector<unsigned char>* out) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return false;
  unsigned char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  std::fclose(f);
  return true;
}
