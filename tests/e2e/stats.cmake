# RTCP statistics end to end (included from tests/CMakeLists.txt after e2e.cmake, whose
# roomcast_e2e_test, E2E_PY and E2E_ROOMCAST it reuses). See run_stats_test.py for what is
# compared with what, and the tolerances.
set(E2E_STATS ${E2E_PY} ${E2E_DIR}/run_stats_test.py ${E2E_ROOMCAST})
# RTT and jitter from `roomcast publish --stats` agree with Chromium's getStats() (a Chromium
# publisher and a Chromium listener in the same room); the --stats lines' format and rates.
# The argument list names chromium (playwright fixture).
roomcast_e2e_test(e2e_stats_agree_with_chromium 150 ${E2E_STATS} --case agree --observer chromium)
# 5 % loss into Janus (nftables): publisher (Janus's reports) and `roomcast listen --stats`
# (its own counts) both see ~5 %, the same packets.
roomcast_e2e_test(e2e_stats_loss_5_percent 120 ${E2E_STATS} --case loss5)
