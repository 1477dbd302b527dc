# Installation: headers, both libraries, a CMake package config
# (find_package(microkernel)) and microkernel.pc for pkg-config.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/microkernel
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/microkernel
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} OPTIONAL)
# The static library's link interface names OpenSSL and c-ares by their
# full paths in this build (src/http adds them that way). An installed
# package names imported targets instead, which microkernelConfig.cmake
# recreates on the consumer's machine: $<BUILD_INTERFACE> keeps the paths for
# targets in this tree, $<INSTALL_INTERFACE> gives the exported names.
get_target_property(mk_static_iface microkernel_static INTERFACE_LINK_LIBRARIES)
set(mk_static_iface_new "")
set(mk_need_openssl OFF)
set(mk_need_cares OFF)
foreach(item ${mk_static_iface})
    set(name "${item}")
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" name "${name}")
    set(exported "")
    if(name MATCHES "/libssl\\.(so|a)[.0-9]*$")
        set(exported OpenSSL::SSL)
        set(mk_need_openssl ON)
    elseif(name MATCHES "/libcrypto\\.(so|a)[.0-9]*$")
        set(exported OpenSSL::Crypto)
        set(mk_need_openssl ON)
    elseif(name MATCHES "/libcares\\.(so|a)[.0-9]*$")
        set(exported PkgConfig::MK_CARES)
        set(mk_need_cares ON)
    endif()
    if(exported)
        list(APPEND mk_static_iface_new
             "$<BUILD_INTERFACE:${item}>" "$<INSTALL_INTERFACE:$<LINK_ONLY:${exported}>>")
    else()
        list(APPEND mk_static_iface_new "${item}")
    endif()
endforeach()
set_property(TARGET microkernel_static PROPERTY INTERFACE_LINK_LIBRARIES "${mk_static_iface_new}")

# Installed programs (mk-shell, mk-wasm) link the static library today; should
# one link the shared one, it finds it next to itself ($ORIGIN/../lib).
foreach(prog mk-shell mk-wasm)
    if(TARGET ${prog})
        set_target_properties(${prog} PROPERTIES
            INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
    endif()
endforeach()

install(TARGETS microkernel microkernel_static EXPORT microkernelTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT microkernelTargets NAMESPACE microkernel::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)

# The static library's exported link interface names the pkg-config imported
# targets of its dependencies; the config file recreates them so
# microkernel::microkernel_static links in a consumer too.
# PkgConfig is always needed: sqlite3 and libcjson come through it.
set(mk_cfg_deps "include(CMakeFindDependencyMacro)\nfind_dependency(Threads)\nfind_dependency(PkgConfig)\n")
set(mk_pc_modules "")
if(mk_need_openssl)
    string(APPEND mk_cfg_deps "find_dependency(OpenSSL)\n")
    list(APPEND mk_pc_modules libssl libcrypto)
endif()
if(mk_need_cares)
    string(APPEND mk_cfg_deps
           "if(NOT TARGET PkgConfig::MK_CARES)\n"
           "    pkg_check_modules(MK_CARES REQUIRED IMPORTED_TARGET GLOBAL libcares)\n"
           "endif()\n")
    list(APPEND mk_pc_modules libcares)
endif()
foreach(dep MK_SQLITE3:sqlite3 MK_CJSON:libcjson MK_GPIOD:libgpiod MK_PNG:libpng MK_NATS:libnats MK_ALSA:alsa)
    string(REPLACE ":" ";" dep "${dep}")
    list(GET dep 0 prefix)
    list(GET dep 1 module)
    if(TARGET PkgConfig::${prefix})
        string(APPEND mk_cfg_deps
               "if(NOT TARGET PkgConfig::${prefix})\n"
               "    pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET GLOBAL ${module})\n"
               "endif()\n")
        list(APPEND mk_pc_modules ${module})
    endif()
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/microkernelConfig.cmake.in
"@PACKAGE_INIT@\n${mk_cfg_deps}include(\${CMAKE_CURRENT_LIST_DIR}/microkernelTargets.cmake)\n")
configure_package_config_file(${PROJECT_BINARY_DIR}/microkernelConfig.cmake.in
    ${PROJECT_BINARY_DIR}/microkernelConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/microkernelConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/microkernelConfig.cmake
              ${PROJECT_BINARY_DIR}/microkernelConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)

