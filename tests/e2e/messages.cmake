# Meeting messages (pubsub over the data channels Janus VideoRoom relays) with roomcast
# publish/listen (run_messages_test.py); included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case three errors chromium loss5)
    roomcast_e2e_test(e2e_messages_${case} 120 ${E2E_PY} ${E2E_DIR}/run_messages_test.py
      --roomcast $<TARGET_FILE:roomcast-cli> --case ${case})
  endforeach()
  # Headless Chromium (browser_messages.mjs) speaks the envelope with a plain RTCDataChannel;
  # loss5 also drops 5 % of UDP with nftables.
  set_tests_properties(e2e_messages_chromium e2e_messages_loss5 PROPERTIES FIXTURES_REQUIRED e2e_node)
endif()
