// The batch a session store hands its writer thread (session-writer.ts): rows flattened into one
// array of numbers and strings, their bytes copied into one region of memory the two threads share
// (or, when it has no room, a buffer that is transferred, not cloned). Encoded on the main thread,
// decoded in the writer.
import type { Direction } from '../../../shared/api.ts';
import type { FrameRecord, MessageRecord, NoteEvent, NoteRecord } from './records.ts';

/** A frames-table row: its row id, the record, and the messages-view row it is part of (-1: none yet). */
export interface FrameInsert {
  id: number;
  rec: FrameRecord | NoteRecord;
  message: number;
  /** From decodeFrames: `rec.wire` holds only the header, the rest of the wire bytes being the payload (masked). */
  wireIsHeader?: boolean;
}

/** A messages-table row: an assembled message (`rec`), or a frames-view row standing alone (`frameRow`). */
export interface MessageInsert {
  id: number;
  rec: MessageRecord | null;
  frameRow: number | null;
  first: number;
  last: number;
  /**
   * The message's data is byte for byte the payload of its one frame, queued in the same batch: the
   * row stores no copy (reads take the frame's payload). Most messages are a single frame.
   */
  dataInFrame: boolean;
}

export interface WriterBatch {
  readonly type: 'batch';
  readonly seq: number;
  readonly frames: Field[];
  readonly messages: Field[];
  /** Frames written in an earlier batch whose message completed since: row id, message index, … */
  readonly links: number[];
  /** Connection summaries to keep: id and JSON. */
  readonly connections: Array<[number, string]>;
  /** The rows' bytes: `packLength` bytes at `packOffset`. */
  readonly pack: ArrayBuffer | SharedArrayBuffer;
  readonly packOffset: number;
  readonly packLength: number;
}

/** Where a batch's bytes go: a region of shared memory, or null for a buffer of their own. */
export type PackPlace = (size: number) => { buffer: SharedArrayBuffer; offset: number } | null;

export interface WriterClose {
  readonly type: 'close';
  readonly seq: number;
}

/** Bring the search index up to every row written (done when the writer says `seq` is). */
export interface WriterIndex {
  readonly type: 'index';
  readonly seq: number;
}

/** A connection's rows are about to be deleted: index none of them from now on. */
export interface WriterForget {
  readonly type: 'forget';
  readonly seq: number;
  readonly connectionId: number;
}

export type WriterCommand = WriterBatch | WriterClose | WriterIndex | WriterForget;

/** What the writer thread is started with: the session file, and the memory it reports progress in. */
export interface WriterData {
  path: string;
  shared: SharedArrayBuffer;
  /** Index rows for search only when told to ('index'), never between commands (tests that need a backlog). */
  indexOnlyWhenTold?: boolean;
}

/**
 * Slots of the shared Int32Array: the number of the last command done, the writer's state, and the
 * number of the last command posted (the writer indexes for search only when nothing is waiting).
 */
export const WRITTEN = 0;
export const STATE = 1;
export const POSTED = 2;
export const PROGRESS_SLOTS = 3;
export const RUNNING = 0;
export const CLOSED = 1;
export const FAILED = 2;

/**
 * What the writer answers after each command (and when it must say something meanwhile): the number
 * of the last command done, what went wrong if anything, and whether the writer is gone for good.
 */
export interface WriterAck {
  readonly seq: number;
  readonly error: string | null;
  readonly fatal: boolean;
}

type Field = number | string | null | Record<string, unknown>;

/** The frames table's `kind` column (`message`: a messages-view row of an assembled message), and its names. */
export const KIND = { frame: 0, error: 1, note: 2, message: 3 } as const;
export const KIND_NAME = ['frame', 'error', 'note', 'message'] as const;
/** The `dir` column of both tables. */
export const DIR: Record<Direction, number> = { out: 0, in: 1 };
export const DIR_NAME: Direction[] = ['out', 'in'];

/** Row ids of both tables: the connection's id times this, plus the row's index. */
export const ROWS_PER_CONNECTION = 2 ** 32;

/**
 * The search index's rows: a frame's text under the frame's id; a whole text message of several
 * frames under the negative of its messages-table id, minus one.
 */
