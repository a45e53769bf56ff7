// rill_dataset_draw (capi_datasets.cpp): the core's dataset draws on the stream
// of `rill data` (the CLI test and tests/wasm/surface.test.mjs hold the two to
// each other bit for bit), and its refusals.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "rill/datasets.h"
#include "rill/rill.h"
#include "rill/rng.h"

using namespace rill;

TEST_CASE("rill_dataset_draw gives dataset_sample's points on the dataset stream, for every dataset") {
  for (int d = RILL_GAUSSIAN; d <= RILL_SWISSROLL; ++d) {
    INFO(dataset_name(static_cast<Dataset>(d)));
    const int n = 300;
    std::vector<float> got(2 * n, -7.0f), want(2 * n);
    REQUIRE(rill_dataset_draw(d, n, 4000000000u, got.data()) == RILL_OK);
    Rng rng = Rng::derive(4000000000u, Purpose::dataset_draw);
    dataset_sample(static_cast<Dataset>(d), rng, want.data(), n);
    CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
    // The first points of a longer draw are the points of a shorter one.
    std::vector<float> few(2 * 7);
    REQUIRE(rill_dataset_draw(d, 7, 4000000000u, few.data()) == RILL_OK);
    CHECK(std::memcmp(few.data(), want.data(), few.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("rill_dataset_draw refuses what is not a dataset or a count, and writes nothing then") {
  float out[4] = {1, 2, 3, 4};
  CHECK(rill_dataset_draw(RILL_DATA_POINTS, 2, 0, out) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw(RILL_SWISSROLL + 1, 2, 0, out) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw(RILL_MOONS, -1, 0, out) == RILL_INVALID_ARGUMENT);
  CHECK(rill_dataset_draw(RILL_MOONS, 1, 0, nullptr) == RILL_INVALID_ARGUMENT);
  CHECK((out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4));
  CHECK(rill_dataset_draw(RILL_MOONS, 0, 0, nullptr) == RILL_OK);  // nothing to draw
}
