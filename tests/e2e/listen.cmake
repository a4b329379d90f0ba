# End-to-end tests of the receiving side (included from tests/CMakeLists.txt after e2e.cmake,
# whose roomcast_e2e_test, E2E_PY and E2E_ROOMCAST they reuse): real publishers (Chromium,
# aiortc, roomcast publish) and `roomcast listen` / `roomcast publish --record` recording them.
set(E2E_LISTEN ${E2E_PY} ${E2E_DIR}/run_listen_test.py ${E2E_ROOMCAST})

# One publisher of 440 Hz, `roomcast listen --record --record-dir --duration`: frequency,
# recorded vs wall duration, dropouts, per-participant file name; roomcast adds a correlation
# with the source. The Chromium test's argument list names chromium (playwright fixture).
roomcast_e2e_test(e2e_listen_chromium_publisher 150 ${E2E_LISTEN} --case chromium)
roomcast_e2e_test(e2e_listen_aiortc_publisher 120 ${E2E_LISTEN} --case aiortc)
roomcast_e2e_test(e2e_listen_roomcast_publisher 120 ${E2E_LISTEN} --case roomcast)
# roomcast + aiortc + Chromium publishers at 300/500/800 Hz: per-participant files, the mix,
# speaker_changed following Chromium's tone.
roomcast_e2e_test(e2e_listen_three_publishers 240 ${E2E_LISTEN} --case three)
set_tests_properties(e2e_listen_three_publishers PROPERTIES FIXTURES_REQUIRED e2e_node)
# A clean leave and a SIGKILL reported within 2 s; SIGINT (mid-recording and at the end) leaves
# valid WAVs, and roomcast listen then exits 130 (0 only after --duration).
roomcast_e2e_test(e2e_listen_participant_leaves 150 ${E2E_LISTEN} --case leaves)
# `roomcast publish --record` hears the other publisher, not itself.
roomcast_e2e_test(e2e_publish_and_record 120 ${E2E_LISTEN} --case publish_record)
# `roomcast listen --record` on a 64 KiB tmpfs: one error event when the disk fills, a valid
# WAV of what fitted, and the listener stays in the meeting until --duration.
roomcast_e2e_light_test(e2e_listen_record_disk_full 90 ${E2E_LISTEN} --case disk_full)

# The checks themselves catch a wrong pitch and a stuttering stream (aiortc publisher).
roomcast_e2e_test(e2e_listen_harness_catches_wrong_pitch 120 ${E2E_LISTEN} --case aiortc
  --publisher-tone tone:446 --expect-failure "dominant frequency")
roomcast_e2e_test(e2e_listen_harness_catches_stutter 120 ${E2E_LISTEN} --case aiortc
  --publisher-tone tone:440:stutter --expect-failure "concealed")

# Ten `roomcast publish` tones, then an eleventh joins and one leaves, `roomcast listen
# --record-dir`: the Janus admin API shows one subscriber handle and one PeerConnection carrying
# every stream, renegotiated in place; each per-participant file holds its own tone only.
roomcast_e2e_test(e2e_listen_multistream_room 300 ${E2E_PY} ${E2E_DIR}/run_multistream_test.py ${E2E_ROOMCAST})
