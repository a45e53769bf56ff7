# --- microcontroller (issues 5 and 16) --------------------------------------
# Cortex-M and RISC-V libraries, demo firmware, QEMU tests (the golden vectors: mk/golden.mk):
# src/mcu/, tests/mcu/.
#   make mcu          $(B)/mcu/librill.a (Cortex-M4F; also $(B)/mcu/m4f/) and the variants
#                     $(B)/mcu/{m7,m3,m0plus,rv32imac,rv32imafc}/librill.a; the demo firmware
#                     $(B)/mcu/<variant>/demo.elf
#   make mcu-size     footprint table (code, RAM, flash, instructions) -> $(B)/mcu/footprint.md, with
#                     the compiled models' (`rill export-c --compiled`, no loader linked; lean and
#                     placed, F32 and I8) and the flash of the five shipped models compiled per dtype
#   make mcu-test     nm checks of every library + QEMU runs on M4F, M7, M3, M0+, rv32imac and
#                     rv32imafc (golden vectors, field, loader on damaged files, API, compiled
#                     models F32/F16/BF16/I8 and a step-conditioned one = their file's bits, negative
#                     controls); `N passed, M failed`
#   make mcu-run MCU_VARIANT=m4f   run the demo firmware in QEMU
MCU_DEB_PKGS := gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev qemu-system-arm \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
DEB_PKGS += $(MCU_DEB_PKGS)
# Per variant family: Cortex-M (arm-none-eabi + newlib nano) and RISC-V (riscv64-unknown-elf +
# picolibc; Debian ships no libstdc++ headers for it, so src/mcu/cxx/ stands in for the few the core uses).
MCU_CC_arm := arm-none-eabi-gcc
MCU_CXX_arm := arm-none-eabi-g++
MCU_AR_arm := arm-none-eabi-ar
MCU_QEMU_arm := qemu-system-arm
MCU_CC_rv := riscv64-unknown-elf-gcc
MCU_CXX_rv := riscv64-unknown-elf-g++
MCU_AR_rv := riscv64-unknown-elf-ar
MCU_QEMU_rv := qemu-system-riscv32 -bios none
MCU_SYS_arm :=
MCU_SYS_rv := --specs=picolibc.specs -isystem src/mcu/cxx
MCU_LIBC_arm := --specs=nano.specs
MCU_LIBC_rv := --specs=picolibc.specs
MCU_STARTUP_arm := src/mcu/startup.o
MCU_STARTUP_rv := src/mcu/startup_riscv.o
# Host-only core files (malloc, stdio, double libm, threads): not in the firmware library.
MCU_EXCLUDE := src/rill/capi_heap.cpp src/rill/capi_compiled_heap.cpp src/rill/model_file.cpp src/rill/metrics.cpp \
  src/rill/thread_pool.cpp src/rill/capi_threads.cpp
