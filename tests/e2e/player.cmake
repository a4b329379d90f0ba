# The player's controls end to end (included from tests/CMakeLists.txt after e2e.cmake and
# listen.cmake): `roomcast publish -` fed espeak-ng speech, --loop, --gain, a playlist and --start,
# recorded by `roomcast listen --record-dir` and compared with their sources; the refusals of bad
# --raw/--gain/--start/--loop values and of a bad playlist entry. The six publishers play at once
# (each recorded into its own file): about 15 s.
roomcast_e2e_test(e2e_player 150 ${E2E_PY} ${E2E_DIR}/run_player_test.py ${E2E_ROOMCAST})
# Stereo music mode: one file with 441 Hz left and 660 Hz right, published with --channels 2
# and by default: stereo Opus on the wire with the sides apart (decoded here), Chromium plays
# left 441 / right 660; the default publish is mono Opus carrying both tones. About 25 s.
roomcast_e2e_test(e2e_stereo_music 120 ${E2E_PY} ${E2E_DIR}/run_stereo_test.py ${E2E_ROOMCAST} --listener chromium)
