// digits: the embedded `digits` set as a rill::FiniteSet (see digits.h).
#include "cli/digits.h"

namespace cli {

std::unique_ptr<Digits> load_digits() {
  std::unique_ptr<Digits> d(new Digits);
  d->rows.resize(static_cast<std::size_t>(kDigitsRows) * kDigitsDim);
  d->labels.resize(static_cast<std::size_t>(kDigitsRows));
  d->by_class.resize(static_cast<std::size_t>(kDigitsRows));
  for (long i = 0; i < kDigitsRows; ++i) {
    const unsigned char* line = kDigitsTable + i * (kDigitsDim + 1);
    for (int j = 0; j < kDigitsDim; ++j)
      d->rows[static_cast<std::size_t>(i * kDigitsDim + j)] = static_cast<float>(line[j]) / 8.0f - 1.0f;
    d->labels[static_cast<std::size_t>(i)] = line[kDigitsDim];
  }
  // The generator checked every label is 0..9, so the index cannot fail.
  rill::finite_set_index(d->labels.data(), kDigitsRows, kDigitsClasses, d->by_class.data(), d->class_start);
  d->set.rows = d->rows.data();
  d->set.labels = d->labels.data();
  d->set.count = kDigitsRows;
  d->set.dim = kDigitsDim;
  d->set.classes = kDigitsClasses;
  d->set.by_class = d->by_class.data();
  d->set.class_start = d->class_start;
  return d;
}

bool is_digits(const Args& args, const char* name) { return args.has(name) && args.text(name) == kDigitsName; }

}  // namespace cli
