# CMake toolchain file: bare-metal Cortex-M with Debian's gcc-arm-none-eabi and newlib nano.
#   cmake -DCMAKE_TOOLCHAIN_FILE=path/to/rill/cmake/arm-none-eabi.cmake -DRILL_ARM_FLAGS="-mcpu=cortex-m0plus -mthumb" ..
# RILL_ARM_FLAGS: the core and FPU (default Cortex-M4F, hard float), as mk/mcu.mk's MCU_ARCH_*.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar CACHE FILEPATH "")
set(CMAKE_RANLIB arm-none-eabi-ranlib CACHE FILEPATH "")
# No OS to link a test program against while CMake checks the compiler.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(RILL_ARM_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" CACHE STRING "core and FPU flags")
set(CMAKE_C_FLAGS_INIT "${RILL_ARM_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${RILL_ARM_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${RILL_ARM_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
