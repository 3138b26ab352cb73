// Sessions through the engine's commands, on real files and a real ws server: what a capture leaves
// on disk comes back after a restart, sessions switch, rename and delete, HAR export and import
// round-trip through the store, and search and time filters run in the store.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EventName, Events, SessionInfo, TimelineRow } from '../../shared/api.ts';
import { Engine } from '../../electron/core/engine.ts';
import { closeAllPeers, startWsServer, until, type WsTestServer } from './engine-harness.ts';

let server: WsTestServer;
let dataDir: string;
const engines: Engine[] = [];

beforeAll(async () => {
  server = await startWsServer({ echo: true });
});
afterAll(() => closeAllPeers());

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'framescope-sessions-'));
});
afterEach(() => {
  for (const e of engines.splice(0)) e.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}): { engine: Engine; events: Array<{ name: EventName; payload: unknown }> } {
  const engine = new Engine({ mode: 'cli', version: 'test', dataDir, batchMs: 5, ...extra });
  engines.push(engine);
  const events: Array<{ name: EventName; payload: unknown }> = [];
  engine.on((name, payload) => events.push({ name, payload }));
  return { engine, events };
}

function stop(engine: Engine): void {
  engines.splice(engines.indexOf(engine), 1);
  engine.shutdown();
}

const rows = (engine: Engine, id: number, view: 'frames' | 'messages' = 'frames'): TimelineRow[] =>
  engine.call('timeline.range', { connectionId: id, view, start: 0, count: 5000 }).rows;

/** Opens a connection to the echo server, sends `texts`, waits for every echo, and closes it. */
async function capture(engine: Engine, texts: string[]): Promise<number> {
  const { id } = engine.call('connections.open', { url: `${server.url}/echo` });
  await until(() => engine.call('connections.list', undefined).find((c) => c.id === id)?.state === 'open', 'open');
  for (const text of texts) engine.call('connections.send', { id, message: { kind: 'text', text } });
  await until(() => engine.call('connections.list', undefined).find((c) => c.id === id)!.messagesIn === texts.length, 'every echo');
  engine.call('connections.close', { id, code: 1000 });
  await until(() => engine.call('connections.list', undefined).find((c) => c.id === id)!.state === 'closed', 'closed');
  return id;
}

