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