MCU_SRCS := $(filter-out $(MCU_EXCLUDE),$(CORE_SRCS))
MCU_VARIANTS := m4f m7 m3 m0plus rv32imac rv32imafc
family = $(if $(filter rv%,$(1)),rv,arm)
MCU_ARCH_rv32imac := -march=rv32imac -mabi=ilp32
MCU_ARCH_rv32imafc := -march=rv32imafc -mabi=ilp32f
MCU_BOARD_rv32imac := virt
MCU_BOARD_rv32imafc := virt
MCU_LD_rv32imac := src/mcu/riscv.ld
MCU_LD_rv32imafc := src/mcu/riscv.ld
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
# The hot loops (kernels.cpp, and the trainer's elementwise.cpp). MCU_KERNEL_OPT=-O2: 23% fewer instructions per field
# evaluation for about 0.5 KB more code (same bits).
MCU_KERNEL_OPT ?= $(MCU_OPT)
# RILL_NO_SIMD: the kernels' plain loops only (the vector code is larger and no faster without SIMD).
MCU_CXXFLAGS = -std=c++17 $(MCU_OPT) $(CORE_FLAGS) $(NUMFLAGS) -DRILL_NO_SIMD -ffunction-sections -fdata-sections $(WARN) -Isrc -MMD -MP
MCU_CFLAGS = -std=c11 $(MCU_OPT) $(NUMFLAGS) -ffunction-sections -fdata-sections $(WARN) -Isrc -MMD -MP
# No rdimon/nosys: nothing provides _sbrk, so a firmware that needed malloc would not link.
MCU_LDFLAGS = -nostartfiles -Lsrc/mcu -Wl,--gc-sections
# tests/mcu/run_tests.sh adds `-M BOARD -semihosting-config arg=...` (QEMU merges the two -semihosting-config).
MCU_QEMU_OPTS = -nographic -monitor none -serial none -semihosting-config enable=on,target=native
# Seconds one firmware run may take under QEMU: the soft-float boards (M3, M0+, rv32imac) run the
# 170-odd golden cases in about a minute on a loaded 2-core machine.
MCU_QEMU_TIMEOUT ?= 300
MCU_QEMU_RUN = timeout $(MCU_QEMU_TIMEOUT) $(MCU_QEMU_arm) $(MCU_QEMU_OPTS)
qemu_run = timeout $(MCU_QEMU_TIMEOUT) $(MCU_QEMU_$(call family,$(1))) $(MCU_QEMU_OPTS)
# The demo's model (and bare.cpp's), and the run whose hash the demo prints (src/mcu/demo_settings.h).
MCU_MODEL := web/models/moons.safetensors
MCU_DEMO_HASH_ARGS := heun 10 42 8
# The demo's class-conditional model (issue 12): trained here, deterministically, in about a second;
# the demo prints each class's hash of its guided samples (guidance = demo_settings.h's DEMO_GUIDANCE),
# which `make mcu-test` holds to `rill sample --class K --guidance W` with MCU_DEMO_HASH_ARGS.
MCU_CLASS_MODEL := $(B)/mcu/demo_class.safetensors
MCU_CLASS_TRAIN := --data 8gaussians --condition class --steps 600 --width 32 --depth 2 --time sin:2 --lr 3e-3 --seed 12
MCU_CLASS_GUIDANCE := 2
MCU_FW_OBJS = $(MCU_STARTUP_$(call family,$(1))) src/mcu/board_semihost.o src/mcu/print.o

.PHONY: mcu mcu-size mcu-test mcu-run
mcu: $(B)/mcu/librill.a $(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/librill.a $(B)/mcu/$(v)/demo.elf)
	@for v in $(MCU_VARIANTS); do case $$v in rv*) sz=riscv64-unknown-elf-size;; *) sz=arm-none-eabi-size;; esac; \
	  printf '%-9s %s: %s bytes of code (all objects; a firmware keeps what it calls)\n' $$v $(B)/mcu/$$v/librill.a \
	  "$$($$sz $(B)/mcu/$$v/librill.a | awk 'NR > 1 { t += $$1 } END { print t }')"; done

$(B)/mcu/librill.a: $(B)/mcu/m4f/librill.a
	cp $< $@

# Compiled narrow models (issue 16): the demo's model converted (rill convert) to each narrow dtype.
MCU_NARROW := f16 bf16 i8
MCU_NARROW_RUNS := $(foreach dt,$(MCU_NARROW),compiled_$(dt) compiled_$(dt)_placed)
# A step-conditioned model (formats.md, step_embedding; tests/step_model.py writes it from integer
# formulas, rill trains none): sin:2 time, sin:1 step, class:2 (the lean path's zeros), 10 -> 16 -> 16 -> 2,
# compiled, lean (compiled_step.elf) and placed (compiled_step_placed.elf), held to its file's native hash.
MCU_STEP_MODEL := $(B)/mcu/step.safetensors
MCU_STEP_RUNS := compiled_step compiled_step_placed
MCU_COMPILED_RUNS := compiled compiled_placed $(MCU_NARROW_RUNS) $(MCU_STEP_RUNS)
# compiled.cpp's object for variant $(1), dtype $(2), name suffix $(3), flags $(4).
define MCU_NARROW_OBJ
$(B)/mcu/$(1)/obj/src/mcu/compiled_$(2)$(3).o: src/mcu/compiled.cpp $(B)/mcu/gen-$(2)/compiled_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/src/mcu/compiled_$(2)$(3).o: MCU_OBJ_FLAGS := $(4) -I$(B)/mcu/gen-$(2)

endef

