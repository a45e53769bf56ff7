# --- tests and sanitizers ------------------------------------------------------
#   make test       every suite there is (CHECKS), after `make deps`
#   make unit       the doctest unit tests (tests/test_*.cpp, one file per core module)
#   make cli-test   the `rill` command end to end: every command, format and bad input
#   make asan       the unit tests under ASan + UBSan (build-asan/)
#   make tsan       the thread pool and threaded sampling/training under TSan (build-tsan/)
#   make fuzz       libFuzzer on the model loader for FUZZ_SECONDS, then the CLI's array readers
#   make pytorch-test  tools/pytorch/rill_torch.py: models trained in PyTorch, read by rill, same field
#   make cmake-test the CMake package (CMakeLists.txt, cmake/): a tiny consumer (tests/cmake/) configured and
#                   built with Debian's cmake on the host (add_subdirectory, FetchContent) and both toolchains
FUZZ_SECONDS ?= 60
TEST_SRCS := $(wildcard tests/test_*.cpp)
TEST_OBJS := $(patsubst %.cpp,$(B)/%.o,$(TEST_SRCS))

.PHONY: test unit cli-test asan tsan fuzz pytorch-test cmake-test

cli-test: $(B)/rill
	bash tests/cli/run_tests.sh $(B)/rill

$(B)/tests/%.o: tests/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

# The doctest main is its own object (4 s to compile); "tests" is a
# prerequisite so that deleting a test file relinks.
$(B)/unit_tests: $(B)/tests/doctest_main.o $(TEST_OBJS) $(B)/librill.a tests
	$(CXX) $(ALL_CXXFLAGS) $(filter %.o %.a,$^) $(LDFLAGS) -o $@

unit: $(B)/unit_tests probes
	cd tests && ../$(B)/unit_tests

# Every suite there is; each ends with its own count line (doctest's, or
# `N passed, M failed`), which .ci/run adds up. -k: one failing suite does
# not hide the others.
CHECKS := unit cli-test install-test golden-test wasm-test browser-test mcu-test pytorch-test npm-test cmake-test
test: deps
	$(MAKE) -k $(CHECKS)

# About 45 s of CPU (the core built four times: host twice, Cortex-M4F, rv32imac); the toolchains are mk/mcu.mk's.
DEB_PKGS += cmake
cmake-test:
	bash tests/cmake/run_tests.sh $(B)

# PyTorch → rill (tools/pytorch/): Debian's python3-torch runs under /usr/bin/python3 (the
# python3 first on PATH may be another interpreter); the test says so and counts nothing without it.
DEB_PKGS += python3-torch python3-numpy
pytorch-test: $(B)/rill
	/usr/bin/python3 tests/pytorch/test_pytorch.py $(B)/rill

# UBSan's vptr check needs RTTI, which the core is built without.
asan:
	$(MAKE) B=build-asan OPT=-O1 CXX=g++ \
	  EXTRA_CXXFLAGS="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all -fno-omit-frame-pointer -DRILL_SANITIZE" \
	  LDFLAGS="-pthread -fsanitize=address,undefined" unit

# ThreadSanitizer over the thread pool (tests/test_thread_pool.cpp) and threaded
# sampling and training (tests/test_threads.cpp); not test_alloc.cpp, which
# replaces operator new, which TSan owns. Clang, as the fuzzer.
TSAN_B := build-tsan
TSAN_TESTS := test_thread_pool test_threads
tsan:
	$(MAKE) B=$(TSAN_B) OPT=-O1 CXX=clang++ EXTRA_CXXFLAGS="-fsanitize=thread" \
	  LDFLAGS="-pthread -fsanitize=thread" $(TSAN_B)/librill.a $(TSAN_B)/tests/doctest_main.o \
	  $(patsubst %,$(TSAN_B)/tests/%.o,$(TSAN_TESTS))
	clang++ -fsanitize=thread $(TSAN_B)/tests/doctest_main.o $(patsubst %,$(TSAN_B)/tests/%.o,$(TSAN_TESTS)) \
	  $(TSAN_B)/librill.a -pthread -o $(TSAN_B)/threads_tsan
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

-include $(TEST_OBJS:.o=.d) $(B)/tests/doctest_main.d
