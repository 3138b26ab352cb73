// What recording a relayed message costs with nothing else running, for the proxy benchmark to print
// beside its CPU-per-message target: the design records each message as a frame row and a message row
// in the session file (DESIGN.md, "Storage"), so no proxy built on it can spend less CPU per message
// than writing those rows takes.
//
// Two figures per size, both of one connection's traffic in both directions (client frames masked),
// as a transaction per 1000 messages (or 1 MiB of them), in this process (the writer thread is part of it):
// - "SQLite alone": node:sqlite inserting the rows Framescope's writer inserts for a one-frame text
//   message, with constant values, into a fresh session file. Nothing of Framescope runs.
// - "store alone": Framescope's SessionStore given the frame and message records the relay makes, so
//   the handover to the writer thread and the writer's work per row are counted too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Micros } from '../shared/api.ts';
import type { FrameRecord, MessageRecord } from '../electron/core/store/records.ts';
import { SessionStore } from '../electron/core/store/session-store.ts';
import { KIND } from '../electron/core/store/writer-batch.ts';

/** Messages per transaction (and per tick for the store): 1000, or 1 MiB of them (a relay's batches are what it read in a tick). */
const perTransaction = (size: number): number => Math.max(1, Math.min(1000, Math.floor(1024 * 1024 / size)));
/** Messages written before the reading starts, of each reading's count (the writer thread's start, JIT). */
const WARMUP_SHARE = 0.25;
const TEXT = 1;
const MASK = Uint8Array.of(0x12, 0x34, 0x56, 0x78);

export interface FloorSample {
  /** CPU µs per message: node:sqlite inserting its rows. */
  readonly sqlite: number;
  /** CPU µs per message: Framescope's session store recording it. */
  readonly store: number;
}

/** Messages to write for a reading of about a second or less at `size` bytes each. */
export function floorMessages(size: number): number {
  return Math.max(2_000, Math.min(200_000, Math.floor(256 * 1024 * 1024 / size)));
}

export async function recordingFloor(size: number, messages = floorMessages(size)): Promise<FloorSample> {
  // Each reading in a file of its own, deleted (with its page cache) before the next: a reading that
  // follows hundreds of MB of another's writes otherwise pays for the kernel writing those back (the
  // second of two 64 KiB readings cost up to twice the first, whichever it was). Best of two each, in
  // the order sqlite, store, store, sqlite.
  const reading = async (read: (path: string) => number | Promise<number>): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'framescope-floor-'));
    try {
      return await read(join(dir, 'session.framescope'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const sqlite = [await reading((path) => sqliteAlone(path, size, messages))];
  const store = [await reading((path) => storeAlone(path, size, messages))];
  store.push(await reading((path) => storeAlone(path, size, messages)));
  sqlite.push(await reading((path) => sqliteAlone(path, size, messages)));
  return { sqlite: Math.min(...sqlite), store: Math.min(...store) };
}

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

function header(size: number, masked: boolean): Uint8Array {
  const lengthBytes = size < 126 ? 0 : size < 65536 ? 2 : 8;
  return new Uint8Array(2 + lengthBytes + (masked ? 4 : 0));
}

function sqliteAlone(path: string, size: number, messages: number): number {
  // The schema as SessionStore makes it (page size, tables, search index); then a connection of our own.
  new SessionStore(path).close();
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    const frame = db.prepare(`INSERT INTO frames (id, kind, dir, time, opcode, fin, rsv, size, preview, message, compressed, error_code, flags, rule,
      searchable, header_length, non_minimal, wire_is_header, extra, mask, original, wire, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    const message = db.prepare(`INSERT INTO messages (id, frame_row, dir, time, opcode, size, preview, first, last, compressed, flags, rule, extra, data)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    const payload = Buffer.alloc(size, 'x');
    const extra = JSON.stringify({ textual: true });
    // Index 0 is the client's frame (dir 'out', masked), 1 the server's.
    const heads = [header(size, true), header(size, false)];
    const write = (from: number, to: number): void => {
      for (let i = from; i < to; i += perTransaction(size)) {
        db.exec('BEGIN');
        for (let id = i; id < Math.min(to, i + perTransaction(size)); id++) {
          const out = id % 2;
          frame.run(id, KIND.frame, out, id, TEXT, 1, 0, size, '', id, 0, null, 0, null, 1, heads[out]!.length, 0, 1, extra,
            out === 0 ? MASK : null, null, heads[out]!, payload);
          message.run(id, null, out, id, TEXT, size, null, id, id, 0, 0, null, null, null);
        }
        db.exec('COMMIT');
      }
    };
    const warmup = Math.round(messages * WARMUP_SHARE);
    write(0, warmup);
    const started = process.cpuUsage();
    write(warmup, warmup + messages);
    return cpuMicros(started) / messages;
  } finally {
    db.close();
  }
}

async function storeAlone(path: string, size: number, messages: number): Promise<number> {
  const store = new SessionStore(path, { indexOnlyWhenTold: true });
  try {
    store.createTimeline(1);
    // Each direction's frame: its wire bytes (the client's masked) and its payload, as the parser gives them.
    const frames = [false, true].map((masked) => {
      const head = header(size, masked);
      const payload = Buffer.alloc(size, 'x');
      const wire = Buffer.alloc(head.length + size);
      wire.set(head);
      if (masked) wire.set(MASK, head.length - 4);
      for (let i = 0; i < size; i++) wire[head.length + i] = payload[i]! ^ (masked ? MASK[i % 4]! : 0);
      return { wire, payload, head: head.length, masked };
    });
    const write = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += perTransaction(size)) {
        for (let n = i; n < Math.min(to, i + perTransaction(size)); n++) {
          const f = frames[n % 2]!;
          const dir = f.masked ? 'out' : 'in';
          const time = n as Micros;
          const rec: FrameRecord = {
            kind: 'frame', dir, time, opcode: TEXT, fin: true, rsv: 0, maskKey: f.masked ? MASK : null, payloadLength: size,
            headerLength: f.head, nonMinimalLength: false, wire: f.wire, payload: f.payload, payloadIsWire: true,
            compressed: false, textual: true, error: null, flags: 0,
          };
          store.appendFrame(1, rec, true);
          const msg: MessageRecord = { kind: 'message', dir, time, opcode: TEXT, data: f.payload, compressed: false, flags: 0 };
          store.appendMessage(1, msg);
        }
        // One batch per tick, as the relay's.
        await new Promise((resolve) => setImmediate(resolve));
      }
      store.sync();
    };
    const warmup = Math.round(messages * WARMUP_SHARE);
    await write(0, warmup);
    const started = process.cpuUsage();
    await write(warmup, warmup + messages);
    return cpuMicros(started) / messages;
  } finally {
    store.close();
  }
}
