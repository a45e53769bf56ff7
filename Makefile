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

# Every suite there is; each ends with its own count line (doctest's, or
# `N passed, M failed`), which .ci/run adds up. -k: one failing suite does
# not hide the others.
CHECKS := unit cli-test golden-test wasm-test browser-test mcu-test
test: deps
	$(MAKE) -k $(CHECKS)

# UBSan's vptr check needs RTTI, which the core is built without.
asan:
	$(MAKE) B=build-asan OPT=-O1 CXX=g++ \
	  EXTRA_CXXFLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer -DRILL_SANITIZE" \
	  LDFLAGS="-pthread -fsanitize=address,undefined" unit

# ThreadSanitizer over the thread pool and threaded sampling and training
# (tests/test_threads.cpp only: test_alloc.cpp replaces operator new, which
# TSan owns). Clang, as the fuzzer.
TSAN_B := build-tsan
.PHONY: tsan
tsan:
	$(MAKE) B=$(TSAN_B) OPT=-O1 CXX=clang++ EXTRA_CXXFLAGS="-fsanitize=thread" \
	  LDFLAGS="-pthread -fsanitize=thread" $(TSAN_B)/librill.a $(TSAN_B)/tests/doctest_main.o $(TSAN_B)/tests/test_threads.o
	clang++ -fsanitize=thread $(TSAN_B)/tests/doctest_main.o $(TSAN_B)/tests/test_threads.o $(TSAN_B)/librill.a \
	  -pthread -o $(TSAN_B)/threads_tsan
	cd tests && TSAN_OPTIONS=halt_on_error=1 ../$(TSAN_B)/threads_tsan

# libFuzzer needs clang: the model loader for FUZZ_SECONDS, then the CLI's
# .npy/.csv readers for half as long. Seed corpora and dictionaries are in tests/fuzz/.
FUZZ_B := build-fuzz
FUZZ_FLAGS := -std=c++17 -g -O1 $(NUMFLAGS) -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(FUZZ_B)/fuzz_model_load: tests/fuzz/fuzz_model_load.cpp tests/fuzz/fuzz_util.h $(CORE_SRCS)
	@mkdir -p $(FUZZ_B)
	clang++ $(FUZZ_FLAGS) tests/fuzz/fuzz_model_load.cpp $(CORE_SRCS) -pthread -o $@
$(FUZZ_B)/fuzz_arrays: tests/fuzz/fuzz_arrays.cpp src/cli/npy.cpp src/cli/csv.cpp src/cli/numbers.cpp tests/fuzz/fuzz_util.h
	@mkdir -p $(FUZZ_B)
	clang++ $(FUZZ_FLAGS) $(filter %.cpp,$^) -o $@

