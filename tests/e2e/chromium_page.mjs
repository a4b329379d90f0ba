// Shared by the browser drivers: a page of tests/e2e (listener.html holds the page's Janus
// client) served over http://127.0.0.1, and Debian's Chromium launched headless.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// Served over http, not file://: an opaque-origin page may not load its AudioWorklet module.
export async function servePage(dir, name = 'listener.html') {
  const html = readFileSync(join(dir, name));
  const server = createServer((req, res) => {
    if (req.url === `/${name}`) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/${name}` };
}

// No background networking: this machine has no network, and the browser must not try.
export function launchChromium(profile, executablePath) {
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // Playwright's own signal handlers would race ours; the scripts close the browser.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    timeout: 30000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      '--autoplay-policy=no-user-gesture-required', '--disable-quic'],
  });
}
