// Session files in a folder: the last one reopened on start, new/open/rename/delete/list, and a
// corrupt last session set aside for a new one.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFoundError } from '../../../electron/core/store/records.ts';
import { SessionManager } from '../../../electron/core/store/session-manager.ts';
import type { SessionStore } from '../../../electron/core/store/session-store.ts';
import { connectionSummary, frameRecord, messageRecord } from '../../support/session-records.ts';
import { pattern } from '../../support/bytes.ts';

let dir: string;
let clock: number;
const managers: SessionManager[] = [];
const now = (): number => (clock += 1_000_000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'framescope-sessions-'));
  clock = Date.UTC(2025, 0, 2, 3, 4, 5) * 1000;
});

afterEach(() => {
  for (const m of managers.splice(0)) m.close();
  rmSync(dir, { recursive: true, force: true });
});

function manager(opts: { fresh?: boolean; name?: string } = {}): SessionManager {
  const m = new SessionManager(dir, now, opts);
  managers.push(m);
  return m;
}

/** Closes a manager before a test starts another on the same folder (as the app does on restart). */
function quit(m: SessionManager): void {
  m.close();
  managers.splice(managers.indexOf(m), 1);
}

/** Records `n` connections with one message each into the store. */
function record(store: SessionStore, n: number): void {
  for (let id = 1; id <= n; id++) {
    store.createTimeline(id);
    store.appendFrame(id, frameRecord({ time: 1, payload: `hello ${id}` }), true);
    store.appendMessage(id, messageRecord(2, 'out', `hello ${id}`));
    store.saveConnection(connectionSummary(id));
  }
}

const lastSession = (): string => readFileSync(join(dir, 'last-session'), 'utf8').trim();
const filesOf = (m: SessionManager, id: string): string[] => ['', '-wal', '-shm'].map((s) => m.pathOf(id) + s).filter((f) => existsSync(f));

test('the first start creates a session and remembers it', () => {
  const m = manager();
  const info = m.current();
  expect(info).toMatchObject({ id: m.currentSessionId, path: join(dir, `${info.id}.framescope`), connections: 0, current: true });
  expect(info.id).toMatch(/^20250102-0304\d\d-[0-9a-f]{6}$/);
  expect(info.name).toMatch(/^Session 2025-01-0\d \d\d:\d\d$/);
  expect(existsSync(info.path)).toBe(true);
  expect(lastSession()).toBe(info.id);
});

test('a new manager on the same folder reopens the last session with what it recorded', () => {
  const first = manager({ name: 'Monday' });
  record(first.store, 2);
  const id = first.currentSessionId;
  quit(first);

  const second = manager();
  expect(second.currentSessionId).toBe(id);
  expect(second.current()).toMatchObject({ name: 'Monday', connections: 2 });
  expect(second.store.counts(2)).toEqual({ frameRows: 1, messageRows: 1 });
  expect(second.store.range({ connectionId: 2, view: 'messages', start: 0, count: 10 }).rows[0]!.preview).toBe('hello 2');
  expect(readdirSync(dir).filter((f) => f.endsWith('.framescope'))).toEqual([`${id}.framescope`]);
});

test('fresh starts a new session and remembers it; the last one stays', () => {
  const first = manager();
  const old = first.currentSessionId;
  quit(first);
  const m = manager({ fresh: true, name: 'Clean slate' });
  expect(m.currentSessionId).not.toBe(old);
  expect(m.current().name).toBe('Clean slate');
  expect(existsSync(m.pathOf(old))).toBe(true);
  expect(lastSession()).toBe(m.currentSessionId);
});

test('create() switches to a new session, writing what the old one had pending; open() goes back', () => {
  const m = manager();
  const old = m.currentSessionId;
  const oldStore = m.store;
  record(oldStore, 1);
  oldStore.appendNote(1, { kind: 'note', time: 3, event: 'ended', text: 'still in the batch' });
  const created = m.create('Second');
  expect(m.store).toBe(created);
  expect(m.currentSessionId).not.toBe(old);
  expect(m.current()).toMatchObject({ name: 'Second', connections: 0, current: true });
  expect(lastSession()).toBe(m.currentSessionId);
  expect(existsSync(m.pathOf(old))).toBe(true);

  const reopened = m.open(old);
  expect(m.currentSessionId).toBe(old);
  expect(lastSession()).toBe(old);
  expect(reopened.counts(1)).toEqual({ frameRows: 2, messageRows: 2 });
  expect(m.open(old)).toBe(reopened);
});

