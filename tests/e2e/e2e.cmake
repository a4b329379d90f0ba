# End-to-end tests (included from tests/CMakeLists.txt): each runs under netns.sh in a private
# network namespace with real Janus, headless Chromium (playwright-core) and aiortc.
# Tests whose tools are missing exit 77 and show as skipped. Label: e2e (ctest -L e2e).
set(E2E_DIR ${CMAKE_CURRENT_LIST_DIR})
set(E2E_PY /usr/bin/python3)  # Debian's python3 has aiortc; the one on PATH may not
set(E2E_NETNS ${E2E_DIR}/netns.sh)
find_program(E2E_NPM npm)

# playwright-core (and simple-whip-server's modules, janus-whep-server with janode) into tests/e2e/node_modules (from
# package-lock.json), once, before the browser and WHIP tests; a no-op when they are there.
add_test(NAME e2e_npm_ci
  COMMAND sh -c "test -d node_modules/playwright-core -a -d node_modules/express -a -d node_modules/janus-whep-server || ${E2E_NPM} ci --no-audit --no-fund"
  WORKING_DIRECTORY ${E2E_DIR})
set_tests_properties(e2e_npm_ci PROPERTIES FIXTURES_SETUP e2e_node TIMEOUT 300 LABELS e2e)

# All e2e tests share the 2 cores and port ranges: never run two at once.
function(roomcast_e2e_test name timeout)
  add_test(NAME ${name} COMMAND ${E2E_NETNS} ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout} SKIP_RETURN_CODE 77
    RESOURCE_LOCK roomcast_e2e LABELS e2e)
  if(";${ARGN};" MATCHES ";chromium;")
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED e2e_node)
  endif()
endfunction()

# Error-path tests that need not wait for the lock: ctest -j2 runs them beside the media test
# holding it (about 70 s of the e2e stage's one-at-a-time time). Only for a test that asserts
# refusals and error paths (exit code, error text, nothing left running, no secret printed):
# no timing but generous upper bounds or lower bounds, no media quality (at most a count of
# packets received over the veth); a few % of a core (no Chromium, nothing under chrt, no
# more than a moment of ffmpeg and an Opus stream or two); and ports, nft tables and mounts
# of its own: netns.sh gives each test a private network namespace, its files and mounts are
# under its own temporary directory, and the servers under test get a TMPDIR there too.
function(roomcast_e2e_light_test name timeout)
  roomcast_e2e_test(${name} ${timeout} ${ARGN})
  set_tests_properties(${name} PROPERTIES RESOURCE_LOCK "")
endfunction()

set(E2E_PUBLISH ${E2E_PY} ${E2E_DIR}/run_publish_test.py)
set(E2E_ROOMCAST --roomcast $<TARGET_FILE:roomcast-cli>)

# roomcast publish -> Janus (roomcast server) -> Chromium / aiortc hears a 441 Hz tone.
foreach(fmt mp4 mp3 wav ogg flac)
  roomcast_e2e_test(e2e_browser_hears_${fmt} 120 ${E2E_PUBLISH} ${E2E_ROOMCAST} --listener chromium --format ${fmt})
endforeach()
foreach(fmt mp4 webm m4a)
  roomcast_e2e_test(e2e_aiortc_hears_${fmt} 120 ${E2E_PUBLISH} ${E2E_ROOMCAST} --listener aiortc --format ${fmt})
endforeach()
# Signed tokens made by server::make_signed_token are accepted by Janus (server, publisher, listener).
roomcast_e2e_test(e2e_aiortc_hears_mp4_with_token 120 ${E2E_PUBLISH} ${E2E_ROOMCAST} --listener aiortc
  --format mp4 --token-secret e2e-secret)
# A room with a PIN: publisher and listener pass it.
roomcast_e2e_test(e2e_browser_hears_wav_with_pin 120 ${E2E_PUBLISH} ${E2E_ROOMCAST} --listener chromium
  --format wav --pin 4711)

