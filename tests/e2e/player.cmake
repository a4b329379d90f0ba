# The player's controls end to end (included from tests/CMakeLists.txt after e2e.cmake and
# listen.cmake): `roomcast publish -` fed espeak-ng speech, --loop, --gain, a playlist and --start,
# recorded by `roomcast listen --record-dir` and compared with their sources; the refusals of bad
# --raw/--gain/--start/--loop values and of a bad playlist entry. About 45 s.
roomcast_e2e_test(e2e_player 150 ${E2E_PY} ${E2E_DIR}/run_player_test.py ${E2E_ROOMCAST})