# microkernel.pc: the feature macros a consumer's headers need (HAVE_TLS,
# HAVE_OPENSSL, HAVE_WASM ..., the library's PUBLIC definitions) in Cflags,
# and every library the static archive needs in Libs.private, so
# `pkg-config --static --libs microkernel` links microkernel.a.
get_property(mk_pc_defs GLOBAL PROPERTY MK_LIB_DEFS)
set(MK_PC_CFLAGS "")
foreach(def ${mk_pc_defs})
    string(APPEND MK_PC_CFLAGS " -D${def}")
endforeach()
get_property(mk_pc_link GLOBAL PROPERTY MK_LIB_LINK)
set(mk_pc_flags "")
foreach(lib ${mk_pc_link})
    if(lib MATCHES "^PkgConfig::" OR lib MATCHES "/lib(ssl|crypto|cares)\\.(so|a)[.0-9]*$")
        continue() # listed as Requires.private modules
    elseif(lib MATCHES "/lib([^/]+)\\.(so|a)[.0-9]*$")
        list(APPEND mk_pc_flags "-l${CMAKE_MATCH_1}")
    elseif(lib MATCHES "^-")
        list(APPEND mk_pc_flags "${lib}")
    else()
        list(APPEND mk_pc_flags "-l${lib}")
    endif()
endforeach()
list(REMOVE_DUPLICATES mk_pc_flags)
string(JOIN " " MK_PC_LIBS_PRIVATE ${mk_pc_flags})
string(JOIN " " MK_PC_REQUIRES_PRIVATE ${mk_pc_modules})
# A relocatable .pc: the prefix is found relative to the file itself.
file(RELATIVE_PATH MK_PC_RELATIVE_PREFIX
     "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" MK_PC_RELATIVE_PREFIX "${MK_PC_RELATIVE_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/microkernel.pc.in
               ${PROJECT_BINARY_DIR}/microkernel.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/microkernel.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# API reference (`make docs` = `cmake --build build --target docs`): doxygen
# (Debian package, scripts/packages.txt) reads include/microkernel through
# scripts/doxygen-filter.py and writes HTML to build/docs/api/html and man
# pages (section 3, one per header plus a link page per function) to
# build/docs/api/man/man3. `cmake --install` installs the man pages when the
# docs target has been built. ctest doxygen_reference runs it too.
find_program(MK_DOXYGEN doxygen)
find_package(Python3 COMPONENTS Interpreter)
set(MK_DOCS_OUT ${PROJECT_BINARY_DIR}/docs/api)
set(MK_DOXYGEN_WARN_AS_ERROR NO) # warnings are counted by the test instead
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${PROJECT_BINARY_DIR}/docs/Doxyfile @ONLY)
if(MK_DOXYGEN)
    add_custom_target(docs
        COMMAND ${CMAKE_COMMAND} -E make_directory ${MK_DOCS_OUT}
        COMMAND ${MK_DOXYGEN} ${PROJECT_BINARY_DIR}/docs/Doxyfile
        COMMAND ${CMAKE_COMMAND} -E echo "API reference: ${MK_DOCS_OUT}/html/index.html, man pages: ${MK_DOCS_OUT}/man"
        WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
        COMMENT "doxygen: API reference and man pages from include/microkernel"
        VERBATIM)
else()
    add_custom_target(docs
        COMMAND ${CMAKE_COMMAND} -E echo "make docs needs doxygen (bash scripts/install-deps.sh installs it)"
        COMMAND ${CMAKE_COMMAND} -E false)
endif()
install(DIRECTORY ${MK_DOCS_OUT}/man/man3 DESTINATION ${CMAKE_INSTALL_MANDIR} OPTIONAL)
