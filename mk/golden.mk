# --- golden vectors (issue 5) --------------------------------------------------
# tests/golden/golden.txt pins the bits of sampling, fields and training on every target.
#   make golden-test  the native library against tests/golden/golden.txt
#   make golden-json  $(B)/golden/golden.json + model files, for the WebAssembly tests
#   make golden       rewrite tests/golden/golden.txt (only for a change that moves the bits on purpose)
#   (the WebAssembly module is held to golden.txt by `make wasm-test`, and in Chromium by
#   `make browser-test`; the Cortex-M libraries by `make mcu-test`, mk/mcu.mk)
GOLDEN_FILE := tests/golden/golden.txt
GOLDEN_SHIPPED ?= moons

.PHONY: golden golden-test golden-json
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


-include $(B)/tests/golden/golden.d