# Bad input: exact error text and exit code, nothing left behind.
foreach(case missing_file not_media video_only refused not_janus unknown_room wrong_token missing_token
             wrong_pin missing_pin no_interface)
  roomcast_e2e_light_test(e2e_bad_input_${case} 90 ${E2E_PY} ${E2E_DIR}/run_bad_input_test.py ${E2E_ROOMCAST} --case ${case})
endforeach()

# The harness itself, with the Python Janus launcher and an aiortc publisher: it passes a
# good stream and catches a wrong pitch, a stuttering stream and one that stops early.
roomcast_e2e_test(e2e_harness_browser_hears_aiortc 120 ${E2E_PUBLISH} --standin --listener chromium --file tone:441)
roomcast_e2e_test(e2e_harness_aiortc_hears_aiortc 120 ${E2E_PUBLISH} --standin --listener aiortc --format mp4
  --token-secret e2e-secret)
roomcast_e2e_test(e2e_harness_catches_wrong_pitch 120 ${E2E_PUBLISH} --standin --listener chromium
  --file tone:468 --expect-failure dominantHz)
roomcast_e2e_test(e2e_harness_catches_stutter 120 ${E2E_PUBLISH} --standin --listener chromium
  --file tone:441:stutter --expect-failure concealed)
roomcast_e2e_test(e2e_harness_catches_short_stream 120 ${E2E_PUBLISH} --standin --listener aiortc
  --file tone:441 --publish-duration 5 --expect-failure "heard span")

# Ctrl-C on `roomcast publish` with the embedded server; the seed example program end to end.
set(E2E_LIFECYCLE ${E2E_PY} ${E2E_DIR}/run_lifecycle_test.py ${E2E_ROOMCAST})
roomcast_e2e_test(e2e_interrupt_embedded_publish 90 ${E2E_LIFECYCLE} --case interrupt)
roomcast_e2e_test(e2e_server_gone_while_publishing 90 ${E2E_LIFECYCLE} --case server_gone)
roomcast_e2e_test(e2e_keepalive_outlives_session_timeout 240 ${E2E_LIFECYCLE} --case keepalive)
# Three idle minutes of one publisher (a few % of a core, nothing timed beyond Janus's 10 s
# session timeout): it runs beside the other e2e tests (ctest -j2) instead of after them.
set_tests_properties(e2e_keepalive_outlives_session_timeout PROPERTIES RESOURCE_LOCK "")
roomcast_e2e_test(e2e_listen_reports_video_stream 120 ${E2E_LIFECYCLE} --case video)
set_tests_properties(e2e_listen_reports_video_stream PROPERTIES FIXTURES_REQUIRED e2e_node)
roomcast_e2e_test(e2e_example_file_to_meeting 90 ${E2E_LIFECYCLE} --case example
  --example $<TARGET_FILE:file_to_meeting>)

# Staying in the meeting: Janus restarted, the WebSocket dropped, the media path cut.
set(E2E_RECONNECT ${E2E_PY} ${E2E_DIR}/run_reconnect_test.py ${E2E_ROOMCAST})
roomcast_e2e_test(e2e_reconnect_janus_restart 120 ${E2E_RECONNECT} --case janus_restart)
roomcast_e2e_test(e2e_reconnect_websocket_drop 150 ${E2E_RECONNECT} --case ws_drop)
roomcast_e2e_test(e2e_reconnect_media_drop 150 ${E2E_RECONNECT} --case media_drop)
# 40 s without UDP: consent expires after 30 s, the publisher rejoins and the listener
# subscribes again once the path is back.
roomcast_e2e_test(e2e_reconnect_media_dead 150 ${E2E_RECONNECT} --case media_dead)
# 5 % random loss for ~40 s: Chromium and roomcast listen conceal <= 6 % (Opus FEC).
roomcast_e2e_test(e2e_loss_5_percent_concealment 240 ${E2E_RECONNECT} --case loss5)
set_tests_properties(e2e_reconnect_janus_restart e2e_reconnect_websocket_drop e2e_loss_5_percent_concealment
  PROPERTIES FIXTURES_REQUIRED e2e_node)