describe('a session on disk', () => {
  test('a capture comes back after a restart: listed as recorded, same rows, not sendable', async () => {
    const first = start().engine;
    const id = await capture(first, ['alpha', 'beta', 'gamma']);
    const before = { frames: rows(first, id), messages: rows(first, id, 'messages'), detail: first.call('timeline.detail', { connectionId: id, view: 'frames', index: 2 }) };
    const session = first.call('sessions.current', undefined);
    stop(first);

    const second = start().engine;
    expect(second.call('sessions.current', undefined).id).toBe(session.id);
    const [listed] = second.call('connections.list', undefined);
    expect(listed).toMatchObject({ id, live: false, state: 'closed', url: `${server.url}/echo`, messagesIn: 3, messagesOut: 3 });
    expect(rows(second, id)).toEqual(before.frames);
    expect(rows(second, id, 'messages')).toEqual(before.messages);
    expect(second.call('timeline.detail', { connectionId: id, view: 'frames', index: 2 })).toEqual(before.detail);
    expect(second.invoke('connections.send', { id, message: { kind: 'text', text: 'again' } })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    // New connections take ids after the recorded ones.
    const next = second.call('connections.open', { url: `${server.url}/echo` }).id;
    expect(next).toBeGreaterThan(id);
  });

  test('a connection open when the app quits is recorded as ended, with a note saying why', async () => {
    const first = start().engine;
    const { id } = first.call('connections.open', { url: `${server.url}/echo` });
    await until(() => first.call('connections.list', undefined)[0]?.state === 'open', 'open');
    first.call('connections.send', { id, message: { kind: 'text', text: 'still open' } });
    await until(() => first.call('connections.list', undefined)[0]!.messagesIn === 1, 'echo');
    stop(first);

    const second = start().engine;
    const [listed] = second.call('connections.list', undefined);
    expect(listed).toMatchObject({ id, live: false, state: 'closed' });
    expect(rows(second, id).filter((r) => r.kind === 'note').map((r) => r.preview)).toContain('Framescope quit');
    expect(rows(second, id, 'messages').filter((r) => r.kind === 'message').map((r) => r.preview)).toEqual(['still open', 'still open']);
  });

  test('new, open, rename and delete switch the current session and announce it', async () => {
    const { engine, events } = start();
    const id = await capture(engine, ['in the first session']);
    const first = engine.call('sessions.current', undefined);

    const second = engine.call('sessions.new', { name: 'Second' });
    expect(second).toMatchObject({ name: 'Second', current: true, connections: 0 });
    expect(engine.call('connections.list', undefined)).toEqual([]);
    expect(events.some((e) => e.name === 'connection.removed' && (e.payload as Events['connection.removed']).id === id)).toBe(true);
    expect(events.filter((e) => e.name === 'session.changed').map((e) => (e.payload as SessionInfo).id)).toContain(second.id);

    const listed = engine.call('sessions.list', undefined);
    expect(listed.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed.find((s) => s.id === first.id)).toMatchObject({ connections: 1, current: false });
    expect(listed.find((s) => s.id === first.id)!.sizeBytes).toBeGreaterThan(0);

    expect(engine.call('sessions.rename', { id: first.id, name: 'Renamed while closed' }).name).toBe('Renamed while closed');
    engine.call('sessions.open', { id: first.id });
    expect(engine.call('sessions.current', undefined)).toMatchObject({ id: first.id, name: 'Renamed while closed' });
    expect(engine.call('connections.list', undefined).map((c) => c.id)).toEqual([id]);

    engine.call('sessions.delete', { id: second.id });
    expect(existsSync(join(dataDir, 'sessions', `${second.id}.framescope`))).toBe(false);
    // Deleting the current session starts a new empty one.
    engine.call('sessions.delete', { id: first.id });
    const now = engine.call('sessions.current', undefined);
    expect(now.id).not.toBe(first.id);
    expect(engine.call('connections.list', undefined)).toEqual([]);
    expect(engine.invoke('sessions.open', { id: first.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  test('a live connection is ended when another session opens, and stays recorded in its own session', async () => {
    const { engine } = start();
    const own = await startWsServer({ echo: true });
    const { id } = engine.call('connections.open', { url: `${own.url}/echo` });
    await until(() => engine.call('connections.list', undefined)[0]?.state === 'open', 'open');
    const first = engine.call('sessions.current', undefined);
    const serverSide = await own.next();
    engine.call('sessions.new', {});
    await serverSide.closed;
    engine.call('sessions.open', { id: first.id });
    const [listed] = engine.call('connections.list', undefined);
    expect(listed).toMatchObject({ id, live: false, state: 'closed' });
    expect(rows(engine, id).map((r) => r.preview)).toContain('Another session was opened');
  });

  test('an engine without a data folder keeps its session in a temporary folder removed at shutdown', () => {
    const engine = new Engine({ mode: 'cli', version: 'test' });
    const { path } = engine.call('sessions.current', undefined);
    expect(existsSync(path)).toBe(true);
    engine.shutdown();
    expect(existsSync(path)).toBe(false);
  });
});

describe('HAR through the engine', () => {
  test('export then import into a new session gives the same rows', async () => {
    const { engine } = start();
    const id = await capture(engine, ['one', '{"two":2}', 'three']);
    const frames = rows(engine, id);
    const messages = rows(engine, id, 'messages');
    const exported = engine.call('har.export', {});
    const har = JSON.parse(exported.har) as { log: { entries: Array<Record<string, unknown>> } };
    expect(har.log.entries).toHaveLength(1);
    expect(har.log.entries[0]!._resourceType).toBe('websocket');
    const wsMessages = har.log.entries[0]!._webSocketMessages as Array<{ type: string; data: string }>;
    expect(wsMessages.filter((m) => m.type === 'send').map((m) => m.data)).toEqual(['one', '{"two":2}', 'three']);
    expect(wsMessages.filter((m) => m.type === 'receive').map((m) => m.data)).toEqual(['one', '{"two":2}', 'three']);
    expect(exported.fileName).toMatch(/\.har$/);
    expect(exported.leftOut).toEqual([]);

    const imported = await engine.request('har.import', { har: exported.har, fileName: 'capture.har' });
    expect(imported.session).toMatchObject({ name: 'Imported capture.har', current: true });
    expect(imported.connectionIds).toHaveLength(1);
    const copy = imported.connectionIds[0]!;
    expect(engine.call('connections.list', undefined).map((c) => c.id)).toEqual([copy]);
    expect(rows(engine, copy)).toEqual(frames);
    expect(rows(engine, copy, 'messages')).toEqual(messages);
  });

  test('leaves out the credentials a connection was opened with unless asked to keep them', async () => {
    const { engine } = start();
    const { id } = engine.call('connections.open', { url: `${server.url}/echo`, headers: [['Authorization', 'Bearer s3cret'], ['X-Trace', 't1']] });
    await until(() => engine.call('connections.list', undefined).find((c) => c.id === id)?.state === 'open', 'open');
    const sanitized = engine.call('har.export', {});
    expect(sanitized.leftOut).toEqual(['Authorization']);
    expect(sanitized.har).not.toContain('s3cret');
    expect(sanitized.har).toContain('t1');
    const full = engine.call('har.export', { sensitive: true });
    expect(full.leftOut).toEqual([]);
    expect(full.har).toContain('Bearer s3cret');
    const imported = await engine.request('har.import', { har: full.har, into: 'new' });
    expect(engine.call('connections.list', undefined).find((c) => c.id === imported.connectionIds[0])!.options.headers)
      .toEqual([['Authorization', 'Bearer s3cret'], ['X-Trace', 't1']]);
  });

  test('a malformed file is refused with the field named, and the current session is untouched', async () => {
    const { engine } = start();
    await capture(engine, ['kept']);
    const before = engine.call('sessions.current', undefined);
    const entry = { _resourceType: 'websocket', startedDateTime: '2026-01-01T00:00:00.000Z', request: { method: 'GET', url: 'ws://example.test/' }, response: { status: 101 }, _webSocketMessages: [{ type: 'send', time: 'soon', opcode: 1, data: 'x' }] };
    const failed = engine.invoke('har.import', { har: JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry] } }) });
    expect(failed).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect((failed as { error: { message: string } }).error.message).toMatch(/entries\[0\]/);
    expect(engine.call('sessions.current', undefined).id).toBe(before.id);
    expect(engine.call('connections.list', undefined)).toHaveLength(1);
  });
});

describe('search and filters in the store', () => {
  test('session.search finds words across connections and says where', async () => {
    const { engine } = start();
    const a = await capture(engine, ['the quick brown fox', 'nothing here']);
    const b = await capture(engine, ['a lazy dog', 'quickly now']);
    const found = engine.call('session.search', { text: 'quick' });
    expect(found.hits.map((h) => [h.connectionId, h.preview])).toEqual([
      [a, 'the quick brown fox'], [a, 'the quick brown fox'], [b, 'quickly now'], [b, 'quickly now'],
    ]);
    const hit = found.hits[0]!;
    expect(rows(engine, a)[hit.frameIndex]!.preview).toBe('the quick brown fox');
    expect(rows(engine, a, 'messages')[hit.messageIndex]!.preview).toBe('the quick brown fox');
    expect(engine.call('session.search', { text: 'quick', connectionIds: [b] }).hits.every((h) => h.connectionId === b)).toBe(true);
    expect(engine.call('session.search', { text: 'qu.ck(ly)?\\b', regex: true, limit: 3 })).toMatchObject({ more: true });
    expect(engine.invoke('session.search', { text: '(', regex: true })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  test('a time range filter keeps the rows inside it', async () => {
    const { engine } = start();
    const id = await capture(engine, ['early']);
    const all = rows(engine, id);
    const cut = all.find((r) => r.kind === 'message' || r.preview === 'early')!.time;
    const from = engine.call('timeline.range', { connectionId: id, view: 'frames', start: 0, count: 100, filter: { from: cut } });
    expect(from.rows.every((r) => r.time >= cut)).toBe(true);
    expect(from.total).toBe(all.filter((r) => r.time >= cut).length);
    const to = engine.call('timeline.range', { connectionId: id, view: 'frames', start: 0, count: 100, filter: { to: cut } });
    expect(to.total + from.total).toBe(all.length);
  });
});
