// Subscription, received video: a remote video stream joins the multistream subscription when
// a sink wants it; its RTP is reassembled here (NACK, PLI) and decoded on the VideoDelivery thread.
#include "core/log.hpp"
#include "meeting/subscription.hpp"

namespace roomcast::meeting {

namespace {
// Until the publisher side has a round-trip time from the server's reports.
constexpr auto kDefaultRtt = std::chrono::milliseconds(100);
}  // namespace

void Subscription::video_stream_seen(RemoteFeed& feed, const std::string& feed_mid,
                                      const std::shared_ptr<detail::StreamState>& stream) {
  RemoteVideo& video = feed.videos[feed_mid];
  video.stream = stream;
  // A sink may be added from any thread: the subscription changes on the loop.
  // The Stream handle may outlive the meeting and the engine: reach the loop only while the
  // engine is there, and the meeting only while it is.
  const std::string key = feed.id;
  std::weak_ptr<Subscription*> weak = alive_;
  std::weak_ptr<engine::Engine> weak_engine = host_.engine;
  std::lock_guard lock(stream->mutex);
  stream->on_video_sink_added = [weak, weak_engine, key, feed_mid] {
    auto engine = weak_engine.lock();
    if (!engine) return;
    engine->loop().post([weak, key, feed_mid] {
      if (auto self = weak.lock())
        (*self)->contain("video sink added", [&] { (*self)->subscribe_video(key, feed_mid); });
    });
    engine::Engine::release(std::move(engine));
  };
}

void Subscription::subscribe_video(const std::string& feed_key, const std::string& feed_mid) {
  auto feed = feeds_.find(feed_key);
  if (feed == feeds_.end() || feed->second.draining) return;
  auto video = feed->second.videos.find(feed_mid);
  if (video == feed->second.videos.end() || video->second.subscribing) return;
  if (!signaling_ || !signaling_->connected()) return;  // a rejoin subscribes (resubscribe_videos)
  RemoteVideo& v = video->second;
  v.subscribing = true;
  if (!v.target) {
    v.target = std::make_shared<VideoDecodeTarget>();
    v.target->stream = v.stream;
    v.target->participant = feed->second.participant;
    std::weak_ptr<Subscription*> weak = alive_;
    core::EventLoop* event_loop = &loop_;
    v.target->on_undecodable = [weak, event_loop, feed_key, feed_mid] {
      event_loop->post([weak, feed_key, feed_mid] {
        if (auto self = weak.lock())
          (*self)->contain("video keyframe request", [&] { (*self)->video_undecodable(feed_key, feed_mid); });
      });
    };
  }
  signaling_->receive(feed_key, feed_mid);
}

/// After the subscription was made again (failure, reconnect): the videos that have sinks.
void Subscription::resubscribe_videos(RemoteFeed& feed) {
  const std::string key = feed.id;
  for (auto& [mid, video] : feed.videos)
    if (!video.subscribing && video.stream && video.stream->has_video_sinks()) subscribe_video(key, mid);
}

/// Janus's layout for the offer being answered: which slot carries which wanted video.
void Subscription::map_video_slots(const std::vector<signaling::ReceiveSlot>& slots) {
  video_by_slot_.clear();
  for (auto& [key, feed] : feeds_)
    for (auto& [mid, video] : feed.videos) video.slot_mid.clear();
  for (const auto& s : slots) {
    if (!s.active || s.kind != "video") continue;
    auto feed = feeds_.find(s.participant_id);
    if (feed == feeds_.end()) continue;
    auto video = feed->second.videos.find(s.stream_mid);
    if (video == feed->second.videos.end() || !video->second.subscribing) continue;
    video_by_slot_[s.mid] = {feed->first, s.stream_mid};
    video->second.slot_mid = s.mid;
  }
  // A stream that lost its slot starts afresh (new depacketizer, keyframe first) in its next one.
  for (auto& [key, feed] : feeds_)
    for (auto& [mid, video] : feed.videos)
      if (video.slot_mid.empty()) video.receiver.reset();
}

void Subscription::on_remote_video_rtp(const std::string& slot_mid, const rtp::RtpPacket& packet) {
  auto slot = video_by_slot_.find(slot_mid);
  if (slot == video_by_slot_.end() || !peer_) return;
  auto feed = feeds_.find(slot->second.first);
  if (feed == feeds_.end()) return;
  auto video = feed->second.videos.find(slot->second.second);
  if (video == feed->second.videos.end() || !video->second.subscribing || !video->second.target) return;
  RemoteVideo& v = video->second;
  const VideoCodec codec = peer_->video_codec(slot_mid).value_or(VideoCodec::vp8);
  // A slot renegotiated to another codec (the feed republished) starts afresh.
  if (v.receiver && v.receiver->codec() != codec) v.receiver.reset();
  if (!v.receiver) v.receiver = std::make_unique<receive::VideoReceiver>(peer_->local_ssrc(), codec);
  const auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration rtt = kDefaultRtt;
  if (auto measured = host_.round_trip_time()) rtt = *measured;
  auto out = v.receiver->on_packet(packet, now, rtt);
  for (auto& rtcp : out.rtcp) peer_->send_rtcp(std::move(rtcp));
  if (out.frames.empty()) return;
  if (!video_delivery_) video_delivery_ = std::make_unique<VideoDelivery>();
  for (auto& frame : out.frames)
    video_delivery_->deliver(v.target, codec, std::move(frame.payload), frame.keyframe, frame.timestamp);
}

/// The decoder could not use a frame: ask the publisher (through Janus) for a keyframe.
void Subscription::video_undecodable(const std::string& feed_key, const std::string& feed_mid) {
  auto feed = feeds_.find(feed_key);
  if (feed == feeds_.end() || !peer_) return;
  auto video = feed->second.videos.find(feed_mid);
  if (video == feed->second.videos.end() || !video->second.receiver) return;
  auto pli = video->second.receiver->request_keyframe(std::chrono::steady_clock::now());
  if (!pli.empty()) peer_->send_rtcp(std::move(pli));
}

/// The subscription is gone: videos are wanted again when it is made anew.
void Subscription::drop_remote_video() {
  video_by_slot_.clear();
  for (auto& [key, feed] : feeds_)
    for (auto& [mid, video] : feed.videos) {
      video.subscribing = false;
      video.slot_mid.clear();
      video.receiver.reset();
    }
}

}  // namespace roomcast::meeting
