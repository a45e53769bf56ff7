# --- web (issue 4) -----------------------------------------------------------
# The WebAssembly module and the demo page: web/, src/wasm/, tests/wasm/, tests/browser/.
#   make wasm          $(B)/web/: the page, its scripts, rill.wasm, rill-sample.wasm (sampler only, no
#                      trainer), models/ (+ models/index.json)
#   make serve         serve $(B)/web on http://$(HOST):$(PORT)/
#   make demo          wasm, then serve
#   make wasm-test     rill.mjs under Node: same bits as the native library; every function of
#                      rill.h exported, no import beyond the loader's two; the struct layouts
#   make browser-test  the page in headless Chromium (playwright-core), then its Learn view (#learn),
#                      then its sampling split over two workers (same bits as one), then its
#                      conditioned models (cond_test.mjs)
#   make wasm-sizes    where rill.wasm's and rill-sample.wasm's bytes go, by source file and function
#   make bench-page    the page's sampling, one worker against two (20,000 samples; REPS=3 runs each)
EMXX ?= em++
HOST ?= 127.0.0.1
PORT ?= 8000
# Core files that need a host stay out of the module: files and stdio (model_file), `rill eval`'s
# metrics, and threads (thread_pool, capi_threads: the module is single-threaded).
WASM_EXCLUDE := src/rill/model_file.cpp src/rill/metrics.cpp src/rill/thread_pool.cpp src/rill/capi_threads.cpp
WASM_SRCS := $(filter-out $(WASM_EXCLUDE),$(CORE_SRCS)) $(wildcard src/wasm/*.cpp)
WASM_OBJS := $(patsubst %.cpp,$(B)/wasm/%.o,$(WASM_SRCS))
# RILL_NO_THREADS=1 (parallel.h): the module has no Executor, so the side-by-side branches compile
# out (1.3 KB gzip of rill.wasm).
WASM_CXXFLAGS := -std=c++17 -O3 -msimd128 -DRILL_NO_THREADS=1 $(CORE_FLAGS) $(NUMFLAGS) -Wall -Wextra -Wpedantic -Isrc -MMD -MP
# Cold files, compiled with -Oz in both modules: the decimal numbers of formula models, the model
# writer, messages, the C API's set-up (with the compiled-model checks that open every model: the
# modules read model files in JavaScript, web/safetensors.mjs, so the C loader's files are linked
# only where something still reaches them), the log-density call and the trainer's checks run once
# per call or per file, never per row.
WASM_COLD := model_io safetensors_header decimal model_meta model_write status capi capi_heap capi_datasets \
  capi_layout capi_compiled capi_compiled_heap train_check train_facts formula mlp_spec capi_density
# -Os in rill.wasm too: files whose own loops are per row but tiny next to the kernels they call
# (solver stages, the runner, the trainer's batch and update, the MLP's input rows and tape, fields,
# the guided combination). With capi_density above, 4.9 KB gzip less than at -O3, and no workload
# slower beyond the noise (README, "What -Oz/-Os saved"). The kernels, narrow weights and
# mlp_divergence stay -O3 (-Os on mlp_divergence costs log-density 5-7%; -Oz on the kernels would
# halve sampling). Same bits at any level (no fast-math, no contraction). `make wasm-sizes` shows
# where bytes go.
WASM_SMALL := train mlp solver field capi_condition runner
wasm_opt = $(if $(filter $(WASM_COLD),$(notdir $(1))),-Oz,$(if $(filter $(WASM_SMALL),$(notdir $(1))),-Os,$(2)))
# The export list is rill.h's: every rill_* function it declares to an Emscripten build (its
# preprocessor drops the native-only section, `#ifndef __EMSCRIPTEN__`), one per line. A name
# the module does not define fails the link; tests/wasm/exports.test.mjs checks it against rill.h.
WASM_EXPORTS_FILE := $(B)/web/exports.txt
# emmalloc: 3.5 KB less gzip than dlmalloc; rill allocates a few blocks per call, so its speed does not matter.
WASM_LDFLAGS := --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sMALLOC=emmalloc
WEB_FILES := $(patsubst web/%,$(B)/web/%,$(wildcard web/*.html web/*.css web/*.mjs))
WEB_MODELS := $(patsubst web/%,$(B)/web/%,$(wildcard web/models/*.safetensors))
# Data files the page fetches (the real digits for the image grid's nearest training image).
WEB_DATA := $(patsubst web/%,$(B)/web/%,$(wildcard web/data/*.csv.gz))

.PHONY: wasm serve demo wasm-test browser-test bench-page
wasm: $(B)/web/rill.wasm $(B)/web/rill-sample.wasm $(WEB_FILES) $(WEB_MODELS) $(WEB_DATA)
	@mkdir -p $(B)/web/models && cd $(B)/web/models && ls *.safetensors 2>/dev/null | sed 's/\.safetensors$$//' | \
	  awk 'BEGIN { printf "[" } { printf "%s\"%s\"", (NR > 1 ? ", " : ""), $$0 } END { print "]" }' > index.json
	@echo "$(B)/web: rill.wasm $$(wc -c < $(B)/web/rill.wasm) bytes ($$(gzip -9 -c $(B)/web/rill.wasm | wc -c) gzip)," \
	  "rill-sample.wasm $$(wc -c < $(B)/web/rill-sample.wasm) bytes ($$(gzip -9 -c $(B)/web/rill-sample.wasm | wc -c) gzip)," \
	  "models: $$(cat $(B)/web/models/index.json)"

$(WASM_EXPORTS_FILE): src/rill/rill.h
	@mkdir -p $(dir $@)
	$(EMXX) -E -P -x c $< | grep -o '\brill_[a-z0-9_]*[[:space:]]*(' | tr -d ' \t(' | sort -u > $@.tmp
	@[ -s $@.tmp ] || { echo "$@: no rill_* function found in $<"; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

$(B)/wasm/%.o: %.cpp mk/web.mk
	@mkdir -p $(dir $@)
	$(EMXX) $(filter-out -O3,$(WASM_CXXFLAGS)) $(call wasm_opt,$*,-O3) -c $< -o $@

$(B)/web/rill.wasm: $(WASM_OBJS) $(WASM_EXPORTS_FILE)
	@mkdir -p $(dir $@)
	$(EMXX) $(WASM_CXXFLAGS) $(WASM_OBJS) $(WASM_LDFLAGS) \
	  -sEXPORTED_FUNCTIONS=$$(sed 's/^/_/' $(WASM_EXPORTS_FILE) | paste -sd, -) -o $@

# The sampler-only module (rill-sample.wasm): the same objects and flags, exporting rill.h's functions
# less the trainer's (rill_train_*, rill_trainer_*): the linker then drops the trainer, its optimiser
# and OT coupling, and the model writer. rill.mjs loads it with Rill.loadSampler(); its trainer() refuses.
WASM_SAMPLE_EXPORTS_FILE := $(B)/web/exports-sample.txt
$(WASM_SAMPLE_EXPORTS_FILE): $(WASM_EXPORTS_FILE)
	grep -v '^rill_train' $< > $@

# Compiled for size (-Os, its own objects) and linked with -flto (Emscripten 3.1.6's LLVM LTO: 0.8 KB
# gzip less here, while rill.wasm at -O3 grew with it): the same bits (no fast-math, no contraction;
# the kernels give the bits of the reference kernel at any optimisation), about a third less code.
WASM_SAMPLE_OBJS := $(patsubst %.cpp,$(B)/wasm-sample/%.o,$(WASM_SRCS))
WASM_SAMPLE_CXXFLAGS := $(filter-out -O3,$(WASM_CXXFLAGS)) -Os -flto
$(B)/wasm-sample/%.o: %.cpp mk/web.mk
	@mkdir -p $(dir $@)
	$(EMXX) $(filter-out -Os,$(WASM_SAMPLE_CXXFLAGS)) $(call wasm_opt,$*,-Os) -c $< -o $@
-include $(WASM_SAMPLE_OBJS:.o=.d)

$(B)/web/rill-sample.wasm: $(WASM_SAMPLE_OBJS) $(WASM_SAMPLE_EXPORTS_FILE)
	@mkdir -p $(dir $@)
	$(EMXX) $(WASM_SAMPLE_CXXFLAGS) $(WASM_SAMPLE_OBJS) $(WASM_LDFLAGS) \
	  -sEXPORTED_FUNCTIONS=$$(sed 's/^/_/' $(WASM_SAMPLE_EXPORTS_FILE) | paste -sd, -) -o $@

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
# The C loader's verdict on model files, for tests/wasm/loaders.test.mjs (the two loaders agree).
$(B)/tests/wasm/native_load: $(B)/tests/wasm/native_load.o $(B)/librill.a
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@

# The committed golden vectors too (tests/wasm/golden.test.mjs; golden.json from `make golden-json`),
# and `rill data` for the dataset draws. The summary reporter writes `N passed, M failed` to a file,
# printed last.
wasm-test: wasm $(B)/tests/wasm/native_vectors $(B)/tests/wasm/native_load $(B)/golden/golden.json $(B)/rill
	@rm -f $(B)/wasm-test.summary; RILL_WEB_DIR=$(B)/web RILL_NATIVE_VECTORS=$(B)/tests/wasm/native_vectors \
	  RILL_NATIVE_LOAD=$(B)/tests/wasm/native_load \
	  RILL_GOLDEN_DIR=$(B)/golden RILL_CLI=$(B)/rill RILL_HEADER=src/rill/rill.h \
	  node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=./tests/wasm/summary_reporter.mjs --test-reporter-destination=$(B)/wasm-test.summary \
	  tests/wasm/; rc=$$?; cat $(B)/wasm-test.summary 2>/dev/null || echo "0 passed, 1 failed"; exit $$rc

browser-test: wasm $(B)/golden/golden.json
	@[ -d node_modules/playwright-core ] || { echo "playwright-core is missing: run 'make deps'"; exit 1; }
	node tests/browser/browser_test.mjs $(B)/web $(B)/browser-screenshot.png $(B)/golden
	node tests/browser/learn_test.mjs $(B)/web $(B)/learn-screenshot.png
	node tests/browser/sampling_test.mjs $(B)/web
	node tests/browser/cond_test.mjs $(B)/web $(B)/cond-screenshot.png

# The page's sampling on one worker against two (issue 17, goal 5): 20,000 samples, REPS runs each.
REPS ?= 3
bench-page: wasm
	@[ -d node_modules/playwright-core ] || { echo "playwright-core is missing: run 'make deps'"; exit 1; }
	node tests/browser/sampling_test.mjs $(B)/web --bench $(REPS)

# Debian's nodejs/npm only where there is no node/npm at all (a newer one may be installed otherwise).
DEB_PKGS += emscripten chromium $(if $(shell command -v node),,nodejs) $(if $(shell command -v npm),,npm)

-include $(WASM_OBJS:.o=.d) $(B)/tests/wasm/native_vectors.d $(B)/tests/wasm/native_load.d

# Where the modules' bytes go (tools/size/wasm_sizes.py): both relinked with a name section
# (--profiling-funcs) into $(B)/wasm-sizes/, then function body sizes summed by source file
# (raw and gzip -9 of each file's bodies) and the largest functions. TOP=N lists more.
TOP ?= 30
.PHONY: wasm-sizes
wasm-sizes: $(WASM_OBJS) $(WASM_SAMPLE_OBJS) $(WASM_EXPORTS_FILE) $(WASM_SAMPLE_EXPORTS_FILE)
	@mkdir -p $(B)/wasm-sizes
	$(EMXX) $(WASM_CXXFLAGS) $(WASM_OBJS) $(WASM_LDFLAGS) --profiling-funcs \
	  -sEXPORTED_FUNCTIONS=$$(sed 's/^/_/' $(WASM_EXPORTS_FILE) | paste -sd, -) -o $(B)/wasm-sizes/rill.wasm
	$(EMXX) $(WASM_SAMPLE_CXXFLAGS) $(WASM_SAMPLE_OBJS) $(WASM_LDFLAGS) --profiling-funcs \
	  -sEXPORTED_FUNCTIONS=$$(sed 's/^/_/' $(WASM_SAMPLE_EXPORTS_FILE) | paste -sd, -) -o $(B)/wasm-sizes/rill-sample.wasm
	python3 tools/size/wasm_sizes.py $(B)/wasm-sizes/rill.wasm $(WASM_OBJS) --gzip --top $(TOP)
	@echo
	python3 tools/size/wasm_sizes.py $(B)/wasm-sizes/rill-sample.wasm $(WASM_SAMPLE_OBJS) --gzip --top $(TOP)
