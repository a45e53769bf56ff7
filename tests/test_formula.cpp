// formula: the models that are formulas — names, parsing, refusals, and that
// their fields are the closed forms of field.h.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "rill/formula.h"

using namespace rill;

TEST_CASE("formula: linear:a,b,c,d is u = A·x, A row-major, any d from 1 to 8") {
  FormulaModel f;
  Message msg;
  REQUIRE(f.parse("linear:0,-1,1,0", &msg) == Status::ok);
  CHECK(f.kind() == FormulaModel::Kind::linear);
  CHECK(f.dim() == 2);
  const float x[2] = {2.0f, 3.0f};
  float u[2], div[1];
  Arena none;
  REQUIRE(f.field().eval(x, 1, 0.5f, u, none) == Status::ok);
  CHECK(u[0] == -3.0f);  // row 0: (0, -1)
  CHECK(u[1] == 2.0f);
  REQUIRE(f.field().eval_divergence(x, 1, 0.5f, u, div, none) == Status::ok);
  CHECK(div[0] == 0.0f);
  REQUIRE(f.parse("linear:-0.5", &msg) == Status::ok);
  CHECK(f.dim() == 1);
  REQUIRE(f.parse("linear:1e-3,2,3,4,5,6,7,8,9", &msg) == Status::ok);
  CHECK(f.dim() == 3);
  CHECK(f.matrix()[0] == 1e-3f);
  CHECK(f.field().dim() == 3);
}

TEST_CASE("formula: exact:8gaussians is the mixture field") {
  FormulaModel f;
  Message msg;
  REQUIRE(f.parse("exact:8gaussians", &msg) == Status::ok);
  CHECK(f.dim() == 2);
  const EightGaussians eg;
  const GaussianMixtureField ref = eg.field();
  const float x[4] = {0.3f, -1.0f, 3.9f, 0.1f};
  float a[4], b[4];
  Arena none;
  REQUIRE(f.field().eval(x, 2, 0.7f, a, none) == Status::ok);
  REQUIRE(ref.eval(x, 2, 0.7f, b, none) == Status::ok);
  CHECK(std::memcmp(a, b, sizeof a) == 0);
}

TEST_CASE("formula: names and refusals, each with its reason") {
  CHECK(FormulaModel::is_formula_name("linear:1"));
  CHECK(FormulaModel::is_formula_name("exact:whatever"));
  CHECK_FALSE(FormulaModel::is_formula_name("moons"));
  CHECK_FALSE(FormulaModel::is_formula_name("./linear:1"));
  struct Bad {
    const char* name;
    const char* reason;
  } bad[] = {{"exact:moons", "unknown exact model 'moons'"},
             {"linear:1,2,3", "needs d² values"},
             {"linear:", "value 1 ('') is not a decimal"},
             {"linear:1,,2,3", "value 2 ('')"},
             {"linear:1, 2,3,4", "value 2 (' 2')"},
             {"linear:+1,2,3,4", "value 1 ('+1')"},
             {"linear:nan,0,0,1", "value 1 ('nan')"},
             {"linear:1e39,0,0,1", "out of float range"},
             {"linear:1,0,0,1,", "value 5 ('')"},
             {"moons", "not a formula model"}};
  for (const Bad& b : bad) {
    INFO(b.name);
    FormulaModel f;
    Message msg;
    CHECK(f.parse(b.name, &msg) == Status::invalid_argument);
    CHECK(std::strstr(msg.text, b.reason) != nullptr);
    CHECK(f.kind() == FormulaModel::Kind::none);
  }
  FormulaModel f;
  Message msg;
  std::string many = "linear:1";
  for (int i = 1; i < 81; ++i) many += ",0";
  CHECK(f.parse(many.c_str(), &msg) == Status::invalid_argument);
  CHECK(std::strstr(msg.text, "at most 64 values") != nullptr);
}
