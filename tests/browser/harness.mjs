// harness.mjs — what the page's browser tests share (browser_test.mjs, learn_test.mjs): the
// counted checks and their closing `N passed, M failed` line, the web folder served on a random
// localhost port, and Debian's Chromium (playwright-core) with the flags TOOLCHAIN.md §3 needs on
// these machines, recording console errors and page errors.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = Date.now();
let passed = 0, failed = 0;

/** One counted check, printed with the seconds since the test started. */
export function check(name, ok, detail = '') {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
  return ok;
}

/**
 * Serves `dir`, opens Chromium at `viewport` and runs body({ page, ctx, port, errors }); a throw
 * is one failed check named `what`. Then closes everything, prints the time and the count line
 * and exits with 0 only if every check passed (and there was one).
 */
export async function runInBrowser(dir, what, { viewport = { width: 1280, height: 900 }, ...options } = {}, body) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir],
    { stdio: 'ignore' });
  const profile = mkdtempSync(join(tmpdir(), 'rill-chromium-'));
  const errors = [];
  let ctx;
  try {
    for (let i = 0; i < 50; i++) {
      try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, viewport, ...options,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await body({ page, ctx, port, errors });
  } catch (e) {
    check(`${what} ran to the end`, false, e.stack ?? String(e));
  } finally {
    await ctx?.close();
    server.kill();
    rmSync(profile, { recursive: true, force: true });
  }
  return { seconds: (Date.now() - started) / 1000 };
}

/** The closing lines, and the exit code. */
export function finish(note) {
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; ${note})`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}
