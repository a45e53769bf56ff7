// describe: architecture as text (see describe.h).
#include "cli/describe.h"

namespace cli {

std::string layers_text(const rill::MlpSpec& s) {
  std::string out;
  for (int i = 0; i <= s.n_layers; ++i) out += (i ? " -> " : "") + std::to_string(s.sizes[i]);
  return out;
}

std::string time_text(const rill::TimeEmbedding& t) {
  char buf[16];
  rill::time_embedding_name(t, buf, sizeof buf);
  return buf;
}

}  // namespace cli
