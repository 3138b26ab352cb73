// End to end through the explicit proxy with a real browser: a second Debian Chromium, pointed at the
// proxy started from the Framescope UI and trusting its CA only by SPKI hash, opens wss:// to a local TLS
// echo server (test CA, so upstream verification is off for it from the UI); a message it sends is held,
// edited in Monaco and forwarded, and both the server and the page see only the edited text.
// Screenshots go to <os tmpdir>/framescope-e2e-screenshots, outside the repository.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser as ChromiumBrowser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Engine } from '../../electron/core/engine.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { type Browser, CHROMIUM_ARGS, CHROMIUM_PATH, frameRows, launchBrowser, requireChromium, startApp } from './support.ts';

/** Only a guard against hangs: every wait below ends as soon as its condition holds. */
const WAIT = { timeout: 30_000 };
const screenshotDir = join(tmpdir(), 'framescope-e2e-screenshots');
/** The headless flags of launchBrowser in support.ts, for the second, separate browser process. */

interface TlsEcho {
  port: number;
  /** Text messages the server received, in order. */
  received: string[];
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 with the test CA's localhost leaf and a ws echo server on it that records text messages. */
async function startTlsEcho(certs: TestCerts): Promise<TlsEcho> {
  const received: string[] = [];
  const server = https.createServer({ key: certs.leaf.key, cert: certs.leaf.cert });
  const wss = new WebSocketServer({ server, path: '/echo' });
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      if (!isBinary) received.push(data.toString());
      socket.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The web app under test: a page whose script talks to the echo server over wss:// by the name localhost. */
function testPageHtml(tlsPort: number): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>wss test page</title>
<script>
  window.received = [];
  window.socketState = 'connecting';
  const socket = new WebSocket('wss://localhost:${tlsPort}/echo');
  socket.onopen = () => { window.socketState = 'open'; };
  socket.onerror = () => { window.socketState = 'error'; };
  socket.onclose = (event) => { window.socketState = 'closed ' + event.code; };
  socket.onmessage = (event) => { window.received.push(event.data); };
  window.sendIt = (text) => socket.send(text);
</script>`;
}

async function startPageServer(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let workDir: string;
let engine: Engine;
let appUrl: string;
let closeApp: () => Promise<void>;
let certs: TestCerts;
let echo: TlsEcho;
let pageServer: { url: string; close(): Promise<void> };
let browser: Browser | undefined;
let webAppBrowser: ChromiumBrowser | undefined;
let page: Page;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-wss-'));
  mkdirSync(screenshotDir, { recursive: true });
  const app = await startApp(workDir);
  engine = app.engine;
  appUrl = app.url;
  closeApp = app.close;
  certs = makeCerts();
  echo = await startTlsEcho(certs);
  pageServer = await startPageServer(testPageHtml(echo.port));
  requireChromium();
  browser = await launchBrowser(join(workDir, 'chromium-profile'));
  page = await browser.openApp(appUrl, WAIT.timeout);
}, 120_000);

afterAll(async () => {
  await webAppBrowser?.close();
  await browser?.context.close();
  await Promise.all([closeApp?.(), echo?.close(), pageServer?.close()]);
  certs?.dispose();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

afterEach(() => {
  if (browser === undefined) return;
  expect(browser.problemsOf(page), 'console errors, page errors or CSP violations').toEqual([]);
});

const byId = (id: string) => page.getByTestId(id);
const screenshot = (name: string) => page.screenshot({ path: join(screenshotDir, `proxy-wss-${name}.png`) });
const showPage = (name: 'connections' | 'proxy') => page.locator(`[data-testid=page-switch] [data-page=${name}]`).click();

test('a browser wss:// message through the explicit proxy is held, edited in Monaco and forwarded; server and page see only the edit', async () => {
  await showPage('proxy');
  await byId('proxy-mode').selectOption('explicit');
  await byId('proxy-port').fill('0');
  // The echo server's certificate is from the test CA, which the proxy does not trust.
  await byId('proxy-insecure').fill('localhost, 127.0.0.1');
  await byId('proxy-start').click();
  await page.locator('[data-testid=proxy-state][data-state=listening]').waitFor(WAIT);
  const status = engine.call('proxy.status', undefined);
  expect(status.settings.insecureUpstreamHosts).toEqual(['localhost', '127.0.0.1']);
  const address = status.address!;
  expect(await byId('proxy-address').textContent()).toContain(`http://${address}`);

  await byId('intercept-client').check();
  await expect.poll(() => engine.call('intercept.get', undefined).settings.client, WAIT).toBe(true);

  // The web app's browser: a separate Chromium process, as "Open browser through proxy" starts one.
  const spki = engine.call('ca.info', undefined).spki;
  webAppBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, `--proxy-server=http://${address}`, '--proxy-bypass-list=<-loopback>', `--ignore-certificate-errors-spki-list=${spki}`],
  });
  const webApp = await webAppBrowser.newPage();
  await webApp.goto(pageServer.url);
  // Page code, given as text: this folder is type-checked without DOM types.
  await webApp.waitForFunction(`window.socketState !== 'connecting'`, undefined, WAIT);
  expect(await webApp.evaluate(`window.socketState`)).toBe('open');

  await webApp.evaluate(`window.sendIt('original text')`);
  const held = page.getByTestId('held-item');
  await held.first().waitFor(WAIT);
  expect(await held.count()).toBe(1);
  expect(await held.first().getAttribute('data-direction')).toBe('client');
  // Held, so the server has nothing yet.
  expect(echo.received).toEqual([]);

  await page.locator('[data-testid=held-editor][data-ready=true] .monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('edited text');
  await byId('held-changed').waitFor(WAIT);
  await screenshot('01-held-edited');
  await byId('held-forward').click();

  await expect.poll(() => echo.received, WAIT).toEqual(['edited text']);
  const pageReceived = () => webApp.evaluate(`window.received`);
  await expect.poll(pageReceived, WAIT).toEqual(['edited text']);
  await byId('held-empty').waitFor(WAIT);

  await showPage('connections');
  const item = page.locator('[data-testid=connection-item][data-origin=proxied]');
  await item.waitFor(WAIT);
  expect(await item.getByTestId('connection-proxied-badge').textContent()).toBe('proxied');
  expect(await item.getByTestId('connection-proxied-meta').textContent()).toContain('explicit proxy');
  expect(await item.locator('button').getAttribute('title')).toBe(`wss://localhost:${echo.port}/echo`);
  await item.locator('button').click();
  await expect.poll(() => frameRows(page), WAIT).toEqual(['out 1 [edited held] edited text', 'in 1 [] edited text']);
  await screenshot('02-edited-row');
}, 120_000);
