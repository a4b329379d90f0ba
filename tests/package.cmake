# Tests of what users install (included from tests/CMakeLists.txt after e2e/e2e.cmake, whose
# roomcast_e2e_test and E2E_PY they reuse): the installed tree and a consumer project built
# against it, the Debian package, the API reference, and the Python module end to end.
# Not in sanitizer builds: a consumer cannot link an ASan libroomcast without ASan itself.
if(ROOMCAST_SANITIZE)
  return()
endif()
set(PKG_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})
get_target_property(PKG_LIBRARY_TYPE roomcast TYPE)
set(PKG_FLAGS --build ${PROJECT_BINARY_DIR} --version ${PROJECT_VERSION})
if(ROOMCAST_PYTHON)
  list(APPEND PKG_FLAGS --python)
endif()

# cmake --install into a temporary prefix; tests/consumer built with find_package and with
# pkg-config against it; the find_package build publishes a tone aiortc hears.
set(PKG_CONSUMER_FLAGS ${PKG_FLAGS})
if(PKG_LIBRARY_TYPE STREQUAL "SHARED_LIBRARY")
  list(APPEND PKG_CONSUMER_FLAGS --shared)
endif()
roomcast_e2e_test(pkg_installed_tree_consumer 300 ${E2E_PY} ${PKG_TESTS_DIR}/consumer/run_consumer_test.py
  ${PKG_CONSUMER_FLAGS})
# Installs from the build tree, so only once everything (man page, Python module) is built.
set_tests_properties(pkg_installed_tree_consumer PROPERTIES LABELS "e2e;package")

# cpack -G DEB: name, Depends, dpkg -c, dpkg -x then roomcast --version and import roomcast.
add_test(NAME pkg_deb COMMAND ${E2E_PY} ${PKG_TESTS_DIR}/package/run_deb_test.py ${PKG_FLAGS})
set_tests_properties(pkg_deb PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 LABELS package)

# Doxygen over the public headers: any warning (something undocumented) fails the target.
if(TARGET roomcast-docs)
  add_test(NAME pkg_api_docs_no_warnings
    COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target roomcast-docs)
  set_tests_properties(pkg_api_docs_no_warnings PROPERTIES TIMEOUT 120 LABELS package)
endif()

if(ROOMCAST_PYTHON)
  set(PKG_PY ${E2E_PY} ${PKG_TESTS_DIR}/python/run_python_test.py ${E2E_ROOMCAST}
    --python-dir ${PROJECT_BINARY_DIR}/python)
  # examples/python/file_to_meeting.py (native and Python-decoding track): Chromium hears 441 Hz.
  roomcast_e2e_test(py_example_file_to_meeting_chromium 150 ${PKG_PY} --case example)
  set_tests_properties(py_example_file_to_meeting_chromium PROPERTIES FIXTURES_REQUIRED e2e_node)
  # A Python CustomAudioTrack of odd-sized numpy chunks heard in tune; the GIL released while blocked.
  roomcast_e2e_test(py_custom_track_odd_chunks 120 ${PKG_PY} --case custom)
  # asyncio: a Python sink and the async iterator of mixed audio get an aiortc publisher's tone.
  roomcast_e2e_test(py_sink_asyncio_hears_publisher 120 ${PKG_PY} --case sink)
  # A Python voice agent: PushAudioTrack fed in real time from a thread, wait_for_playout(), clear(), end().
  roomcast_e2e_test(py_push_track_voice_agent 120 ${PKG_PY} --case push)
  # Exceptions in a handler and in recv() arrive as on_error; roomcast.Error kinds.
  roomcast_e2e_test(py_errors_reach_on_error 90 ${PKG_PY} --case errors)
  # A Python sink on a remote camera gets numpy I420 planes (360x640, 180x320) carrying the frame
  # numbers in order; capture_image() is a 640x360 PNG showing one of them.
  roomcast_e2e_test(py_video_sink_numpy_frames_and_capture_image 120 ${PKG_PY} --case video_sink)
  # meeting.pubsub: 200 messages each way between a handler and `async for`, in order with the
  # sender; send_data bytes; an unsubscribed meeting gets none; publish before join raises.
  roomcast_e2e_test(py_pubsub_handler_and_async_iterator 90 ${PKG_PY} --case messages)
endif()
