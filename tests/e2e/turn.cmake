# Media through a real TURN server (coturn), roomcast in a nested namespace that reaches only
# it (run_turn_test.py); included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case relay_udp relay_tcp wrong_credential no_turn stun_all listen_relay)
    roomcast_e2e_test(e2e_turn_${case} 90 ${E2E_PY} ${E2E_DIR}/run_turn_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case ${case})
  endforeach()
  if(TARGET roomcast_python)
    roomcast_e2e_test(e2e_turn_python_relay 90 ${E2E_PY} ${E2E_DIR}/run_turn_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case python_relay --python-dir ${PROJECT_BINARY_DIR}/python)
  endif()
endif()
