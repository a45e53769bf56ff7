// formula: parsing the models that are formulas. See formula.h.
#include "rill/formula.h"

#include <cstring>

#include "rill/decimal.h"

namespace rill {

namespace {
bool starts_with(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }
}  // namespace

bool FormulaModel::is_formula_name(const char* name) {
  return name != nullptr && (starts_with(name, "exact:") || starts_with(name, "linear:"));
}

Status FormulaModel::parse(const char* name, Message* msg) {
  kind_ = Kind::none;
  if (name != nullptr && starts_with(name, "exact:")) {
    if (std::strcmp(name + 6, "8gaussians") != 0)
      return fail(msg, Status::invalid_argument, "unknown exact model '%s' (rill knows exact:8gaussians)", name + 6);
    kind_ = Kind::exact_8gaussians;
    dim_ = 2;
    return Status::ok;
  }
  if (name == nullptr || !starts_with(name, "linear:"))
    return fail(msg, Status::invalid_argument, "'%s' is not a formula model (exact:8gaussians or linear:a,b,...)",
                name == nullptr ? "" : name);
  const char* p = name + 7;
  int count = 0;
  for (;;) {
    const char* end = std::strchr(p, ',');
    const std::size_t len = end != nullptr ? static_cast<std::size_t>(end - p) : std::strlen(p);
    if (count == kMaxLinearDim * kMaxLinearDim)
      return fail(msg, Status::invalid_argument, "linear: at most %d values (d <= %d)",
                  kMaxLinearDim * kMaxLinearDim, kMaxLinearDim);
    float v = 0.0f;
    if (len == 0 || p[0] == '+' || !decimal_to_float(p, len, &v)) {
      char shown[41];
      const std::size_t k = len < 40 ? len : 40;
      std::memcpy(shown, p, k);
      shown[k] = '\0';
      return fail(msg, Status::invalid_argument, "linear: value %d ('%s') is not a decimal number", count + 1, shown);
    }
    if (v - v != 0.0f)
      return fail(msg, Status::invalid_argument, "linear: value %d is out of float range", count + 1);
    A_[count++] = v;
    if (end == nullptr) break;
    p = end + 1;
  }
  int d = 1;
  while (d * d < count) ++d;
  if (d * d != count)
    return fail(msg, Status::invalid_argument, "linear: needs d² values for some d from 1 to %d, got %d",
                kMaxLinearDim, count);
  kind_ = Kind::linear;
  dim_ = d;
  linear_ = LinearField(A_, d);
  return Status::ok;
}

const DivergenceField& FormulaModel::field() const {
  if (kind_ == Kind::linear) return linear_;
  return mixture_;
}

const char* FormulaModel::description() const {
  switch (kind_) {
    case Kind::linear: return "linear field u = A x (its flow is exp(tA) x0)";
    case Kind::exact_8gaussians: return "the exact CondOT marginal field of 8gaussians (closed form, sigma_min 0)";
    case Kind::none: break;
  }
  return "none";
}

}  // namespace rill
