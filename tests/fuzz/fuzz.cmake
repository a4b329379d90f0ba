# Fuzz targets, one per parser (STYLE.md "Tests"). Always: fuzz_<name>_replay, the target with
# a standalone main, replaying tests/fuzz/corpus/<name>/ as ctest fuzz_<name>_corpus. With
# ROOMCAST_FUZZ under clang: fuzz_<name>, a libFuzzer binary (run: fuzz_rtp corpus/rtp).
# Expects target `roomcast`.
set(ROOMCAST_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(ROOMCAST_FUZZ_SRC_DIR ${ROOMCAST_FUZZ_DIR}/../../src ABSOLUTE)
set(ROOMCAST_FUZZ_TARGETS rtp rtcp sdp sdp_multistream videoroom janus opus_lbrr jitter_buffer dcep
  sctp_packet)

if(ROOMCAST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ROOMCAST_FUZZ needs clang (libFuzzer); configure with CXX=clang++")
  endif()
  # Coverage feedback from the parsers themselves, not only from the target file.
  target_compile_options(roomcast PRIVATE -fsanitize=fuzzer-no-link)
endif()

# WHIP's Link, Location and Retry-After rules (signaling/whip/whip_rules).
list(APPEND ROOMCAST_FUZZ_TARGETS whip_headers)
# The pubsub envelope (messages/envelope): what pages and other participants send us.
list(APPEND ROOMCAST_FUZZ_TARGETS pubsub_envelope)

foreach(name IN LISTS ROOMCAST_FUZZ_TARGETS)
  add_executable(fuzz_${name}_replay
    ${ROOMCAST_FUZZ_DIR}/fuzz_${name}.cpp ${ROOMCAST_FUZZ_DIR}/standalone_main.cpp)
  target_include_directories(fuzz_${name}_replay PRIVATE ${ROOMCAST_FUZZ_SRC_DIR})
  # libopus directly: the jitter buffer target encodes real packets to feed it.
  target_link_libraries(fuzz_${name}_replay PRIVATE roomcast PkgConfig::OPUS PkgConfig::GLIB nlohmann_json::nlohmann_json)
  add_test(NAME fuzz_${name}_corpus
    COMMAND fuzz_${name}_replay ${ROOMCAST_FUZZ_DIR}/corpus/${name})
  set_tests_properties(fuzz_${name}_corpus PROPERTIES TIMEOUT 120)

  if(ROOMCAST_FUZZ)
    add_executable(fuzz_${name} ${ROOMCAST_FUZZ_DIR}/fuzz_${name}.cpp)
    target_include_directories(fuzz_${name} PRIVATE ${ROOMCAST_FUZZ_SRC_DIR})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name} PRIVATE roomcast PkgConfig::OPUS PkgConfig::GLIB nlohmann_json::nlohmann_json)
  endif()
endforeach()
