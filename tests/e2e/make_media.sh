#!/usr/bin/env bash
# Writes the e2e test media into OUTDIR: a 441 Hz, 10 s tone in every container/codec the
# publisher must read, plus inputs it must reject (video only, not media).
set -euo pipefail
out="${1:?usage: make_media.sh OUTDIR}"
mkdir -p "$out"
ff=(ffmpeg -hide_banner -loglevel error -nostdin -y)
# Stereo at 44.1 kHz (not 48 kHz) so every publish exercises the resampler; peak -6 dBFS
# (RMS -9 dBFS), loud enough that listeners' level checks cannot confuse it with noise.
tone=(-f lavfi -i "aevalsrc=0.5*sin(2*PI*441*t)|0.5*sin(2*PI*441*t):s=44100:d=10")

"${ff[@]}" "${tone[@]}" -c:a aac -b:a 128k -ar 44100 -ac 2 "$out/tone.mp4"
"${ff[@]}" "${tone[@]}" -c:a libmp3lame -b:a 128k -ar 44100 -ac 2 "$out/tone.mp3"
"${ff[@]}" "${tone[@]}" -c:a pcm_s16le -ar 44100 -ac 2 "$out/tone.wav"
"${ff[@]}" "${tone[@]}" -c:a libopus -b:a 96k -ar 48000 -ac 2 "$out/tone.ogg"
"${ff[@]}" "${tone[@]}" -c:a flac -ar 44100 -ac 2 "$out/tone.flac"
"${ff[@]}" "${tone[@]}" -c:a libopus -b:a 96k -ar 48000 -ac 2 "$out/tone.webm"
"${ff[@]}" "${tone[@]}" -c:a aac -b:a 128k -ar 44100 -ac 2 "$out/tone.m4a"
"${ff[@]}" -f lavfi -i "testsrc=size=160x120:rate=10:duration=2" -c:v mpeg4 -an "$out/video_only.mp4"
printf 'This is a text file, not media.\nroomcast must refuse it.\n' > "$out/not_media.txt"
