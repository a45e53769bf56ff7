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

std::string encodings_text(const rill::MlpSpec& s) {
  char buf[32];
  std::string text = "time " + time_text(s.time);
  if (s.step.on) {
    rill::step_embedding_name(s.step, buf, sizeof buf);
    text += std::string(", step ") + buf;
  }
  if (s.condition.kind != rill::ConditionSpec::Kind::none) {
    rill::condition_name(s.condition, buf, sizeof buf);
    text += std::string(", condition ") + buf;
  }
  return text;
}

}  // namespace cli