# Per variant: objects, library, firmware.
# One compile line per variant. MCU_OBJ_FLAGS (target-specific, as MCU_OPT for kernels.o) come
# before -I$(B)/mcu/gen, so their -I wins: the micro:bit's small golden data, a footprint model.
define MCU_VARIANT_RULES
MCU_COMPILE_$(1) = $(MCU_CXX_$(call family,$(1))) $(MCU_ARCH_$(1)) $(MCU_SYS_$(call family,$(1))) $$(MCU_CXXFLAGS) $$(MCU_OBJ_FLAGS) -I$(B)/mcu/gen -c $$< -o $$@
$(B)/mcu/$(1)/obj/%.o: %.cpp
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$(MCU_CC_$(call family,$(1))) $(MCU_ARCH_$(1)) $(MCU_SYS_$(call family,$(1))) $$(MCU_CFLAGS) -c $$< -o $$@
# The demo with stubs for the rill calls (footprint.py subtracts it).
$(B)/mcu/$(1)/obj/src/mcu/main_base.o: src/mcu/main.cpp $(B)/mcu/gen/demo_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/src/mcu/main_base.o: MCU_OBJ_FLAGS := -DRILL_DEMO_BASELINE
# compiled.cpp with its checks of damaged copies (compiled_check.elf); compiled.elf is measured without them.
$(B)/mcu/$(1)/obj/src/mcu/compiled_check.o: src/mcu/compiled.cpp $(B)/mcu/gen/compiled_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/src/mcu/compiled_check.o: MCU_OBJ_FLAGS := -DCOMPILED_CHECKS
# rill_model_init_compiled + rill_sample instead of the lean path (compiled_placed.elf).
$(B)/mcu/$(1)/obj/src/mcu/compiled_placed.o: src/mcu/compiled.cpp $(B)/mcu/gen/compiled_model.h
	@mkdir -p $$(dir $$@)
	$$(MCU_COMPILE_$(1))
$(B)/mcu/$(1)/obj/src/mcu/compiled_placed.o: MCU_OBJ_FLAGS := -DCOMPILED_PLACED
# The demo's model converted to each narrow dtype, compiled: lean (compiled_DT.elf) and placed (compiled_DT_placed.elf).
$(foreach dt,$(MCU_NARROW),$(call MCU_NARROW_OBJ,$(1),$(dt),,)$(call MCU_NARROW_OBJ,$(1),$(dt),_placed,-DCOMPILED_PLACED))
# The step-conditioned model, compiled: lean (compiled_step.elf) and placed (compiled_step_placed.elf).
$(call MCU_NARROW_OBJ,$(1),step,,)$(call MCU_NARROW_OBJ,$(1),step,_placed,-DCOMPILED_PLACED)
$(B)/mcu/$(1)/obj/tests/mcu/mcu_tests.o: MCU_OBJ_FLAGS := $(MCU_TEST_FLAGS_$(1))
$(B)/mcu/$(1)/librill.a: $(patsubst %.cpp,$(B)/mcu/$(1)/obj/%.o,$(MCU_SRCS))
	@rm -f $$@
	$(MCU_AR_$(call family,$(1))) rcs $$@ $$^
# The nm check's negative control: host-only code that must fail it.
$(B)/mcu/$(1)/nm_control.a: $(B)/mcu/$(1)/obj/src/rill/metrics.o
	@rm -f $$@
	$(MCU_AR_$(call family,$(1))) rcs $$@ $$^
# Firmware: its program object (and librill.a); every one links startup + print with the board's
# linker script and writes a map file (footprint.py reads the code per object from it).
$(B)/mcu/$(1)/demo.elf: $(B)/mcu/$(1)/obj/src/mcu/main.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/demo_base.elf: $(B)/mcu/$(1)/obj/src/mcu/main_base.o
$(B)/mcu/$(1)/bare.elf: $(B)/mcu/$(1)/obj/src/mcu/bare.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/compiled.elf: $(B)/mcu/$(1)/obj/src/mcu/compiled.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/compiled_check.elf: $(B)/mcu/$(1)/obj/src/mcu/compiled_check.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/compiled_placed.elf: $(B)/mcu/$(1)/obj/src/mcu/compiled_placed.o $(B)/mcu/$(1)/librill.a
$(foreach r,$(MCU_NARROW_RUNS) $(MCU_STEP_RUNS),$(B)/mcu/$(1)/$(r).elf: $(B)/mcu/$(1)/obj/src/mcu/$(r).o $(B)/mcu/$(1)/librill.a
)$(B)/mcu/$(1)/mcu_tests.elf: $(B)/mcu/$(1)/obj/tests/mcu/mcu_tests.o $(B)/mcu/$(1)/librill.a
$(B)/mcu/$(1)/%.elf: $(addprefix $(B)/mcu/$(1)/obj/,$(call MCU_FW_OBJS,$(1))) $(MCU_LD_$(1))
	$(MCU_CC_$(call family,$(1))) $(MCU_ARCH_$(1)) $(MCU_LIBC_$(call family,$(1))) $(MCU_LDFLAGS) -T $(MCU_LD_$(1)) -Wl,-Map=$$(@:.elf=.map) $$(filter %.o %.a,$$^) -o $$@
