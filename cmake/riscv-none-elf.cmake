# CMake toolchain file: bare-metal RISC-V (rv32) with Debian's gcc-riscv64-unknown-elf and picolibc.
#   cmake -DCMAKE_TOOLCHAIN_FILE=path/to/rill/cmake/riscv-none-elf.cmake -DRILL_RISCV_FLAGS="-march=rv32imafc -mabi=ilp32f" ..
# RILL_RISCV_FLAGS: the ISA and ABI (default rv32imac, soft float), as mk/mcu.mk's MCU_ARCH_*.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_AR riscv64-unknown-elf-ar CACHE FILEPATH "")
set(CMAKE_RANLIB riscv64-unknown-elf-ranlib CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(RILL_RISCV_FLAGS "-march=rv32imac -mabi=ilp32" CACHE STRING "ISA and ABI flags")
set(CMAKE_C_FLAGS_INIT "${RILL_RISCV_FLAGS} --specs=picolibc.specs")
set(CMAKE_CXX_FLAGS_INIT "${RILL_RISCV_FLAGS} --specs=picolibc.specs")
set(CMAKE_ASM_FLAGS_INIT "${RILL_RISCV_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=picolibc.specs -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
