// End to end, the Proxy page: the production renderer build served by browser mode with a real
// engine (with a data folder, so it has a CA), driven in Debian's Chromium. A `ws` client connects
// through the proxy started from the UI (reverse mode, port 0) to a local `ws` echo server that
// records what it receives; holds, edits in Monaco, drops, injections and rules are checked at the peers.
// Screenshots go to <os tmpdir>/framescope-e2e-screenshots, outside the repository.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Engine } from '../../electron/core/engine.ts';
import { type Browser, CHROMIUM_PATH, frameRows, launchBrowser, requireChromium, startApp } from './support.ts';

/** Only a guard against hangs: every wait below ends as soon as its condition holds. */
const WAIT = { timeout: 15_000 };
const screenshotDir = join(tmpdir(), 'framescope-e2e-screenshots');

interface RecordingEcho {
  url: string;
  /** Text messages the server received, in order. */
  received: string[];
  close(): Promise<void>;
}

/** A ws echo server on 127.0.0.1 that also records every text message it receives. */
async function startRecordingEcho(): Promise<RecordingEcho> {
  const received: string[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      if (!isBinary) received.push(data.toString());
      socket.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/** A `ws` client of the app under test: what it received, in order. */
interface AppClient {
  socket: WebSocket;
  received: string[];
}

async function connectApp(url: string): Promise<AppClient> {
  const socket = new WebSocket(url);
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, received };
}

let workDir: string;
let engine: Engine;
let appUrl: string;
let closeServer: () => Promise<void>;
let echo: RecordingEcho;
let browser: Browser | undefined;
let page: Page;
const clients: AppClient[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-proxy-'));
  mkdirSync(screenshotDir, { recursive: true });
  const app = await startApp(workDir);
  engine = app.engine;
  appUrl = app.url;
  closeServer = app.close;
  echo = await startRecordingEcho();
  if (existsSync(CHROMIUM_PATH)) browser = await launchBrowser(join(workDir, 'chromium-profile'));
});

