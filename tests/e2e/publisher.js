// Janus VideoRoom publisher in plain browser APIs: a WebAudio OscillatorNode -> GainNode ->
// MediaStreamDestination track sent with the browser's own RTCPeerConnection. Injected by
// browser_publisher.mjs into listener.html, whose `Janus` WebSocket client it reuses.
'use strict';

let pub = null;  // the one publication of this page

async function waitFor(what, cond, target, events, timeoutMs) {
  if (cond()) return;
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} not reached within ${timeoutMs} ms`)), timeoutMs);
    const check = () => { if (cond()) { clearTimeout(t); resolve(); } };
    for (const e of events) target.addEventListener(e, check);
  });
}

// Joins p.room as p.name and publishes the oscillator (and, with p.video, a canvas); resolves with our participant id once
// ICE+DTLS are up (media flowing). The tone starts at gain p.gain unless p.silent.
window.roomcastPublish = async function (p) {
  const deadline = performance.now() + p.timeout * 1000;
  const left = () => Math.max(1, deadline - performance.now());
  const janus = new Janus(p.url, p.token);
  const pc = new RTCPeerConnection({iceServers: []});
  const ctx = new AudioContext({sampleRate: 48000});
  pub = {janus, pc, ctx, gainValue: p.gain};
  await ctx.resume();
  const osc = ctx.createOscillator();
  osc.type = 'sine';
  osc.frequency.value = p.hz;
  const gain = ctx.createGain();
  gain.gain.value = p.silent ? 0 : p.gain;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  pub.gain = gain;
  pc.addTransceiver(dest.stream.getAudioTracks()[0], {direction: 'sendonly', streams: [dest.stream]});
  if (p.video) {
    // A moving canvas as the camera, so listeners see a participant with audio and video.
    const canvas = Object.assign(document.createElement('canvas'), {width: 320, height: 240});
    const g = canvas.getContext('2d');
    let frame = 0;
    pub.painter = setInterval(() => {
      g.fillStyle = `hsl(${(frame++ * 7) % 360}, 80%, 50%)`;
      g.fillRect(0, 0, 320, 240);
    }, 66);
    const video = canvas.captureStream(15);
    pc.addTransceiver(video.getVideoTracks()[0], {direction: 'sendonly', streams: [dest.stream]});
  }

  await janus.open(Math.min(left(), 10000));
  await janus.createSession();
  const handle = await janus.attach();
  pub.handle = handle;
  const join = {request: 'join', ptype: 'publisher', room: p.room, display: p.name};
  if (p.pin) join.pin = p.pin;
  const joined = await janus.message(handle, join);
  pub.id = joined.data.id;

  // Half-trickle: our candidates go in the offer.
  await pc.setLocalDescription(await pc.createOffer());
  await waitFor('ICE gathering', () => pc.iceGatheringState === 'complete', pc, ['icegatheringstatechange'],
    Math.min(left(), 10000));
  const r = await janus.message(handle, {request: 'configure', audio: true, video: !!p.video},
    {type: 'offer', sdp: pc.localDescription.sdp});
  if (!r.jsep) throw new Error('Janus sent no answer to our offer');
  await pc.setRemoteDescription(r.jsep);
  await waitFor('connection', () => pc.connectionState === 'connected', pc, ['connectionstatechange'], left());
  pub.started = performance.now();
  // What Janus's RTCP receiver reports say about our stream (remote-inbound-rtp), sampled
  // every 500 ms: its jitter, and the round trip from LSR/DLSR (run_stats_test.py).
  pub.remote = [];
  pub.sampler = setInterval(async () => {
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') {
        pub.remote.push({t: (performance.now() - pub.started) / 1000, jitter: s.jitter, roundTripTime: s.roundTripTime,
          fractionLost: s.fractionLost, packetsLost: s.packetsLost, totalRoundTripTime: s.totalRoundTripTime,
          roundTripTimeMeasurements: s.roundTripTimeMeasurements});
      }
    });
  }, 500);
  return {id: pub.id, codec: (r.jsep.sdp.match(/a=rtpmap:\d+ (opus)\/48000/i) || [])[1] || null};
};

// Tone on/off without leaving (the track keeps sending, silence while off).
window.roomcastTone = function (on) {
  pub.gain.gain.setValueAtTime(on ? pub.gainValue : 0, pub.ctx.currentTime);
  return on;
};

window.roomcastStats = async function () {
  let out = {packetsSent: null};
  (await pub.pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out = {packetsSent: s.packetsSent, bytesSent: s.bytesSent};
  });
  out.seconds = Math.round(performance.now() - pub.started) / 1000;
  out.remoteInbound = pub.remote || [];
  return out;
};

// Leaves the room cleanly (VideoRoom `leave`, bounded), then closes everything.
window.roomcastLeave = async function () {
  if (!pub) return;
  try {
    if (pub.handle && !pub.janus.closed) {
      await Promise.race([pub.janus.message(pub.handle, {request: 'leave'}),
        new Promise((r) => setTimeout(r, 2000))]);
    }
  } finally {
    clearInterval(pub.painter);
    clearInterval(pub.sampler);
    pub.janus.close();
    pub.pc.close();
    await pub.ctx.close().catch(() => {});
  }
};
