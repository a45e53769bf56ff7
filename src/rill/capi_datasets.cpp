// The C API's dataset draws (rill.h: rill_dataset_draw): the points `rill data`
// writes, for pages and bindings that show or export a target distribution.
// Same stream as `rill data` (src/cli/cmd_data.cpp), so the bits agree on every target;
// rill_dataset_draw_labeled adds its --class and --labels-out.
#include "rill/datasets.h"
#include "rill/rill.h"
#include "rill/rng.h"

extern "C" int rill_dataset_draw(int dataset, int n, uint32_t seed, float* out) {
  if (dataset < 0 || dataset >= rill::kDatasetCount || n < 0 || (out == nullptr && n > 0)) return RILL_INVALID_ARGUMENT;
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::dataset_sample(static_cast<rill::Dataset>(dataset), rng, out, n);
  return RILL_OK;
}

extern "C" int rill_dataset_draw_labeled(int dataset, int n, uint32_t seed, int class_index, float* out,
                                         int32_t* labels) {
  if (dataset < 0 || dataset >= rill::kDatasetCount || n < 0 || (out == nullptr && n > 0)) return RILL_INVALID_ARGUMENT;
  const rill::Dataset d = static_cast<rill::Dataset>(dataset);
  const int classes = rill::dataset_classes(d);
  if (classes == 0 && (class_index != -1 || labels != nullptr)) return RILL_INVALID_ARGUMENT;  // no labels
  if (class_index < -1 || class_index >= classes) return RILL_INVALID_ARGUMENT;
  rill::DatasetDraw how;  // `rill data --class K --labels-out F`
  how.cls = class_index;
  how.labels = labels;
  rill::Rng rng = rill::Rng::derive(seed, rill::Purpose::dataset_draw);
  rill::dataset_draw(d, rng, out, n, how);
  return RILL_OK;
}
