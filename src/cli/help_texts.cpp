// The --help texts of the CLI (the man page is made from them too).
#include "cli/help_texts.hpp"

namespace roomcast::cli {

// The connection options publish and listen share, spliced into both texts.
#define ROOMCAST_CONNECTION_OPTIONS \
  "  --ca FILE         trust this PEM certificate (or CA) for a wss:// server, e.g. one with a\n" \
  "                    self-signed certificate\n" \
  "  --require-tls     refuse unencrypted signaling: --server must be a wss:// URL\n" \
  "  --ice-server URL  a STUN or TURN server for the media connection, repeatable:\n" \
  "                    stun:HOST[:PORT], turn:HOST[:PORT][?transport=udp|tcp] (port 3478 by\n" \
  "                    default; tcp for networks that block UDP). libnice uses one STUN server.\n" \
  "                    TURN credentials: ROOMCAST_ICE_USERNAME and ROOMCAST_ICE_CREDENTIAL in\n" \
  "                    the environment, or --ice-credential-file; never printed\n" \
  "  --ice-credential-file FILE\n" \
  "                    the TURN username (first line) and credential (second line)\n" \
  "  --ice-transport-policy P\n" \
  "                    all (default): any working candidate pair; relay: only TURN relay\n" \
  "                    candidates carry media (needs a turn: --ice-server)\n" \
  "  --no-ice-tcp      gather no TCP candidates (ICE-TCP, RFC 6544, is on by default: it\n" \
  "                    connects through networks that block UDP when the server offers it)\n"

const char* const kMainHelp = R"(roomcast: bring audio into a live WebRTC meeting (Janus VideoRoom).

Usage:
  roomcast publish FILE... [options]   publish media files' audio (or stdin: -) as a microphone
  roomcast listen [options]         follow a meeting: print who joins, leaves, speaks; record it
  roomcast server [options]         run the embedded Janus server until Ctrl-C
  roomcast load FILE --participants N   many participants in one process (load and QA rigs)
  roomcast report FILE... [--json]  merge the JSON lines of load shards into one report
  roomcast --help | COMMAND --help
  roomcast --version                print the version

Run 'roomcast COMMAND --help' for the options of each command.
)";

const char* const kPublishHelp = R"(Usage: roomcast publish FILE... [options]
       roomcast publish - [--raw FORMAT:RATE:CHANNELS] [options]

