// Meeting messages in plain browser APIs: a data-only Janus VideoRoom publisher with the two
// channels roomcast opens ("roomcast" reliable, "roomcast-unreliable" maxRetransmits 0), one
// subscription per followed publisher's data stream, and roomcast's envelope spoken by hand
// (src/messages/envelope.hpp). Injected by browser_messages.mjs into listener.html, whose
// `Janus` WebSocket client it reuses. What arrives goes to window.rcDeliver (the driver's).
'use strict';

const rc = {following: new Map(), inbox: [], flushing: false};

async function rcWaitFor(what, cond, target, events, timeoutMs) {
  if (cond()) return;
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} not reached within ${timeoutMs} ms`)), timeoutMs);
    const check = () => { if (cond()) { clearTimeout(t); resolve(); } };
    for (const e of events) target.addEventListener(e, check);
  });
}

async function rcGathered(pc, timeoutMs) {
  await rcWaitFor('ICE gathering', () => pc.iceGatheringState === 'complete', pc, ['icegatheringstatechange'],
    timeoutMs);
}

// Deliveries are batched: one call into the driver per turn of the event loop, not per message.
function rcReceived(label, data) {
  let m;
  if (typeof data !== 'string') {
    m = {event: 'message', label, binary: true, size: data.byteLength};
  } else {
    try {
      const e = JSON.parse(data);
      m = {event: 'message', label, topic: e.topic, from: e.from, name: e.name, ts: e.ts, text: e.text, rc: e.rc};
    } catch (err) {
      m = {event: 'message', label, bad: String(err), size: data.length};
    }
  }
  rc.inbox.push(m);
  if (!rc.flushing) {
    rc.flushing = true;
    setTimeout(() => {
      const batch = rc.inbox;
      rc.inbox = [];
      rc.flushing = false;
      window.rcDeliver(batch);
    }, 0);
  }
}

// The envelope of a text message, as roomcast writes it (ids are strings).
function rcEnvelope(topic, text) {
  return JSON.stringify({rc: 1, topic, from: String(rc.id), name: rc.name, ts: Date.now(), text});
}

// The 60 KiB test text: printable ASCII, quotes and backslashes included (JSON escapes);
// run_messages_test.py's pattern() makes the same.
window.rcPattern = function (n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = String.fromCharCode(33 + ((i * 7919 + Math.floor(i / 94)) % 94));
  return out.join('');
};

// Joins p.room as p.name and publishes a data section only; resolves with our id once both
// channels are open. Publishers already in the room and those that come are followed when
// their display name is in p.follow.
window.rcJoin = async function (p) {
  const deadline = performance.now() + p.timeout * 1000;
  const left = () => Math.max(1, deadline - performance.now());
  const janus = new Janus(p.url, '');
  const pc = new RTCPeerConnection({iceServers: []});
  Object.assign(rc, {janus, pc, name: p.name, room: p.room, follow: new Set(p.follow)});
  rc.reliable = pc.createDataChannel('roomcast');
  rc.unreliable = pc.createDataChannel('roomcast-unreliable', {ordered: false, maxRetransmits: 0});
  await janus.open(Math.min(left(), 10000));
  await janus.createSession();
  rc.handle = await janus.attach();
  const joined = await janus.message(rc.handle, {request: 'join', ptype: 'publisher', room: p.room, display: p.name});
  rc.id = joined.data.id;
  await pc.setLocalDescription(await pc.createOffer());
  await rcGathered(pc, Math.min(left(), 10000));
  const r = await janus.message(rc.handle, {request: 'configure', audio: false, video: false, data: true},
    {type: 'offer', sdp: pc.localDescription.sdp});
  if (!r.jsep) throw new Error('Janus sent no answer to our offer');
  await pc.setRemoteDescription(r.jsep);
  for (const ch of [rc.reliable, rc.unreliable]) {
    await rcWaitFor(`channel ${ch.label} open`, () => ch.readyState === 'open', ch, ['open'], left());
  }
  rc.maxMessageSize = pc.sctp ? pc.sctp.maxMessageSize : null;
  const seen = (list) => { for (const pub of list || []) rcMaybeFollow(pub); };
  seen(joined.data.publishers);
  (async () => {
    for (;;) {
      const ev = await janus.nextEvent(rc.handle, 1e9).catch(() => ({janus: 'closed'}));
      if (ev.janus === 'closed') return;
      seen(((ev.plugindata || {}).data || {}).publishers);
    }
  })();
  return {id: rc.id, maxMessageSize: rc.maxMessageSize};
};

function rcMaybeFollow(pub) {
  if (!rc.follow.has(pub.display) || rc.following.has(pub.id)) return;
  const data = (pub.streams || []).find((s) => s.type === 'data');
  if (!data) return;
  rc.following.set(pub.id, {});
  rcFollow(pub, data.mid).catch((e) => window.rcNotify({event: 'error',
    message: `following ${pub.display} failed: ${e.message}`}));
}

// A subscription of its own to one publisher's data stream. Janus relays to a subscriber only
// once that subscriber opened a channel itself (janus.js does the same); Janus's channels to
// us (one per source) arrive through ondatachannel.
async function rcFollow(pub, mid) {
  const janus = rc.janus;
  const pc = new RTCPeerConnection({iceServers: []});
  const sub = await janus.attach();
  Object.assign(rc.following.get(pub.id), {pc, sub});
  pc.ondatachannel = (e) => {
    const ch = e.channel;
    ch.binaryType = 'arraybuffer';
    ch.onmessage = (m) => rcReceived(ch.label, m.data);
  };
  const attached = await janus.message(sub, {request: 'join', ptype: 'subscriber', room: rc.room,
    streams: [{feed: pub.id, mid}]});
  await pc.setRemoteDescription(attached.jsep);
  const own = pc.createDataChannel('roomcast');
  own.onmessage = (m) => rcReceived(own.label, m.data);
  await pc.setLocalDescription(await pc.createAnswer());
  await rcGathered(pc, 10000);
  await janus.message(sub, {request: 'start', room: rc.room}, {type: 'answer', sdp: pc.localDescription.sdp});
  await rcWaitFor('our channel to the subscription open', () => own.readyState === 'open', own, ['open'], 20000);
  window.rcNotify({event: 'following', name: pub.display, id: String(pub.id)});
}

// Sends c.texts, or c.count numbered texts "<c.prefix> <i>" from c.start (each padded with
// c.pad characters derived from i, so that a damaged one shows), or one pattern of c.pattern
// characters; on the unreliable channel when c.reliable is false.
window.rcSend = function (c) {
  const ch = c.reliable === false ? rc.unreliable : rc.reliable;
  if (ch.readyState !== 'open') throw new Error(`channel ${ch.label} is ${ch.readyState}`);
  let texts = c.texts || [];
  if (c.count) {
    texts = [];
    for (let i = c.start || 0; i < (c.start || 0) + c.count; i++) texts.push(`${c.prefix} ${i}${rcPad(i, c.pad || 0)}`);
  }
  if (c.pattern) texts = [window.rcPattern(c.pattern)];
  for (const t of texts) ch.send(rcEnvelope(c.topic, t));
  return {event: 'sent', topic: c.topic, count: texts.length, bufferedAmount: ch.bufferedAmount,
    reliable: c.reliable !== false};
};

function rcPad(i, n) {
  if (!n) return '';
  let s = ' ';
  for (let k = 0; k < n; k++) s += String.fromCharCode(97 + ((i + k * 7) % 26));
  return s;
}

// Leaves the room (bounded), then closes everything.
window.rcLeave = async function () {
  if (!rc.janus) return;
  try {
    if (rc.handle && !rc.janus.closed) {
      await Promise.race([rc.janus.message(rc.handle, {request: 'leave'}), new Promise((r) => setTimeout(r, 2000))]);
    }
  } finally {
    rc.janus.close();
    for (const [, f] of rc.following) if (f.pc) f.pc.close();
    rc.pc.close();
  }
};
