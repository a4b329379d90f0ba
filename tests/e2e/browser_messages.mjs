#!/usr/bin/env node
// Headless Chromium (Debian's, driven by playwright-core) in a Janus VideoRoom as a message
// peer (messages_page.js on listener.html's Janus client): a data-only publisher that follows
// the data streams of the publishers named by --follow. Driven by JSON lines on stdin:
//   {"cmd":"send","topic":T,"count":N,"prefix":P,"start":0,"pad":0,"reliable":true}
//   {"cmd":"send","topic":T,"texts":[...]}   {"cmd":"send","topic":T,"pattern":BYTES}
// Prints JSON lines: {"event":"publishing","id","maxMessageSize"}, {"event":"following","name","id"},
// {"event":"message","topic","from","name","ts","size","sha256","text" (up to 2000 bytes),
// "label"}, {"event":"sent",...}, {"event":"error","message"}, {"event":"done"}.
// SIGINT/SIGTERM (or end of stdin) leave cleanly and exit 0; --max-seconds bounds the whole run.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, servePage } from './chromium_page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    room: { type: 'string' },
    name: { type: 'string', default: 'chromium' },
    follow: { type: 'string', default: '' },  // comma-separated display names
    timeout: { type: 'string', default: '20' },
    'max-seconds': { type: 'string', default: '120' },
    chromium: { type: 'string', default: process.env.ROOMCAST_CHROMIUM || '/usr/bin/chromium' },
    verbose: { type: 'boolean', default: false },
  },
});
if (!opt.url || !opt.room) {
  console.error('usage: browser_messages.mjs --url ws://HOST:PORT --room ID [--name N] [--follow A,B] [--timeout S] ' +
    '[--max-seconds S]');
  process.exit(2);
}
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const profile = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
let context = null, page = null, joined = false, finished = false;

async function shutdown(code, message) {
  if (finished) return;
  finished = true;
  if (message) {
    console.error(`browser_messages: ${message}`);
    emit({ event: 'error', message });
  }
  if (page && joined) {
    await Promise.race([page.evaluate(() => window.rcLeave()).catch(() => {}),
      new Promise((r) => setTimeout(r, 4000))]);
  }
  // Bounded close; playwright-core kills the browser it launched on exit, and netns.sh's PID
  // namespace backs that up.
  if (context) await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  server.close();
  rmSync(profile, { recursive: true, force: true });
  if (code === 0) emit({ event: 'done' });
  process.exit(code);
}

const maxMs = Number(opt['max-seconds']) * 1000;
setTimeout(() => shutdown(3, `overall timeout after ${maxMs / 1000} s`), maxMs).unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(0));

function deliver(batch) {
  for (const m of batch) {
    if (typeof m.text === 'string') {
      const bytes = Buffer.from(m.text, 'utf8');
      m.size = bytes.length;
      m.sha256 = createHash('sha256').update(bytes).digest('hex');
      if (m.size > 2000) delete m.text;
    }
    emit(m);
  }
}

const { server, url: pageUrl } = await servePage(here);

try {
  context = await launchChromium(profile, opt.chromium);
  page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (opt.verbose) console.error(`page: ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.exposeFunction('rcDeliver', deliver);
  await page.exposeFunction('rcNotify', emit);
  await page.goto(pageUrl);
  await page.addScriptTag({ path: join(here, 'messages_page.js') });
  const r = await page.evaluate((p) => window.rcJoin(p), {
    url: opt.url, room: Number(opt.room), name: opt.name, timeout: Number(opt.timeout),
    follow: opt.follow ? opt.follow.split(',') : [],
  });
  joined = true;
  emit({ event: 'publishing', id: String(r.id), name: opt.name, maxMessageSize: r.maxMessageSize });
} catch (e) {
  const text = (e && e.message ? e.message : String(e)).split('\n')[0];
  await shutdown(1, text.replace(/^page\.evaluate: (Error: )?/, ''));
}

// Commands run one at a time, in order.
let queue = Promise.resolve();
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    if (finished) return;
    try {
      const c = JSON.parse(line);
      if (c.cmd !== 'send') throw new Error(`unknown command ${c.cmd}`);
      emit(await page.evaluate((x) => window.rcSend(x), c));
    } catch (e) {
      emit({ event: 'error', message: (e && e.message ? e.message : String(e)).split('\n')[0] });
    }
  });
});
rl.on('close', () => { queue.then(() => shutdown(0)); });
