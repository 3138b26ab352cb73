// End to end: the production renderer build, served by browser mode with a real engine, driven in
// Debian's Chromium (/usr/bin/chromium; without it every test fails) against loopback peers.
// Screenshots go to <os tmpdir>/framescope-e2e-screenshots (printed once per run), outside the repository.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import {
  CHROMIUM_PATH, connectFromForm, launchBrowser, refusedPort, requireChromium, startApp, startEchoServer, startRawServer,
  timelineCount, timelineRows, typeDraft, type App, type Browser, type EchoServer, type RawServer,
} from './support.ts';

/** Only a guard against hangs: every wait below ends as soon as its condition holds. */
const WAIT = { timeout: 15_000 };
const screenshotDir = join(tmpdir(), 'framescope-e2e-screenshots');

let workDir: string;
let app: App;
let echo: EchoServer;
let raw: RawServer;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-'));
  mkdirSync(screenshotDir, { recursive: true });
  console.log(`e2e screenshots: ${screenshotDir}`);
  [app, echo, raw] = await Promise.all([startApp(workDir), startEchoServer(), startRawServer()]);
  // Without Chromium, beforeEach fails every test with the install hint (a failing beforeAll would mark them skipped).
  if (existsSync(CHROMIUM_PATH)) browser = await launchBrowser(join(workDir, 'chromium-profile'));
});

