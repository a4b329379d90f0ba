# Meeting messages (pubsub over the data channels Janus VideoRoom relays) with roomcast
# publish/listen (run_messages_test.py); included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case three errors)
    roomcast_e2e_test(e2e_messages_${case} 120 ${E2E_PY} ${E2E_DIR}/run_messages_test.py
      --roomcast $<TARGET_FILE:roomcast-cli> --case ${case})
  endforeach()
endif()