test('opening, renaming or deleting an unknown session is a NotFoundError', () => {
  const m = manager();
  expect(() => m.open('20990101-000000-abcdef')).toThrow(NotFoundError);
  expect(() => m.open('nope')).toThrow('There is no session "nope"');
  expect(() => m.rename('nope', 'x')).toThrow(NotFoundError);
  expect(() => m.delete('nope')).toThrow(NotFoundError);
});

describe('list', () => {
  test('every session, most recently modified first, with its size, connections and which is current', () => {
    const m = manager({ name: 'A' });
    const a = m.currentSessionId;
    record(m.store, 2);
    m.create('B');
    const b = m.currentSessionId;
    record(m.store, 1);
    m.create('C');
    const c = m.currentSessionId;
    utimesSync(m.pathOf(a), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    utimesSync(m.pathOf(b), new Date('2021-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z'));
    for (let round = 0; round < 2; round++) {
      const list = m.list();
      expect(list.map((s) => [s.id, s.name, s.connections, s.current])).toEqual([[c, 'C', 0, true], [b, 'B', 1, false], [a, 'A', 2, false]]);
      expect(list.map((s) => s.modifiedAt).slice(1)).toEqual([Date.UTC(2021, 0, 1) * 1000, Date.UTC(2020, 0, 1) * 1000]);
      for (const s of list) expect(s.sizeBytes).toBeGreaterThan(0);
      expect(list[0]!.createdAt).toBeGreaterThan(list[1]!.createdAt);
    }
  });

  test('files that are not sessions are left out', () => {
    const m = manager();
    writeFileSync(join(dir, 'broken.framescope'), pattern(4096, 2));
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    expect(m.list().map((s) => s.id)).toEqual([m.currentSessionId]);
  });
});

describe('rename', () => {
  test('the current session', () => {
    const m = manager();
    expect(m.rename(m.currentSessionId, 'Login bug')).toMatchObject({ name: 'Login bug', current: true });
    expect(m.store.name).toBe('Login bug');
  });

  test('another session, which stays not current and keeps its id', () => {
    const m = manager({ name: 'Old' });
    const old = m.currentSessionId;
    m.create('New');
    expect(m.rename(old, 'Older')).toMatchObject({ id: old, name: 'Older', current: false });
    expect(m.list().find((s) => s.id === old)!.name).toBe('Older');
    expect(m.open(old).name).toBe('Older');
  });
});

describe('delete', () => {
  test('another session: its file and its -wal and -shm are removed', () => {
    const m = manager();
    const old = m.currentSessionId;
    record(m.store, 1);
    m.create();
    m.list();
    expect(filesOf(m, old).length).toBeGreaterThan(1);
    m.delete(old);
    expect(filesOf(m, old)).toEqual([]);
    expect(m.list().map((s) => s.id)).toEqual([m.currentSessionId]);
  });

  test('the current session: a new one is made current first', () => {
    const m = manager();
    const old = m.currentSessionId;
    record(m.store, 1);
    m.delete(old);
    expect(m.currentSessionId).not.toBe(old);
    expect(filesOf(m, old)).toEqual([]);
    expect(m.current()).toMatchObject({ connections: 0, current: true });
    expect(lastSession()).toBe(m.currentSessionId);
    record(m.store, 1);
    expect(m.store.counts(1)).toEqual({ frameRows: 1, messageRows: 1 });
  });
});

test('a corrupt last session is left alone and a new session is started', () => {
  const first = manager();
  const corrupt = first.currentSessionId;
  quit(first);
  const garbage = pattern(16384, 3);
  writeFileSync(first.pathOf(corrupt), garbage);

  const m = manager();
  expect(m.currentSessionId).not.toBe(corrupt);
  expect(lastSession()).toBe(m.currentSessionId);
  expect(readFileSync(m.pathOf(corrupt))).toEqual(Buffer.from(garbage));
  expect(filesOf(m, corrupt)).toEqual([m.pathOf(corrupt)]);
  expect(m.list().map((s) => s.id)).toEqual([m.currentSessionId]);
  record(m.store, 1);
  expect(m.current().connections).toBe(1);
});