Publishes the audio (and video, if it has one) of FILE (MP4/AAC, M4A, MP3, WAV, OGG Vorbis/Opus, FLAC, WebM/Opus,
anything FFmpeg decodes; also an http:// or https:// URL) into a meeting as a participant's
microphone: decoded, resampled to 48 kHz, cut into exact 20 ms Opus frames and paced in real
time. Several FILEs play back to back with no gap (a playlist; every file is opened and
checked before joining). FILE - reads stdin: any container FFmpeg reads from a pipe (e.g.
espeak-ng --stdout "hello" | roomcast publish -), or headerless PCM with --raw. Leaves the
meeting at the end, after --duration, or on Ctrl-C.

Options:
  --server URL      Janus WebSocket URL, e.g. ws://10.0.0.5:8188. Without it roomcast
                    starts its embedded Janus server (Debian package 'janus') and
                    stops it on exit.
  --whip URL        publish to a WHIP endpoint (RFC 9725) instead of a Janus room, e.g.
                    https://example.net/whip/endpoint/ID: the offer is POSTed there, the
                    session DELETEd on leaving (also on Ctrl-C). Publish only: no room, no
                    --record. The token, if any, goes as the Bearer token
  --room ID         meeting (VideoRoom room) id, numeric (default 1234)
  --name NAME       display name (default "roomcast")
  --token T         Janus API token (WHIP: Bearer token), if the server requires one; or
                    ROOMCAST_TOKEN in the environment (kept out of ps); never printed
  --pin P           room PIN, if the room has one
  --duration SECS   stop after SECS seconds even if the file is longer
)"
    ROOMCAST_CONNECTION_OPTIONS R"(  --create-room     create the room on --server if it does not exist
  --bitrate BPS     Opus bitrate, 6000 to 510000 (default 32000; 64000 with --channels 2)
  --channels N      1: mono, every source mixed down (default); 2: stereo, for music
  --complexity N    Opus encoder complexity, 0 (least CPU) to 10 (default 9)
  --fec MODE        Opus in-band FEC: adaptive (on while the server reports loss, default),
                    on or off
  --dtx             Opus DTX: silence is not sent but for a packet every 400 ms
  --lead-in SECS    silence before the file starts, so participants already in the room
                    (who subscribe when we go live) hear it from the start (0 to 5, default 0.3)
  --stream N        use the file's Nth audio stream (default 0, the first)
  --loop [N]        play N times (the whole playlist), gapless; --loop alone: forever
  --start SECS      start the (first) file at SECS seconds, to the sample
  --gain DB         change the level by DB decibels, -60 to +20 (default 0)
  --no-video        send only the audio of a FILE that has video too (by default its
                    video goes out as our camera: VP8 or H.264, scaled, in sync with the audio:
                    sound and picture are read from the file by one demuxer)
  --video-codec C   vp8 (default) or h264 (constrained baseline, level 3.1: at most 1280x720
                    at 30 fps); the room must allow it, else only the audio goes out
  --video-size WxH  the size the video is sent at (default 640x360; even numbers)
  --fps N           frames per second sent at most, 1 to 60 (default 30)
  --video-bitrate BPS  the encoder's target, 50000 to 8000000 (default 800000); lower when the
                    server's bandwidth estimate says so
  --keyframe-interval SECS  a keyframe at least this often, 0.5 to 60 (default 3); the
                    server's requests (a new viewer) get one at once
  --no-video-nack   do not resend video packets the server reports lost (RTCP NACK);
                    a loss then freezes the picture until the next keyframe
  --video-copy      send the file's video as it is, without re-encoding (almost no CPU):
                    VP8, or constrained-baseline H.264 without B-frames, sent in its own
                    codec at its own size and rate. A new viewer waits for the file's next
                    keyframe (its PLI cannot be answered sooner); --start and seeks land on
                    the keyframe before. Other video is refused (exit 3): re-encode it or
                    drop --video-copy
  --raw FORMAT:RATE:CHANNELS  the input is headerless PCM: FORMAT s16le, s32le or f32le,
                    RATE 8000 to 192000 Hz, CHANNELS 1 to 8 (e.g. --raw s16le:48000:1)
  --record FILE     also record the other participants' mixed audio to a WAV file
                    (without --record/--record-dir, publish receives no audio)
  --record-dir DIR  also record each other participant to DIR/NAME-ID.wav
                    (NAME-ID.webm, VP8 + Opus, for one with video)
  --no-reconnect    leave (exit 4) when the server or the network is lost, instead of
                    reconnecting (reclaiming the session, or rejoining with the same id)
  --reconnect-give-up SECS  stop trying to get back after SECS seconds (default 120)
  --send TOPIC:TEXT send TEXT on TOPIC to the room a second after joining (pubsub, over the
                    data channels Janus relays; those in the room by then get it, nothing is
                    kept for later arrivals); repeatable, sent in order
  --send-stdin TOPIC  send each line of stdin as a message on TOPIC until end of input
  --unreliable      send those messages once, unordered, never retransmitted (the data
                    channel with maxRetransmits 0): for state the next message replaces;
                    on a lossy path some do not arrive
  --print-messages  print the others' messages (topic, sender, text; --json: objects)
  --json            print one JSON object per event instead of text
  --stats           print one JSON line a second to stdout, {"type":"stats",...}: packets,
                    bytes, fraction lost, cumulative lost, jitter (ms) and round-trip time
                    (ms) of our stream from the server's RTCP receiver reports, and of each
                    participant we receive (with --record/--record-dir) from our own counters
  --quiet           no progress display (on a terminal a progress bar with the position,
                    length and level of the audio sent; otherwise a line every 2 s)
  --help            this text

