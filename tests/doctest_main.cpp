// The doctest runner for the native unit tests (compiled once, on its own).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
