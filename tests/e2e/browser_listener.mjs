#!/usr/bin/env node
// Headless Chromium (Debian's, driven by playwright-core) subscribes to a Janus VideoRoom with
// listener.html and prints one JSON line of what it heard; non-zero exit with a reason otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, servePage } from './chromium_page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    room: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    token: { type: 'string', default: '' },
    pin: { type: 'string', default: '' },
    timeout: { type: 'string', default: '30' },
    // Comma-separated display names: follow each of these publishers at once (one JSON
    // line per feed) instead of the room's first publisher.
    'feed-names': { type: 'string', default: '' },
    chromium: { type: 'string', default: process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium' },
    verbose: { type: 'boolean', default: false },
    // Ask for stereo in the answer and report each channel's tone (left/right).
    stereo: { type: 'boolean', default: false },
    // Watch the publisher's video instead (listener.html's roomcastWatch): frame numbers
    // read from every presented frame, and Chromium's inbound video statistics (with
    // --feed-names, of each of those publishers: one JSON line per feed).
    video: { type: 'boolean', default: false },
    // With --video: also when each frame is shown and each beep is heard (lip-sync).
    sync: { type: 'boolean', default: false },
    // With --video: read every decoded frame (MediaStreamTrackProcessor) instead of every
    // presented one (requestVideoFrameCallback).
    decoded: { type: 'boolean', default: false },
  },
});
if (!opt.url || !opt.room) {
  console.error('usage: browser_listener.mjs --url ws://HOST:PORT --room ID [--seconds N] [--token T] [--pin P] [--timeout S] [--feed-names A,B,...]');
  process.exit(2);
}
const seconds = Number(opt.seconds), timeoutS = Number(opt.timeout);
// Overall bound: finding a publisher (timeout) + measuring (seconds) + browser start/stop.
const overallMs = (timeoutS + seconds + 20) * 1000;

const profile = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
let context = null;
let finished = false;

async function shutdown(code, message) {
  if (finished) return;
  finished = true;
  if (message) console.error(`browser_listener: ${message}`);
  // A hung close must not hang us: bound it; on exit playwright-core kills the browser it
  // launched (its process 'exit' hook), and netns.sh's PID namespace backs that up.
  if (context) {
    await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  server.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}

const overall = setTimeout(() => shutdown(3, `overall timeout after ${overallMs / 1000} s`), overallMs);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(4, `stopped by ${sig}`));

const { server, url: pageUrl } = await servePage(here);

try {
  context = await launchChromium(profile, opt.chromium);
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    const text = m.text();
    // The driver waits for this line before it starts the publisher.
    if (text.startsWith('[ready] ')) console.error(`browser_listener: ready: ${text.slice(8)}`);
    else if (opt.verbose) console.error(`page: ${text}`);
  });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(pageUrl);
  const params = { url: opt.url, room: Number(opt.room), seconds, timeout: timeoutS, token: opt.token, pin: opt.pin,
    stereo: opt.stereo, sync: opt.sync, decoded: opt.decoded };
  const names = opt['feed-names'] ? opt['feed-names'].split(',') : [null];
  const results = await page.evaluate(({ list, video }) => Promise.all(list.map((p) =>
    (video ? window.roomcastWatch(p) : window.roomcastListen(p)))),
  { list: names.map((feedName) => Object.assign({ feedName }, params)), video: opt.video });
  clearTimeout(overall);
  for (const result of results) console.log(JSON.stringify(result));
  await shutdown(0);
} catch (e) {
  clearTimeout(overall);
  const text = (e && e.message ? e.message : String(e)).split('\n')[0];
  await shutdown(1, text.replace(/^page\.evaluate: (Error: )?/, ''));
}
