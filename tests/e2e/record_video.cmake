# `roomcast listen --record-dir` of a participant with video: one WebM (VP8 + Opus) read back by
# ffprobe/ffmpeg, after a clean stop and after SIGKILL. Included from tests/CMakeLists.txt.
if(COMMAND roomcast_e2e_test)
  foreach(case clean kill)
    roomcast_e2e_test(e2e_listen_records_video_${case} 120 ${E2E_PY} ${E2E_DIR}/run_record_video_test.py
      ${E2E_ROOMCAST} --case ${case})
  endforeach()
endif()