export const messageSearchRowid = (messageId: number): number => -messageId - 1;

const FRAME_FIELDS = 24;
const MESSAGE_FIELDS = 14;

/** Flattens rows into a batch; their bytes are copied, so the records may be dropped once it is encoded. */
export function encodeBatch(
  seq: number, frames: FrameInsert[], messages: MessageInsert[], links: number[], connections: Array<[number, string]>, place: PackPlace,
): { batch: WriterBatch; transfer: ArrayBuffer[] } {
  const blobs: Uint8Array[] = [];
  let size = 0;
  const ref = (out: Field[], b: Uint8Array | null | undefined): void => {
    if (b === null || b === undefined) {
      out.push(0, -1);
      return;
    }
    out.push(size, b.length);
    blobs.push(b);
    size += b.length;
  };
  // Frames whose payload a message shares, and where that payload goes in the pack.
  let sharedPayload: Map<number, number> | null = null;
  for (const msg of messages) {
    if (msg.dataInFrame) (sharedPayload ??= new Map()).set(msg.id - (msg.id % ROWS_PER_CONNECTION) + msg.first, -1);
  }
  const f: Field[] = [];
  for (const { id, rec, message } of frames) {
    if (rec.kind === 'note') {
      f.push(id, KIND.note, null, rec.time, -1, 1, 0, 0, message, 0, 0, 0, 0, 0, { event: rec.event, text: rec.text });
      for (let i = 0; i < 4; i++) ref(f, null);
      f.push(0);
      continue;
    }
    // Most frames have none of these: no object for them (this runs on the relay's thread, per frame).
    const meta = rec.error || (rec.rules && rec.rules.length > 0) || rec.heldMs != null || rec.fullLength != null
      ? { error: rec.error, rules: rec.rules, heldMs: rec.heldMs, fullLength: rec.fullLength }
      : null;
    f.push(id, rec.kind === 'error' ? KIND.error : KIND.frame, DIR[rec.dir], rec.time, rec.opcode, rec.fin ? 1 : 0, rec.rsv, rec.payloadLength, message,
      rec.compressed ? 1 : 0, rec.flags ?? 0, rec.headerLength, rec.nonMinimalLength ? 1 : 0, rec.textual ? 1 : 0, meta);
    ref(f, rec.maskKey);
    ref(f, rec.original);
    // A payload known to be the rest of the wire bytes is not copied twice: the header goes alone.
    const headerOnly = rec.payloadIsWire === true && rec.kind === 'frame' && rec.fullLength == null && rec.wire.length === rec.headerLength + rec.payload.length;
    ref(f, headerOnly ? rec.wire.subarray(0, rec.headerLength) : rec.wire);
    if (sharedPayload !== null && sharedPayload.has(id)) sharedPayload.set(id, size);
    ref(f, rec.payload);
    f.push(headerOnly ? 1 : 0);
  }
  const m: Field[] = [];
  for (const { id, rec, frameRow, first, last, dataInFrame } of messages) {
    if (rec === null) {
      m.push(id, frameRow, first, last, 0, 0, 0, 0, 0, 0, null);
      ref(m, null);
      m.push(0);
      continue;
    }
    const meta = (rec.rules && rec.rules.length > 0) || rec.fullLength != null ? { rules: rec.rules, fullLength: rec.fullLength } : null;
    m.push(id, null, first, last, 1, DIR[rec.dir], rec.time, rec.opcode, rec.compressed ? 1 : 0, rec.flags ?? 0, meta);
    const at = dataInFrame ? sharedPayload?.get(id - (id % ROWS_PER_CONNECTION) + first) ?? -1 : -1;
    if (at >= 0) m.push(at, rec.data.length, 1);
    else {
      ref(m, rec.data);
      m.push(0);
    }
  }
  const shared = place(size);
  const pack = shared === null ? new Uint8Array(size) : new Uint8Array(shared.buffer, shared.offset, size);
  let at = 0;
  for (const b of blobs) {
    pack.set(b, at);
    at += b.length;
  }
  const batch: WriterBatch = { type: 'batch', seq, frames: f, messages: m, links, connections, pack: pack.buffer, packOffset: pack.byteOffset, packLength: size };
  return { batch, transfer: shared === null ? [pack.buffer as ArrayBuffer] : [] };
}