afterAll(async () => {
  for (const client of clients) client.socket.terminate();
  await browser?.context.close();
  await Promise.all([closeServer?.(), echo?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  requireChromium();
  page = await browser!.openApp(appUrl, WAIT.timeout);
});

afterEach(async () => {
  if (browser === undefined) return;
  const problems = await browser.closePage(page);
  expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
});

const byId = (id: string) => page.getByTestId(id);
const screenshot = (name: string) => page.screenshot({ path: join(screenshotDir, `proxy-${name}.png`) });
const showPage = (name: 'connections' | 'proxy') => page.locator(`[data-testid=page-switch] [data-page=${name}]`).click();
const heldItems = () => page.getByTestId('held-item');

/** Replaces the held frame's payload in its Monaco editor by typing. */
async function typeHeldPayload(text: string): Promise<void> {
  await page.locator('[data-testid=held-editor][data-ready=true] .monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/** The proxy's address once listening (host:port). */
function proxyAddress(): string {
  const status = engine.call('proxy.status', undefined);
  if (status.address === null) throw new Error(`The proxy is not listening (state ${status.state}, error ${status.error})`);
  return status.address;
}

test('starts a reverse proxy from the UI; a held app message is edited in Monaco and forwarded, and the row says edited', async () => {
  await showPage('proxy');
  await byId('proxy-mode').selectOption('reverse');
  await byId('proxy-reverse-url').fill(echo.url);
  await byId('proxy-port').fill('0');
  await byId('proxy-start').click();
  await page.locator('[data-testid=proxy-state][data-state=listening]').waitFor(WAIT);
  const address = proxyAddress();
  expect(await byId('proxy-address').textContent()).toContain(`ws://${address}`);
  expect(await page.locator('[data-testid=proxy-indicator]').getAttribute('data-state')).toBe('listening');

  await byId('intercept-client').check();
  await expect.poll(() => engine.call('intercept.get', undefined).settings.client, WAIT).toBe(true);

  const app = await connectApp(`ws://${address}/edit`);
  clients.push(app);
  app.socket.send('hello world');
  await heldItems().first().waitFor(WAIT);
  expect(await heldItems().count()).toBe(1);
  expect(await heldItems().first().getAttribute('data-direction')).toBe('client');
  expect(await heldItems().first().textContent()).toContain('app → server');
  expect(await byId('held-indicator').textContent()).toBe('1 held');
  // Held, so the server has nothing yet; the app's other direction is not blocked.
  expect(echo.received).toEqual([]);

  await typeHeldPayload('hello edited');
  await byId('held-changed').waitFor(WAIT);
  expect(await byId('held-forward').textContent()).toBe('Forward edited');
  await screenshot('01-held-edited');
  await byId('held-forward').click();

  await expect.poll(() => echo.received, WAIT).toEqual(['hello edited']);
  await expect.poll(() => app.received, WAIT).toEqual(['hello edited']);
  await byId('held-empty').waitFor(WAIT);

  await showPage('connections');
  const item = page.locator('[data-testid=connection-item][data-origin=proxied]');
  await item.waitFor(WAIT);
  expect(await item.getByTestId('connection-proxied-badge').textContent()).toBe('proxied');
  expect(await item.getByTestId('connection-proxied-meta').textContent()).toContain('reverse proxy');
  await item.locator('button').click();
  expect(await byId('reconnect-button').count()).toBe(0);
  await expect.poll(() => frameRows(page), WAIT).toEqual(['out 1 [edited held] hello edited', 'in 1 [] hello edited']);
  expect(await page.locator('[data-testid=timeline-row][data-dir=out] .cell.dir').textContent()).toBe('A→S');

  await page.locator('[data-testid=timeline-row][data-dir=out]').click();
  await expect.poll(() => byId('inspector-proxy').getAttribute('data-flags'), WAIT).toBe('edited held');
  expect(await byId('inspector-summary').textContent()).toContain('app → server');
  await byId('inspector-held').waitFor(WAIT);
  await page.locator('[data-testid=inspector-tabs] [data-tab=diff]').click();
  // Both sides of the diff, as rendered (Monaco draws spaces as no-break spaces).
  const diffText = async () => ((await byId('inspector-diff').getAttribute('data-ready')) === 'true' ? await byId('inspector-diff').innerText() : '').replace(/\u00a0/g, ' ');
  await expect.poll(diffText, WAIT).toContain('hello world');
  expect(await diffText()).toContain('hello edited');
  await screenshot('02-edited-row-diff');
});

test('D drops the held frame, intercept off lets the next pass, and the composer injects toward the app', async () => {
  const app = await connectApp(`ws://${proxyAddress()}/drop`);
  clients.push(app);
  await showPage('proxy');
  app.socket.send('drop me');
  await heldItems().first().waitFor(WAIT);
  await heldItems().first().locator('button').focus();
  await page.keyboard.press('d');
  await byId('held-empty').waitFor(WAIT);

  await byId('intercept-client').uncheck();
  await expect.poll(() => engine.call('intercept.get', undefined).settings.client, WAIT).toBe(false);
  app.socket.send('after the drop');
  // Same direction, same order: once this arrived, the dropped one would have arrived before it.
  await expect.poll(() => echo.received.at(-1), WAIT).toBe('after the drop');
  expect(echo.received).not.toContain('drop me');

  await showPage('connections');
  await page.locator('[data-testid=connection-item][data-origin=proxied]').last().locator('button').click();
  await expect.poll(() => frameRows(page), WAIT).toEqual(['out 1 [dropped held] drop me', 'out 1 [] after the drop', 'in 1 [] after the drop']);

  await page.locator('[data-testid=composer-toward] [data-toward=client]').click();
  await page.locator('[data-testid=composer-editor][data-ready=true] .monaco-editor').click();
  await page.keyboard.type('pushed to the app');
  await byId('send-button').click();
  await expect.poll(() => app.received.at(-1), WAIT).toBe('pushed to the app');
  await expect.poll(() => byId('composer-result').textContent(), WAIT).toContain('toward the app');
  await expect.poll(async () => (await frameRows(page)).at(-1), WAIT).toBe('in 1 [injected] pushed to the app');
  await screenshot('03-dropped-and-injected');
});

test('a rule added in the editor replaces text on the way to the server and is named on the row', async () => {
  await showPage('proxy');
  await byId('rule-add').click();
  await byId('rule-form-name').fill('shout');
  await byId('rule-form-direction').selectOption('client');
  await byId('rule-form-action').selectOption('replace');
  await byId('rule-form-find').fill('quiet');
  await byId('rule-form-replace').fill('LOUD');
  await screenshot('04-rule-form');
  await byId('rule-form-save').click();
  await byId('rule-form').waitFor({ state: 'detached', ...WAIT });
  expect(await byId('rule-name').textContent()).toBe('shout');
  expect(await byId('rule-description').textContent()).toBe('app → server → replace “quiet” with “LOUD”');
  expect(engine.call('intercept.get', undefined).rules).toEqual([
    { id: expect.any(String), name: 'shout', enabled: true, match: { direction: 'client' }, action: { kind: 'replace', find: 'quiet', replace: 'LOUD' } },
  ]);
  await screenshot('05-rule');

  const app = await connectApp(`ws://${proxyAddress()}/rule`);
  clients.push(app);
  app.socket.send('be quiet');
  await expect.poll(() => echo.received.at(-1), WAIT).toBe('be LOUD');

  // Disabled, it leaves messages alone.
  await byId('rule-enabled').uncheck();
  await expect.poll(() => engine.call('intercept.get', undefined).rules[0]?.enabled, WAIT).toBe(false);
  app.socket.send('still quiet');
  await expect.poll(() => echo.received.at(-1), WAIT).toBe('still quiet');

  await showPage('connections');
  await page.locator('[data-testid=connection-item][data-origin=proxied]').last().locator('button').click();
  await expect.poll(() => frameRows(page), WAIT).toEqual(['out 1 [edited] be LOUD', 'in 1 [] be LOUD', 'out 1 [] still quiet', 'in 1 [] still quiet']);
  expect(await page.locator('[data-testid=timeline-row][data-dir=out] .cell.rule').allTextContents()).toEqual(['shout']);

  await showPage('proxy');
  await byId('rule-delete').click();
  await byId('rules-empty').waitFor(WAIT);
  expect(engine.call('intercept.get', undefined).rules).toEqual([]);
});

test('the CA section shows the certificate and downloads its PEM; Stop stops the listener', async () => {
  await showPage('proxy');
  await expect.poll(() => byId('ca-spki').textContent(), WAIT).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  const ca = engine.call('ca.info', undefined);
  expect(await byId('ca-spki').textContent()).toBe(ca.spki);
  expect(await byId('ca-path').textContent()).toBe(ca.certPath);
  expect(await byId('ca-subject').textContent()).toBe(ca.subject);

  const [download] = await Promise.all([page.waitForEvent('download'), byId('ca-download').click()]);
  expect(download.suggestedFilename()).toBe('framescope-ca.pem');
  const saved = join(workDir, 'downloaded-ca.pem');
  await download.saveAs(saved);
  expect(readFileSync(saved, 'utf8')).toBe(ca.pem);

  await page.locator('[data-testid=ca-instructions] summary').click();
  expect(await page.locator('[data-testid=ca-instructions] pre').textContent()).toBe(ca.instructions);

  await byId('ca-regenerate').click();
  await byId('ca-regenerate-cancel').click();
  expect(engine.call('ca.info', undefined).spki).toBe(ca.spki);
  await screenshot('06-ca');

  await byId('proxy-stop').click();
  await page.locator('[data-testid=proxy-state][data-state=stopped]').waitFor(WAIT);
  expect(engine.call('proxy.status', undefined).state).toBe('stopped');
});
