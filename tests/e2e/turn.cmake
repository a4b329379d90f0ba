# Media through a real TURN server (coturn), roomcast in a nested namespace that reaches only
# it (run_turn_test.py); included from tests/CMakeLists.txt after e2e.cmake.
if(COMMAND roomcast_e2e_test)
  foreach(case relay_udp relay_tcp stun_all listen_relay)
    roomcast_e2e_test(e2e_turn_${case} 90 ${E2E_PY} ${E2E_DIR}/run_turn_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case ${case})
  endforeach()
  # The failures (a bad credential, no TURN at all): no media gets through, only an error line
  # within a bound; beside the locked tests (coturn, nft and the nested namespace are inside the
  # test's own namespace).
  foreach(case wrong_credential no_turn)
    roomcast_e2e_light_test(e2e_turn_${case} 90 ${E2E_PY} ${E2E_DIR}/run_turn_test.py
      --roomcast $<TARGET_FILE:roomcast-cli> --case ${case})
  endforeach()
  if(TARGET roomcast_python)
    roomcast_e2e_test(e2e_turn_python_relay 90 ${E2E_PY} ${E2E_DIR}/run_turn_test.py --roomcast $<TARGET_FILE:roomcast-cli>
      --case python_relay --python-dir ${PROJECT_BINARY_DIR}/python)
  endif()
endif()
# The networks a bot really has (run_network_test.py): ICE-TCP when no UDP gets through (Janus
# as an ICE lite agent with TCP candidates, roomcast server --ice-tcp), and IPv6 only (signaling
# at ws://[::1], media on IPv6 host candidates, roomcast server --ipv6).
if(COMMAND roomcast_e2e_test)
  roomcast_e2e_test(e2e_ice_tcp_when_udp_is_blocked 90 ${E2E_PY} ${E2E_DIR}/run_network_test.py
    --roomcast $<TARGET_FILE:roomcast-cli> --case ice_tcp)
  roomcast_e2e_test(e2e_ipv6_only 90 ${E2E_PY} ${E2E_DIR}/run_network_test.py
    --roomcast $<TARGET_FILE:roomcast-cli> --case ipv6)
endif()