/** The batch's frames as the store queued them (their bytes are views of the batch's buffer). */
export function* decodeFrames(batch: WriterBatch): Iterable<FrameInsert> {
  const f = batch.frames;
  const pack = new Uint8Array(batch.pack, batch.packOffset, batch.packLength);
  const blob = (i: number): Uint8Array | null => (f[i + 1] === -1 ? null : pack.subarray(f[i] as number, (f[i] as number) + (f[i + 1] as number)));
  for (let i = 0; i < f.length; i += FRAME_FIELDS) {
    const id = f[i] as number;
    const kind = f[i + 1] as number;
    const message = f[i + 8] as number;
    const meta = f[i + 14] as Record<string, unknown> | null;
    if (kind === KIND.note) {
      yield { id, message, rec: { kind: 'note', time: f[i + 3] as number, event: meta!.event as NoteEvent, text: meta!.text as string } };
      continue;
    }
    const rec: FrameRecord = {
      kind: kind === KIND.error ? 'error' : 'frame',
      dir: DIR_NAME[f[i + 2] as number]!,
      time: f[i + 3] as number,
      opcode: f[i + 4] as number,
      fin: f[i + 5] === 1,
      rsv: f[i + 6] as number,
      payloadLength: f[i + 7] as number,
      compressed: f[i + 9] === 1,
      flags: f[i + 10] as number,
      headerLength: f[i + 11] as number,
      nonMinimalLength: f[i + 12] === 1,
      textual: f[i + 13] === 1,
      maskKey: blob(i + 15),
      original: blob(i + 17),
      wire: blob(i + 19) ?? new Uint8Array(0),
      payload: blob(i + 21) ?? new Uint8Array(0),
      error: (meta?.error as FrameRecord['error']) ?? null,
      // (Absent on most frames: undefined rather than a copy of the object with the field.)
      rules: (meta?.rules as string[] | undefined) ?? undefined,
      heldMs: (meta?.heldMs as number | undefined) ?? undefined,
      fullLength: (meta?.fullLength as number | undefined) ?? undefined,
    };
    yield { id, message, rec, wireIsHeader: f[i + 23] === 1 };
  }
}

/** Ids of the batch's frames whose payload one of its messages shares (`dataInFrame`). */
export function framesSharedByMessages(batch: WriterBatch): number[] {
  const m = batch.messages;
  const ids: number[] = [];
  for (let i = 0; i < m.length; i += MESSAGE_FIELDS) {
    if (m[i + 13] === 1) {
      const id = m[i] as number;
      ids.push(id - (id % ROWS_PER_CONNECTION) + (m[i + 2] as number));
    }
  }
  return ids;
}

/** The batch's messages-table rows as the store queued them. */
export function* decodeMessages(batch: WriterBatch): Iterable<MessageInsert> {
  const m = batch.messages;
  const pack = new Uint8Array(batch.pack, batch.packOffset, batch.packLength);
  for (let i = 0; i < m.length; i += MESSAGE_FIELDS) {
    const id = m[i] as number;
    const first = m[i + 2] as number;
    const last = m[i + 3] as number;
    if (m[i + 4] === 0) {
      yield { id, rec: null, frameRow: m[i + 1] as number, first, last, dataInFrame: false };
      continue;
    }
    const meta = m[i + 10] as Record<string, unknown> | null;
    const off = m[i + 11] as number;
    const rec: MessageRecord = {
      kind: 'message',
      dir: DIR_NAME[m[i + 5] as number]!,
      time: m[i + 6] as number,
      opcode: m[i + 7] as number,
      compressed: m[i + 8] === 1,
      flags: m[i + 9] as number,
      data: pack.subarray(off, off + (m[i + 12] as number)),
      ...(meta?.rules ? { rules: meta.rules as string[] } : {}),
      ...(meta?.fullLength != null ? { fullLength: meta.fullLength as number } : {}),
    };
    yield { id, rec, frameRow: null, first, last, dataInFrame: m[i + 13] === 1 };
  }
}
