# rill — every entry point of the project. See README.md ("Build targets").
#
#   target                      what                                                   rules in
#   make                        build/librill.a and build/rill                         Makefile
#   make test                   every suite below (starts with `make deps`)            mk/test.mk
#   make unit | cli-test        doctest unit tests | the `rill` command end to end     mk/test.mk
#   make pytorch-test           models saved by tools/pytorch, read by rill            mk/test.mk
#   make cmake-test             CMakeLists.txt as a package: a consumer, host + cross  mk/test.mk
#   make install-test           `make install` into a temporary DESTDIR, used by C     mk/install.mk
#   make asan | tsan | fuzz     sanitizers (ASan+UBSan, TSan) and libFuzzer            mk/test.mk
#   make deps                   install missing Debian / npm packages                  Makefile
#   make wasm | serve | demo    the WebAssembly module and the demo page               mk/web.mk
#   make wasm-test | browser-test   rill.mjs under Node | the page in Chromium         mk/web.mk
#   make npm | npm-test         the npm package rill-flow (build/npm/, .tgz) | its test  mk/npm.mk
#   make mcu | mcu-size | mcu-test | mcu-run   Cortex-M and RISC-V, footprint, QEMU    mk/mcu.mk
#   make golden-test | golden-json | golden    the golden vectors                      mk/golden.mk
#   make bench | bench-fma | bench-torch       speed figures (not tests)               mk/bench.mk
#   make models | models-eval | models-ot      the shipped models                      mk/models.mk
#   make install [PREFIX=] [DESTDIR=]          rill.h, librill.a, rill, rill.pc, models mk/install.mk
#   make clean                  remove every build directory                           Makefile

# A recipe that fails removes the file it was making: em++, for one, can write its output and then
# fail, and make would take the stale file as built.
.DELETE_ON_ERROR:

B ?= build
CXX ?= g++
OPT ?= -O3
# Same bits on every target: no FMA contraction, fixed summation order.
NUMFLAGS := -ffp-contract=off -fno-math-errno
WARN := -Wall -Wextra -Wpedantic -Werror
CORE_FLAGS := -fno-exceptions -fno-rtti
CXXFLAGS ?= $(OPT) -g
ALL_CXXFLAGS = -std=c++17 $(NUMFLAGS) $(WARN) -Isrc -MMD -MP $(CXXFLAGS) $(EXTRA_CXXFLAGS)
LDFLAGS ?= -pthread

CORE_SRCS := $(wildcard src/rill/*.cpp)
CORE_OBJS := $(patsubst %.cpp,$(B)/%.o,$(CORE_SRCS))
CLI_SRCS := $(wildcard src/cli/*.cpp)
CLI_OBJS := $(patsubst %.cpp,$(B)/%.o,$(CLI_SRCS))
# The `digits` pixels, compiled into the rill command only (not librill, not rill.wasm): datasets.md.
DIGITS_GEN := $(B)/gen/digits_data.cpp
CLI_OBJS += $(B)/gen/digits_data.o

.PHONY: all lib cli deps clean
all: lib cli

lib: $(B)/librill.a
cli: $(B)/rill

$(B)/src/rill/%.o: src/rill/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(CORE_FLAGS) -c $< -o $@

$(B)/src/cli/%.o: src/cli/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(DIGITS_GEN): web/data/digits.csv.gz tools/gen_digits.py
	@mkdir -p $(dir $@)
	gzip -dc $< | python3 tools/gen_digits.py > $@.tmp && mv $@.tmp $@

$(B)/gen/digits_data.o: $(DIGITS_GEN)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/rill: $(CLI_OBJS) $(B)/librill.a
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@

$(B)/librill.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Each mk/*.mk adds the Debian packages its targets need (DEB_PKGS +=).
DEB_PKGS := doctest-dev clang libclang-rt-14-dev python3 pkg-config
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --no-save playwright-core@1.65.1
	@$(MAKE) --no-print-directory npm-tools

include mk/test.mk mk/web.mk mk/npm.mk mk/golden.mk mk/mcu.mk mk/bench.mk mk/models.mk mk/install.mk

clean:
	rm -rf $(B) build-asan $(TSAN_B) $(FUZZ_B) build-fma

-include $(CORE_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
