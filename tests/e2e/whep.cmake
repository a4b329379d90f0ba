# WHEP listening against Meetecho's janus-whep-server (npm) in front of Janus (run_whep_test.py);
# included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case tone interrupt wrong_token)
    roomcast_e2e_test(e2e_whep_${case} 60 ${E2E_PY} ${E2E_DIR}/run_whep_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case ${case})
    set_tests_properties(e2e_whep_${case} PROPERTIES FIXTURES_REQUIRED e2e_node)
  endforeach()
endif()
