# API reference: `cmake --build BUILD --target roomcast-docs` runs Doxygen over the public
# headers into BUILD/docs/html. Any warning (an undocumented public type or function) fails it.
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(ROOMCAST_DOXYFILE ${PROJECT_BINARY_DIR}/Doxyfile)
  configure_file(${PROJECT_SOURCE_DIR}/doc/Doxyfile.in ${ROOMCAST_DOXYFILE} @ONLY)
  add_custom_target(roomcast-docs
    COMMAND ${DOXYGEN_EXECUTABLE} ${ROOMCAST_DOXYFILE}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    COMMENT "Doxygen: API reference of include/roomcast into docs/html"
    VERBATIM)
endif()
