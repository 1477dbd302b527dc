# toolchain-rv32.cmake -- cross-compile for a bare-metal 32-bit RISC-V
# microcontroller (rv32imac, ilp32: the CPU of the ESP32-C6) with Debian's
# gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf, for QEMU's
# `virt` machine (docs/mcu.md). Used by mcu/CMakeLists.txt:
#   cmake -S mcu -B build-mcu -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-rv32.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_SIZE riscv64-unknown-elf-size CACHE FILEPATH "size(1) for the target")
# No hosted executables can be linked while probing the compiler.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# -misa-spec=2.2: the CSR instructions (csrr/csrw, used by the port) are
# part of the base ISA there, so the rv32imac picolibc multilib still fits.
set(MK_RV32_FLAGS "-march=rv32imac -mabi=ilp32 -misa-spec=2.2 -mcmodel=medany --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${MK_RV32_FLAGS} -ffunction-sections -fdata-sections")
# (the C flags are on the link line too: the specs must not come twice)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
