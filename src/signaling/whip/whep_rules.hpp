// WHEP's rules that need no connection: the offer we POST and the layout of the server's
// counter-offer. Parsers never throw.
#pragma once

#include <string>
#include <vector>

#include "signaling/room_signaling.hpp"

namespace roomcast::signaling::whip {

/// What we POST to a WHEP endpoint: a recvonly offer for one audio and one video stream
/// (Opus, VP8, H.264). Our peer layer offers only what it sends, so this offer carries no
/// transport: it says what we want to receive, and we take the server's counter-offer (406,
/// as Meetecho's janus-whep-server answers for VideoRoom feeds) to set up the media.
std::string whep_request_offer();

/// The server's offer laid out as receive slots, every media section of the one feed
/// `feed_id`: its mid, kind, and whether it carries media (port 0 or a=inactive: parked).
/// The stream's mid is the section's own. Sections without a mid are left out.
std::vector<ReceiveSlot> whep_offer_slots(const std::string& offer, const std::string& feed_id);

}  // namespace roomcast::signaling::whip
