# WHIP publishing against Debian's simple-whip-server in front of Janus (run_whip_test.py);
# included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case tone video corners chromium_control ice_restart)
    roomcast_e2e_test(e2e_whip_${case} 60 ${E2E_PY} ${E2E_DIR}/run_whip_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case ${case})
    set_tests_properties(e2e_whip_${case} PROPERTIES FIXTURES_REQUIRED e2e_node)
  endforeach()
  # The refusals (HTTP 403 / 404 to the offer, exit 4): no media flows, beside the locked tests.
  foreach(case wrong_token wrong_endpoint)
    roomcast_e2e_light_test(e2e_whip_${case} 60 ${E2E_PY} ${E2E_DIR}/run_whip_test.py
      --roomcast $<TARGET_FILE:roomcast-cli> --case ${case})
    set_tests_properties(e2e_whip_${case} PROPERTIES FIXTURES_REQUIRED e2e_node)
  endforeach()
  if(TARGET roomcast_python)
    roomcast_e2e_test(e2e_whip_mute 60 ${E2E_PY} ${E2E_DIR}/run_whip_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case mute --python-dir ${PROJECT_BINARY_DIR}/python)
    set_tests_properties(e2e_whip_mute PROPERTIES FIXTURES_REQUIRED e2e_node)
  endif()
endif()
