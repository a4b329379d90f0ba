# What `cmake --install` puts under the prefix, and the Debian package CPack makes from it:
# the CLI and its man page, libroomcast (static, or shared with a SONAME), the public headers,
# a CMake package (roomcast::roomcast) and roomcast.pc. Included from the top CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ROOMCAST_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/roomcast)
target_include_directories(roomcast INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(TARGETS roomcast EXPORT roomcastTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Unspecified
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS roomcast-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(BUILD_SHARED_LIBS)
  # A shared libroomcast is found from the CLI's own place wherever the prefix is.
  set_target_properties(roomcast-cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endif()
# Public headers only: src/ stays private.
install(DIRECTORY include/roomcast DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/roomcast/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/roomcast)

# The static library's private dependencies are re-found by roomcastConfig.cmake; the export
# lists them as $<LINK_ONLY:...>, so they add libraries to the link, never include paths.
get_target_property(ROOMCAST_LIBRARY_TYPE roomcast TYPE)
if(ROOMCAST_LIBRARY_TYPE STREQUAL "STATIC_LIBRARY")
  set(ROOMCAST_STATIC TRUE)
else()
  set(ROOMCAST_STATIC FALSE)
endif()
install(EXPORT roomcastTargets NAMESPACE roomcast:: DESTINATION ${ROOMCAST_CMAKE_DIR})
configure_package_config_file(cmake/roomcastConfig.cmake.in ${PROJECT_BINARY_DIR}/roomcastConfig.cmake
  INSTALL_DESTINATION ${ROOMCAST_CMAKE_DIR})
# 0.x: no compatibility promise across minor versions.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/roomcastConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/roomcastConfig.cmake ${PROJECT_BINARY_DIR}/roomcastConfigVersion.cmake
  DESTINATION ${ROOMCAST_CMAKE_DIR})

# pkg-config: consumers' --cflags get only our include directory. The private libraries are
# named as plain -l flags, not as Requires.private modules: pkgconf adds a Requires.private
# module's cflags to --cflags (leaking GLib's, libnice's... include paths) and --static pulls in
# their whole static closure. A static libroomcast needs them on every link, so they go in
# Libs (plain `pkg-config --libs roomcast` works); for a shared one they are Libs.private.
set(ROOMCAST_PC_DEP_LIBS "")
foreach(dep FFMPEG OPUS VPX NICE SRTP USRSCTP SOUP GLIB)
  foreach(dir IN LISTS ${dep}_LIBRARY_DIRS)
    if(NOT "-L${dir}" IN_LIST ROOMCAST_PC_DEP_LIBS)
      list(APPEND ROOMCAST_PC_DEP_LIBS "-L${dir}")
    endif()
  endforeach()
  foreach(lib IN LISTS ${dep}_LIBRARIES)
    list(APPEND ROOMCAST_PC_DEP_LIBS "-l${lib}")
  endforeach()
endforeach()
list(APPEND ROOMCAST_PC_DEP_LIBS -lssl -lcrypto -pthread)
list(JOIN ROOMCAST_PC_DEP_LIBS " " ROOMCAST_PC_DEP_LIBS)
if(ROOMCAST_STATIC)
  set(ROOMCAST_PC_LIBS "-L\${libdir} -lroomcast ${ROOMCAST_PC_DEP_LIBS} -lstdc++ -lm")
  set(ROOMCAST_PC_LIBS_PRIVATE "")
else()
  set(ROOMCAST_PC_LIBS "-L\${libdir} -lroomcast")
  set(ROOMCAST_PC_LIBS_PRIVATE "${ROOMCAST_PC_DEP_LIBS}")
endif()
# Relocatable: the prefix is found from the .pc file's own place (`cmake --install --prefix P`).
file(RELATIVE_PATH ROOMCAST_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(cmake/roomcast.pc.in ${PROJECT_BINARY_DIR}/roomcast.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/roomcast.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# roomcast.1 from the CLI's own --help texts, so the two never disagree.
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/roomcast.1
  # (A sanitizer build's CLI runs here too; its leak report is not this step's business.)
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          ${CMAKE_COMMAND} -DROOMCAST=$<TARGET_FILE:roomcast-cli> -DVERSION=${PROJECT_VERSION}
          -DOUT=${PROJECT_BINARY_DIR}/roomcast.1 -P ${PROJECT_SOURCE_DIR}/cmake/make_manpage.cmake
  DEPENDS roomcast-cli ${PROJECT_SOURCE_DIR}/cmake/make_manpage.cmake
  COMMENT "Generating roomcast.1 from roomcast --help")
add_custom_target(roomcast-manpage ALL DEPENDS ${PROJECT_BINARY_DIR}/roomcast.1)
install(FILES ${PROJECT_BINARY_DIR}/roomcast.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Debian package: `cpack -G DEB` in the build directory -> roomcast_VERSION_ARCH.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME roomcast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "roomcast developers <roomcast@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "bring audio into a live WebRTC meeting (Janus VideoRoom)")
set(CPACK_PACKAGE_DESCRIPTION
  "roomcast publishes audio files and custom audio sources into Janus VideoRoom meetings as a participant's microphone, and receives the other participants' audio. CLI, C++ library (headers, CMake package, pkg-config), Python module.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Runtime libraries from the binaries (dpkg-shlibdeps); janus is run, not linked.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "janus")
if(ROOMCAST_PYTHON)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS
    ", python3 (>= ${Python_VERSION_MAJOR}.${Python_VERSION_MINOR}), python3 (<< ${Python_VERSION_MAJOR}.${ROOMCAST_PY_NEXT_MINOR}), python3-numpy")
endif()
# Linking the static library needs the -dev packages of its private dependencies.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
  "libavformat-dev, libavcodec-dev, libswresample-dev, libswscale-dev, libavutil-dev, libopus-dev, libvpx-dev, libnice-dev, libsrtp2-dev, libusrsctp-dev, libsoup-3.0-dev, libglib2.0-dev, libssl-dev, pkg-config")
include(CPack)
