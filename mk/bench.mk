# --- speed (issue 6) -----------------------------------------------------------
# Figures, not tests (none of this is in `make test`):
#   make bench         `rill bench` (native, 1 and 2 threads) and the WebAssembly module under Node
#   make bench-fma     the same native figures from the RILL_FMA build (build-fma/): fused
#                      multiply-adds, faster where the CPU has FMA, but its bits differ from the
#                      default build's and between targets — never the default
#   make bench-torch   PyTorch (Debian's python3-torch + OpenBLAS) on the same workloads in the
#                      same session, side by side with rill: the ratio table of README.md
#   make bench-web     rill.wasm against onnxruntime-web and TF.js (wasm backend) on the same network and
#                      weights in one Node run, the SIMD128 mul+add peak, and each one's shipped size. The
#                      peers are dev-only: pinned by tools/bench/web/package-lock.json, installed (`npm ci`)
#                      into $(B)/bench-web/, never part of the page or the npm package. QUICK=1: fewer rounds.
#   make $(B)/bench-web/kernel_probe_web.wasm, then node tools/bench/kernel_probe_web.mjs [MODULE.wasm ...]:
#                      rill.wasm's kernels piece by piece (layers, SiLU, the forward pass), modules alternating
#   python3 tools/bench/kernel_ab.py REV [RUNS]: the native kernels (tools/bench/kernel_probe.cpp) at REV and
#                      at the working tree, alternated, each side's fastest reading and the ratio
#   make probes        the native probes of tools/bench: $(B)/kernel_probe (the kernels one by one),
#                      $(B)/thread_probe (a training step on threads, join by join) and $(B)/train_pass_probe
#                      (training's forward and backward pass, one join a layer against two); `make unit`
#                      builds them too, so that they keep compiling
.PHONY: bench bench-fma bench-torch bench-web probes
PROBES := $(B)/kernel_probe $(B)/thread_probe $(B)/train_pass_probe
probes: $(PROBES)
# Compiled, then linked, as the tests are: compiled and linked in one g++ call under UBSan (make asan),
# the object asked for the typeinfo of rill::ThreadPool, which the core (-fno-rtti) never emits.
$(B)/tools/bench/%.o: tools/bench/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@
$(PROBES): $(B)/%: $(B)/tools/bench/%.o $(B)/librill.a
	$(CXX) $(ALL_CXXFLAGS) $^ $(LDFLAGS) -o $@
-include $(PROBES:$(B)/%=$(B)/tools/bench/%.d)
bench: $(B)/rill wasm
	$(B)/rill bench
	node tools/bench/bench_wasm.mjs $(B)/web

bench-fma:
	$(MAKE) B=build-fma EXTRA_CXXFLAGS=-DRILL_FMA build-fma/rill
	build-fma/rill bench

# bench-torch times Debian's PyTorch, which links the generic libblas.so.3: without OpenBLAS behind it that is
# the reference BLAS (some 16x slower; tools/bench/bench_torch.py refuses to time it). `make deps` installs it.
DEB_PKGS += libopenblas0-pthread
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

BENCH_WEB := $(B)/bench-web
$(BENCH_WEB)/node_modules/.rill-installed: tools/bench/web/package.json tools/bench/web/package-lock.json
	@mkdir -p $(BENCH_WEB)
	cp tools/bench/web/package.json tools/bench/web/package-lock.json $(BENCH_WEB)/
	cd $(BENCH_WEB) && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# The peak loop, compiled as rill.wasm's objects are (mk/web.mk's WASM_CXXFLAGS).
$(BENCH_WEB)/peak_simd128.wasm: tools/bench/peak_simd128.cpp
	@mkdir -p $(dir $@)
	$(EMXX) -std=c++17 -O3 -msimd128 $(CORE_FLAGS) $(NUMFLAGS) --no-entry -sSTANDALONE_WASM $< -o $@

# kernel_probe_web.wasm: rill.wasm's kernels piece by piece (tools/bench/kernel_probe_web.mjs times it).
PROBE_WEB_OBJS := $(addprefix $(B)/wasm/src/rill/,kernels.o kernels_narrow.o kernels_pack.o kernels_panel.o mathf.o activation.o)
$(BENCH_WEB)/kernel_probe_web.wasm: tools/bench/kernel_probe_web.cpp $(PROBE_WEB_OBJS)
	@mkdir -p $(dir $@)
	$(EMXX) -std=c++17 -O3 -msimd128 $(CORE_FLAGS) $(NUMFLAGS) -Isrc $< $(PROBE_WEB_OBJS) --no-entry -sSTANDALONE_WASM -o $@

bench-web: wasm $(BENCH_WEB)/node_modules/.rill-installed $(BENCH_WEB)/peak_simd128.wasm
	node tools/bench/bench_web.mjs $(B)/web $(BENCH_WEB) $(if $(QUICK),--quick)
