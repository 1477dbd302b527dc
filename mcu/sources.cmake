# sources.cmake -- what the bounded (MK_BOUNDED) build of the runtime is
# made of, shared by the bare-metal image (mcu/CMakeLists.txt) and its
# Linux twin (tests/mcu/CMakeLists.txt), so both build the same mode:
#   MCU_BAREMETAL_SOURCES  the platform layer for QEMU virt (image only)
#   MCU_CORE_SOURCES       core and supervision
#   MCU_WASM_SOURCES       the WebAssembly engine and WASM actors
#   MCU_BOUNDED_DEFS       the compile definitions of the mode
#   mcu_embed_modules(dir) makes dir/mcu_modules.c, the module table of
#                          mcu/modules.h (needs clang and wat2wasm)
get_filename_component(MCU_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set(MCU_SRC ${MCU_ROOT}/src)
set(MCU_BAREMETAL_SOURCES
    ${MCU_SRC}/platform/baremetal/board_virt.c ${MCU_SRC}/platform/baremetal/sys.c
    ${MCU_SRC}/platform/baremetal/clock.c ${MCU_SRC}/platform/baremetal/cpu.c
    ${MCU_SRC}/platform/baremetal/event.c)
set(MCU_CORE_SOURCES
    ${MCU_SRC}/core/error.c ${MCU_SRC}/core/alloc.c ${MCU_SRC}/core/message.c
    ${MCU_SRC}/core/mailbox.c ${MCU_SRC}/core/scheduler.c ${MCU_SRC}/core/actor.c
    ${MCU_SRC}/core/runtime.c ${MCU_SRC}/core/loop.c ${MCU_SRC}/core/timer.c
    ${MCU_SRC}/core/fdwatch.c ${MCU_SRC}/core/registry.c ${MCU_SRC}/core/log.c
    ${MCU_SRC}/core/space.c
    ${MCU_SRC}/supervision/supervisor.c ${MCU_SRC}/supervision/watch.c)
set(MCU_WASM_SOURCES
    ${MCU_SRC}/wasm/engine/leb128.c ${MCU_SRC}/wasm/engine/decode.c
    ${MCU_SRC}/wasm/engine/validate.c ${MCU_SRC}/wasm/engine/compile.c
    ${MCU_SRC}/wasm/engine/objects.c ${MCU_SRC}/wasm/engine/memory.c
    ${MCU_SRC}/wasm/engine/instance.c ${MCU_SRC}/wasm/engine/call.c
    ${MCU_SRC}/wasm/engine/compile_ops.c ${MCU_SRC}/wasm/engine/compile_slots.c
    ${MCU_SRC}/wasm/engine/compile_fuse.c ${MCU_SRC}/wasm/engine/jit_x64.c
    ${MCU_SRC}/wasm/engine/jit_tier.c
    ${MCU_SRC}/wasm/engine/trap.c ${MCU_SRC}/wasm/engine/interp.c
    ${MCU_SRC}/wasm/wasm_module.c ${MCU_SRC}/wasm/wasm_host.c ${MCU_SRC}/wasm/wasm_sleep.c
    ${MCU_SRC}/wasm/wasm_actor.c ${MCU_SRC}/wasm/state_persist.c)
# Bounded memory (docs/mcu.md "Memory model"): one arena, no idle spin,
# small fixed tables. WASM_MEMORY_MMAP follows from MK_BOUNDED.
set(MCU_BOUNDED_DEFS MK_BOUNDED=1 MK_IDLE_SPIN_US=0 MK_MAX_NAMES=32 MK_MAX_TIMERS=16
    MK_MAX_FD_WATCHES=4 MK_POOL_KEEP=64 MK_MSG_POOL_PAYLOAD_MAX=512)

function(mcu_embed_modules dir)
    # The WASM modules the image carries, embedded as bytes: echo.wasm built
    # exactly as examples/wasm builds it for Linux (clang, wasm32, no libc),
    # and WAT modules without linear memory for the small-RAM cases.
    find_program(MK_CLANG clang REQUIRED)
    find_program(MK_WAT2WASM wat2wasm REQUIRED)
    set(mods ${dir}/modules)
    file(MAKE_DIRECTORY ${mods})
    add_custom_command(OUTPUT ${mods}/echo.wasm
        COMMAND ${MK_CLANG} --target=wasm32 -nostdlib -O2 -Wl,--no-entry
                -Wl,--export=handle_message -Wl,--allow-undefined -Wl,--strip-all
                -o ${mods}/echo.wasm ${MCU_ROOT}/examples/wasm/echo.c
        DEPENDS ${MCU_ROOT}/examples/wasm/echo.c VERBATIM)
    set(mod_files ${mods}/echo.wasm)
    foreach(wat echo_nomem echo_wat spin counter_a counter_b sleeper)
        if(wat STREQUAL echo_nomem)
            set(src ${MCU_ROOT}/examples/wasm/echo_nomem.wat)
        elseif(wat STREQUAL echo_wat)
            set(src ${MCU_ROOT}/examples/wasm/echo.wat)
        else()
            set(src ${MCU_ROOT}/mcu/modules/${wat}.wat)
        endif()
        add_custom_command(OUTPUT ${mods}/${wat}.wasm
            COMMAND ${MK_WAT2WASM} -o ${mods}/${wat}.wasm ${src}
            DEPENDS ${src} VERBATIM)
        list(APPEND mod_files ${mods}/${wat}.wasm)
    endforeach()
    add_custom_command(OUTPUT ${dir}/mcu_modules.c
        COMMAND ${CMAKE_COMMAND} -DOUT=${dir}/mcu_modules.c
                "-DFILES=${mod_files}" -P ${MCU_ROOT}/mcu/embed.cmake
        DEPENDS ${mod_files} ${MCU_ROOT}/mcu/embed.cmake VERBATIM)
    # One target owns the generation, so parallel image builds do not race.
    add_custom_target(mcu_modules_c DEPENDS ${dir}/mcu_modules.c)
endfunction()
