// End to end, sessions on disk, saved messages, replay, comparison, HAR and search: the production
// renderer build served by browser mode with a real engine whose data folder is a temp dir, driven in
// Debian's Chromium against a loopback `ws` server that records what it receives. The tests share one
// app and run in order: the third starts a new session, reopens the first and imports its HAR; the
// fourth works in that imported session.
// Screenshots go to <os tmpdir>/framescope-e2e-screenshots, outside the repository.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ConnectionSummary } from '../../shared/api.ts';
import { CHROMIUM_PATH, connectFromForm, launchBrowser, requireChromium, startApp, timelineCount, typeDraft, type App, type Browser } from './support.ts';

/** Only a guard against hangs: every wait below ends as soon as its condition holds. */
const WAIT = { timeout: 15_000 };
const screenshotDir = join(tmpdir(), 'framescope-e2e-screenshots');

interface RecordingServer {
  url: string;
  /** Text messages received, with the path of the connection they came on. */
  received: Array<{ path: string; text: string }>;
  close(): Promise<void>;
}

/**
 * A ws server on 127.0.0.1 that records every text message and echoes it — except on /varying,
 * where every connection after the first answers with its number appended, so a replay differs;
 * `blast N`, answered with N numbered messages; and `big N`, answered with one message of N bytes.
 */
async function startRecordingServer(): Promise<RecordingServer> {
  const received: RecordingServer['received'] = [];
  const connectionsByPath = new Map<string, number>();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket, request) => {
    const path = request.url ?? '';
    const nth = (connectionsByPath.get(path) ?? 0) + 1;
    connectionsByPath.set(path, nth);
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.send(data, { binary: true });
        return;
      }
      const text = data.toString();
      received.push({ path, text });
      const blast = /^blast (\d+)$/.exec(text);
      if (blast !== null) {
        for (let seq = 0; seq < Number(blast[1]); seq++) socket.send(`tick ${seq}`);
        return;
      }
      const big = /^big (\d+)$/.exec(text);
      if (big !== null) {
        socket.send('y'.repeat(Number(big[1])));
        return;
      }
      socket.send(path === '/varying' && nth > 1 ? `${text} (answer ${nth})` : text);
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

let workDir: string;
let app: App;
let server: RecordingServer;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-sessions-'));
  mkdirSync(screenshotDir, { recursive: true });
  [app, server] = await Promise.all([startApp(workDir), startRecordingServer()]);
  if (existsSync(CHROMIUM_PATH)) browser = await launchBrowser(join(workDir, 'chromium-profile'));
});

