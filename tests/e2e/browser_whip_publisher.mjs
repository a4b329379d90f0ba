#!/usr/bin/env node
// Headless Chromium (Debian's, driven by playwright-core) publishes a WebAudio sine to a WHIP
// endpoint (RFC 9725) with the browser's own RTCPeerConnection: the control that shows the WHIP
// server works in a run, independent of roomcast. The page makes the offer (all candidates in
// it) and applies the answer; node does the HTTP (POST application/sdp with the Bearer token,
// 201 + Location, DELETE on leave), as the server's CORS exposes no Location to a page.
// Prints JSON lines: {"event":"publishing","status","location"}, {"event":"done","deleted"}.
// SIGINT/SIGTERM leave (DELETE) and exit 0; --seconds N leaves by itself after N s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, servePage } from './chromium_page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    token: { type: 'string', default: '' },
    hz: { type: 'string', default: '523' },
    seconds: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '30' },
    chromium: { type: 'string', default: process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!opt.endpoint) {
  console.error('usage: browser_whip_publisher.mjs --endpoint URL [--token T] [--hz 523] [--seconds N]');
  process.exit(2);
}
const emit = (o) => console.log(JSON.stringify(o));
const auth = opt.token ? { authorization: `Bearer ${opt.token}` } : {};
const profile = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
let context = null, resource = null, finished = false;
const { server, url: pageUrl } = await servePage(here);

async function shutdown(code, message) {
  if (finished) return;
  finished = true;
  if (message) console.error(`browser_whip_publisher: ${message}`);
  let deleted = null;
  if (resource) {
    const r = await fetch(resource, { method: 'DELETE', headers: auth, signal: AbortSignal.timeout(5000) })
      .catch((e) => ({ status: String(e) }));
    deleted = r.status;
  }
  emit({ event: 'done', deleted });
  if (context) await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  server.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(0));
setTimeout(() => shutdown(3, 'overall timeout'), (Number(opt.timeout) + Number(opt.seconds) + 30) * 1000);

try {
  context = await launchChromium(profile, opt.chromium);
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(pageUrl);
  const offer = await page.evaluate(async (hz) => {
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const osc = ctx.createOscillator();
    osc.frequency.value = hz;
    const gain = ctx.createGain();
    gain.gain.value = 0.5;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.whipPc = pc;
    pc.addTransceiver(dest.stream.getAudioTracks()[0], { direction: 'sendonly', streams: [dest.stream] });
    await pc.setLocalDescription(await pc.createOffer());
    // No trickle: every candidate in the offer (RFC 9725 allows either).
    if (pc.iceGatheringState !== 'complete')
      await new Promise((r) => pc.addEventListener('icegatheringstatechange',
        () => pc.iceGatheringState === 'complete' && r()));
    return pc.localDescription.sdp;
  }, Number(opt.hz));
  const response = await fetch(opt.endpoint, {
    method: 'POST', headers: { 'content-type': 'application/sdp', ...auth }, body: offer,
    signal: AbortSignal.timeout(Number(opt.timeout) * 1000),
  });
  const answer = await response.text();
  if (response.status !== 201) throw new Error(`the WHIP server answered HTTP ${response.status}: ${answer.slice(0, 200)}`);
  resource = new URL(response.headers.get('location'), response.url).href;
  await page.evaluate(async (sdp) => {
    const pc = window.whipPc;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    if (pc.connectionState !== 'connected')
      await new Promise((resolve, reject) => pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') resolve();
        if (pc.connectionState === 'failed') reject(new Error('the PeerConnection failed'));
      }));
  }, answer);
  emit({ event: 'publishing', status: response.status, location: resource });
  if (Number(opt.seconds) > 0) setTimeout(() => shutdown(0), Number(opt.seconds) * 1000);
} catch (e) {
  await shutdown(1, (e && e.message ? e.message : String(e)).split('\n')[0]);
}
