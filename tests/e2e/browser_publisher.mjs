#!/usr/bin/env node
// Headless Chromium (Debian's, driven by playwright-core) publishes a WebAudio sine into a Janus
// VideoRoom with the browser's own WebRTC (publisher.js on listener.html's Janus client).
// Prints JSON lines like aiortc_publisher.py: {"event":"publishing","id"...}, {"event":"tone",
// "on"...}, {"event":"done",...}. Control: SIGUSR1 tone on, SIGUSR2 tone off, SIGINT/SIGTERM
// leave cleanly and exit 0; --seconds N (> 0) leaves by itself N s after publishing.
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
    name: { type: 'string', default: 'chromium-publisher' },
    hz: { type: 'string', default: '440' },
    gain: { type: 'string', default: '0.5' },  // peak -6 dBFS, like make_media.sh
    seconds: { type: 'string', default: '0' },
    silent: { type: 'boolean', default: false },
    video: { type: 'boolean', default: false },
    token: { type: 'string', default: '' },
    pin: { type: 'string', default: '' },
    timeout: { type: 'string', default: '30' },
    chromium: { type: 'string', default: process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium' },
    verbose: { type: 'boolean', default: false },
  },
});
if (!opt.url || !opt.room) {
  console.error('usage: browser_publisher.mjs --url ws://HOST:PORT --room ID [--name N] [--hz 440] [--gain 0.5] ' +
    '[--seconds N] [--silent] [--video] [--token T] [--pin P] [--timeout S]');
  process.exit(2);
}
const seconds = Number(opt.seconds), timeoutS = Number(opt.timeout);
const emit = (o) => console.log(JSON.stringify(Object.assign(o, { t: Date.now() / 1000 })));

const profile = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
let context = null, page = null, published = false, finished = false;

async function shutdown(code, message, reason) {
  if (finished) return;
  finished = true;
  if (message) console.error(`browser_publisher: ${message}`);
  if (page && published) {
    const stats = await Promise.race([page.evaluate(() => window.roomcastStats()).catch(() => ({})),
      new Promise((r) => setTimeout(() => r({}), 2000))]);
    await Promise.race([page.evaluate(() => window.roomcastLeave()).catch(() => {}),
      new Promise((r) => setTimeout(r, 4000))]);
    emit(Object.assign({ event: 'done', reason }, stats));
  }
  // Bounded close; playwright-core kills the browser it launched on exit, and netns.sh's PID
  // namespace backs that up.
  if (context) await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  server.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
}

// Overall bound: joining (timeout) + publishing (seconds, when given) + browser start/stop.
if (seconds > 0) setTimeout(() => shutdown(3, `overall timeout after ${timeoutS + seconds + 20} s`),
  (timeoutS + seconds + 20) * 1000);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(0, null, `stopped by ${sig}`));
const tone = (on) => async () => {
  if (!published || finished) return;
  await page.evaluate((v) => window.roomcastTone(v), on).catch(() => {});
  emit({ event: 'tone', on });
};
process.on('SIGUSR1', tone(true));
process.on('SIGUSR2', tone(false));

const { server, url: pageUrl } = await servePage(here);

try {
  context = await launchChromium(profile, opt.chromium);
  page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (opt.verbose) console.error(`page: ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(pageUrl);
  await page.addScriptTag({ path: join(here, 'publisher.js') });
  const r = await page.evaluate((p) => window.roomcastPublish(p), {
    url: opt.url, room: Number(opt.room), name: opt.name, hz: Number(opt.hz), gain: Number(opt.gain),
    silent: opt.silent, video: opt.video, timeout: timeoutS, token: opt.token, pin: opt.pin,
  });
  published = true;
  emit({ event: 'publishing', id: r.id, room: Number(opt.room), name: opt.name, hz: Number(opt.hz), codec: r.codec });
  emit({ event: 'tone', on: !opt.silent });
  if (seconds > 0) setTimeout(() => shutdown(0, null, 'duration'), seconds * 1000);
} catch (e) {
  const text = (e && e.message ? e.message : String(e)).split('\n')[0];
  await shutdown(1, text.replace(/^page\.evaluate: (Error: )?/, ''));
}
