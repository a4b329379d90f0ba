# Received video through the public C++ API (embedded Janus, a FileVideoTrack publisher, a
# VideoSink viewer). Included from tests/CMakeLists.txt beside e2e.cmake.
if(COMMAND roomcast_e2e_test)
  add_executable(roomcast-video-receive-e2e ${CMAKE_CURRENT_LIST_DIR}/video_receive_e2e.cpp)
  target_include_directories(roomcast-video-receive-e2e PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(roomcast-video-receive-e2e PRIVATE roomcast GTest::gtest_main)
  roomcast_e2e_test(e2e_cpp_video_receive 120 $<TARGET_FILE:roomcast-video-receive-e2e>)
endif()
