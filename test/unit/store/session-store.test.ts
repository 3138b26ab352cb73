// The session store on disk: per-tick batches written in one transaction, the recording cap, filters
// and search run in SQL, whole timelines read back and imported, and a session closed and opened again.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FrameFlag, type Direction, type ReplayRun, type TimelineFilter, type TimelineView } from '../../../shared/api.ts';
import { DEFAULT_RECORDING_CAP, PAGE_SIZE, SessionStore } from '../../../electron/core/store/session-store.ts';
import type { FrameRecord, MessageRecord, StoredFrame, StoredMessage } from '../../../electron/core/store/records.ts';
import { connectionSummary, frameRecord, messageRecord, utf8, type FrameInit } from '../../support/session-records.ts';
import { hex, pattern } from '../../support/bytes.ts';

const ID = 1;
let dir: string;
let path: string;
let store: SessionStore;
const readers: DatabaseSync[] = [];
let clock = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'framescope-session-'));
  path = join(dir, 'test.framescope');
  store = new SessionStore(path);
  store.createTimeline(ID);
  clock = 0;
});

afterEach(() => {
  for (const r of readers.splice(0)) r.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits, letting the event loop run, until `done` holds: the writer thread commits in its own time. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Waits without letting the event loop run (nothing at the end of the tick happens meanwhile) until `done` holds, for up to 30 s. */
function blockUntil(done: () => boolean): boolean {
  const deadline = Date.now() + 30_000;
  while (!done() && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  return done();
}

const frame = (init: Omit<FrameInit, 'time'> & { time?: number } = {}): FrameRecord => frameRecord({ time: ++clock, ...init });
const message = (d: Direction, data: Uint8Array | string, opcode = 1): MessageRecord => messageRecord(++clock, d, data, opcode);

/** Appends a one-frame message, as the engine does: the frame, then the message. */
function oneFrameMessage(d: Direction, data: string, connectionId = ID): void {
  store.appendFrame(connectionId, frame({ dir: d, payload: data }), true);
  store.appendMessage(connectionId, message(d, data));
}

/** The store again, with a writer that indexes for search only when a search asks (no commits of its own between batches). */
function quietStore(): void {
  store.close();
  store = new SessionStore(path, { indexOnlyWhenTold: true });
  store.createTimeline(ID);
}

/** A second connection to the file that is not the store's: it sees only what was committed. */
function reader(file = path): DatabaseSync {
  const db = new DatabaseSync(file, { readOnly: true });
  readers.push(db);
  return db;
}

function onDisk(db: DatabaseSync): { frames: number; messages: number } {
  const n = (table: string): number => Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()!.n);
  return { frames: n('frames'), messages: n('messages') };
}

/** Commits in the write-ahead log: frames of the current WAL generation whose "database size after commit" is set. */
function walCommits(file = path): number {
  const wal = readFileSync(`${file}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt = wal.subarray(16, 24);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (!wal.subarray(at + 8, at + 16).equals(salt)) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

function all(view: TimelineView, filter?: TimelineFilter, connectionId = ID, s = store) {
  return s.range({ connectionId, view, start: 0, count: 1_000_000, ...(filter ? { filter } : {}) });
}

const indexes = (view: TimelineView, filter: TimelineFilter): number[] => all(view, filter).rows.map((r) => r.index);

describe('batching', () => {
  // Bytes this process wrote (the writer is a thread of it), from Linux's /proc: a page SQLite spills
  // to the WAL before COMMIT is written again in place, so the log's contents do not show it.
  test.runIf(process.platform === 'linux')('batches written together from many connections write each page about once', async () => {
    const written = (): number => Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
    quietStore();
    const connections = 50;
    for (let c = 2; c <= connections; c++) store.createTimeline(c);
    store.sync();
    const db = reader();
    const pagesBefore = Number(db.prepare('PRAGMA page_count').get()!.page_count);
    const bytesBefore = written();
    // The writer falls behind (here: another program holds the lock) and then writes the batches that
    // waited in one transaction: 4 batches of 6,000 frames of 1 KiB with their messages, the connections
    // taking turns as 50 busy sockets do, each connection's rows at its own place in each table.
    const lock = new DatabaseSync(path);
    readers.push(lock);
    lock.exec('BEGIN IMMEDIATE');
    const payload = 'x'.repeat(1024);
    for (let batch = 0; batch < 4; batch++) {
      for (let i = 0; i < 6_000; i++) oneFrameMessage(i % 2 === 0 ? 'out' : 'in', payload, 1 + (i % connections));
      store.flush();
    }
    lock.exec('COMMIT');
    await store.settled();
    expect(onDisk(db).frames).toBe(24_000);
    const grown = (Number(db.prepare('PRAGMA page_count').get()!.page_count) - pagesBefore) * PAGE_SIZE;
    expect(grown).toBeGreaterThan(24_000 * 1024);
    // Each page goes to the WAL once and to the file once at the checkpoint. Pages that did not fit in
    // the writer's cache went to the WAL over and over before COMMIT (10 times the bytes with 2 MB).
    expect(written() - bytesBefore).toBeLessThan(4 * grown);
  });

  test('rows appended in one tick reach the file together at its end, in one transaction', async () => {
    quietStore();
    const db = reader();
    const commits = walCommits();
    // 16,000 rows: under the 16,384 rows that make a batch go at once.
    for (let i = 0; i < 8_000; i++) oneFrameMessage(i % 2 === 0 ? 'out' : 'in', `message ${i}`);
    expect(onDisk(db)).toEqual({ frames: 0, messages: 0 });
    expect(walCommits()).toBe(commits);
    await tick();
    await until(() => onDisk(db).frames > 0);
    expect(onDisk(db)).toEqual({ frames: 8_000, messages: 8_000 });
    expect(walCommits()).toBe(commits + 1);
  });

  test('each tick is its own batch', async () => {
    // (Indexing for search between batches would add commits of its own.)
    quietStore();
    const db = reader();
    const commits = walCommits();
    for (let batch = 1; batch <= 3; batch++) {
      for (let i = 0; i < 100; i++) oneFrameMessage('out', `${batch}.${i}`);
      await tick();
      await until(() => onDisk(db).frames > (batch - 1) * 100);
      expect(onDisk(db)).toEqual({ frames: batch * 100, messages: batch * 100 });
    }
    expect(walCommits()).toBe(commits + 3);
  });

  test('batches that wait for the writer are written together, in one transaction', async () => {
    quietStore();
    const db = reader();
    const commits = walCommits();
    const lock = new DatabaseSync(path);
    readers.push(lock);
    lock.exec('BEGIN IMMEDIATE');
    for (let batch = 0; batch < 5; batch++) {
      for (let i = 0; i < 10; i++) oneFrameMessage('out', `${batch}.${i}`);
      store.flush();
    }
    lock.exec('COMMIT');
    await store.settled();
    expect(onDisk(db)).toEqual({ frames: 50, messages: 50 });
    // The first may have gone alone while the lock was held; the four behind it went as one.
    expect(walCommits() - commits).toBeLessThanOrEqual(2);
  });

  test('sync() hands the batch over at once and returns when it is written', () => {
    const db = reader();
    oneFrameMessage('out', 'now');
    store.appendNote(ID, { kind: 'note', time: ++clock, event: 'open', text: 'Open' });
    store.sync();
    expect(onDisk(db)).toEqual({ frames: 2, messages: 2 });
  });

  test('flush() hands the batch over at once, without waiting for the disk', () => {
    const db = reader();
    oneFrameMessage('out', 'now');
    store.flush();
    expect(blockUntil(() => onDisk(db).frames === 1)).toBe(true);
  });

  test('a batch over 32 MiB is written as soon as it is that large, not at the end of the tick', () => {
    const db = reader();
    // Each frame counts its wire bytes and its payload: 12 MiB.
    const payload = new Uint8Array(6 * 1024 * 1024).fill(0x2a);
    store.appendFrame(ID, frame({ opcode: 2, payload }), false);
    store.appendFrame(ID, frame({ opcode: 2, payload }), false);
    expect(onDisk(db).frames).toBe(0);
    store.appendFrame(ID, frame({ opcode: 2, payload }), false);
    expect(blockUntil(() => onDisk(db).frames === 3)).toBe(true);
  });

  test('a batch of 16,384 rows is handed over as soon as it has them, not at the end of the tick', () => {
    const db = reader();
    for (let i = 0; i < 8_191; i++) oneFrameMessage('out', `m ${i}`);
    store.appendFrame(ID, frame({ payload: 'last' }), true);
    expect(onDisk(db).frames).toBe(0);
    store.appendMessage(ID, message('out', 'last'));
    expect(blockUntil(() => onDisk(db).messages === 8_192)).toBe(true);
  });

  test('while another program holds the write lock, appends and hand-overs return at once and reads answer once it is released', async () => {
    const lock = new DatabaseSync(path);
    readers.push(lock);
    lock.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 1000; i++) oneFrameMessage('out', `held ${i}`);
    // Handing over must not wait for the lock: this thread holds it, so waiting would never end.
    store.flush();
    await tick();
    const read = store.whenWritten(() => all('frames').total);
    expect(read).toBeInstanceOf(Promise);
    expect(store.counts(ID)).toEqual({ frameRows: 1000, messageRows: 1000 });
    lock.exec('COMMIT');
    expect(await read).toBe(1000);
    expect(all('messages').rows.at(-1)!.preview).toBe('held 999');
  });

  test('reads in whenWritten see the rows committed by then and never wait for newer ones', async () => {
    for (let i = 0; i < 10; i++) oneFrameMessage('out', `first ${i}`);
    const lock = new DatabaseSync(path);
    readers.push(lock);
    // (The writer may be indexing the first rows for search when the lock is asked for: wait for it.)
    lock.exec('PRAGMA busy_timeout = 10000');
    const read = store.whenWritten(() => {
      // Appended after the read was asked for, and held up by the lock: not waited for.
      lock.exec('BEGIN IMMEDIATE');
      oneFrameMessage('out', 'later');
      store.flush();
      return all('frames');
    });
    const result = await read;
    lock.exec('COMMIT');
    expect(result.total).toBe(10);
    expect(result.rows.map((r) => r.preview)).toEqual([...Array(10).keys()].map((i) => `first ${i}`));
    expect(all('frames').total).toBe(11);
  });

  test('appending waits for the writer once it is more than the bound behind, so memory stays bounded', async () => {
    store.close();
    store = new SessionStore(path, { maxUnwrittenBytes: 1024 * 1024 });
    store.createTimeline(ID);
    const db = reader();
    // Another thread holds the write lock for a while, then lets go.
    const holder = new Worker(`
      const { DatabaseSync } = require('node:sqlite');
      const { workerData, parentPort } = require('node:worker_threads');
      const db = new DatabaseSync(workerData);
      db.exec('PRAGMA busy_timeout = 10000');
      db.exec('BEGIN IMMEDIATE');
      parentPort.postMessage('locked');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.exec('COMMIT');
      db.close();
    `, { eval: true, workerData: path });
    await once(holder, 'message');
    const payload = new Uint8Array(400 * 1024).fill(0x2a);
    store.appendFrame(ID, frame({ opcode: 2, payload }), false);
    store.flush();
    // Under the bound: handed over, not written (the lock is held).
    expect(onDisk(db).frames).toBe(0);
    store.appendFrame(ID, frame({ opcode: 2, payload }), false);
    store.flush();
    // Over it (each frame brings its wire bytes and payload: 800 KiB): this returns only once the writer
    // has caught up below the bound, which it can only do after the lock is released.
    expect(onDisk(db).frames).toBeGreaterThanOrEqual(1);
    await once(holder, 'exit');
  });

  test('batches pass through shared memory reused in a ring, and through buffers of their own when it is full: every byte arrives', async () => {
    store.close();
    store = new SessionStore(path, { maxUnwrittenBytes: 1024 ** 3 });
    store.createTimeline(ID);
    // Distinct bytes per frame, so a region overwritten before the writer read it would show.
    const payload = (n: number, size: number): Uint8Array => pattern(size, n);
    const sizes: number[] = [];
    const send = (size: number): void => {
      store.appendFrame(ID, frame({ opcode: 2, payload: payload(sizes.length, size) }), false);
      sizes.push(size);
    };
    // Laps of the ring (32 MiB) with the writer keeping up, batch sizes that do not divide it.
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 3; i++) send(700_000 + batch * 1000 + i);
      store.flush();
      if (batch % 7 === 6) await store.settled();
    }
    // The writer held up: the ring fills and later batches get their own buffers. (The lock is taken
    // once the writer is idle: it would refuse it while committing.)
    await store.settled();
    const lock = new DatabaseSync(path);
    readers.push(lock);
    lock.exec('PRAGMA busy_timeout = 10000');
    lock.exec('BEGIN IMMEDIATE');
    for (let batch = 0; batch < 30; batch++) {
      send(1_500_000 + batch);
      store.flush();
    }
    lock.exec('COMMIT');
    await store.settled();
    const stored = [...store.frames(ID)];
    expect(stored).toHaveLength(sizes.length);
    stored.forEach((f, n) => {
      const rec = f.rec as FrameRecord;
      expect(rec.payload.length, `frame ${n}`).toBe(sizes[n]);
      expect(Buffer.from(rec.payload).equals(Buffer.from(payload(n, sizes[n]!))), `frame ${n}`).toBe(true);
    });
  });

  test('frames written in an earlier batch are linked to their message when it completes in a later one', async () => {
    store.appendFrame(ID, frame({ dir: 'in', fin: false, payload: 'hel' }), true);
    await tick();
    store.appendFrame(ID, frame({ dir: 'in', opcode: 0, fin: false, payload: 'l' }), true);
    await tick();
    store.appendFrame(ID, frame({ dir: 'in', opcode: 0, payload: 'o' }), true);
    store.appendMessage(ID, message('in', 'hello'));
    await store.settled();
    const db = reader();
    expect(db.prepare('SELECT message FROM frames ORDER BY id').all().map((r) => r.message)).toEqual([0, 0, 0]);
    expect(all('frames').rows.map((r) => r.ref)).toEqual([0, 0, 0]);
    expect(all('messages').rows.map((r) => [r.preview, r.ref, r.refEnd])).toEqual([['hello', 0, 2]]);
  });
});

describe('wire bytes', () => {
  const key = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);
  const stored = () => reader().prepare('SELECT wire_is_header AS h, length(wire) AS n FROM frames ORDER BY id').all().map((r) => [Number(r.h), Number(r.n)]);
  const wireOf = (index: number) => Buffer.from(store.detail({ connectionId: ID, view: 'frames', index }).wireBase64!, 'base64');

  test('that are the header and the (masked) payload are stored as the header alone and read back whole, checked or known', () => {
    const recs = [
      frame({ payload: pattern(5001, 3), maskKey: key }),
      frame({ payload: pattern(70_000, 4) }),
      { ...frame({ payload: pattern(3, 5), maskKey: key }), payloadIsWire: true },
      { ...frame({ payload: pattern(4099, 6), maskKey: key }), payloadIsWire: true },
    ];
    for (const rec of recs) store.appendFrame(ID, rec, false);
    store.sync();
    expect(stored()).toEqual([[1, 8], [1, 10], [1, 6], [1, 8]]);
    recs.forEach((rec, i) => expect(wireOf(i)).toEqual(Buffer.from(rec.wire)));
  });

  test('that differ from the payload by one byte anywhere are stored whole', () => {
    const positions = [0, 1, 3, 4, 7, 4095, 4096, 5000];
    for (const at of positions) {
      const rec = frame({ payload: pattern(5001, at), maskKey: key });
      const wire = Uint8Array.from(rec.wire);
      wire[rec.headerLength + at]! ^= 0x01;
      store.appendFrame(ID, { ...rec, wire }, false);
    }
    store.sync();
    expect(stored()).toEqual(positions.map(() => [0, 8 + 5001]));
    positions.forEach((at, i) => expect(wireOf(i)[8 + at]).toBe((pattern(5001, at)[at]! ^ key[at % 4]!) ^ 0x01));
  });

  test('of a frame cut to the recording cap are the header and the cap\'s worth, even when its payload is the wire\'s', () => {
    store.configure({ recordingCapBytes: 1024 });
    const rec = { ...frame({ payload: pattern(5000, 9), maskKey: key }), payloadIsWire: true };
    store.appendFrame(ID, rec, false);
    store.sync();
    expect(wireOf(0)).toEqual(Buffer.from(rec.wire.subarray(0, 8 + 1024)));
  });
});

describe('recording cap', () => {
  const text = 'abcdefghij'.repeat(500);

  test('a new session records payloads up to 16 MiB', () => {
    expect(store.settings()).toEqual({ recordingCapBytes: DEFAULT_RECORDING_CAP });
    expect(DEFAULT_RECORDING_CAP).toBe(16 * 1024 * 1024);
  });

  test('a payload exactly at the cap is not flagged, whatever its header adds to the wire bytes', () => {
    store.configure({ recordingCapBytes: 1024 });
    store.appendFrame(ID, frame({ payload: 'y'.repeat(1024) }), false);
    const d = store.detail({ connectionId: ID, view: 'frames', index: 0 });
    expect(d.row.flags & FrameFlag.CAPPED).toBe(0);
    expect(d).toMatchObject({ truncated: false, fullLength: null });
  });

  test('saved message ids are never reused after a delete', () => {
    const base = { collection: 'c', kind: 'text' as const, body: 'b', format: null, createdAt: 1, updatedAt: 1 };
    store.putSavedMessage({ ...base, name: 'one' });
    const two = store.putSavedMessage({ ...base, name: 'two' });
    store.deleteSavedMessage(two.id);
    expect(store.putSavedMessage({ ...base, name: 'three' }).id).toBeGreaterThan(two.id);
  });

  test('a payload over the cap is stored cut to it, flagged CAPPED, with its full length', () => {
    expect(store.configure({ recordingCapBytes: 1024 })).toEqual({ recordingCapBytes: 1024 });
    store.appendFrame(ID, frame({ payload: text }), true);
    store.appendMessage(ID, message('out', text));
    for (const view of ['frames', 'messages'] as const) {
      const d = store.detail({ connectionId: ID, view, index: 0 });
      expect(d.row.flags & FrameFlag.CAPPED).toBe(FrameFlag.CAPPED);
      expect(d.row.size).toBe(5000);
      expect(d).toMatchObject({ truncated: true, fullLength: 5000, text: text.slice(0, 1024) });
      expect(Buffer.from(d.payloadBase64, 'base64')).toHaveLength(1024);
    }
    // The wire bytes keep the frame's header (4 bytes for a 5000-byte unmasked payload) and the cap's worth of payload.
    const wire = store.detail({ connectionId: ID, view: 'frames', index: 0 }).wireBase64!;
    expect(Buffer.from(wire, 'base64')).toHaveLength(4 + 1024);
    const [stored] = [...store.frames(ID)];
    expect(stored!.rec).toMatchObject({ payloadLength: 5000, fullLength: 5000 });
    expect((stored!.rec as FrameRecord).payload).toHaveLength(1024);
    const [msg] = [...store.messages(ID)];
    expect(msg).toMatchObject({ rec: { fullLength: 5000, flags: FrameFlag.CAPPED } });
  });

  test('text cut by the cap in the middle of a character still reads as text, up to that character', () => {
    store.configure({ recordingCapBytes: 1024 });
    const accented = `x${'é'.repeat(3000)}`;
    store.appendFrame(ID, frame({ payload: accented }), true);
    store.appendMessage(ID, message('out', accented));
    for (const view of ['frames', 'messages'] as const) {
      expect(store.detail({ connectionId: ID, view, index: 0 })).toMatchObject({ truncated: true, fullLength: 6001, text: `x${'é'.repeat(511)}` });
    }
  });

  test('binary data is not shown as text however it is cut', () => {
    store.configure({ recordingCapBytes: 1024 });
    store.appendFrame(ID, frame({ opcode: 2, payload: new Uint8Array(5000).fill(0xff) }), false);
    expect(store.detail({ connectionId: ID, view: 'frames', index: 0 }).text).toBeNull();
  });

  test('the cap keeps the flags the proxy set', () => {
    store.configure({ recordingCapBytes: 1024 });
    store.appendFrame(ID, frame({ payload: text, flags: FrameFlag.EDITED }), false);
    expect(all('frames').rows[0]!.flags).toBe(FrameFlag.EDITED | FrameFlag.CAPPED);
  });

  test('frames and messages under the cap are stored whole and not flagged', () => {
    store.configure({ recordingCapBytes: 1024 });
    const small = text.slice(0, 1000);
    store.appendFrame(ID, frame({ payload: small }), true);
    store.appendMessage(ID, message('out', small));
    for (const view of ['frames', 'messages'] as const) {
      const d = store.detail({ connectionId: ID, view, index: 0 });
      expect(d).toMatchObject({ truncated: false, fullLength: null, text: small });
      expect(d.row.flags).toBe(0);
    }
    expect(Buffer.from(store.detail({ connectionId: ID, view: 'frames', index: 0 }).wireBase64!, 'base64')).toHaveLength(1004);
  });

  test('the cap is kept in the session file', () => {
    store.configure({ recordingCapBytes: 1024 });
    store.close();
    store = new SessionStore(path);
    expect(store.settings()).toEqual({ recordingCapBytes: 1024 });
    store.createTimeline(2);
    store.appendFrame(2, frame({ payload: text }), false);
    expect(store.detail({ connectionId: 2, view: 'frames', index: 0 })).toMatchObject({ truncated: true, fullLength: 5000 });
  });
});

describe('a filter over a long timeline', () => {
  test('with a budget, a filter answers with what it found so far, and asking again goes on where it stopped', () => {
    for (let i = 0; i < 10_000; i++) oneFrameMessage(i % 2 === 0 ? 'out' : 'in', i % 3 === 0 ? `match ${i}` : `other ${i}`);
    store.sync();
    const req = { connectionId: ID, view: 'frames' as const, start: 0, count: 5, filter: { text: 'match' } };
    // A budget of 0 ms: one chunk of rows (4096) per call.
    let result = store.range(req, 0);
    expect(result).toMatchObject({ complete: false, total: Math.ceil(4096 / 3) });
    expect(result.rows.map((r) => r.index)).toEqual([0, 3, 6, 9, 12]);
    let calls = 1;
    while (!result.complete) {
      result = store.range({ ...req, start: result.total, count: 0 }, 0);
      calls++;
    }
    expect(calls).toBe(3);
    expect(result.total).toBe(3334);
    expect(store.range({ ...req, start: 3333, count: 5 }, 0)).toMatchObject({ complete: true, total: 3334, rows: [{ index: 9999 }] });
    // Rows appended later are scanned on the next call; without a budget the answer is whole at once.
    oneFrameMessage('out', 'match late');
    store.sync();
    expect(store.range({ ...req, start: 0, count: 0 }, 0)).toMatchObject({ complete: true, total: 3335 });
    expect(store.range({ ...req, filter: { text: 'other' } })).toMatchObject({ complete: true, total: 6666 });
  });
});

describe('filters in the store', () => {
  const long = (c: string, tail: string): string => `${c.repeat(300)} ${tail}`;

  // frames view                                   messages view
  // 0 note        t100 'Connected to …'           0 note
  // 1 out text    t110 a… Needle one              1 message out t110
  // 2 in text     t120 b… needle two (FIN unset)  2 ping (standalone) t121
  // 3 out ping    t121 'are you there'            3 message in t122 (frames 2 and 4)
  // 4 in cont.    t122 ' and the end'             4 binary message in t130
  // 5 in binary   t130                            5 error t140
  // 6 in error    t140 reserved opcode            6 close t150
  // 7 out close   t150 1000 bye
  beforeEach(() => {
    store.appendNote(ID, { kind: 'note', time: 100, event: 'open', text: 'Connected to ws://example.test' });
    store.appendFrame(ID, frame({ time: 110, dir: 'out', payload: long('a', 'Needle one') }), true);
    store.appendMessage(ID, messageRecord(110, 'out', long('a', 'Needle one')));
    store.appendFrame(ID, frame({ time: 120, dir: 'in', fin: false, payload: long('b', 'needle two') }), true);
    store.appendFrame(ID, frame({ time: 121, dir: 'out', opcode: 9, payload: 'are you there' }), false);
    store.appendFrame(ID, frame({ time: 122, dir: 'in', opcode: 0, payload: ' and the end' }), true);
    store.appendMessage(ID, messageRecord(122, 'in', `${long('b', 'needle two')} and the end`));
    store.appendFrame(ID, frame({ time: 130, dir: 'in', opcode: 2, payload: hex('00 01 02 03') }), true);
    store.appendMessage(ID, messageRecord(130, 'in', hex('00 01 02 03'), 2));
    store.appendFrame(ID, frame({ time: 140, dir: 'in', opcode: 3, error: { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: 'Reserved opcode 0x3' } }), false);
    store.appendFrame(ID, frame({ time: 150, dir: 'out', opcode: 8, payload: hex('03 e8 62 79 65') }), false);
  });

  test('the fixture is as described', () => {
    expect(store.counts(ID)).toEqual({ frameRows: 8, messageRows: 7 });
    expect(all('messages').rows.map((r) => [r.kind, r.time, r.opcode])).toEqual([
      ['note', 100, -1], ['message', 110, 1], ['frame', 121, 9], ['message', 122, 1], ['message', 130, 2], ['error', 140, 3], ['frame', 150, 8],
    ]);
  });

  test('time: from is inclusive, to exclusive', () => {
    expect(indexes('frames', { from: 120, to: 140 })).toEqual([2, 3, 4, 5]);
    expect(indexes('messages', { from: 120, to: 140 })).toEqual([2, 3, 4]);
    expect(indexes('messages', { from: 122 })).toEqual([3, 4, 5, 6]);
    expect(indexes('frames', { to: 110 })).toEqual([0]);
  });

  test('direction', () => {
    expect(indexes('frames', { direction: 'in' })).toEqual([2, 4, 5, 6]);
    expect(indexes('messages', { direction: 'in' })).toEqual([3, 4, 5]);
    expect(indexes('messages', { direction: 'out' })).toEqual([1, 2, 6]);
  });

  test('opcodes keep notes and errors unless errors is false', () => {
    expect(indexes('frames', { opcodes: [8, 9] })).toEqual([0, 3, 6, 7]);
    expect(indexes('frames', { opcodes: [8, 9], errors: false })).toEqual([3, 7]);
    expect(indexes('messages', { opcodes: [1] })).toEqual([0, 1, 3, 5]);
    expect(indexes('messages', { opcodes: [1], errors: false })).toEqual([1, 3]);
    expect(indexes('messages', { opcodes: [] })).toEqual([0, 5]);
  });

  test('errors false drops errors and notes', () => {
    expect(indexes('frames', { errors: false })).toEqual([1, 2, 3, 4, 5, 7]);
    expect(indexes('messages', { errors: false })).toEqual([1, 2, 3, 4, 6]);
  });

  test('text is matched case-insensitively beyond the preview, in both views', () => {
    expect(all('frames').rows[1]!.preview).not.toContain('eedle');
    expect(indexes('frames', { text: 'NEEDLE' })).toEqual([1, 2]);
    expect(indexes('messages', { text: 'NEEDLE' })).toEqual([1, 3]);
    expect(indexes('messages', { text: 'two and the' })).toEqual([3]);
  });

  test('case-sensitive text', () => {
    expect(indexes('frames', { text: 'Needle', caseSensitive: true })).toEqual([1]);
    expect(indexes('messages', { text: 'needle', caseSensitive: true })).toEqual([3]);
  });

  test('regex, with and without case', () => {
    expect(indexes('frames', { text: 'NEEDLE (one|two)$', regex: true })).toEqual([1, 2]);
    expect(indexes('messages', { text: 'needle \\w+ and', regex: true })).toEqual([3]);
    expect(indexes('messages', { text: 'N\\w+ one', regex: true, caseSensitive: true })).toEqual([1]);
    expect(indexes('frames', { text: 'n\\w+ one', regex: true, caseSensitive: true })).toEqual([]);
  });

  test('standalone control frames, errors and notes are matched by their text in the messages view', () => {
    expect(indexes('messages', { text: 'you there' })).toEqual([2]);
    expect(indexes('messages', { text: 'connected' })).toEqual([0]);
    expect(indexes('messages', { text: 'reserved opcode' })).toEqual([5]);
    expect(indexes('messages', { text: 'normal closure: bye' })).toEqual([6]);
  });

  test('conditions combine', () => {
    expect(indexes('frames', { text: 'needle', direction: 'in', from: 115 })).toEqual([2]);
    expect(indexes('messages', { text: 'needle', direction: 'out', to: 110 })).toEqual([]);
  });

  test('a filtered index grows with rows appended across flushes, past its first allocation', async () => {
    const filter: TimelineFilter = { text: 'MATCH', caseSensitive: true };
    const expected = indexes('messages', filter);
    expect(expected).toEqual([]);
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 1000; i++) {
        const matching = i % 3 !== 0;
        const index = store.counts(ID).messageRows;
        oneFrameMessage('in', long('c', matching ? `MATCH ${batch}.${i}` : `other ${batch}.${i}`));
        if (matching) expected.push(index);
      }
      await tick();
      const r = all('messages', filter);
      expect(r.total).toBe(expected.length);
      expect(r.rows.map((x) => x.index)).toEqual(expected);
    }
    expect(expected.length).toBeGreaterThan(1024);
    const window = store.range({ connectionId: ID, view: 'messages', start: 1500, count: 3, filter });
    expect(window.rows.map((x) => x.index)).toEqual(expected.slice(1500, 1503));
  });
});

describe('search', () => {
  // Connection 1, frames: 0 note, 1 'hello world', 2 'alpha beta' (first fragment), 3 ping, 4 'gamma delta' (last fragment), 5 error.
  // Messages: 0 note, 1 hello world, 2 ping, 3 alpha … delta, 4 error. Connection 2: 0 'hello there', 1 'help wanted'.
  beforeEach(() => {
    store.appendNote(ID, { kind: 'note', time: ++clock, event: 'open', text: 'Connected to the echo server' });
    oneFrameMessage('out', 'hello world');
    store.appendFrame(ID, frame({ dir: 'in', fin: false, payload: 'alpha beta' }), true);
    store.appendFrame(ID, frame({ dir: 'in', opcode: 9, payload: 'heartbeat' }), false);
    store.appendFrame(ID, frame({ dir: 'in', opcode: 0, payload: ' gamma delta' }), true);
    store.appendMessage(ID, message('in', 'alpha beta gamma delta'));
    store.appendFrame(ID, frame({ dir: 'in', opcode: 3, error: { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: 'reserved opcode seen' } }), false);
    store.createTimeline(2);
    oneFrameMessage('out', 'hello there', 2);
    oneFrameMessage('in', 'help wanted', 2);
  });

  const where = (text: string, more: Partial<{ regex: boolean; connectionIds: number[]; limit: number }> = {}) =>
    store.search({ text, ...more }).hits.map((h) => [h.connectionId, h.frameIndex, h.messageIndex]);

  test('a word is a prefix, across connections, in row order', () => {
    expect(where('hel')).toEqual([[1, 1, 1], [2, 0, 0], [2, 1, 1]]);
    expect(where('HELLO')).toEqual([[1, 1, 1], [2, 0, 0]]);
  });

  test('every word is required', () => {
    expect(where('hello world')).toEqual([[1, 1, 1]]);
    expect(where('hel wan')).toEqual([[2, 1, 1]]);
    expect(where('hello nothing')).toEqual([]);
  });

  test('a hit carries the row as shown', () => {
    const [hit] = store.search({ text: 'wanted' }).hits;
    expect(hit).toEqual({ connectionId: 2, frameIndex: 1, messageIndex: 1, time: clock - 1, dir: 'in', opcode: 1, preview: 'help wanted' });
  });

  test('connectionIds restricts the search', () => {
    expect(where('hel', { connectionIds: [2] })).toEqual([[2, 0, 0], [2, 1, 1]]);
    expect(where('hel', { connectionIds: [3] })).toEqual([]);
  });

  test('limit cuts the hits and says there are more', () => {
    expect(store.search({ text: 'hel', limit: 2 })).toMatchObject({ more: true, hits: [{ connectionId: 1 }, { connectionId: 2, frameIndex: 0 }] });
    expect(store.search({ text: 'hel', limit: 3 }).more).toBe(false);
  });

  test('regex mode tests each row\'s text', () => {
    expect(where('^h\\w+ (world|there)$', { regex: true })).toEqual([[1, 1, 1], [2, 0, 0]]);
    expect(where('gam+a', { regex: true })).toEqual([[1, 4, 3]]);
  });

  test('notes and error reasons are found', () => {
    expect(where('echo')).toEqual([[1, 0, 0]]);
    expect(where('reserved')).toEqual([[1, 5, 4]]);
  });

  test('a word cut between fragments is found in the whole message, at its first frame; one hit per message', () => {
    // Frames 6 'the quick bro', 7 'wn fox and fox' (message 5), 8 'fox again' (message 6).
    store.appendFrame(ID, frame({ dir: 'out', fin: false, payload: 'the quick bro' }), true);
    store.appendFrame(ID, frame({ dir: 'out', opcode: 0, payload: 'wn fox and fox' }), true);
    store.appendMessage(ID, message('out', 'the quick brown fox and fox'));
    oneFrameMessage('out', 'fox again');
    expect(where('brown')).toEqual([[1, 6, 5]]);
    expect(where('quick brown')).toEqual([[1, 6, 5]]);
    expect(where('k brown f', { regex: true })).toEqual([[1, 6, 5]]);
    // In a fragment of its own: that fragment, once, and no second hit for the whole message.
    expect(where('fox')).toEqual([[1, 7, 5], [1, 8, 6]]);
    expect(where('fox', { regex: true })).toEqual([[1, 7, 5], [1, 8, 6]]);
    expect(store.search({ text: 'fox', limit: 1 })).toMatchObject({ more: true, hits: [{ frameIndex: 7 }] });
    expect(where('brown', { connectionIds: [2] })).toEqual([]);
  });

  test('a fragment points at its message\'s row; a ping at its own row in the messages view', () => {
    expect(where('beta')).toEqual([[1, 2, 3]]);
    expect(where('delta')).toEqual([[1, 4, 3]]);
    expect(where('heartbeat')).toEqual([[1, 3, 2]]);
    expect(where('heart', { regex: true })).toEqual([[1, 3, 2]]);
  });

  test('a close frame is found by its reason', () => {
    store.appendFrame(ID, frame({ dir: 'out', opcode: 8, payload: hex('03 e9 67 6f 69 6e 67 20 68 6f 6d 65') }), false);
    expect(all('frames').rows[6]!.preview).toBe('1001 Going Away: going home');
    expect(where('home')).toEqual([[1, 6, 5]]);
  });

  test('rows written in earlier batches are found with rows still in the batch', async () => {
    await tick();
    oneFrameMessage('in', 'hello again', 2);
    expect(where('hello')).toEqual([[1, 1, 1], [2, 0, 0], [2, 2, 2]]);
  });

  test('deleting a timeline removes its rows from the index', () => {
    store.appendFrame(2, frame({ fin: false, payload: 'split wo' }), true);
    store.appendFrame(2, frame({ opcode: 0, payload: 'rd' }), true);
    store.appendMessage(2, message('out', 'split word'));
    expect(where('word')).toEqual([[2, 2, 2]]);
    store.deleteTimeline(2);
    expect(where('hel')).toEqual([[1, 1, 1]]);
    const db = reader();
    expect(Number(db.prepare('SELECT count(*) AS n FROM search WHERE rowid < 0').get()!.n)).toBe(1);
    // The id may be used again (maxConnectionId goes down): the new rows must not inherit the old words.
    store.createTimeline(2);
    oneFrameMessage('out', 'unrelated', 2);
    expect(where('hello')).toEqual([[1, 1, 1]]);
    expect(where('unrelated')).toEqual([[2, 0, 0]]);
  });
});

describe('the search index, written after the rows', () => {
  const words = (text: string, complete = true) => store.search({ text }, complete);

  test('a search that does not wait says how many frames are not indexed yet; one that waits finds them all', () => {
    quietStore();
    for (let i = 0; i < 10; i++) oneFrameMessage('out', `deferred ${i}`);
    store.sync();
    expect(words('deferred', false)).toMatchObject({ hits: [], indexing: 10 });
    expect(words('deferred')).toMatchObject({ indexing: 0 });
    expect(words('deferred').hits).toHaveLength(10);
    expect(words('deferred', false)).toMatchObject({ indexing: 0, hits: expect.arrayContaining([expect.objectContaining({ frameIndex: 9 })]) });
  });

  test('between commands the writer indexes by itself', async () => {
    for (let i = 0; i < 3000; i++) oneFrameMessage('in', `idle ${i}`);
    store.sync();
    await until(() => words('idle', false).indexing === 0);
    expect(words('idle', false)).toMatchObject({ more: true, indexing: 0 });
  });

  test('rows left out of the index when the session closed are indexed once it is open again, once each', async () => {
    quietStore();
    for (let i = 0; i < 2500; i++) oneFrameMessage('out', `later ${i}`);
    store.search({ text: 'nothing' });
    for (let i = 0; i < 500; i++) oneFrameMessage('out', `after ${i}`);
    store.saveConnection(connectionSummary(ID));
    store.close();
    store = new SessionStore(path);
    // The 2500 were indexed by the search before closing; the 500 after it were not.
    expect(words('after', false).indexing).toBeLessThanOrEqual(500);
    await until(() => words('after', false).indexing === 0);
    expect(store.search({ text: 'later', limit: 5000 }, false).hits).toHaveLength(2500);
    expect(store.search({ text: 'after', limit: 5000 }, false).hits).toHaveLength(500);
    // Each row once in the index: every term has one entry per frame.
    expect(Number(reader().prepare("SELECT count(*) AS n FROM search WHERE search MATCH 'after'").get()!.n)).toBe(500);
  });

  test('a session from before (indexed as it was written) is not indexed twice', () => {
    for (let i = 0; i < 20; i++) oneFrameMessage('out', `old ${i}`);
    expect(words('old').hits).toHaveLength(20);
    store.saveConnection(connectionSummary(ID));
    store.close();
    const db = new DatabaseSync(path);
    db.exec("DELETE FROM search_progress; UPDATE meta SET value = '2' WHERE key = 'schemaVersion'");
    db.close();
    store = new SessionStore(path);
    expect(words('old')).toMatchObject({ indexing: 0 });
    expect(Number(reader().prepare("SELECT count(*) AS n FROM search WHERE search MATCH 'old'").get()!.n)).toBe(20);
  });
});

describe('reading whole timelines and importing them', () => {
  interface Expected { frames: StoredFrame[]; messages: StoredMessage[] }

  /** Appends about 5000 rows of every kind across several ticks and returns them as they should read back. */
  async function record(s: SessionStore, id: number): Promise<Expected> {
    const frames: StoredFrame[] = [];
    const messages: StoredMessage[] = [];
    const pending: Record<Direction, number[]> = { in: [], out: [] };
    const addFrame = (rec: FrameRecord, partOfMessage: boolean): void => {
      const index = s.appendFrame(id, rec, partOfMessage);
      frames.push({ index, rec, message: -1 });
      if (partOfMessage) pending[rec.dir].push(index);
      else messages.push({ index: messages.length, frameRow: index });
    };
    const addMessage = (rec: MessageRecord): void => {
      const index = s.appendMessage(id, rec);
      const rows = pending[rec.dir].splice(0);
      for (const row of rows) frames[row] = { ...frames[row]!, message: index };
      messages.push({ index, rec, first: rows[0]!, last: rows.at(-1)! });
    };
    for (let i = 0; i < 700; i++) {
      const key = pattern(4, i);
      addFrame(frame({ dir: 'out', payload: `request ${i}`, maskKey: key, rules: i % 5 === 0 ? ['tag', 'delay'] : undefined, flags: i % 5 === 0 ? FrameFlag.DELAYED : 0 }), true);
      addMessage(messageRecord(clock, 'out', `request ${i}`, 1, i % 5 === 0 ? { flags: FrameFlag.DELAYED, rules: ['tag', 'delay'] } : {}));
      const edited = i % 7 === 0;
      const body = pattern(40 + (i % 50), i + 1);
      addFrame(frame({ dir: 'in', opcode: 2, fin: false, payload: body, ...(edited ? { flags: FrameFlag.EDITED | FrameFlag.HELD, original: pattern(3, i), heldMs: i } : {}) }), true);
      if (i % 50 === 0) await tick();
      addFrame(frame({ dir: 'in', opcode: 9, payload: `ping ${i}`, textual: false }), false);
      addFrame(frame({ dir: 'in', opcode: 0, payload: utf8('!') }), true);
      addMessage(messageRecord(clock, 'in', new Uint8Array([...body, 0x21]), 2, edited ? { flags: FrameFlag.EDITED | FrameFlag.HELD } : {}));
      if (i % 40 === 0) {
        addFrame(frame({ dir: 'in', opcode: 4, error: { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: `reserved ${i}` } }), false);
        const note = { kind: 'note' as const, time: ++clock, event: 'reconnect-scheduled' as const, text: `Reconnecting ${i}` };
        s.appendNote(id, note);
        frames.push({ index: frames.length, rec: note, message: -1 });
        messages.push({ index: messages.length, frameRow: frames.length - 1 });
      }
      if (i % 100 === 99) {
        addFrame(frame({ dir: 'out', fin: false, payload: 'never finished' }), true);
        s.abandonMessages(id);
        for (const row of pending.out.splice(0)) messages.push({ index: messages.length, frameRow: row });
      }
    }
    addFrame(frame({ dir: 'out', opcode: 0x8, payload: new Uint8Array(0) }), false);
    return { frames, messages };
  }

  test('frames() and messages() page through thousands of rows and give back what was appended', async () => {
    const expected = await record(store, ID);
    expect(expected.frames.length).toBeGreaterThan(2000);
    expect(expected.messages.length).toBeGreaterThan(2000);
    expect(store.counts(ID)).toEqual({ frameRows: expected.frames.length, messageRows: expected.messages.length });
    expect([...store.frames(ID)]).toEqual(expected.frames);
    expect([...store.messages(ID)]).toEqual(expected.messages);
    expect([...store.frames(ID, 2100, 2103)]).toEqual(expected.frames.slice(2100, 2103));
  });

  test('importRows into another session reproduces the timeline row for row', async () => {
    await record(store, ID);
    const other = new SessionStore(join(dir, 'other.framescope'));
    try {
      other.createTimeline(7);
      other.importRows(7, store.frames(ID), store.messages(ID));
      expect(other.counts(7)).toEqual(store.counts(ID));
      for (const view of ['frames', 'messages'] as const) expect(all(view, undefined, 7, other)).toEqual(all(view));
      expect([...other.frames(7)]).toEqual([...store.frames(ID)]);
      expect([...other.messages(7)]).toEqual([...store.messages(ID)]);
      const last = store.counts(ID).messageRows - 1;
      expect(other.detail({ connectionId: 7, view: 'messages', index: last })).toEqual(store.detail({ connectionId: ID, view: 'messages', index: last }));
    } finally {
      other.close();
    }
  });

  test('importRows refuses a timeline that has rows, and rows out of order', () => {
    oneFrameMessage('out', 'x');
    expect(() => store.importRows(ID, [], [])).toThrow(/already has rows/);
    store.createTimeline(3);
    expect(() => store.importRows(3, [{ index: 1, rec: frame(), message: -1 }], [])).toThrow(/expected 0, got 1/);
  });
});

describe('a frame\'s preview', () => {
  test('that is its payload\'s ASCII head is stored as \'\' and read back as it was shown (format 5); others are stored', () => {
    const long = 'abc '.repeat(100);
    const payloads: Array<[Uint8Array | string, number]> = [
      ['short text', 1], [long, 1], ['', 1], ['caf\u00e9 au lait', 1], ['nul\u0000inside', 1], [pattern(40, 2), 2], [utf8('ping?'), 9],
    ];
    for (const [payload, opcode] of payloads) store.appendFrame(ID, frame({ opcode, payload }), false);
    store.appendFrame(ID, frame({ opcode: 8, payload: Uint8Array.from([0x03, 0xe8, 0x62, 0x79, 0x65]) }), false);
    store.sync();
    const rows = all('frames').rows;
    const stored = reader().prepare('SELECT preview FROM frames ORDER BY id').all().map((r) => r.preview);
    expect(rows.map((r) => r.preview)).toEqual([
      'short text', long.slice(0, 200), '', 'caf\u00e9 au lait', 'nul\u0000inside', rows[5]!.preview, 'ping?', '1000 Normal Closure: bye',
    ]);
    expect(rows[5]!.preview).toMatch(/^[0-9a-f]{2}( [0-9a-f]{2}){39}$/);
    expect(stored).toEqual(['', '', '', 'caf\u00e9 au lait', 'nul\u0000inside', rows[5]!.preview, '', '1000 Normal Closure: bye']);
    // Filters, regex search and the messages view see the line as shown.
    expect(indexes('frames', { text: 'short' })).toEqual([0]);
    expect(indexes('frames', { text: '^short t', regex: true })).toEqual([0]);
    expect(indexes('frames', { text: 'ping?' })).toEqual([6]);
    expect(store.search({ text: '^abc abc', regex: true }).hits.map((h) => h.preview)).toEqual([long.slice(0, 200)]);
    expect(all('messages').rows.map((r) => r.preview)).toEqual(rows.map((r) => r.preview));
  });
});

describe('a message of one frame', () => {
  // Payloads longer than the preview, with a word at the end that only the whole payload holds.
  const long = (i: number): string => `${'lorem ipsum '.repeat(30)}zebra${i}`;

  test('is stored once: its row holds no copy, and every read gives its data', () => {
    for (let i = 0; i < 50; i++) oneFrameMessage(i % 2 === 0 ? 'out' : 'in', long(i));
    store.appendFrame(ID, frame({ dir: 'in', opcode: 2, payload: pattern(3000, 7) }), true);
    store.appendMessage(ID, message('in', pattern(3000, 7), 2));
    store.appendFrame(ID, frame({ dir: 'out', fin: false, payload: 'frag' }), true);
    store.appendFrame(ID, frame({ dir: 'out', opcode: 0, payload: 'mented' }), true);
    store.appendMessage(ID, message('out', 'fragmented'));
    store.sync();

    const db = reader();
    const stored = db.prepare('SELECT count(*) AS n, sum(data IS NULL) AS shared, sum(length(data)) AS bytes FROM messages WHERE frame_row IS NULL').get()!;
    expect({ n: Number(stored.n), shared: Number(stored.shared), bytes: Number(stored.bytes) }).toEqual({ n: 52, shared: 51, bytes: 'fragmented'.length });

    const messages = [...store.messages(ID)];
    expect(messages.map((m) => ('rec' in m ? Buffer.from(m.rec.data).toString('latin1') : null))).toEqual([
      ...Array.from({ length: 50 }, (_, i) => long(i)), Buffer.from(pattern(3000, 7)).toString('latin1'), 'fragmented',
    ]);
    expect(store.detail({ connectionId: ID, view: 'messages', index: 49 }).text).toBe(long(49));
    expect(store.detail({ connectionId: ID, view: 'messages', index: 50 }).payloadBase64).toBe(Buffer.from(pattern(3000, 7)).toString('base64'));
    expect(indexes('messages', { text: 'zebra17' })).toEqual([17]);
    expect(indexes('messages', { text: 'fragmented' })).toEqual([51]);
  });

  test('shows its frame\'s preview without storing one (format 4), filters on it, and keeps its own when it has its own data', () => {
    oneFrameMessage('out', long(1));
    store.appendFrame(ID, frame({ dir: 'in', opcode: 2, payload: pattern(100, 3) }), true);
    store.appendMessage(ID, message('in', pattern(100, 3), 2));
    store.appendFrame(ID, frame({ payload: 'as sent' }), true);
    store.appendMessage(ID, message('out', 'as assembled'));
    store.appendFrame(ID, frame({ opcode: 9, payload: 'ping!' }), false);
    store.sync();
    const previews = reader().prepare('SELECT preview FROM messages ORDER BY id').all().map((r) => r.preview);
    expect(previews).toEqual([null, null, 'as assembled', null]);
    const frames = all('frames').rows.map((r) => r.preview);
    expect(all('messages').rows.map((r) => r.preview)).toEqual([frames[0], frames[1], 'as assembled', 'ping!']);
    expect(frames[0]).toBe(long(1).slice(0, 200));
    expect(frames[1]).toMatch(/^[0-9a-f]{2}( [0-9a-f]{2}){63} …$/);
    // The preview read from the frame is what a text filter sees (the payload is past the preview, too).
    expect(indexes('messages', { text: 'lorem' })).toEqual([0]);
    expect(indexes('messages', { text: 'ping!' })).toEqual([3]);
    // A binary message is matched on its preview alone (its hex).
    expect(indexes('messages', { text: frames[1]!.slice(0, 11) })).toEqual([1]);
    expect(store.range({ connectionId: ID, view: 'messages', start: 1, count: 1 }).rows[0]!.preview).toBe(frames[1]);
  });

  test('keeps its own copy when its frame went to the writer in an earlier batch, or when the two differ', () => {
    store.appendFrame(ID, frame({ payload: long(1) }), true);
    store.flush();
    store.appendMessage(ID, message('out', long(1)));
    store.appendFrame(ID, frame({ payload: 'as sent' }), true);
    store.appendMessage(ID, message('out', 'as assembled'));
    store.sync();
    expect(Number(reader().prepare('SELECT count(*) AS n FROM messages WHERE data IS NOT NULL').get()!.n)).toBe(2);
    expect([...store.messages(ID)].map((m) => ('rec' in m ? Buffer.from(m.rec.data).toString() : null))).toEqual([long(1), 'as assembled']);
    expect(indexes('messages', { text: 'zebra1' })).toEqual([0]);
  });

  test('in a format-1 session (data stored with every message) is read as it is, and the file is marked with the current format', () => {
    for (let i = 0; i < 3; i++) oneFrameMessage('out', long(i));
    store.saveConnection(connectionSummary(ID));
    store.close();
    const db = new DatabaseSync(path);
    db.exec(`UPDATE messages SET data = CAST('old ' || (id % 4294967296) AS BLOB) WHERE data IS NULL AND frame_row IS NULL;
      UPDATE meta SET value = '1' WHERE key = 'schemaVersion'`);
    db.close();
    store = new SessionStore(path);
    expect([...store.messages(ID)].map((m) => ('rec' in m ? Buffer.from(m.rec.data).toString() : null))).toEqual(['old 0', 'old 1', 'old 2']);
    expect(reader().prepare("SELECT value FROM meta WHERE key = 'schemaVersion'").get()!.value).toBe('5');
  });
});

describe('a session opened again', () => {
  test('lists its connections with their counts and rows', async () => {
    store.saveConnection(connectionSummary(ID));
    store.appendNote(ID, { kind: 'note', time: ++clock, event: 'open', text: 'Open' });
    for (let i = 0; i < 50; i++) oneFrameMessage(i % 2 === 0 ? 'out' : 'in', `m${i}`);
    await tick();
    store.appendFrame(ID, frame({ opcode: 9, payload: 'last' }), false);
    store.createTimeline(3);
    oneFrameMessage('in', 'on three', 3);
    store.saveConnection(connectionSummary(3));
    store.saveConnection({ ...connectionSummary(ID), frameRows: 52, messageRows: 52 });
    const before = { frames: all('frames'), messages: all('messages'), three: all('messages', undefined, 3), detail: store.detail({ connectionId: ID, view: 'frames', index: 51 }) };
    store.rename('Before lunch');
    store.close();

    store = new SessionStore(path);
    expect(store.name).toBe('Before lunch');
    expect(store.connections()).toEqual([{ ...connectionSummary(ID), frameRows: 52, messageRows: 52 }, connectionSummary(3)]);
    expect(store.maxConnectionId()).toBe(3);
    expect(store.counts(ID)).toEqual({ frameRows: 52, messageRows: 52 });
    expect(store.counts(3)).toEqual({ frameRows: 1, messageRows: 1 });
    expect(all('frames')).toEqual(before.frames);
    expect(all('messages')).toEqual(before.messages);
    expect(all('messages', undefined, 3)).toEqual(before.three);
    expect(store.detail({ connectionId: ID, view: 'frames', index: 51 })).toEqual(before.detail);
    expect(store.search({ text: 'm49' }).hits.map((h) => h.frameIndex)).toEqual([50]);
  });

  test('rows appended after reopening continue the timeline', () => {
    store.saveConnection(connectionSummary(ID));
    oneFrameMessage('out', 'first');
    store.close();
    store = new SessionStore(path);
    oneFrameMessage('out', 'second');
    expect(all('messages').rows.map((r) => [r.index, r.preview, r.ref])).toEqual([[0, 'first', 0], [1, 'second', 1]]);
  });

  test('maxConnectionId is 0 in a new session and counts timelines not yet saved', () => {
    const other = new SessionStore(join(dir, 'new.framescope'));
    try {
      expect(other.maxConnectionId()).toBe(0);
      other.createTimeline(4);
      expect(other.maxConnectionId()).toBe(4);
      other.saveConnection(connectionSummary(9));
      expect(other.maxConnectionId()).toBe(9);
    } finally {
      other.close();
    }
  });

  test('a new session file has pages of PAGE_SIZE; one made with another size keeps it and is read and appended to', () => {
    expect(Number(reader().prepare('PRAGMA page_size').get()!.page_size)).toBe(PAGE_SIZE);
    // A file made before the store opened it, with SQLite's default 4096-byte pages.
    const older = join(dir, 'older.framescope');
    const made = new DatabaseSync(older);
    made.exec('PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE unrelated (x)');
    made.close();
    const other = new SessionStore(older);
    try {
      other.createTimeline(ID);
      other.appendFrame(ID, frame({ payload: 'kept' }), true);
      other.sync();
      const check = new DatabaseSync(older, { readOnly: true });
      try {
        expect(Number(check.prepare('PRAGMA page_size').get()!.page_size)).toBe(4096);
        expect(Number(check.prepare('SELECT count(*) AS n FROM frames').get()!.n)).toBe(1);
      } finally {
        check.close();
      }
    } finally {
      other.close();
    }
  });

  test('a session written by a newer Framescope is refused with what to do', () => {
    const db = new DatabaseSync(path);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schemaVersion'").run();
    db.close();
    expect(() => new SessionStore(path)).toThrow(/newer Framescope .* update Framescope to open it/);
  });

  test('a file that is not a session is refused and not left open', () => {
    const garbage = join(dir, 'garbage.framescope');
    writeFileSync(garbage, pattern(8192, 1));
    expect(() => new SessionStore(garbage)).toThrow(/not a database/);
    const open = readdirSync('/proc/self/fd').map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    });
    expect(open).not.toContain(garbage);
    expect(readFileSync(garbage)).toEqual(Buffer.from(pattern(8192, 1)));
  });
});

describe('library', () => {
  const saved = { collection: 'auth', kind: 'json' as const, format: null, createdAt: 1, updatedAt: 1 };

  test('saved messages are numbered, replaced by id and deleted', () => {
    const login = store.putSavedMessage({ ...saved, name: 'login', body: '{"user":"{{user}}"}' });
    const hello = store.putSavedMessage({ ...saved, collection: 'chat', name: 'hello', kind: 'text', body: 'hi' });
    expect([login.id, hello.id]).toEqual([1, 2]);
    expect(store.putSavedMessage({ ...login, body: '{}', updatedAt: 5 })).toEqual({ ...login, body: '{}', updatedAt: 5 });
    expect(store.savedMessages()).toEqual([{ ...login, body: '{}', updatedAt: 5 }, hello]);
    expect(store.deleteSavedMessage(hello.id)).toBe(true);
    expect(store.deleteSavedMessage(hello.id)).toBe(false);
  });

  test('saved messages, environments and replay runs are kept in the session file', () => {
    const login = store.putSavedMessage({ ...saved, name: 'login', body: '{}' });
    const bin = store.putSavedMessage({ ...saved, name: 'blob', kind: 'binary', body: 'AQID', format: 'base64' });
    store.deleteSavedMessage(login.id);
    expect(store.environments()).toEqual({ active: null, environments: {} });
    const envs = { active: 'staging', environments: { staging: { user: 'bob' }, prod: { user: 'alice' } } };
    store.putEnvironments(envs);
    expect(store.nextReplayRunId()).toBe(1);
    const run: ReplayRun = { id: 1, originalId: 1, replayId: 2, timing: { mode: 'original' }, state: 'running', sent: 0, total: 4, timedOut: 0, startedAt: 10, endedAt: null, error: null };
    store.putReplayRun(run);
    store.putReplayRun({ ...run, state: 'done', sent: 4, endedAt: 20 });
    store.putReplayRun({ ...run, id: 2, replayId: 3 });
    // A run stored before runs counted their timeouts.
    const { timedOut: _, ...older } = { ...run, id: 3, replayId: 4 };
    store.putReplayRun(older as ReplayRun);
    store.close();

    store = new SessionStore(path);
    expect(store.savedMessages()).toEqual([bin]);
    expect(store.environments()).toEqual(envs);
    expect(store.replayRuns()).toEqual([{ ...run, state: 'done', sent: 4, endedAt: 20 }, { ...run, id: 2, replayId: 3 }, { ...run, id: 3, replayId: 4, timedOut: 0 }]);
    expect(store.nextReplayRunId()).toBe(4);
    expect(store.putSavedMessage({ ...saved, name: 'again', body: '{}' }).id).toBe(3);
  });
});