fuzz: $(FUZZ_B)/fuzz_model_load $(FUZZ_B)/fuzz_arrays
	@mkdir -p $(FUZZ_B)/corpus $(FUZZ_B)/corpus_arrays
	cp -n tests/fuzz/corpus/* $(FUZZ_B)/corpus/ 2>/dev/null || true
	$(FUZZ_B)/fuzz_model_load -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/model_load.dict \
	  -print_final_stats=1 $(FUZZ_B)/corpus
	$(FUZZ_B)/fuzz_arrays -max_total_time=$$(( $(FUZZ_SECONDS) / 2 )) -dict=tests/fuzz/arrays.dict \
	  -print_final_stats=1 $(FUZZ_B)/corpus_arrays
	@echo "2 passed, 0 failed"  # each fuzzer exits non-zero on any crash or failed check

DEB_PKGS := doctest-dev clang libclang-rt-14-dev python3
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing: $$missing"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --no-save playwright-core@1.65.1

clean:
	rm -rf $(B) build-asan $(TSAN_B) $(FUZZ_B) build-fma

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

# The committed golden vectors too (tests/wasm/golden.test.mjs; golden.json from `make golden-json`).
# The summary reporter writes `N passed, M failed` to a file, printed last.
wasm-test: wasm $(B)/tests/wasm/native_vectors $(B)/golden/golden.json
	@rm -f $(B)/wasm-test.summary; RILL_WEB_DIR=$(B)/web RILL_NATIVE_VECTORS=$(B)/tests/wasm/native_vectors \
	  RILL_GOLDEN_DIR=$(B)/golden \
	  node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=./tests/wasm/summary_reporter.mjs --test-reporter-destination=$(B)/wasm-test.summary \
	  tests/wasm/; rc=$$?; cat $(B)/wasm-test.summary 2>/dev/null || echo "0 passed, 1 failed"; exit $$rc

browser-test: wasm $(B)/golden/golden.json
	@[ -d node_modules/playwright-core ] || { echo "playwright-core is missing: run 'make deps'"; exit 1; }
	node tests/browser/browser_test.mjs $(B)/web $(B)/browser-screenshot.png $(B)/golden

# Debian's nodejs/npm only where there is no node/npm at all (a newer one may be installed otherwise).
DEB_PKGS += emscripten chromium $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm)

-include $(WASM_OBJS:.o=.d) $(B)/tests/wasm/native_vectors.d
# --- end web (issue 4) -------------------------------------------------------

# --- microcontroller (issue 5) -----------------------------------------------
# Cortex-M libraries, demo firmware, QEMU tests and golden vectors:
# src/mcu/, tests/mcu/, tests/golden/.
#   make mcu          $(B)/mcu/librill.a (Cortex-M4F; also $(B)/mcu/m4f/) and the variants
#                     $(B)/mcu/{m7,m3,m0plus}/librill.a; the demo firmware $(B)/mcu/<variant>/demo.elf
#   make mcu-size     footprint table (code, RAM, flash, instructions) -> $(B)/mcu/footprint.md
#   make mcu-test     nm checks of every library + QEMU runs on M4F, M7, M3 and M0+ (golden vectors,
#                     field, loader on damaged files, API, negative controls); `N passed, M failed`
#   make golden       rewrite tests/golden/golden.txt (only for a change that moves the bits on purpose)
#   make golden-test  the native library against tests/golden/golden.txt
#   make golden-json  $(B)/golden/golden.json + model files, for the WebAssembly tests
#   (the WebAssembly module is held to golden.txt by `make wasm-test`, and in Chromium by `make browser-test`)
#   make mcu-run MCU_VARIANT=m4f   run the demo firmware in QEMU
MCU_DEB_PKGS := gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev qemu-system-arm
DEB_PKGS += $(MCU_DEB_PKGS)
MCU_CC := arm-none-eabi-gcc
MCU_CXX := arm-none-eabi-g++
MCU_AR := arm-none-eabi-ar
MCU_QEMU := qemu-system-arm
# Host-only core files (malloc, stdio, double libm, threads): not in the firmware library.
MCU_EXCLUDE := src/rill/capi_heap.cpp src/rill/model_file.cpp src/rill/metrics.cpp \
  src/rill/thread_pool.cpp src/rill/capi_threads.cpp
MCU_SRCS := $(filter-out $(MCU_EXCLUDE),$(CORE_SRCS))
MCU_VARIANTS := m4f m7 m3 m0plus
MCU_ARCH_m4f := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
MCU_ARCH_m7 := -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
MCU_ARCH_m3 := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
MCU_ARCH_m0plus := -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft
MCU_BOARD_m4f := mps2-an386
MCU_BOARD_m7 := mps2-an500
MCU_BOARD_m3 := mps2-an385
MCU_BOARD_m0plus := microbit
# Linker scripts (both include src/mcu/sections.ld): the mps2 boards, and the micro:bit's
# 256 KiB flash and 16 KiB RAM, where the test firmware gets small buffers and no shipped models.
MCU_LD_m4f := src/mcu/cortexm.ld
MCU_LD_m7 := src/mcu/cortexm.ld
MCU_LD_m3 := src/mcu/cortexm.ld
MCU_LD_m0plus := src/mcu/microbit.ld
MCU_TEST_FLAGS_m0plus := -DMCU_TEST_ARENA=4096 -DMCU_TEST_FILE=1024 -DMCU_TEST_FLOATS=160 -I$(B)/mcu/gen-small
MCU_FOOTPRINT_FLAGS_m0plus := -DFOOTPRINT_ARENA=4096 -DFOOTPRINT_MAX_DIM=2
MCU_OPT ?= -Os
# The hot loops (kernels.cpp). MCU_KERNEL_OPT=-O2: 23% fewer instructions per field
# evaluation for about 0.5 KB more code (same bits).
MCU_KERNEL_OPT ?= $(MCU_OPT)
# RILL_NO_SIMD: the kernels' plain loops only (the vector code is larger and no faster without SIMD).
MCU_CXXFLAGS = -std=c++17 $(MCU_OPT) $(CORE_FLAGS) $(NUMFLAGS) -DRILL_NO_SIMD -ffunction-sections -fdata-sections $(WARN) -Isrc -MMD -MP
MCU_CFLAGS = -std=c11 $(MCU_OPT) $(NUMFLAGS) -ffunction-sections -fdata-sections $(WARN) -Isrc -MMD -MP
# No rdimon/nosys: nothing provides _sbrk, so a firmware that needed malloc would not link.
MCU_LDFLAGS = --specs=nano.specs -nostartfiles -Lsrc/mcu -Wl,--gc-sections
# tests/mcu/run_tests.sh adds `-M BOARD -semihosting-config arg=...` (QEMU merges the two -semihosting-config).
MCU_QEMU_RUN = timeout 60 $(MCU_QEMU) -nographic -monitor none -serial none -semihosting-config enable=on,target=native
# The demo's model (and bare.cpp's), and the run whose hash the demo prints (src/mcu/demo_settings.h).
MCU_MODEL := web/models/moons.safetensors
MCU_DEMO_HASH_ARGS := heun 10 42 8
GOLDEN_FILE := tests/golden/golden.txt
GOLDEN_SHIPPED ?= moons
MCU_FW_OBJS = src/mcu/startup.o src/mcu/print.o

.PHONY: mcu mcu-size mcu-test mcu-run golden golden-test golden-json
mcu: $(B)/mcu/librill.a $(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/librill.a $(B)/mcu/$(v)/demo.elf)
	@for v in $(MCU_VARIANTS); do printf '%-7s %s: %s bytes of code (all objects; a firmware keeps what it calls)\n' $$v $(B)/mcu/$$v/librill.a \
	  "$$(arm-none-eabi-size $(B)/mcu/$$v/librill.a | awk 'NR > 1 { t += $$1 } END { print t }')"; done

$(B)/mcu/librill.a: $(B)/mcu/m4f/librill.a
	cp $< $@

# Per variant: objects, library, firmware.
# One compile line per variant. MCU_OBJ_FLAGS (target-specific, as MCU_OPT for kernels.o) come
# before -I$(B)/mcu/gen, so their -I wins: the micro:bit's small golden data, a footprint model.
define MCU_VARIANT_RULES
MCU_COMPILE_$(1) = $(MCU_CXX) $(MCU_ARCH_$(1)) $$(MCU_CXXFLAGS) $$(MCU_OBJ_FLAGS) -I$(B)/mcu/gen -c $$< -o $$@
$(B)/mcu/$(1)/obj/%.o: %.cpp
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(MCU_CC) $(MCU_ARCH_$(1)) $$(MCU_CFLAGS) -c $$< -o $$@
# The demo with stubs for the rill calls (footprint.py subtracts it).
$(B)/mcu/$(1)/obj/src/mcu/main_base.o: src/mcu/main.cpp $(B)/mcu/gen/demo_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/src/mcu/main_base.o: MCU_OBJ_FLAGS := -DRILL_DEMO_BASELINE
$(B)/mcu/$(1)/obj/tests/mcu/mcu_tests.o: MCU_OBJ_FLAGS := $(MCU_TEST_FLAGS_$(1))
$(B)/mcu/$(1)/librill.a: $(patsubst %.cpp,$(B)/mcu/$(1)/obj/%.o,$(MCU_SRCS))
	@rm -f $$@
	$(MCU_AR) rcs $$@ $$^
# The nm check's negative control: host-only code that must fail it.
$(B)/mcu/$(1)/nm_control.a: $(B)/mcu/$(1)/obj/src/rill/metrics.o
	@rm -f $$@
	$(MCU_AR) rcs $$@ $$^
# Firmware: its program object (and librill.a); every one links startup + print with the board's
# linker script and writes a map file (footprint.py reads the code per object from it).
$(B)/mcu/$(1)/demo.elf: $(B)/mcu/$(1)/obj/src/mcu/main.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/demo_base.elf: $(B)/mcu/$(1)/obj/src/mcu/main_base.o
$(B)/mcu/$(1)/bare.elf: $(B)/mcu/$(1)/obj/src/mcu/bare.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/mcu_tests.elf: $(B)/mcu/$(1)/obj/tests/mcu/mcu_tests.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/%.elf: $(addprefix $(B)/mcu/$(1)/obj/,$(MCU_FW_OBJS)) $(MCU_LD_$(1))
	$(MCU_CC) $(MCU_ARCH_$(1)) $(MCU_LDFLAGS) -T $(MCU_LD_$(1)) -Wl,-Map=$$(@:.elf=.map) $$(filter %.o %.a,$$^) -o $$@
# bare.elf must sample the demo's bits (the native library's hash, which the demo is held to),
# or the code it measures is not the sampling path of the demo's model.
$(B)/mcu/$(1)/bare.hash: $(B)/mcu/$(1)/bare.elf $(B)/golden/golden $(MCU_MODEL)
	@want=$$$$($(B)/golden/golden --sample-hash $(MCU_MODEL) $(MCU_DEMO_HASH_ARGS)); \
	got=$$$$($(MCU_QEMU_RUN) -M $(MCU_BOARD_$(1)) -kernel $$< 2>&1 | sed -n 's/^hash //p'); \
	if [ -n "$$$$got" ] && [ "$$$$got" = "$$$$want" ]; then echo "$(1) bare.elf: hash $$$$got = the demo's"; echo "$$$$got" > $$@; \
	else echo "$(1) bare.elf: hash '$$$$got', the demo's (native) '$$$$want': bare.cpp does not sample $(MCU_MODEL)"; exit 1; fi
-include $(patsubst %.cpp,$(B)/mcu/$(1)/obj/%.d,$(MCU_SRCS) src/mcu/main.cpp src/mcu/bare.cpp tests/mcu/mcu_tests.cpp) \
  $(patsubst %.c,$(B)/mcu/$(1)/obj/%.d,src/mcu/startup.c src/mcu/print.c) \
  $(B)/mcu/$(1)/obj/src/mcu/main_base.d $(wildcard $(B)/mcu/$(1)/obj/footprint-*.d)
endef
$(foreach v,$(MCU_VARIANTS),$(eval $(call MCU_VARIANT_RULES,$(v))))
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/rill/kernels.o): MCU_OPT := $(MCU_KERNEL_OPT)

# Generated headers (never committed): the demo's model (with its architecture, for bare.cpp), the golden data.
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/mcu/main.o $(B)/mcu/$(v)/obj/src/mcu/bare.o): $(B)/mcu/gen/demo_model.h
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/tests/mcu/mcu_tests.o): $(B)/mcu/gen/golden_data.h $(B)/mcu/gen-small/golden_data.h

# Stand-ins for the footprint table's smaller rows: 300 steps (the figures depend on the shapes only).
$(B)/mcu/standin_%.safetensors: | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill train --data moons --steps 300 $(MCU_TRAIN_$*) --out $@

# (remade when export-c's source changes, not whenever rill relinks)
$(B)/mcu/gen/demo_model.h: $(MCU_MODEL) src/cli/cmd_export_c.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --model $< --out $@ --name demo_model

$(B)/mcu/gen/golden_data.h: $(GOLDEN_FILE) $(B)/golden/golden $(wildcard web/models/*.safetensors)
	@mkdir -p $(dir $@)
	$(B)/golden/golden --emit-c $@ $(GOLDEN_FILE)
$(B)/mcu/gen-small/golden_data.h: $(GOLDEN_FILE) $(B)/golden/golden
	@mkdir -p $(dir $@)
	$(B)/golden/golden --synthetic-only --emit-c $@ $(GOLDEN_FILE)

# The native golden program links the native library through rill.h.
$(B)/golden/golden: $(B)/tests/golden/golden.o $(B)/librill.a
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@

golden: $(B)/golden/golden
	$(B)/golden/golden --models $(GOLDEN_SHIPPED) --write $(GOLDEN_FILE)

golden-test: $(B)/golden/golden
	$(B)/golden/golden --check $(GOLDEN_FILE)

golden-json: $(B)/golden/golden.json
$(B)/golden/golden.json: $(GOLDEN_FILE) $(B)/golden/golden $(wildcard web/models/*.safetensors)
	$(B)/golden/golden --emit-json $(B)/golden $(GOLDEN_FILE)

mcu-test: $(B)/mcu/m4f/nm_control.a $(B)/golden/golden \
          $(foreach v,$(MCU_VARIANTS),$(addprefix $(B)/mcu/$(v)/,librill.a mcu_tests.elf demo.elf bare.elf))
	@MCU_VARIANTS="$(MCU_VARIANTS)" MCU_BOARDS="$(foreach v,$(MCU_VARIANTS),$(v)=$(MCU_BOARD_$(v)))" \
	  MCU_MODEL=$(MCU_MODEL) MCU_DEMO_HASH_ARGS="$(MCU_DEMO_HASH_ARGS)" MCU_QEMU_RUN="$(MCU_QEMU_RUN)" \
	  bash tests/mcu/run_tests.sh $(B)

mcu-run: $(B)/mcu/$(or $(MCU_VARIANT),m4f)/demo.elf
	$(MCU_QEMU_RUN) -M $(MCU_BOARD_$(or $(MCU_VARIANT),m4f)) -kernel $<

# Footprint: the demo linked with and without rill, and bare.elf (code; map files); footprint.cpp
# per model under QEMU (RAM, time). `default` is MCU_MODEL; the others are stand-ins for the
# smaller rows of src/mcu/README.md's model table: the shipped models' sin:4 time and silu
# (MODELS_RECIPE) with another width and depth.
MCU_SIZE_MODELS := default w64 w64d2 w32 w32d2
MCU_SIZE_RUNS := $(foreach m,$(MCU_SIZE_MODELS),m4f-$(m)) m7-default m3-default m0plus-default
MCU_MODEL_default := $(MCU_MODEL)
$(foreach m,$(filter-out default,$(MCU_SIZE_MODELS)),$(eval MCU_MODEL_$(m) := $(B)/mcu/standin_$(m).safetensors))
MCU_TRAIN_w64 := --time sin:4 --width 64 --depth 3
MCU_TRAIN_w64d2 := --time sin:4 --width 64 --depth 2
MCU_TRAIN_w32 := --time sin:4 --width 32 --depth 3
MCU_TRAIN_w32d2 := --time sin:4 --width 32 --depth 2
define MCU_SIZE_RULES
$(B)/mcu/models/$(1)/demo_model.h: $(MCU_MODEL_$(1)) | $(B)/rill
	@mkdir -p $$(dir $$@)
	$(B)/rill export-c --model $$< --out $$@ --name demo_model
endef
$(foreach m,$(MCU_SIZE_MODELS),$(eval $(call MCU_SIZE_RULES,$(m))))
define MCU_FOOTPRINT_RULES
$(B)/mcu/$(1)/obj/footprint-$(2).o: src/mcu/footprint.cpp $(B)/mcu/models/$(2)/demo_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/footprint-$(2).o: MCU_OBJ_FLAGS := $(MCU_FOOTPRINT_FLAGS_$(1)) -I$(B)/mcu/models/$(2)
$(B)/mcu/$(1)/footprint-$(2).elf: $(B)/mcu/$(1)/obj/footprint-$(2).o $(B)/mcu/$(1)/librill.a
$(B)/mcu/footprint-$(1)-$(2).txt: $(B)/mcu/$(1)/footprint-$(2).elf
	$(MCU_QEMU_RUN) -icount shift=0 -M $(MCU_BOARD_$(1)) -kernel $$< > $$@ 2>&1 || { cat $$@; rm -f $$@; exit 1; }
endef
$(foreach r,$(MCU_SIZE_RUNS),$(eval $(call MCU_FOOTPRINT_RULES,$(word 1,$(subst -, ,$(r))),$(word 2,$(subst -, ,$(r))))))

mcu-size: $(foreach v,$(MCU_VARIANTS),$(addprefix $(B)/mcu/$(v)/,demo.elf demo_base.elf bare.elf bare.hash)) \
          $(foreach r,$(MCU_SIZE_RUNS),$(B)/mcu/footprint-$(r).txt)
	@python3 src/mcu/footprint.py $(B) $(MCU_VARIANTS) -- $(foreach r,$(MCU_SIZE_RUNS),$(B)/mcu/footprint-$(r).txt)

-include $(B)/tests/golden/golden.d
# --- end microcontroller (issue 5) -------------------------------------------

# --- speed (issue 6) -----------------------------------------------------------
# Figures, not tests (none of this is in `make test`):
#   make bench         `rill bench` (native, 1 and 2 threads) and the WebAssembly module under Node
#   make bench-fma     the same native figures from the RILL_FMA build (build-fma/): fused
#                      multiply-adds, faster where the CPU has FMA, but its bits differ from the
#                      default build's and between targets — never the default
#   make bench-torch   PyTorch (Debian's python3-torch + OpenBLAS) on the same workloads in the
#                      same session, side by side with rill: the ratio table of README.md
.PHONY: bench bench-fma bench-torch
bench: $(B)/rill wasm
	$(B)/rill bench
	node tools/bench/bench_wasm.mjs $(B)/web

bench-fma:
	$(MAKE) B=build-fma EXTRA_CXXFLAGS=-DRILL_FMA build-fma/rill
	build-fma/rill bench

TORCH_ENV := OMP_NUM_THREADS=2 GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184
bench-torch: $(B)/rill wasm
	@/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "bench-torch needs PyTorch with OpenBLAS:" \
	  "apt-get install -y python3-torch libopenblas0-pthread"; exit 1; }
	$(MAKE) B=build-fma EXTRA_CXXFLAGS=-DRILL_FMA build-fma/rill
	$(B)/rill bench --json > $(B)/bench-rill.json
	build-fma/rill bench --json > $(B)/bench-rill-fma.json
	node tools/bench/bench_wasm.mjs $(B)/web --json > $(B)/bench-wasm.json
	$(TORCH_ENV) /usr/bin/python3 tools/bench/bench_torch.py > $(B)/bench-torch.json
	@echo "== default build (same bits on every target)"
	@python3 tools/bench/compare.py $(B)/bench-rill.json $(B)/bench-torch.json $(B)/bench-wasm.json
	@echo "== RILL_FMA build"
	@python3 tools/bench/compare.py $(B)/bench-rill-fma.json $(B)/bench-torch.json

# --- shipped models (issue 3) ------------------------------------------------
# The seven models of web/models/, their recipe and their evaluation (tools/models/).
#   make models         retrain web/models/NAME.safetensors for the seven datasets, one after another
#                       (about a minute each on one core). Deterministic: the same command gives the
#                       same weights; a model whose weights and metadata come out the same as the
#                       shipped file's (all but `train_seconds`, the wall-clock time) keeps the shipped
#                       bytes, so the golden vectors that pin them stay valid. MODELS=moons retrains one.
#   make models-eval    the README table: training time and MMD² (4000 samples) per solver at 1, 2, 4,
#                       8, 32 steps, and RK4/32 against the bars of issue 3; Markdown on stdout
#   make models-ot      the OT-coupling study: independent vs OT coupling, Euler at 1, 2, 4, 8, 20
#                       steps (models in $(B)/ot-study/); Markdown on stdout
MODELS ?= moons 8gaussians checkerboard spirals circles gaussian swissroll
# One recipe for all seven (the evidence for it: tools/models/RECIPE.md).
MODELS_RECIPE := --steps 40000 --batch 256 --lr 3e-3 --schedule cosine --warmup 1000 --lr-floor 0.01 \
  --ema 0.999 --time sin:4 --width 96 --depth 4 --activation silu --coupling independent --seed 0
# Per-dataset additions (none at present): MODELS_FLAGS_<dataset> := ...
OT_STUDY_DATASETS ?= moons 8gaussians
OT_SAME_TIME ?= 1
COMMA_MODELS := ,

define MODELS_TRAIN
	$(B)/rill train --data $(1) --out $(B)/models/$(1).safetensors $(MODELS_RECIPE) $(MODELS_FLAGS_$(1))
	@if [ -f web/models/$(1).safetensors ] && python3 tools/models/same_model.py web/models/$(1).safetensors \
	  $(B)/models/$(1).safetensors 2>/dev/null; then echo "web/models/$(1).safetensors: same weights, kept"; \
	else cp $(B)/models/$(1).safetensors web/models/.$(1).tmp && mv web/models/.$(1).tmp web/models/$(1).safetensors && \
	  echo "web/models/$(1).safetensors: written"; fi

endef

.PHONY: models models-eval models-ot
models: $(B)/rill
	@mkdir -p $(B)/models web/models
	$(foreach m,$(MODELS),$(call MODELS_TRAIN,$(m)))

models-eval: $(B)/rill
	@python3 tools/models/eval_table.py $(B)/rill web/models --datasets $(subst $() ,$(COMMA_MODELS),$(strip $(MODELS)))

models-ot: $(B)/rill
	@OT_SAME_TIME=$(OT_SAME_TIME) bash tools/models/ot_study.sh $(B)/rill $(B)/ot-study "$(MODELS_RECIPE)" $(OT_STUDY_DATASETS)
# --- end shipped models (issue 3) --------------------------------------------

# --- install -------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=...]: the library, the public
# headers (rill/*.h), the rill command, a pkg-config file and the shipped models.
PREFIX ?= /usr/local
PUBLIC_HEADERS := $(filter-out src/rill/capi.h src/rill/mathf_vec.h,$(wildcard src/rill/*.h))
.PHONY: install
install: $(B)/librill.a $(B)/rill
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/rill $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/rill/models
	install -m 644 $(B)/librill.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/rill/
	install -m 755 $(B)/rill $(DESTDIR)$(PREFIX)/bin/
	install -m 644 web/models/*.safetensors $(DESTDIR)$(PREFIX)/share/rill/models/
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: rill\nDescription: %s\nVersion: 1\nLibs: -L$${libdir} -lrill -pthread\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' 'flow-matching runtime in dependency-free C++17' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/rill.pc
