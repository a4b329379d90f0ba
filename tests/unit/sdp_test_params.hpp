// Test helpers for the SDP tests and fuzz targets: our side's parameters, the transport lines
// our answers write for them, and the captured vectors.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sdp/offer_answer.hpp"

#ifdef ROOMCAST_VECTORS_DIR
#include <gtest/gtest.h>
#endif

namespace roomcast::sdp::test {

// Our side of an exchange: ICE credentials and candidates, the DTLS fingerprint, the stream.
inline LocalMediaParams local_params(std::string ice_ufrag, std::string ice_pwd,
                                     std::string fingerprint_sha256,
                                     std::vector<std::string> candidates, uint32_t ssrc,
                                     std::string cname, std::string msid_stream,
                                     std::string msid_track, Direction direction) {
  LocalMediaParams p;
  p.ice_ufrag = std::move(ice_ufrag);
  p.ice_pwd = std::move(ice_pwd);
  p.fingerprint_sha256 = std::move(fingerprint_sha256);
  p.candidates = std::move(candidates);
  p.ssrc = ssrc;
  p.cname = std::move(cname);
  p.msid_stream = std::move(msid_stream);
  p.msid_track = std::move(msid_track);
  p.direction = direction;
  return p;
}

// The roomcast side of the hand-written exchanges (offer_answer, multistream).
inline LocalMediaParams roomcast_local(
    Direction direction,
    std::vector<std::string> candidates = {"candidate:1 1 udp 2130706431 10.77.0.2 50000 typ host"}) {
  return local_params("rc01", "0123456789abcdefghijkl",
                      "27:a0:ae:b3:fe:e9:23:2f:8a:f2:21:1f:9e:e4:91:c5:b1:0b:ec:b5:56:3b:fc:1e:"
                      "6f:93:42:7e:cb:c8:fe:29",
                      std::move(candidates), 305419896, "roomcast-cname", "roomcast", "audio0",
                      direction);
}

// What every m= section we write for roomcast_local() carries after its m= line; `setup`:
// actpass in an offer, active in an answer (RFC 5763 §5).
inline std::string roomcast_transport(const std::string& setup) {
  return "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:rc01\r\n"
         "a=ice-pwd:0123456789abcdefghijkl\r\n"
         "a=fingerprint:sha-256 27:A0:AE:B3:FE:E9:23:2F:8A:F2:21:1F:9E:E4:91:C5:B1:0B:EC:B5:56:3B:"
         "FC:1E:6F:93:42:7E:CB:C8:FE:29\r\n"
         "a=setup:" + setup + "\r\n";
}

// The short parameters of the section-builder tests.
inline LocalMediaParams short_local(uint32_t ssrc = 0, std::string msid_track = "") {
  return local_params("uf", "pwpwpwpwpwpwpwpwpwpwpw", "ab:cd",
                      {"candidate:1 1 udp 2122260223 10.77.0.2 40000 typ host"}, ssrc, "cn",
                      "roomcast", std::move(msid_track), Direction::SendOnly);
}

// The fuzz targets' answering side.
inline LocalMediaParams fuzz_local() {
  return local_params("fuzz", "fuzzfuzzfuzzfuzzfuzzfu", "AB:CD",
                      {"candidate:1 1 udp 1 192.0.2.1 9 typ host"}, 1, "c", "s", "t",
                      Direction::RecvOnly);
}

#ifdef ROOMCAST_VECTORS_DIR
// A captured SDP file of tests/vectors/sdp.
inline std::string read_vector(const std::string& name) {
  std::ifstream in(std::string(ROOMCAST_VECTORS_DIR) + "/sdp/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
#endif

} // namespace roomcast::sdp::test
