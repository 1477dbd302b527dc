# Flags and helpers shared by every target of the project.

# Warnings for our own code only (never for generated or third-party code).
set(MK_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
if(MK_WERROR)
    list(APPEND MK_WARNINGS -Werror)
endif()

if(MK_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# mk_target_defaults(target): warnings and the private include paths.
function(mk_target_defaults target)
    target_compile_options(${target} PRIVATE ${MK_WARNINGS})
    target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
endfunction()

# mk_add_test(NAME name SOURCES a.c b.c [LIBS l...] [ARGS ...] [LABELS ...])
# Builds a test executable linked with the library and cmocka, registers it
# with ctest under `name`.
function(mk_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;ARGS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    mk_target_defaults(${T_NAME})
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src
                               ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${T_NAME} PRIVATE microkernel_static ${CMOCKA_LINK_LIBRARIES} ${T_LIBS})
    target_include_directories(${T_NAME} PRIVATE ${CMOCKA_INCLUDE_DIRS})
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
    # Every test is labelled with its folder (core, net, http ...), so
    # `ctest -L core` runs one subsystem's tests.
    get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
    set(labels ${folder} ${T_LABELS})
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${labels}")
endfunction()

# mk_add_subdirs(dir): add every immediate subfolder of dir that has a
# CMakeLists.txt, so subsystems plug in without editing shared files.
function(mk_add_subdirs dir)
    file(GLOB children LIST_DIRECTORIES true ${dir}/*)
    list(SORT children)
    foreach(child ${children})
        if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
            add_subdirectory(${child})
        endif()
    endforeach()
endfunction()