# The public C++ API in one process (embedded Janus, publisher and listener meetings).
add_executable(roomcast-api-e2e ${E2E_DIR}/api_e2e_test.cpp)
target_include_directories(roomcast-api-e2e PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(roomcast-api-e2e PRIVATE roomcast GTest::gtest_main)
roomcast_e2e_test(e2e_cpp_api 120 $<TARGET_FILE:roomcast-api-e2e>)

# One load run in two shard processes, merged by `roomcast report` (skips until `load` exists).
roomcast_e2e_test(e2e_load_shards 180 ${E2E_PY} ${E2E_DIR}/run_load_shard_test.py ${E2E_ROOMCAST})

# roomcast load as a command: exact refusals before anything starts; Ctrl-C leaves everyone.
roomcast_e2e_test(e2e_load_cli_refusals_and_interrupt 90 ${E2E_PY} ${E2E_DIR}/run_load_cli_test.py ${E2E_ROOMCAST}
  --media ${PROJECT_SOURCE_DIR}/examples/media/example.mp4)
# load --video: three publishers share one encode of a file's picture; Chromium reads it.
roomcast_e2e_test(e2e_load_video 120 ${E2E_PY} ${E2E_DIR}/run_load_video_test.py ${E2E_ROOMCAST})
set_tests_properties(e2e_load_video PROPERTIES FIXTURES_REQUIRED e2e_node)

# --video-copy refusals, before anything connects: H.264 High profile (exit 3), a VP8 file with
# --video-codec h264 (exit 2), a file without video (exit 3); each message says what to do.
roomcast_e2e_light_test(e2e_bad_input_video_copy_refusals 90 ${E2E_PY} ${E2E_DIR}/run_bad_input_test.py ${E2E_ROOMCAST}
  --case copy)
# Must refuse: every option checked before any network I/O (exit 2, one line, nothing connected).
roomcast_e2e_light_test(e2e_bad_input_config_refusals 90 ${E2E_PY} ${E2E_DIR}/run_bad_input_test.py ${E2E_ROOMCAST}
  --case config)
# wss:// to a Janus with a self-signed certificate: works with --ca, refused without it or with
# another certificate; --require-tls refuses ws://.
roomcast_e2e_light_test(e2e_wss_self_signed_ca 120 ${E2E_PY} ${E2E_DIR}/run_tls_test.py ${E2E_ROOMCAST})
# Tokens, PINs and secrets never appear in roomcast's output (debug logs and --json included).
roomcast_e2e_light_test(e2e_secrets_never_printed 120 ${E2E_PY} ${E2E_DIR}/run_secrets_test.py ${E2E_ROOMCAST})

# Video: roomcast publishes an MP4 (H.264, frame numbers in the picture) as VP8; headless
# Chromium reads every presented frame's number back: size, coverage, order, no freeze.
roomcast_e2e_test(e2e_browser_sees_video 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST} chromium)
# The same in H.264 (constrained baseline, packetization-mode 1): Chromium decodes our
# libx264 stream and reports the codec as video/H264.
roomcast_e2e_test(e2e_browser_sees_h264_video 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
  chromium --codec h264)
# --video-copy: files already in the codec (WebM/libvpx VP8; MP4/libx264 constrained baseline,
# no B-frames) sent without re-encoding: Chromium decodes every frame number in order at the
# file's size, and only the file's own keyframes went out.
roomcast_e2e_test(e2e_browser_sees_copied_vp8 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
  chromium --copy --codec vp8)
roomcast_e2e_test(e2e_browser_sees_copied_h264 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
  chromium --copy --codec h264)
