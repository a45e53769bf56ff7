# rill — every entry point of the project. See README.md.
#
#   make            build/librill.a and build/rill
#   make test       every test suite (starts with `make deps`)
#   make asan       the native unit tests under ASan + UBSan
#   make fuzz       libFuzzer on the model loader for FUZZ_SECONDS
#   make deps       install missing Debian / npm packages (no-op when present)

B ?= build
CXX ?= g++
OPT ?= -O2
# Same bits on every target: no FMA contraction, fixed summation order.
NUMFLAGS := -ffp-contract=off -fno-math-errno
WARN := -Wall -Wextra -Wpedantic -Werror
CORE_FLAGS := -fno-exceptions -fno-rtti
CXXFLAGS ?= $(OPT) -g
ALL_CXXFLAGS = -std=c++17 $(NUMFLAGS) $(WARN) -Isrc -MMD -MP $(CXXFLAGS) $(EXTRA_CXXFLAGS)
LDFLAGS ?=
FUZZ_SECONDS ?= 60

CORE_SRCS := $(wildcard src/rill/*.cpp)
CORE_OBJS := $(patsubst %.cpp,$(B)/%.o,$(CORE_SRCS))
TEST_SRCS := $(wildcard tests/test_*.cpp)
TEST_OBJS := $(patsubst %.cpp,$(B)/%.o,$(TEST_SRCS))

.PHONY: all lib test unit asan fuzz deps clean
all: lib

lib: $(B)/librill.a

$(B)/src/rill/%.o: src/rill/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(CORE_FLAGS) -c $< -o $@

$(B)/tests/%.o: tests/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/librill.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The doctest main is its own object (4 s to compile); "tests" is a
# prerequisite so that deleting a test file relinks.
$(B)/unit_tests: $(B)/tests/doctest_main.o $(TEST_OBJS) $(B)/librill.a tests
	$(CXX) $(ALL_CXXFLAGS) $(filter %.o %.a,$^) $(LDFLAGS) -o $@

unit: $(B)/unit_tests
	cd tests && ../$(B)/unit_tests

test: deps
	$(MAKE) unit

asan:
	$(MAKE) B=build-asan OPT=-O1 CXX=g++ \
	  EXTRA_CXXFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" unit

# libFuzzer needs clang. The corpus starts from files the unit tests write.
FUZZ_B := build-fuzz
$(FUZZ_B)/fuzz_model_load: tests/fuzz/fuzz_model_load.cpp $(CORE_SRCS)
	@mkdir -p $(FUZZ_B)
	clang++ -std=c++17 -g -O1 $(NUMFLAGS) -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  tests/fuzz/fuzz_model_load.cpp $(CORE_SRCS) -o $@

fuzz: $(FUZZ_B)/fuzz_model_load
	@mkdir -p $(FUZZ_B)/corpus
	cp -n tests/fuzz/corpus/* $(FUZZ_B)/corpus/ 2>/dev/null || true
	$(FUZZ_B)/fuzz_model_load -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_B)/corpus

DEB_PKGS := doctest-dev clang libclang-rt-14-dev python3
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

clean:
	rm -rf build build-asan build-fuzz

-include $(CORE_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(B)/tests/doctest_main.d
