# Installation: headers, both libraries, a CMake package config
# (find_package(microkernel)) and microkernel.pc for pkg-config.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/microkernel
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/microkernel
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} OPTIONAL)
install(TARGETS microkernel microkernel_static EXPORT microkernelTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT microkernelTargets NAMESPACE microkernel::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)

file(WRITE ${PROJECT_BINARY_DIR}/microkernelConfig.cmake.in
"@PACKAGE_INIT@\ninclude(CMakeFindDependencyMacro)\nfind_dependency(Threads)\ninclude(\${CMAKE_CURRENT_LIST_DIR}/microkernelTargets.cmake)\n")
configure_package_config_file(${PROJECT_BINARY_DIR}/microkernelConfig.cmake.in
    ${PROJECT_BINARY_DIR}/microkernelConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/microkernelConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/microkernelConfig.cmake
              ${PROJECT_BINARY_DIR}/microkernelConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/microkernel)

get_property(mk_pc_link GLOBAL PROPERTY MK_PC_LIBS)
string(JOIN " " MK_PC_LIBS_PRIVATE ${mk_pc_link})
# A relocatable .pc: the prefix is found relative to the file itself.
file(RELATIVE_PATH MK_PC_RELATIVE_PREFIX
     "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" MK_PC_RELATIVE_PREFIX "${MK_PC_RELATIVE_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/microkernel.pc.in
               ${PROJECT_BINARY_DIR}/microkernel.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/microkernel.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