Exit status: 0 when the file was played and the meeting left cleanly; 2 for usage
and option errors (refused before connecting); 3 media errors (file missing, not media, no audio); 4 server errors
(unreachable, not Janus, token, room, PIN, the server gone for good); 5 network/WebRTC
errors; 130 when interrupted (Ctrl-C), after leaving the meeting cleanly.
)";

const char* const kListenHelp = R"(Usage: roomcast listen [options]

Joins a meeting without sending audio, prints who joins and leaves, their streams and
who is speaking, and records what it hears (48 kHz mono WAV). Leaves after --duration
or on Ctrl-C; the WAV files stay valid even if interrupted.

Options:
  --server URL      Janus WebSocket URL; without it the embedded server is started
  --whep URL        listen to the feed of a WHEP endpoint instead of a Janus room, e.g.
                    http://example.net/whep/endpoint/ID (the server's offer is answered
                    by PATCH; DELETE on leave); --token is its Bearer token
  --room ID         meeting id, numeric (default 1234)
  --name NAME       display name (default "roomcast listener")
  --token T         Janus API token, if the server requires one (or ROOMCAST_TOKEN)
  --pin P           room PIN, if the room has one
  --duration SECS   leave after SECS seconds
)"
    ROOMCAST_CONNECTION_OPTIONS R"(  --record FILE     record everyone's audio mixed into one WAV file
  --record-dir DIR  record one file per participant: DIR/NAME-ID.wav, or
                    DIR/NAME-ID.webm (VP8 + Opus) for one with video
  --create-room     create the room on --server if it does not exist
  --no-reconnect    leave (exit 4) when the server or the network is lost, instead of
                    reconnecting (reclaiming the session, or rejoining with the same id)
  --reconnect-give-up SECS  stop trying to get back after SECS seconds (default 120)
  Messages the others publish (pubsub) are printed: "message on 'TOPIC' from NAME (ID):
  TEXT", or with --json {"event":"message","topic","from","name","size","ts","text"}.
  --send TOPIC:TEXT send TEXT on TOPIC a second after joining (repeatable); the first message
                    publishes our data channels (a data-only stream: no audio, no video)
  --send-stdin TOPIC  send each line of stdin as a message on TOPIC until end of input
  --unreliable      send those messages once, unordered, never retransmitted
  --json            print one JSON object per event instead of text
  --stats           print one JSON line a second to stdout, {"type":"stats",...}: for each
                    participant we receive, packets, bytes, fraction lost (last second),
                    cumulative lost and interarrival jitter (ms), as our RTCP receiver
                    reports carry them (RFC 3550 §6.4)
  --help            this text
)";

const char* const kServerHelp = R"(Usage: roomcast server [options]

Runs the embedded Janus VideoRoom server (Debian package 'janus') with a private
generated configuration (WebSocket transport on 127.0.0.1) until Ctrl-C, then stops it
and removes its files. Prints 'roomcast server: URL room ID' once it accepts connections.

Options:
  --port N           WebSocket port (default: a free port)
  --room ID          create this room (numeric, default 1234); repeatable as ID,ID,...
  --pin P            give the room(s) this PIN
  --token-secret S   require signed tokens made with secret S (prints a valid token)
  --rtp-ports A-B    UDP port range for media (default 20000-29999)
  --session-timeout S  end sessions idle for S seconds (default 60, Janus's; at least 5)
  --reclaim-timeout S  keep a session whose WebSocket dropped for S seconds, so its client
                     can reconnect and claim it with its media untouched (default 10; 0: a
                     dropped WebSocket ends the session at once)
  --publishers N     publishers each room admits (default 100; load tests need more)
  --ice-tcp          also offer TCP candidates (ICE-TCP, RFC 6544), for clients whose
                     network blocks UDP; Janus does this as an ICE lite agent only
  --ipv6             also offer IPv6 host candidates (the WebSocket stays on 127.0.0.1)
  --help             this text
)";

}  // namespace roomcast::cli
