# WHEP listening against Meetecho's janus-whep-server (npm) in front of Janus (run_whep_test.py);
# included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case tone interrupt media_dead)
    roomcast_e2e_test(e2e_whep_${case} 120 ${E2E_PY} ${E2E_DIR}/run_whep_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case ${case})
    set_tests_properties(e2e_whep_${case} PROPERTIES FIXTURES_REQUIRED e2e_node)
  endforeach()
  # The refusal (HTTP 403, exit 4; only the publisher's one Opus stream flows): beside the locked tests.
  roomcast_e2e_light_test(e2e_whep_wrong_token 60 ${E2E_PY} ${E2E_DIR}/run_whep_test.py
    --roomcast $<TARGET_FILE:roomcast-cli> --case wrong_token)
  set_tests_properties(e2e_whep_wrong_token PROPERTIES FIXTURES_REQUIRED e2e_node)
endif()