# bare.elf must sample the demo's bits (the native library's hash, which the demo is held to),
# or the code it measures is not the sampling path of the demo's model.
$(B)/mcu/$(1)/bare.hash: $(B)/mcu/$(1)/bare.elf $(B)/golden/golden $(MCU_MODEL)
	@want=$$$$($(B)/golden/golden --sample-hash $(MCU_MODEL) $(MCU_DEMO_HASH_ARGS)); \
	got=$$$$($(call qemu_run,$(1)) -M $(MCU_BOARD_$(1)) -kernel $$< 2>&1 | sed -n 's/^hash //p'); \
	if [ -n "$$$$got" ] && [ "$$$$got" = "$$$$want" ]; then echo "$(1) bare.elf: hash $$$$got = the demo's"; echo "$$$$got" > $$@; \
	else echo "$(1) bare.elf: hash '$$$$got', the demo's (native) '$$$$want': bare.cpp does not sample $(MCU_MODEL)"; exit 1; fi
# compiled*.elf too (the compiled model is the file's, so its samples must be the file's: the F32
# demo model's, the narrow file's it was compiled from, or the step model's); the output (RAM and
# set-up stack) is kept for footprint.py.
$(B)/mcu/$(1)/%.txt: $(B)/mcu/$(1)/%.elf $(B)/golden/golden $(MCU_MODEL) $(foreach dt,$(MCU_NARROW),$(B)/mcu/moons_$(dt).safetensors) \
  $(MCU_STEP_MODEL)
	@model=$$$$(case $$* in compiled_bf16*) echo $(B)/mcu/moons_bf16.safetensors;; compiled_f16*) echo $(B)/mcu/moons_f16.safetensors;; \
	  compiled_i8*) echo $(B)/mcu/moons_i8.safetensors;; compiled_step*) echo $(MCU_STEP_MODEL);; *) echo $(MCU_MODEL);; esac); \
	want=$$$$($(B)/golden/golden --sample-hash $$$$model $(MCU_DEMO_HASH_ARGS)); \
	$(call qemu_run,$(1)) -M $(MCU_BOARD_$(1)) -kernel $$< > $$@.tmp 2>&1; got=$$$$(sed -n 's/^hash //p' $$@.tmp); \
	if [ -n "$$$$got" ] && [ "$$$$got" = "$$$$want" ]; then echo "$(1) $$*.elf: hash $$$$got = $$$$model's"; mv $$@.tmp $$@; \
	else cat $$@.tmp; rm -f $$@.tmp; echo "$(1) $$*.elf: hash '$$$$got', the file model's (native, $$$$model) '$$$$want'"; exit 1; fi
-include $(patsubst %.cpp,$(B)/mcu/$(1)/obj/%.d,$(MCU_SRCS) src/mcu/main.cpp src/mcu/bare.cpp src/mcu/compiled.cpp tests/mcu/mcu_tests.cpp) \
  $(patsubst %.c,$(B)/mcu/$(1)/obj/%.d,src/mcu/startup.c src/mcu/startup_riscv.c src/mcu/board_semihost.c src/mcu/print.c) \
  $(B)/mcu/$(1)/obj/src/mcu/main_base.d $(B)/mcu/$(1)/obj/src/mcu/compiled_check.d \
  $(B)/mcu/$(1)/obj/src/mcu/compiled_placed.d $(foreach r,$(MCU_NARROW_RUNS) $(MCU_STEP_RUNS),$(B)/mcu/$(1)/obj/src/mcu/$(r).d) $(wildcard $(B)/mcu/$(1)/obj/footprint-*.d)
endef
$(foreach v,$(MCU_VARIANTS),$(eval $(call MCU_VARIANT_RULES,$(v))))
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/rill/kernels.o $(B)/mcu/$(v)/obj/src/rill/elementwise.o): MCU_OPT := $(MCU_KERNEL_OPT)

# Generated headers (never committed): the demo's model (with its architecture, for bare.cpp), the golden data.
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/mcu/main.o $(B)/mcu/$(v)/obj/src/mcu/bare.o): $(B)/mcu/gen/demo_model.h
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/mcu/main.o $(B)/mcu/$(v)/obj/src/mcu/main_base.o): \
  $(B)/mcu/gen/demo_class_model.h
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/src/mcu/compiled.o): $(B)/mcu/gen/compiled_model.h
$(foreach v,$(MCU_VARIANTS),$(B)/mcu/$(v)/obj/tests/mcu/mcu_tests.o): $(B)/mcu/gen/golden_data.h $(B)/mcu/gen-small/golden_data.h

