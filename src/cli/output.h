// output: every file the command writes appears whole or not at all.
//
// Why: a failed or interrupted run must not leave a half-written sample file
// that looks like a result, nor clobber an existing one. An OutputFile writes
// to a temporary file in the target's directory (rill::TempFile of
// model_file.h: same file system, so the final rename is atomic) and renames
// it over the target only on commit(); otherwise its destructor — or a
// SIGINT/SIGTERM/SIGHUP handler — removes it. "-" means standard output
// (written directly).
#pragma once
#include <cstdio>
#include <string>

#include "rill/model_file.h"

namespace cli {

class Args;

enum class Format { npy, csv, svg, stdout_csv };
// The format of the path given to `flag`, by extension (.npy, .csv, .svg) or
// "-"; a usage error for anything else (or .svg when !svg_allowed).
Format output_format(const Args& args, const char* flag, bool svg_allowed);
// A runtime error, before any long computation, when the target's directory
// does not exist or cannot be written, or the target is a directory.
void check_output_path(const std::string& path);

// check_output_path on the value of `flag`, and a usage error when that file is one another flag of the
// command names: an input (the same file, however the path is written: rill never writes over what it
// reads) or another output. `kind`: what the file must hold, when the command writes a fixed format —
// Kind::model (safetensors) or Kind::c_header — so that a name with another format's extension (.npy,
// .csv, .svg; .safetensors for a header) is refused instead of a file that is not what its name says.
enum class Kind { any, model, c_header };
void check_output(const Args& args, const char* flag, Kind kind = Kind::any);

// Warns on stderr ("rill: warning: K of n NOUN have NaN or Inf coordinates") when rows of v (n × d) hold a
// non-finite value: the file is still written, but a user should not take it for a result unseen.
void warn_non_finite(const float* v, long n, int d, const char* noun);

class OutputFile {
 public:
  explicit OutputFile(const std::string& path);  // opens the temporary file (runtime error on failure)
  ~OutputFile();                                  // removes the temporary file unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::FILE* file() const { return to_stdout_ ? stdout : tmp_.stream; }
  // Flushes, syncs and renames over the target; a runtime error (and the
  // temporary file removed) if any write failed.
  void commit();

 private:
  void discard();
  std::string path_;
  rill::TempFile tmp_;
  bool to_stdout_ = false;
};

// Writes a model file (rill::model_write_stream) through an OutputFile: a
// runtime error naming the path if the model is refused or the write fails.
void write_model(const std::string& path, const rill::Mlp& mlp, float sigma_min, const rill::KeyValue* extra,
                 int n_extra);

}  // namespace cli