afterAll(async () => {
  await browser?.context.close();
  await Promise.all([app?.close(), server?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  requireChromium();
  page = await browser!.openApp(app.url, WAIT.timeout);
  await page.locator('[data-testid=session-name]').filter({ hasNotText: 'No session' }).waitFor(WAIT);
});

afterEach(async () => {
  if (browser === undefined) return;
  const problems = await browser.closePage(page);
  expect(problems, 'console errors, page errors or CSP violations').toEqual([]);
});

const byId = (id: string) => page.getByTestId(id);
const screenshot = (name: string) => page.screenshot({ path: join(screenshotDir, `sessions-${name}.png`) });
const receivedOn = (path: string) => server.received.filter((message) => message.path === path).map((message) => message.text);

function connections(): ConnectionSummary[] {
  return app.engine.call('connections.list', undefined);
}

/** The connection whose URL ends with `path` and that is not a replay. */
function recordedConnection(path: string): ConnectionSummary {
  const found = connections().find((summary) => summary.url.endsWith(path) && summary.replayOf === null);
  if (found === undefined) throw new Error(`No connection to ${path}; there are: ${connections().map((summary) => summary.url).join(', ')}`);
  return found;
}

/** Sends a text from the composer and waits for the server's answer on the timeline. */
async function sendAndAwaitAnswer(path: string, text: string): Promise<void> {
  const before = receivedOn(path).length;
  await typeDraft(page, text);
  await byId('send-button').click();
  await expect.poll(() => receivedOn(path).length, WAIT).toBe(before + 1);
  const id = recordedConnection(path).id;
  await expect.poll(() => connections().find((summary) => summary.id === id)?.messagesIn, WAIT).toBe(before + 1);
}

/** Replays the selected connection as fast as possible, waits for its answers, and opens the comparison. */
async function replayFastAndCompare(path: string, answers: number): Promise<void> {
  await byId('replay-button').click();
  await byId('replay-plan-summary').waitFor(WAIT);
  await byId('replay-timing-fast').check();
  await byId('replay-start').click();
  const original = recordedConnection(path).id;
  await page.locator('[data-testid=replay-run][data-state=done]').first().waitFor(WAIT);
  const replay = connections().find((summary) => summary.replayOf?.connectionId === original);
  expect(replay, 'the replay connection').toBeDefined();
  // The replay's connection is selected, and the answers are in before comparing.
  await page.locator(`[data-testid=connection-item][data-id="${replay!.id}"][aria-current=true]`).waitFor(WAIT);
  expect(await page.locator(`[data-testid=connection-item][data-id="${replay!.id}"] [data-testid=connection-replay-badge]`).textContent()).toBe(`replay of #${original}`);
  await expect.poll(() => connections().find((summary) => summary.id === replay!.id)?.messagesIn, WAIT).toBe(answers);
  await page.locator('[data-testid=replay-run][data-state=done]').first().getByTestId('replay-run-compare').click();
  await byId('comparison').waitFor(WAIT);
}

test('saves a sent message from its timeline row, finds it in the saved sidebar, and sends it again with a variable from an environment', async () => {
  await connectFromForm(page, `${server.url}/saved`);
  await page.locator('[data-testid=connection-item][data-state=open]').waitFor(WAIT);
  await sendAndAwaitAnswer('/saved', 'hello {{who}}');

  await page.locator('[data-testid=timeline-row][data-dir=out][data-opcode="1"]').click();
  await byId('inspector-save').click();
  await byId('inspector-save-form-collection').fill('Greetings');
  await byId('inspector-save-form-name').fill('hello who');
  await byId('inspector-save-form-submit').click();
  await expect.poll(() => byId('inspector-saved').textContent(), WAIT).toBe('Saved as “hello who” in Greetings.');

  await byId('saved-toggle').click();
  const item = page.locator('[data-testid=saved-group][data-collection=Greetings] [data-testid=saved-item]');
  await item.waitFor(WAIT);
  expect(await item.locator('.saved-item-name').textContent()).toBe('hello who');

  // An environment that sets {{who}}: the preview marks it as set and renders it.
  await byId('env-new-name').fill('dev');
  await byId('env-add').click();
  await expect.poll(() => byId('env-active').inputValue(), WAIT).toBe('dev');
  await byId('env-var-add').click();
  await byId('env-var-key').fill('who');
  await byId('env-var-value').fill('world');
  await byId('env-save').click();
  await byId('env-saved').waitFor(WAIT);
  expect(app.engine.call('env.get', undefined)).toEqual({ active: 'dev', environments: { dev: { who: 'world' } } });

  await item.getByTestId('saved-load').click();
  await expect.poll(() => byId('saved-rendered').textContent(), WAIT).toBe('hello world');
  expect(await page.locator('[data-testid=saved-preview-body] [data-variable=who]').getAttribute('data-state')).toBe('set');
  await screenshot('01-saved-sidebar');

  await item.getByTestId('saved-send').click();
  await expect.poll(() => receivedOn('/saved').at(-1), WAIT).toBe('hello world');
  await expect.poll(() => item.getByTestId('saved-item-result').textContent(), WAIT).toMatch(/^Sent on #\d+: 1 frame/);
});

test('replays a connection as fast as possible: an echo server gives no differences, a server that answers differently gives one, shown in a diff', async () => {
  await connectFromForm(page, `${server.url}/echo`);
  await page.locator('[data-testid=connection-item][data-state=open]').last().waitFor(WAIT);
  await sendAndAwaitAnswer('/echo', 'first');
  await sendAndAwaitAnswer('/echo', '{"second":2}');

  await replayFastAndCompare('/echo', 2);
  await expect.poll(() => byId('comparison-differences').getAttribute('data-count'), WAIT).toBe('0');
  expect(await page.locator('[data-testid=comparison-pair][data-mark=equal]').count()).toBe(4);
  expect(await page.locator('[data-testid=comparison-pair]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-dir')))).toEqual(['out', 'in', 'out', 'in']);
  expect(receivedOn('/echo')).toEqual(['first', '{"second":2}', 'first', '{"second":2}']);
  await screenshot('02-comparison-equal');
  await byId('comparison-close').click();
  await byId('comparison').waitFor({ state: 'detached', ...WAIT });
  await screenshot('02-replay-panel');

  await connectFromForm(page, `${server.url}/varying`);
  await page.locator('[data-testid=connection-item][data-state=open]').last().waitFor(WAIT);
  await sendAndAwaitAnswer('/varying', 'same question');
  await replayFastAndCompare('/varying', 1);
  await expect.poll(async () => Number(await byId('comparison-differences').getAttribute('data-count')), WAIT).toBeGreaterThanOrEqual(1);
  const different = page.locator('[data-testid=comparison-pair][data-mark=different]');
  expect(await different.count()).toBe(1);
  expect(await different.textContent()).toContain('same question (answer 2)');

  await different.click();
  await page.locator('[data-testid=comparison-diff][data-ready=true]').waitFor(WAIT);
  // Monaco writes spaces as no-break spaces.
  const sideText = async (side: 'original' | 'modified') =>
    ((await page.locator(`[data-testid=comparison-diff] .${side}-in-monaco-diff-editor .view-lines`).textContent()) ?? '').replace(/\u00a0/g, ' ');
  await expect.poll(() => sideText('modified'), WAIT).toBe('same question (answer 2)');
  expect(await sideText('original')).toBe('same question');
  await screenshot('03-comparison-diff');
  await page.keyboard.press('Escape');
  await byId('comparison').waitFor({ state: 'detached', ...WAIT });
});

test('exports the session as HAR, searches it and jumps to a far-away hit, then a new session and the old one reopened show the old connections as recorded', async () => {
  await connectFromForm(page, `${server.url}/search`);
  await page.locator('[data-testid=connection-item][data-state=open]').last().waitFor(WAIT);
  await sendAndAwaitAnswer('/search', 'needle in the haystack');
  await typeDraft(page, 'blast 3000');
  await byId('send-button').click();
  const searchId = recordedConnection('/search').id;
  await expect.poll(() => timelineCount(page), WAIT).toBeGreaterThanOrEqual(3004);

  // HAR export of the whole session, as a download.
  await byId('session-menu-button').click();
  const [download] = await Promise.all([page.waitForEvent('download'), byId('session-export').click()]);
  const harText = readFileSync((await download.path())!, 'utf8');
  const har = JSON.parse(harText) as { log: { entries: Array<{ request: { url: string }; _webSocketMessages?: Array<{ type: string; data: string }> }> } };
  expect(download.suggestedFilename()).toMatch(/\.har$/);
  const searchEntry = har.log.entries.find((entry) => entry.request.url.endsWith('/search'));
  expect(searchEntry?._webSocketMessages?.slice(0, 2)).toEqual([
    expect.objectContaining({ type: 'send', data: 'needle in the haystack' }),
    expect.objectContaining({ type: 'receive', data: 'needle in the haystack' }),
  ]);
  await expect.poll(() => byId('session-notice').textContent(), WAIT).toContain(`as ${download.suggestedFilename()}`);

  // Search: Ctrl+Shift+F focuses the box; the hit on the sent frame is 3000 rows above the tail.
  await page.locator('[data-testid=timeline]').click();
  await page.keyboard.press('Control+Shift+F');
  await expect.poll(() => page.locator('[data-testid=search-input]:focus').count(), WAIT).toBe(1);
  await page.keyboard.type('needle');
  await page.keyboard.press('Enter');
  const hits = page.locator(`[data-testid=search-hit][data-connection="${searchId}"]`);
  await hits.first().waitFor(WAIT);
  const frameIndex = Number(await hits.first().getAttribute('data-frame-index'));
  expect(frameIndex).toBeLessThan(10);
  await page.locator('[data-testid=view-toggle] [data-view=messages]').click();
  await hits.first().click();
  const target = page.locator(`[data-testid=timeline-row][data-index="${frameIndex}"]`);
  await target.waitFor(WAIT);
  await expect.poll(() => target.getAttribute('aria-selected'), WAIT).toBe('true');
  // Scrolled into the timeline's viewport, not only rendered in its overscan.
  expect(await target.evaluate((row) => {
    const list = row.closest('[data-testid=timeline]')!.getBoundingClientRect();
    const box = row.getBoundingClientRect();
    return box.top >= list.top && box.bottom <= list.bottom;
  })).toBe(true);
  expect(await page.locator('[data-testid=view-toggle] [data-view=frames]').getAttribute('aria-pressed')).toBe('true');
  expect(await target.locator('.preview').textContent()).toBe('needle in the haystack');
  await expect.poll(() => byId('inspector-summary').textContent(), WAIT).toContain('text frame');
  await screenshot('04-search-jump');

  // A new session: empty; the old one reopened: its connections are recorded, and cannot send.
  const oldName = (await byId('session-name').textContent())!;
  const oldId = app.engine.call('sessions.current', undefined).id;
  await byId('session-menu-button').click();
  await byId('session-new-name').fill('second capture');
  await byId('session-new').click();
  await expect.poll(() => byId('session-name').textContent(), WAIT).toBe('second capture');
  await expect.poll(() => page.getByTestId('connection-item').count(), WAIT).toBe(0);

  await byId('session-menu-button').click();
  await page.locator(`[data-testid=session-item][data-id="${oldId}"]`).getByTestId('session-open').click();
  await expect.poll(() => byId('session-name').textContent(), WAIT).toBe(oldName);
  const recorded = page.locator(`[data-testid=connection-item][data-id="${searchId}"]`);
  await recorded.waitFor(WAIT);
  expect(await recorded.getAttribute('data-live')).toBe('false');
  expect(await recorded.getByTestId('connection-recorded-badge').textContent()).toBe('recorded');
  await recorded.locator('button').first().click();
  expect(await byId('send-button').isDisabled()).toBe(true);
  expect(await byId('send-button').getAttribute('title')).toMatch(/recorded earlier/);
  expect(await byId('reconnect-button').isDisabled()).toBe(true);
  await expect.poll(() => timelineCount(page), WAIT).toBeGreaterThanOrEqual(3004);
  await page.locator('[data-testid=timeline-row][data-kind=frame]').first().waitFor(WAIT);
  await screenshot('05-reopened-recorded');

  // The exported file imports into a session of its own, saying what it read.
  await byId('session-menu-button').click();
  await byId('session-import-file').setInputFiles({ name: 'exported.har', mimeType: 'application/json', buffer: Buffer.from(harText) });
  await expect.poll(() => byId('session-notice').textContent(), WAIT).toMatch(/^Imported \d+ connections? and \d+ messages? from exported\.har/);
  await expect.poll(() => page.getByTestId('connection-item').count(), WAIT).toBeGreaterThan(0);
  expect(await page.locator('[data-testid=connection-item][data-live=true]').count()).toBe(0);
});

test('renames the session in place, lowers its recording cap so a large answer is stored capped, and deletes another session after a confirmation', async () => {
  await byId('session-name').click();
  await byId('session-rename-input').fill('renamed capture');
  await page.keyboard.press('Enter');
  await expect.poll(() => byId('session-name').textContent(), WAIT).toBe('renamed capture');
  expect(app.engine.call('sessions.current', undefined).name).toBe('renamed capture');

  await byId('session-settings-button').click();
  await byId('session-cap-amount').fill('1');
  await byId('session-cap-unit').selectOption('KiB');
  await byId('session-cap-save').click();
  await byId('session-settings-saved').waitFor(WAIT);
  expect(app.engine.call('session.settings', undefined).recordingCapBytes).toBe(1024);
  expect(await byId('session-cap').textContent()).toContain('1.0 KiB');
  await page.keyboard.press('Escape');
  await byId('session-settings').waitFor({ state: 'detached', ...WAIT });

  await connectFromForm(page, `${server.url}/capped`);
  await page.locator('[data-testid=connection-item][data-state=open]').waitFor(WAIT);
  await sendAndAwaitAnswer('/capped', 'big 3072');
  const capped = page.locator('[data-testid=timeline-row][data-dir=in][data-opcode="1"]');
  await expect.poll(() => capped.getAttribute('data-flags'), WAIT).toBe('capped');
  await capped.click();
  await expect.poll(() => byId('inspector-capped').textContent(), WAIT).toContain('this 3.0 KiB payload');
  expect(await byId('inspector-capped').textContent()).toContain('only its first 1.0 KiB were stored');
  await screenshot('06-capped');

  const second = app.engine.call('sessions.list', undefined).find((session) => session.name === 'second capture');
  expect(second, 'the session made by the test before').toBeDefined();
  await byId('session-menu-button').click();
  const row = page.locator(`[data-testid=session-item][data-id="${second!.id}"]`);
  await screenshot('07-session-menu');
  await row.getByTestId('session-delete').click();
  await row.getByTestId('session-delete-cancel').click();
  expect(app.engine.call('sessions.list', undefined).some((session) => session.id === second!.id)).toBe(true);
  await row.getByTestId('session-delete').click();
  await row.getByTestId('session-delete-confirm').click();
  await row.waitFor({ state: 'detached', ...WAIT });
  expect(app.engine.call('sessions.list', undefined).some((session) => session.id === second!.id)).toBe(false);
  expect(app.engine.call('sessions.current', undefined).name).toBe('renamed capture');
});
