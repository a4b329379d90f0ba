#!/usr/bin/env node
// Headless Chromium watches the room's first publisher (tests/e2e/listener.html's roomcastWatch,
// with its per-frame display times) and prints one JSON line: the frame numbers shown, each
// with its display time in Unix-epoch ms, for video_bench.py's frame-to-display latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, servePage } from '../tests/e2e/chromium_page.mjs';

const e2e = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'e2e');
const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' }, room: { type: 'string' }, seconds: { type: 'string', default: '15' },
    timeout: { type: 'string', default: '30' },
    chromium: { type: 'string', default: process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium' },
  },
});
const seconds = Number(opt.seconds), timeoutS = Number(opt.timeout);
const profile = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
const { server, url: pageUrl } = await servePage(e2e);
let context = null, code = 0;
const overall = setTimeout(() => { console.error('latency_watch: overall timeout'); process.exit(3); },
  (timeoutS + seconds + 30) * 1000);
try {
  context = await launchChromium(profile, opt.chromium);
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.text().startsWith('[ready] ')) console.error(`latency_watch: ready: ${m.text().slice(8)}`);
  });
  await page.goto(pageUrl);
  // sync: shownAt holds [frame number, expectedDisplayTime] on the page's performance clock;
  // timeOrigin puts that clock on the Unix epoch, the clock the publisher's stats are read on.
  const r = await page.evaluate(async (p) => {
    const res = await window.roomcastWatch(p);
    return Object.assign(res, { timeOrigin: performance.timeOrigin });
  }, { url: opt.url, room: Number(opt.room), seconds, timeout: timeoutS, token: '', pin: '', sync: true });
  const shown = r.sync.shownAt.map(([n, t]) => [n, r.timeOrigin + t]);
  console.log(JSON.stringify({ shown, framesDecoded: r.framesDecoded, freezeCount: r.freezeCount,
    totalFreezesDuration: r.totalFreezesDuration, mimeType: r.mimeType, frameWidth: r.frameWidth,
    frameHeight: r.frameHeight }));
} catch (e) {
  console.error(`latency_watch: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
  code = 1;
}
clearTimeout(overall);
if (context) await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
server.close();
rmSync(profile, { recursive: true, force: true });
process.exit(code);
