// The C API's dataset draws (rill.h: rill_dataset_draw): the points `rill data`
// writes, for pages and bindings that show or export a target distribution.
// Same stream as `rill data` (src/cli/cmd_data.cpp), so the bits agree on every target.
#include "rill/datasets.h"
#include "rill/rill.h"
#include "rill/rng.h"

extern "C" int rill_dataset_draw(int dataset, int n, uint32_t seed, float* out) {
  if (dataset < 0 || dataset >= rill::kDatasetCount || n < 0 || (out == nullptr && n > 0)) return RILL_INVALID_ARGUMENT;
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::dataset_sample(static_cast<rill::Dataset>(dataset), rng, out, n);
  return RILL_OK;
}