# Stand-ins for the footprint table's smaller rows: 300 steps (the figures depend on the shapes only).
$(B)/mcu/standin_%.safetensors: | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill train --data moons --steps 300 $(MCU_TRAIN_$*) --out $@

# (remade when export-c's source changes, not whenever rill relinks)
$(B)/mcu/gen/demo_model.h: $(MCU_MODEL) src/cli/cmd_export_c.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --model $< --out $@ --name demo_model

$(MCU_CLASS_MODEL): mk/mcu.mk | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill train $(MCU_CLASS_TRAIN) --out $@
$(B)/mcu/gen/demo_class_model.h: $(MCU_CLASS_MODEL) src/cli/cmd_export_c.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --model $< --out $@ --name demo_class_model
# The demo's model compiled (rill export-c --compiled), for compiled.cpp.
$(B)/mcu/gen/compiled_model.h: $(MCU_MODEL) src/cli/export_compiled.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --compiled --model $< --out $@ --name compiled_model

$(B)/mcu/moons_%.safetensors: $(MCU_MODEL) | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill convert --model $< --dtype $* --out $@
$(B)/mcu/gen-%/compiled_model.h: $(B)/mcu/moons_%.safetensors src/cli/export_compiled.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --compiled --model $< --out $@ --name compiled_model
$(MCU_STEP_MODEL): tests/step_model.py
	@mkdir -p $(dir $@)
	python3 tests/step_model.py $@ --sizes 10,16,16,2 --time sin:2 --step sin:1 --condition class:2 --seed 11
# (an explicit rule: it wins over gen-%'s pattern)
$(B)/mcu/gen-step/compiled_model.h: $(MCU_STEP_MODEL) src/cli/export_compiled.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --compiled --model $< --out $@ --name compiled_model

