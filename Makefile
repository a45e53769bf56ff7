# rill — every entry point of the project. See README.md.
#
#   make            build/librill.a and build/rill
#   make test       every test suite (starts with `make deps`)
#   make asan       the native unit tests under ASan + UBSan
#   make fuzz       libFuzzer on the model loader for FUZZ_SECONDS
#   make deps       install missing Debian / npm packages (no-op when present)

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
FUZZ_SECONDS ?= 60

CORE_SRCS := $(wildcard src/rill/*.cpp)
CORE_OBJS := $(patsubst %.cpp,$(B)/%.o,$(CORE_SRCS))
CLI_SRCS := $(wildcard src/cli/*.cpp)
CLI_OBJS := $(patsubst %.cpp,$(B)/%.o,$(CLI_SRCS))
TEST_SRCS := $(wildcard tests/test_*.cpp)
TEST_OBJS := $(patsubst %.cpp,$(B)/%.o,$(TEST_SRCS))

.PHONY: all lib cli test unit asan fuzz deps clean
all: lib cli

lib: $(B)/librill.a
cli: $(B)/rill

$(B)/src/rill/%.o: src/rill/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $(CORE_FLAGS) -c $< -o $@

$(B)/src/cli/%.o: src/cli/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

$(B)/rill: $(CLI_OBJS) $(B)/librill.a
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@

# The `rill` command end to end: every command, format and bad input.
.PHONY: cli-test
cli-test: $(B)/rill
	bash tests/cli/run_tests.sh $(B)/rill

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
	  EXTRA_CXXFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -DRILL_SANITIZE" \
	  LDFLAGS="-pthread -fsanitize=address,undefined" unit

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
	@echo "1 passed, 0 failed"  # the fuzzer exits non-zero on any crash

DEB_PKGS := doctest-dev clang libclang-rt-14-dev python3
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --no-save playwright-core@1.65.1

clean:
	rm -rf build build-asan build-fuzz

-include $(CORE_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(B)/tests/doctest_main.d

# --- web (issue 4) -----------------------------------------------------------
# The WebAssembly module and the demo page: web/, src/wasm/, tests/wasm/, tests/browser/.
#   make wasm          $(B)/web/: the page, its scripts, rill.wasm, models/ (+ models/index.json)
#   make serve         serve $(B)/web on http://$(HOST):$(PORT)/
#   make demo          wasm, then serve
#   make wasm-test     rill.mjs under Node: same bits as the native library
#   make browser-test  the page in headless Chromium (playwright-core)
EMXX ?= em++
HOST ?= 127.0.0.1
PORT ?= 8000
# Core files that need a host stay out of the module: files and stdio (model_file), `rill eval`'s
# metrics, and threads (thread_pool, capi_threads: the module is single-threaded).
WASM_EXCLUDE := src/rill/model_file.cpp src/rill/metrics.cpp src/rill/thread_pool.cpp src/rill/capi_threads.cpp
WASM_SRCS := $(filter-out $(WASM_EXCLUDE),$(CORE_SRCS)) $(wildcard src/wasm/*.cpp)
WASM_OBJS := $(patsubst %.cpp,$(B)/wasm/%.o,$(WASM_SRCS))
WASM_CXXFLAGS := -std=c++17 -O3 -msimd128 $(CORE_FLAGS) $(NUMFLAGS) -Wall -Wextra -Wpedantic -Isrc -MMD -MP
WASM_EXPORTS := rill_status_name rill_status_message rill_model_memory rill_model_init rill_model_open \
  rill_model_free rill_model_dim rill_model_get_info rill_model_metadata rill_model_error rill_sample \
  rill_integrate rill_field rill_train_config_default rill_trainer_new rill_trainer_free rill_trainer_step \
  rill_trainer_steps_done rill_trainer_model rill_trainer_file_size rill_trainer_write rill_trainer_error \
  rill_alloc rill_free
WASM_COMMA := ,
# emmalloc: 3.5 KB less gzip than dlmalloc; rill allocates a few blocks per call, so its speed does not matter.
WASM_LDFLAGS := --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sMALLOC=emmalloc \
  -sEXPORTED_FUNCTIONS=$(subst $() ,$(WASM_COMMA),$(addprefix _,$(WASM_EXPORTS)))
WEB_FILES := $(patsubst web/%,$(B)/web/%,$(wildcard web/*.html web/*.css web/*.mjs))
WEB_MODELS := $(patsubst web/%,$(B)/web/%,$(wildcard web/models/*.safetensors))

.PHONY: wasm serve demo wasm-test browser-test
wasm: $(B)/web/rill.wasm $(WEB_FILES) $(WEB_MODELS)
	@mkdir -p $(B)/web/models && cd $(B)/web/models && ls *.safetensors 2>/dev/null | sed 's/\.safetensors$$//' | \
	  awk 'BEGIN { printf "[" } { printf "%s\"%s\"", (NR > 1 ? ", " : ""), $$0 } END { print "]" }' > index.json
	@echo "$(B)/web: rill.wasm $$(wc -c < $(B)/web/rill.wasm) bytes ($$(gzip -9 -c $(B)/web/rill.wasm | wc -c) gzip)," \
	  "models: $$(cat $(B)/web/models/index.json)"

$(B)/wasm/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(EMXX) $(WASM_CXXFLAGS) -c $< -o $@

$(B)/web/rill.wasm: $(WASM_OBJS)
	@mkdir -p $(dir $@)
	$(EMXX) $(WASM_CXXFLAGS) $(WASM_OBJS) $(WASM_LDFLAGS) -o $@

$(B)/web/%: web/%
	@mkdir -p $(dir $@)
	cp $< $@

serve:
	@[ -f $(B)/web/index.html ] || { echo "no $(B)/web/index.html: run 'make wasm' first"; exit 1; }
	@echo "rill demo: http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	python3 -m http.server --bind $(HOST) --directory $(B)/web $(PORT)

demo: wasm
	@$(MAKE) --no-print-directory serve

$(B)/tests/wasm/native_vectors: $(B)/tests/wasm/native_vectors.o $(B)/librill.a
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@

# The summary reporter writes `N passed, M failed` to a file, printed last.
wasm-test: wasm $(B)/tests/wasm/native_vectors
	@rm -f $(B)/wasm-test.summary; RILL_WEB_DIR=$(B)/web RILL_NATIVE_VECTORS=$(B)/tests/wasm/native_vectors \
	  node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=./tests/wasm/summary_reporter.mjs --test-reporter-destination=$(B)/wasm-test.summary \
	  tests/wasm/; rc=$$?; cat $(B)/wasm-test.summary 2>/dev/null || echo "0 passed, 1 failed"; exit $$rc

browser-test: wasm
	@[ -d node_modules/playwright-core ] || { echo "playwright-core is missing: run 'make deps'"; exit 1; }
	node tests/browser/browser_test.mjs $(B)/web $(B)/browser-screenshot.png

# Debian's nodejs/npm only where there is no node/npm at all (a newer one may be installed otherwise).
DEB_PKGS += emscripten chromium $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm)

-include $(WASM_OBJS:.o=.d) $(B)/tests/wasm/native_vectors.d
# --- end web (issue 4) -------------------------------------------------------
