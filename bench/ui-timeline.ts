// UI benchmark: 100,000 frames pushed through the engine into the open timeline in browser mode
// (Chromium), against a bare `ws` client receiving the same burst. Reports frames/s ingested, how
// long the UI took to show them all, and the longest main-thread task while tailing and scrolling.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { ensureRendererBuilt, startBrowserMode } from '../electron/headless/serve.ts';
import { startWsServer, type LoopbackServer } from './echo-server.ts';

const FRAMES = 100_000;
const PAYLOAD = 64;
const CHROMIUM = '/usr/bin/chromium';
/** A longer task is one the user can feel (RAIL: 50 ms). */
const LONG_TASK_TARGET_MS = 50;
/** The engine records every frame and feeds the UI; a bare ws client only counts them. */
const INGEST_TARGET = 0.5;

/** A server that, asked "blast N", sends N numbered text frames as fast as it can. */
function blastServer(): Promise<LoopbackServer> {
  return startWsServer((socket) => {
    socket.on('message', (data) => {
      const m = /^blast (\d+)$/.exec(data.toString());
      if (m === null) return;
      const body = 'x'.repeat(PAYLOAD - 8);
      for (let i = 0; i < Number(m[1]); i++) socket.send(`${String(i).padStart(7, '0')} ${body}`);
    });
  });
}

/** Frames per second a bare ws client receives from the blast. */
async function wsBaseline(url: string): Promise<number> {
  const client = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { client.once('open', resolve); client.once('error', reject); });
  let received = 0;
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => client.on('message', () => {
    if (++received === FRAMES) resolve();
  }));
  client.send(`blast ${FRAMES}`);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  return FRAMES / seconds;
}

/** Starts recording long tasks and animation-frame gaps in the page; `read` returns and resets them. */
async function installProbes(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__probe = { longest: 0, gap: 0, last: performance.now() };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__probe.longest = Math.max(window.__probe.longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
    const tick = (t) => { window.__probe.gap = Math.max(window.__probe.gap, t - window.__probe.last); window.__probe.last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
}

async function readProbes(page: Page): Promise<{ longest: number; gap: number }> {
  return page.evaluate(`(() => { const p = window.__probe; const out = { longest: p.longest, gap: p.gap }; p.longest = 0; p.gap = 0; return out; })()`);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function runUiBench(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`the UI benchmark needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  await ensureRendererBuilt((line) => console.log(line));
  const server = await blastServer();
  // A data folder of its own: a fresh session, and none left in the user's (they took 130 MB a run).
  const data = mkdtempSync(join(tmpdir(), 'framescope-bench-data-'));
  const mode = await startBrowserMode(0, '127.0.0.1', data);
  const profile = mkdtempSync(join(tmpdir(), 'framescope-bench-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const baseline = await wsBaseline(server.url);

    const page = await browser.newPage();
    await page.goto(mode.url);
    const { id } = mode.engine.call('connections.open', { url: server.url, deflate: { enabled: false } });
    const summary = () => mode.engine.call('connections.list', undefined).find((c) => c.id === id)!;
    await waitFor('the connection to open', () => summary().state === 'open');
    await page.getByTestId('connection-item').first().click();
    await page.getByTestId('timeline').waitFor();
    // The composer loads Monaco lazily on first show; its start-up is not what this measures.
    await page.locator('.monaco-editor').first().waitFor({ timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await installProbes(page);

    const t0 = performance.now();
    mode.engine.call('connections.send', { id, message: { kind: 'text', text: `blast ${FRAMES}` } });
    await waitFor('the engine to record every frame', () => summary().framesIn >= FRAMES);
    const ingestSeconds = (performance.now() - t0) / 1000;
    const lastPreview = String(FRAMES - 1).padStart(7, '0');
    await waitFor('the timeline to show the last frame', async () => (await page.getByTestId('timeline').textContent())?.includes(lastPreview) ?? false);
    const shownSeconds = (performance.now() - t0) / 1000;
    const tailing = await readProbes(page);

    // Scroll the whole timeline top to bottom in 300 jumps, one per animation frame, then drag-like wheel steps.
    await page.evaluate(`(async () => {
      const scroller = document.querySelector('[data-testid="timeline"]');
      const max = scroller.scrollHeight - scroller.clientHeight;
      for (let i = 0; i <= 300; i++) {
        scroller.scrollTop = max * (i / 300) * (i % 2 ? 1 : 0.999);
        await new Promise((r) => requestAnimationFrame(r));
      }
    })()`);
    await page.mouse.move(700, 450);
    for (let i = 0; i < 100; i++) await page.mouse.wheel(0, -2000);
    const scrolling = await readProbes(page);
    // The scrolling must have reached real rows: the first frame shows once scrolled to the top.
    await page.evaluate(`document.querySelector('[data-testid="timeline"]').scrollTop = 0`);
    await waitFor('the first frame at the top of the timeline', async () => (await page.getByTestId('timeline').textContent())?.includes('0000000 x') ?? false, 10_000);

    const rate = FRAMES / ingestSeconds;
    const ratio = rate / baseline;
    console.log(`\nUI timeline: ${FRAMES} text frames of ${PAYLOAD} B into the open timeline (browser mode, headless Chromium)`);
    console.log(`  ws client receive rate        ${Math.round(baseline).toLocaleString('en')} frames/s`);
    console.log(`  engine ingest rate            ${Math.round(rate).toLocaleString('en')} frames/s   ratio ${ratio.toFixed(2)} (target >= ${INGEST_TARGET.toFixed(2)}) ${ratio >= INGEST_TARGET ? 'OK' : 'BELOW'}`);
    console.log(`  all frames shown in the UI    ${shownSeconds.toFixed(2)} s after the burst started`);
    console.log(`  longest task while tailing    ${tailing.longest.toFixed(0)} ms (longest frame gap ${tailing.gap.toFixed(0)} ms)  target < ${LONG_TASK_TARGET_MS} ms ${tailing.longest < LONG_TASK_TARGET_MS ? 'OK' : 'BELOW'}`);
    console.log(`  longest task while scrolling  ${scrolling.longest.toFixed(0)} ms (longest frame gap ${scrolling.gap.toFixed(0)} ms)  target < ${LONG_TASK_TARGET_MS} ms ${scrolling.longest < LONG_TASK_TARGET_MS ? 'OK' : 'BELOW'}`);
  } finally {
    await browser.close();
    await mode.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}