$(B)/mcu/gen/golden_data.h: $(GOLDEN_FILE) $(B)/golden/golden $(wildcard web/models/*.safetensors)
	@mkdir -p $(dir $@)
	$(B)/golden/golden --emit-c $@ $(GOLDEN_FILE)
$(B)/mcu/gen-small/golden_data.h: $(GOLDEN_FILE) $(B)/golden/golden
	@mkdir -p $(dir $@)
	$(B)/golden/golden --synthetic-only --emit-c $@ $(GOLDEN_FILE)

mcu-test: $(B)/mcu/m4f/nm_control.a $(B)/golden/golden $(B)/rill $(MCU_CLASS_MODEL) \
          $(foreach v,$(MCU_VARIANTS),$(addprefix $(B)/mcu/$(v)/,librill.a mcu_tests.elf demo.elf bare.elf \
            compiled_check.elf $(addsuffix .elf,$(MCU_COMPILED_RUNS)))) \
          $(foreach dt,$(MCU_NARROW),$(B)/mcu/moons_$(dt).safetensors) $(MCU_STEP_MODEL)
	@MCU_VARIANTS="$(MCU_VARIANTS)" MCU_BOARDS="$(foreach v,$(MCU_VARIANTS),$(v)=$(MCU_BOARD_$(v)))" \
	  MCU_MODEL=$(MCU_MODEL) MCU_DEMO_HASH_ARGS="$(MCU_DEMO_HASH_ARGS)" MCU_QEMU_RUN="$(MCU_QEMU_RUN)" \
	  MCU_CLASS_MODEL=$(MCU_CLASS_MODEL) MCU_CLASS_GUIDANCE=$(MCU_CLASS_GUIDANCE) RILL_CLI=$(B)/rill \
	  MCU_COMPILED_RUNS="$(MCU_COMPILED_RUNS)" MCU_STEP_MODEL=$(MCU_STEP_MODEL) \
	  MCU_QEMU_RUN_RV="$(call qemu_run,rv32imac)" bash tests/mcu/run_tests.sh $(B)

mcu-run: $(B)/mcu/$(or $(MCU_VARIANT),m4f)/demo.elf
	$(call qemu_run,$(or $(MCU_VARIANT),m4f)) -M $(MCU_BOARD_$(or $(MCU_VARIANT),m4f)) -kernel $<

# Footprint: the demo linked with and without rill, and bare.elf (code; map files); footprint.cpp
# per model under QEMU (RAM, time). `default` is MCU_MODEL; the others are stand-ins for the
# smaller rows of src/mcu/README.md's model table: the shipped models' sin:4 time and silu
# (MODELS_RECIPE) with another width and depth.
MCU_SIZE_MODELS := default w64 w64d2 w32 w32d2
MCU_SIZE_RUNS := $(foreach m,$(MCU_SIZE_MODELS),m4f-$(m)) m7-default m3-default m0plus-default rv32imac-default \
  rv32imafc-default
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
	$(call qemu_run,$(1)) -icount shift=0 -M $(MCU_BOARD_$(1)) -kernel $$< > $$@ 2>&1 || { cat $$@; rm -f $$@; exit 1; }
endef
$(foreach r,$(MCU_SIZE_RUNS),$(eval $(call MCU_FOOTPRINT_RULES,$(word 1,$(subst -, ,$(r))),$(word 2,$(subst -, ,$(r))))))

# The flash table: the five bar datasets' shipped models compiled in F32, F16, BF16 and I8 (src/mcu/flash_table.sh).
MCU_FLASH_DATASETS := moons 8gaussians checkerboard spirals circles
$(B)/mcu/flash.txt: src/mcu/flash_table.sh src/cli/export_compiled.cpp $(foreach d,$(MCU_FLASH_DATASETS),web/models/$(d).safetensors) | $(B)/rill
	bash src/mcu/flash_table.sh $(B) $(B)/rill $(MCU_FLASH_DATASETS) > $@.tmp && mv $@.tmp $@

mcu-size: $(foreach v,$(MCU_VARIANTS),$(addprefix $(B)/mcu/$(v)/,demo.elf demo_base.elf bare.elf bare.hash \
            compiled.txt compiled_placed.txt compiled_i8.txt compiled_i8_placed.txt)) $(B)/mcu/flash.txt \
          $(foreach r,$(MCU_SIZE_RUNS),$(B)/mcu/footprint-$(r).txt)
	@python3 src/mcu/footprint.py $(B) $(MCU_VARIANTS) -- $(foreach r,$(MCU_SIZE_RUNS),$(B)/mcu/footprint-$(r).txt)


# One evaluation per sample (issue 14): the one-step moons model (web/models/moons-1step, rill reflow)
# against its 20-evaluation teacher on the M4F under QEMU: instructions per sample, and each run's
# hash against the native library's (src/mcu/onestep.cpp).
MCU_ONESTEP_MODEL := web/models/moons-1step.safetensors
.PHONY: mcu-onestep
$(B)/mcu/gen-onestep/onestep_model.h: $(MCU_ONESTEP_MODEL) src/cli/cmd_export_c.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --model $< --out $@ --name onestep_model
$(B)/mcu/gen-onestep/teacher_model.h: $(MCU_MODEL) src/cli/cmd_export_c.cpp | $(B)/rill
	@mkdir -p $(dir $@)
	$(B)/rill export-c --model $< --out $@ --name teacher_model
$(B)/mcu/m4f/obj/src/mcu/onestep.o: src/mcu/onestep.cpp $(B)/mcu/gen-onestep/onestep_model.h \
  $(B)/mcu/gen-onestep/teacher_model.h
	@mkdir -p $(dir $@)
	$(MCU_COMPILE_m4f)
$(B)/mcu/m4f/obj/src/mcu/onestep.o: MCU_OBJ_FLAGS := -I$(B)/mcu/gen-onestep
$(B)/mcu/m4f/onestep.elf: $(B)/mcu/m4f/obj/src/mcu/onestep.o $(B)/mcu/m4f/librill.a
mcu-onestep: $(B)/mcu/m4f/onestep.elf $(B)/golden/golden
	@$(call qemu_run,m4f) -icount shift=0 -M $(MCU_BOARD_m4f) -kernel $< > $(B)/mcu/onestep.txt 2>&1 || \
	  { cat $(B)/mcu/onestep.txt; exit 1; }
	@cat $(B)/mcu/onestep.txt
	@ok=1; for run in "$(MCU_ONESTEP_MODEL) euler 1" "$(MCU_MODEL) euler 20" "$(MCU_MODEL) heun 10"; do \
	  set -- $$run; want=$$($(B)/golden/golden --sample-hash $$1 $$2 $$3 42 8); \
	  if grep -q "steps $$3 hash $$want " $(B)/mcu/onestep.txt; then echo "ok: $$1 $$2 $$3: the native bits ($$want)"; \
	  else echo "FAIL: $$1 $$2 $$3: the native library gives $$want"; ok=0; fi; done; [ $$ok = 1 ]
