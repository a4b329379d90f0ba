# End-to-end tests of the process-wide engine (included from tests/CMakeLists.txt after
# e2e.cmake, whose roomcast_e2e_test, E2E_PY and E2E_ROOMCAST they reuse): many participants
# in one process, one track shared by several meetings, adaptive Opus FEC under real loss.
set(E2E_ENGINE ${E2E_PY} ${E2E_DIR}/run_engine_test.py ${E2E_ROOMCAST})

# Meetings in one process sharing one FileAudioTrack object (public API only).
add_executable(roomcast-engine-e2e ${E2E_DIR}/engine_e2e.cpp)
target_link_libraries(roomcast-engine-e2e PRIVATE roomcast Threads::Threads)
set(E2E_ENGINE_CPP --engine-e2e $<TARGET_FILE:roomcast-engine-e2e>)

# `roomcast load` with 20 publishers: Janus lists exactly them, Chromium hears three of them
# in tune with < 1 % concealed, and the room is empty once load exits 0.
roomcast_e2e_test(e2e_load_20_publishers 120 ${E2E_ENGINE} --case load20 --listener chromium)
# One track, three meetings: each sends the whole file, Chromium hears 441 Hz on all three
# feeds, and aiortc sees the same Opus payload bytes on two feeds under different SSRCs.
roomcast_e2e_test(e2e_fanout_one_track_three_meetings 120 ${E2E_ENGINE} ${E2E_ENGINE_CPP} --case fanout --listener chromium)
# One video track, three meetings: Chromium in one page sees each feed's frame numbers (>= 95 %,
# in order, no freeze) and aiortc's VP8 frames of two feeds are the same bytes (one encode).
roomcast_e2e_test(e2e_fanout_one_video_track_three_meetings 120 ${E2E_ENGINE} ${E2E_ENGINE_CPP} --case fanout_video
  --listener chromium)
# 200 meetings in one process on one shared track: all join, every due frame sent (+-2),
# no late frames, and Janus lists nobody after they leave.
roomcast_e2e_test(e2e_cpp_200_meetings_shared_track 120 ${E2E_ENGINE} ${E2E_ENGINE_CPP} --case cpp200)
# `roomcast publish` + `roomcast listen`; 10 % UDP loss (nftables) after 5 s clean: FEC off
# while clean, on once Janus reports the loss, and the listener recovers frames by FEC.
roomcast_e2e_test(e2e_adaptive_fec_under_loss 120 ${E2E_ENGINE} --case fec)

# Slow user code: CustomAudioTrack::recv() and a sink each blocking 2 s every 3 s, as many
# blocked tracks as cores: the ordinary meetings of the process send every frame on time.
add_executable(roomcast-slow-code-e2e ${E2E_DIR}/slow_user_code_e2e.cpp)
target_link_libraries(roomcast-slow-code-e2e PRIVATE roomcast Threads::Threads)
roomcast_e2e_test(e2e_slow_user_code_delays_only_itself 120 ${E2E_PY} ${E2E_DIR}/run_slow_code_test.py
  ${E2E_ROOMCAST} --program $<TARGET_FILE:roomcast-slow-code-e2e>)

# A voice agent through the public API: PushAudioTrack fed in real time in irregular chunks at
# 22.05/24/44.1 kHz, a 2 s pause, a barge-in clear() and wait_for_playout(); Chromium hears it
# in tune, aiortc's recording of the wire times the silence, the clear and the playout.
add_executable(roomcast-push-e2e ${E2E_DIR}/push_track_e2e.cpp)
target_link_libraries(roomcast-push-e2e PRIVATE roomcast nlohmann_json::nlohmann_json Threads::Threads)
roomcast_e2e_test(e2e_push_track_voice_agent 120 ${E2E_PY} ${E2E_DIR}/run_push_test.py ${E2E_ROOMCAST}
  --program $<TARGET_FILE:roomcast-push-e2e> --listener chromium)
# The same with MeetingConfig::opus_dtx: the pause costs <= 20 packets, RTP time still counts it.
roomcast_e2e_test(e2e_push_track_dtx 120 ${E2E_PY} ${E2E_DIR}/run_push_test.py ${E2E_ROOMCAST}
  --program $<TARGET_FILE:roomcast-push-e2e> --dtx)