afterAll(async () => {
  await browser?.context.close();
  await Promise.all([app?.close(), echo?.close(), raw?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  requireChromium();
  page = await browser!.openApp(app.url, WAIT.timeout);
});

afterEach(async () => {
  if (browser === undefined) return;
  const problems = await browser.closePage(page);
  app.deleteAllConnections();
  expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
});

const byId = (id: string) => page.getByTestId(id);
const screenshot = (name: string) => page.screenshot({ path: join(screenshotDir, `${name}.png`) });
const connectionItem = (state: string) => page.locator(`[data-testid=connection-item][data-state=${state}]`);
const headerField = (field: string) => page.locator(`[data-testid=inspector-header] [data-field=${field}]`);

/** The rendered frame and message rows as "dir opcode" (plus the preview when asked), top to bottom; notes are left out. */
async function rowSummary(withPreview = false): Promise<string[]> {
  return (await timelineRows(page))
    .filter((row) => row.kind !== 'note')
    .map((row) => `${row.dir} ${row.opcode}${withPreview ? ` ${row.preview}` : ''}`);
}

async function waitForRows(count: number): Promise<void> {
  await expect.poll(() => page.locator('[data-testid=timeline-row]:not([data-kind=note])').count(), WAIT).toBe(count);
}

/** Sends a text, a JSON, a binary message and a ping, each after the previous one's echo is shown. */
async function sendOneOfEach(): Promise<void> {
  await typeDraft(page, 'hello framescope');
  await byId('send-button').click();
  await waitForRows(2);

  await byId('composer-format').selectOption('json');
  await typeDraft(page, '{"kind":"json","n":[1,2,3]}');
  await byId('send-button').click();
  await waitForRows(4);

  await byId('composer-format').selectOption('hex');
  await typeDraft(page, 'de ad be ef 00 01 41 42');
  await byId('send-button').click();
  await waitForRows(6);

  await byId('control-payload').fill('are you there');
  await byId('ping-button').click();
  await waitForRows(8);
}

test('opens a connection from the form, sends text, JSON, binary and a ping, and shows frames, echoes and the pong', async () => {
  await connectFromForm(page, `${echo.url}/main`);
  await connectionItem('open').waitFor(WAIT);
  expect(await byId('connection-item').count()).toBe(1);

  await sendOneOfEach();
  expect((await timelineRows(page)).map((row) => `${row.kind} ${row.dir} ${row.opcode} ${row.preview}`)).toEqual([
    `note none -1 Connecting to ${echo.url}/main`,
    'note none -1 Open',
    'frame out 1 hello framescope',
    'frame in 1 hello framescope',
    'frame out 1 {"kind":"json","n":[1,2,3]}',
    'frame in 1 {"kind":"json","n":[1,2,3]}',
    'frame out 2 de ad be ef 00 01 41 42',
    'frame in 2 de ad be ef 00 01 41 42',
    'frame out 9 are you there',
    'frame in 10 are you there',
  ]);
  await screenshot('01-sent-one-of-each');

  // The echoed binary frame: its bytes in the hex view, and a server frame's header (unmasked).
  await page.locator('[data-testid=timeline-row][data-dir=in][data-opcode="2"]').click();
  await expect.poll(() => byId('inspector-hex').textContent(), WAIT).toContain('de ad be ef 00 01 41 42');
  expect(await byId('inspector-hex').textContent()).toContain('|......AB|');
  expect(await headerField('fin').textContent()).toBe('1');
  expect(await headerField('opcode').textContent()).toBe('0x2 binary');
  expect(await headerField('masked').textContent()).toBe('0');
  expect(await headerField('payload-length').textContent()).toBe('8 B');
  await screenshot('02-inspect-binary');

  // The frame we sent: client frames are masked (RFC 6455 §5.3) with a 4-byte key.
  await page.locator('[data-testid=timeline-row][data-dir=out][data-opcode="2"]').click();
  await expect.poll(() => headerField('masked').textContent(), WAIT).toBe('1');
  expect(await headerField('mask-key').textContent()).toMatch(/^[0-9a-f]{8}$/);
  expect(await headerField('opcode').textContent()).toBe('0x2 binary');

  // Messages view: data messages become message rows; the ping and pong stay frames.
  await page.locator('[data-testid=view-toggle] [data-view=messages]').click();
  await expect.poll(async () => (await timelineRows(page)).map((row) => `${row.kind} ${row.dir} ${row.opcode}`), WAIT).toEqual([
    'note none -1', 'note none -1',
    'message out 1', 'message in 1', 'message out 1', 'message in 1', 'message out 2', 'message in 2', 'frame out 9', 'frame in 10',
  ]);
  expect(await byId('timeline-count').textContent()).toBe('10 messages');
  await page.locator('[data-testid=view-toggle] [data-view=frames]').click();
  await expect.poll(async () => (await timelineRows(page)).every((row) => row.kind === 'frame' || row.kind === 'note'), WAIT).toBe(true);
  expect(await byId('timeline-count').textContent()).toBe('10 frames');
});

test('filters the timeline by text, regex, direction, opcode and time range', async () => {
  await connectFromForm(page, `${echo.url}/filters`);
  await connectionItem('open').waitFor(WAIT);
  await sendOneOfEach();

  await byId('filter-text').fill('framescope');
  await expect.poll(() => rowSummary(true), WAIT).toEqual(['out 1 hello framescope', 'in 1 hello framescope']);
  expect(await byId('timeline-count').textContent()).toBe('2 frames match');

  await byId('filter-regex').check();
  await byId('filter-text').fill('^\\{"kind":"json",.*\\]\\}$');
  await expect.poll(() => rowSummary(true), WAIT).toEqual(['out 1 {"kind":"json","n":[1,2,3]}', 'in 1 {"kind":"json","n":[1,2,3]}']);
  await screenshot('03-filter-regex');

  // A broken pattern is explained and not applied: the last valid filter stays.
  await byId('filter-text').fill('([');
  await expect.poll(() => byId('filter-problem').textContent(), WAIT).toContain('Not a valid regular expression');
  expect(await byId('filter-text').getAttribute('aria-invalid')).toBe('true');
  expect(await rowSummary()).toEqual(['out 1', 'in 1']);

  await byId('filter-text').fill('');
  await byId('filter-regex').uncheck();
  await byId('filter-direction').selectOption('in');
  await expect.poll(() => rowSummary(true), WAIT).toEqual([
    'in 1 hello framescope', 'in 1 {"kind":"json","n":[1,2,3]}', 'in 2 de ad be ef 00 01 41 42', 'in 10 are you there',
  ]);

  await byId('filter-direction').selectOption('both');
  await byId('filter-opcode').selectOption('ping');
  await expect.poll(() => rowSummary(true), WAIT).toEqual(['out 9 are you there']);

  await byId('filter-opcode').selectOption('binary');
  await byId('filter-direction').selectOption('out');
  await expect.poll(() => rowSummary(true), WAIT).toEqual(['out 2 de ad be ef 00 01 41 42']);
  expect(await byId('timeline-count').textContent()).toBe('1 frames match');

  await byId('filter-opcode').selectOption('all');
  await byId('filter-direction').selectOption('both');
  await expect.poll(() => byId('timeline-count').textContent(), WAIT).toBe('10 frames');
  await waitForRows(8);

  // A time range: everything happened within the first minute of the connection.
  await byId('filter-from').fill('60');
  await expect.poll(() => byId('timeline-count').textContent(), WAIT).toBe('0 frames match');
  await byId('filter-from').fill('0');
  await byId('filter-to').fill('60');
  await expect.poll(() => byId('timeline-count').textContent(), WAIT).toBe('10 frames match');
  // One that does not read is explained and not applied.
  await byId('filter-to').fill('soon');
  await expect.poll(() => byId('filter-problem').textContent(), WAIT).toContain('To: "soon" is not a time');
  expect(await byId('filter-to').getAttribute('aria-invalid')).toBe('true');
  expect(await byId('timeline-count').textContent()).toBe('10 frames match');
  await byId('filter-from').fill('');
  await byId('filter-to').fill('');
  await expect.poll(() => byId('timeline-count').textContent(), WAIT).toBe('10 frames');
});

test('closes with a code and reason: close frames both ways, the closed state, and the server gets both', async () => {
  await connectFromForm(page, `${echo.url}/close`);
  await connectionItem('open').waitFor(WAIT);

  await byId('disconnect-button').click();
  await byId('disconnect-code').fill('4001');
  await byId('disconnect-reason').fill('bye now');
  await byId('disconnect-confirm').click();

  await connectionItem('closed').waitFor(WAIT);
  await expect.poll(() => rowSummary(), WAIT).toEqual(['out 8', 'in 8']);
  const closeInfo = await byId('connection-close-info').textContent();
  expect(closeInfo).toContain('Closed by Framescope');
  expect(closeInfo).toContain('4001');
  expect(closeInfo).toContain('“bye now”');
  expect(closeInfo).toContain('(clean)');
  await expect.poll(() => echo.closes.filter((close) => close.path === '/close'), WAIT).toEqual([{ path: '/close', code: 4001, reason: 'bye now' }]);

  await page.locator('[data-testid=timeline-row][data-dir=out][data-opcode="8"]').click();
  await expect.poll(() => byId('inspector-close').textContent(), WAIT).toContain('4001');
  expect(await byId('inspector-close').textContent()).toContain('“bye now”');
  expect(await byId('composer-hint').textContent()).toContain('closed');
  await screenshot('04-closed');
});

test('a bad URL is explained in the form and opens nothing', async () => {
  await byId('new-connection-button').click();
  await byId('url-input').fill('http://127.0.0.1:8080/socket');
  await byId('connect-button').click();
  await expect.poll(() => byId('url-problem').textContent(), WAIT).toContain('try ws://127.0.0.1:8080/socket');
  expect(await byId('url-input').getAttribute('aria-invalid')).toBe('true');

  await byId('url-input').fill('not an address');
  await byId('connect-button').click();
  await expect.poll(() => byId('url-problem').textContent(), WAIT).toContain('"not an address" is not a valid address');
  await screenshot('05-bad-url');

  expect(await byId('connection-form').isVisible()).toBe(true);
  expect(await byId('connection-item').count()).toBe(0);
  expect(app.engine.call('connections.list', undefined)).toEqual([]);
});

test('a refused port shows the error state and says what happened', async () => {
  const port = await refusedPort();
  await connectFromForm(page, `ws://127.0.0.1:${port}/nobody`);
  await connectionItem('error').waitFor(WAIT);
  const error = await byId('connection-error').textContent();
  expect(error).toContain(`127.0.0.1:${port}`);
  expect(error).toMatch(/refused/i);
  expect(error).toContain('TCP_REFUSED');
  expect(await byId('composer-hint').textContent()).toContain('The connection failed');
  await screenshot('06-refused');
});

test('a 403 rejection shows the status and response in the handshake panel', async () => {
  await connectFromForm(page, `${echo.url}/deny`);
  await connectionItem('error').waitFor(WAIT);
  expect(await byId('connection-error').textContent()).toContain('HANDSHAKE_REJECTED');
  expect(await page.locator('[data-testid=handshake] summary').textContent()).toBe('Handshake — 403 Forbidden');
  // A rejected handshake opens its panel by itself.
  expect(await byId('handshake-response').isVisible()).toBe(true);
  expect(await byId('handshake-response').textContent()).toMatch(/^403 Forbidden\n/);
  expect(await byId('handshake-request').textContent()).toMatch(/^GET \/deny HTTP\/1\.1\n/);
  await screenshot('07-rejected');
});

test('raw frame mode sends the chosen opcode, FIN and RSV bits as asked', async () => {
  await connectFromForm(page, `${raw.url}/raw`);
  await connectionItem('open').waitFor(WAIT);

  await typeDraft(page, 'raw!');
  await byId('raw-toggle').check();
  await byId('raw-opcode').selectOption('3');
  await byId('raw-fin').uncheck();
  await byId('raw-rsv1').check();
  await byId('raw-rsv3').check();
  expect(await byId('send-button').textContent()).toBe('Send raw frame (0x3)');
  await byId('send-button').click();

  await expect.poll(() => raw.frames.length, WAIT).toBe(1);
  const [frame] = raw.frames;
  expect(frame).toMatchObject({ fin: false, rsv1: true, rsv2: false, rsv3: true, opcode: 3, masked: true, payload: Buffer.from('raw!') });
  // One whole frame: 2 header bytes, the 4-byte mask key, the 4-byte payload.
  expect(frame!.maskKey).toHaveLength(4);
  expect(frame!.wire).toHaveLength(10);

  await expect.poll(async () => (await timelineRows(page)).filter((row) => row.kind !== 'note'), WAIT).toEqual([
    expect.objectContaining({ kind: 'frame', dir: 'out', opcode: 3, flags: '… R1 R3', preview: '72 61 77 21' }),
  ]);
  await page.locator('[data-testid=timeline-row][data-opcode="3"]').click();
  await expect.poll(() => headerField('opcode').textContent(), WAIT).toBe('0x3 reserved 0x3');
  expect(await headerField('fin').textContent()).toBe('0');
  expect(await headerField('rsv1').textContent()).toBe('1');
  expect(await headerField('rsv2').textContent()).toBe('0');
  expect(await headerField('rsv3').textContent()).toBe('1');
  await screenshot('08-raw-frame');
});

test('Ctrl+Enter sends from the editor and from the other composer fields; Send close closes', async () => {
  await connectFromForm(page, `${echo.url}/keys`);
  await connectionItem('open').waitFor(WAIT);

  await typeDraft(page, 'sent with ctrl+enter');
  await page.keyboard.press('Control+Enter');
  await expect.poll(() => rowSummary(true), WAIT).toEqual(['out 1 sent with ctrl+enter', 'in 1 sent with ctrl+enter']);

  // From a field outside the editor, the shortcut sends the draft too — unchanged, so the first
  // Ctrl+Enter did not leave a newline in it.
  await byId('close-reason').fill('done typing');
  await byId('close-reason').press('Control+Enter');
  await waitForRows(4);
  expect((await rowSummary(true)).slice(2)).toEqual(['out 1 sent with ctrl+enter', 'in 1 sent with ctrl+enter']);

  await byId('close-code').fill('4002');
  await byId('close-button').click();
  await connectionItem('closed').waitFor(WAIT);
  await expect.poll(() => echo.closes.filter((close) => close.path === '/keys'), WAIT).toEqual([{ path: '/keys', code: 4002, reason: 'done typing' }]);
  await expect.poll(() => rowSummary(), WAIT).toEqual(['out 1', 'in 1', 'out 1', 'in 1', 'out 8', 'in 8']);
});

test('20,000 messages: a virtualized timeline that follows the tail until scrolled up, then jumps back', async () => {
  const BLAST = 20_000;
  const lastRendered = async () => (await timelineRows(page)).at(-1);
  const renderedRows = () => page.locator('[data-testid=timeline-row], [data-testid=timeline-row-loading]').count();
  await connectFromForm(page, `${echo.url}/blast`);
  await connectionItem('open').waitFor(WAIT);

  await typeDraft(page, `blast ${BLAST}`);
  await byId('send-button').click();
  // Following the tail: the newest row is the last one rendered.
  await expect.poll(async () => (await lastRendered())?.preview, { timeout: 30_000 }).toBe(`{"seq":${BLAST - 1},"note":"tick"}`);
  const total = await timelineCount(page);
  expect(total).toBeGreaterThan(BLAST);
  expect((await lastRendered())?.position).toBe(total - 1);
  // Virtualized: only about a screenful of rows is in the DOM.
  expect(await renderedRows()).toBeLessThan(200);
  await screenshot('09-flood');

  await byId('timeline').hover();
  await page.mouse.wheel(0, -5000);
  await expect.poll(async () => (await lastRendered())?.position ?? total, WAIT).toBeLessThan(total - 100);

  // New rows while scrolled up: the list stays where it is and offers a way back.
  await typeDraft(page, 'blast 10');
  await byId('send-button').click();
  await expect.poll(() => timelineCount(page), WAIT).toBe(total + 11);
  await byId('jump-to-latest').waitFor(WAIT);
  expect((await lastRendered())!.position).toBeLessThan(total - 100);
  expect(await renderedRows()).toBeLessThan(200);
  await screenshot('10-scrolled-up');

  await byId('jump-to-latest').click();
  await expect.poll(async () => (await lastRendered())?.position, WAIT).toBe(total + 10);
  expect((await lastRendered())?.preview).toBe('{"seq":9,"note":"tick"}');
  await byId('jump-to-latest').waitFor({ state: 'detached', ...WAIT });
});