# A viewer 5 s in, with keyframes every 30 s unasked: a picture within 1 s (our PLI answer).
roomcast_e2e_test(e2e_browser_sees_video_late_join 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
  chromium --duration 12 --late-viewer 5 --keyframe-interval 30)
# 5 % loss into Janus: NACKs answered as RTX (RFC 4588, counted on the wire), less frozen time
# and fewer packets lost for good than a second publisher without retransmissions, side by side.
roomcast_e2e_test(e2e_browser_sees_video_loss_nack 120 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
  chromium --duration 12 --loss 5)
# The same in H.264: RTX payload type 103 with apt=102.
roomcast_e2e_test(e2e_browser_sees_h264_video_loss_nack 120 ${E2E_PY} ${E2E_DIR}/run_video_test.py
  ${E2E_ROOMCAST} chromium --duration 12 --loss 5 --codec h264)
# The same picture made frame by frame by a Python bot (CustomVideoTrack, numpy RGB 480x270).
if(TARGET roomcast_python)
  roomcast_e2e_test(e2e_browser_sees_python_video 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
    chromium --python-dir ${PROJECT_BINARY_DIR}/python)
  # The same frames pushed live (roomcast.PushVideoTrack, a render thread at 30 fps): Chromium
  # sees the numbers in order, none frozen.
  roomcast_e2e_test(e2e_browser_sees_pushed_python_video 120 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST}
    chromium --python-dir ${PROJECT_BINARY_DIR}/python --push --duration 6)
  # Run-time controls: the bot turns its camera off and on, then its microphone, without
  # leaving; another participant and Chromium see each stream stop and come back.
  roomcast_e2e_test(e2e_controls_mute_and_camera_off 150 ${E2E_PY} ${E2E_DIR}/run_controls_test.py
    ${E2E_ROOMCAST} --python-dir ${PROJECT_BINARY_DIR}/python)
  # The camera muted across a rejoin (Janus killed and started again): the observer and a
  # Chromium subscribing meanwhile see no video until enable_webcam(), then frames from there.
  roomcast_e2e_test(e2e_controls_camera_muted_across_rejoin 120 ${E2E_PY} ${E2E_DIR}/run_controls_test.py
    ${E2E_ROOMCAST} --python-dir ${PROJECT_BINARY_DIR}/python --case rejoin)
  set_tests_properties(e2e_controls_mute_and_camera_off e2e_controls_camera_muted_across_rejoin PROPERTIES
    FIXTURES_REQUIRED e2e_node)
endif()
# Lip-sync: beeps and frame numbers of one file, heard and seen by Chromium within 45 ms of
# each other; the same measurement finds a 150 ms skew made in the file (it can fail).
roomcast_e2e_test(e2e_browser_lipsync 150 ${E2E_PY} ${E2E_DIR}/run_lipsync_test.py ${E2E_ROOMCAST})
roomcast_e2e_test(e2e_harness_catches_lipsync_skew 150 ${E2E_PY} ${E2E_DIR}/run_lipsync_test.py ${E2E_ROOMCAST}
  --skew-ms 150)
# ...and after a rejoin (the server's Janus restarted mid-file), seen by a Chromium joining then.
roomcast_e2e_test(e2e_browser_lipsync_after_rejoin 150 ${E2E_PY} ${E2E_DIR}/run_lipsync_test.py ${E2E_ROOMCAST}
  --rejoin --duration 20)
set_tests_properties(e2e_browser_lipsync e2e_harness_catches_lipsync_skew e2e_browser_lipsync_after_rejoin
  PROPERTIES FIXTURES_REQUIRED e2e_node)
# A second, independent decoder: aiortc decodes the same stream (VP8, then H.264 through its
# libavcodec decoder) and reads the numbers.
roomcast_e2e_test(e2e_aiortc_sees_video 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST} aiortc)
roomcast_e2e_test(e2e_aiortc_sees_h264_video 150 ${E2E_PY} ${E2E_DIR}/run_video_test.py ${E2E_ROOMCAST} aiortc
  --codec h264)
