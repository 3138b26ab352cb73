// The batch a session store hands its writer thread (session-writer.ts): rows flattened into arrays of
// numbers (and the few objects some rows carry), those numbers and the rows' bytes copied into one region
// of memory the two threads share (or, when it has no room, a buffer that is transferred, not cloned).
// Encoded on the main thread, decoded in the writer.
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
  /** Each frame's numbers: FRAME_FIELDS per row (see encodeBatch). */
  readonly frames: Float64Array;
  readonly frameExtras: Extras;
  /** Each message's numbers: MESSAGE_FIELDS per row. */
  readonly messages: Float64Array;
  readonly messageExtras: Extras;
  /** Frames written in an earlier batch whose message completed since: row id, message index, … */
  readonly links: number[];
  /** Connection summaries to keep: id and JSON. */
  readonly connections: Array<[number, string]>;
  /** The rows' bytes: `packLength` bytes at `packOffset` (the fields above are views of the same buffer). */
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

/** A row's fields beyond numbers (rare): the row's index in its table's batch, and the object. */
type Extras = Array<[number, Record<string, unknown>]>;

/**
 * A frame's fields: 0 id, 1 kind, 2 dir, 3 time, 4 opcode, 5 rsv, 6 payload length, 7 header length,
 * 8 message, 9 BIT flags, then offset and length in the pack of 10 mask key, 12 original, 14 wire bytes
 * (only the header with BIT.wireIsHeader), 16 payload, and 18 FrameFlag bits.
 */
const FRAME_FIELDS = 19;
/**
 * A message's fields: 0 id, 1 frame row (NONE: an assembled message), 2 first, 3 last, 4 has a record;
 * with one, 5 dir, 6 time, 7 opcode, 8 compressed, 9 FrameFlag bits, 11 and 12 its data's offset and
 * length in the pack, 13 data is its frame's payload (shared).
 */
const MESSAGE_FIELDS = 14;
/** A null number (a note's direction, an absent blob's length). */
const NONE = -1;

/**
 * Flattens rows into a batch: their numbers into Float64Arrays and their bytes after them, in the region
 * `place` gives (nothing to clone field by field, nothing left for either thread's GC), so the records
 * may be dropped once it is encoded.
 */
export function encodeBatch(
  seq: number, frames: FrameInsert[], messages: MessageInsert[], links: number[], connections: Array<[number, string]>, place: PackPlace,
): { batch: WriterBatch; transfer: ArrayBuffer[] } {
  const blobs: Uint8Array[] = [];
  let size = 0;
  /** Where `b` goes in the pack, written at out[at] (offset) and out[at + 1] (length, NONE for null). */
  const ref = (out: Float64Array, at: number, b: Uint8Array | null | undefined): void => {
    if (b === null || b === undefined) {
      out[at] = 0;
      out[at + 1] = NONE;
      return;
    }
    out[at] = size;
    out[at + 1] = b.length;
    blobs.push(b);
    size += b.length;
  };
  // Frames whose payload a message shares, and where that payload goes in the pack.
  let sharedPayload: Map<number, number> | null = null;
  for (const msg of messages) {
    if (msg.dataInFrame) (sharedPayload ??= new Map()).set(msg.id - (msg.id % ROWS_PER_CONNECTION) + msg.first, -1);
  }
  const fieldCount = frames.length * FRAME_FIELDS + messages.length * MESSAGE_FIELDS;
  // (The reused array is cleared: fields a row does not use read as 0.)
  const fields = fieldCount <= SCRATCH_FIELDS ? (scratch ??= new Float64Array(SCRATCH_FIELDS)).fill(0, 0, fieldCount) : new Float64Array(fieldCount);
  const f = fields.subarray(0, frames.length * FRAME_FIELDS);
  const frameExtras: Extras = [];
  for (let r = 0; r < frames.length; r++) {
    const { id, rec, message } = frames[r]!;
    const i = r * FRAME_FIELDS;
    f[i] = id;
    f[i + 8] = message;
    if (rec.kind === 'note') {
      f[i + 1] = KIND.note;
      f[i + 2] = NONE;
      f[i + 3] = rec.time;
      frameExtras.push([r, { event: rec.event, text: rec.text }]);
      for (let b = 10; b < 18; b += 2) ref(f, i + b, null);
      continue;
    }
    // Most frames have none of these: no object for them (this runs on the relay's thread, per frame).
    if (rec.error || (rec.rules && rec.rules.length > 0) || rec.heldMs != null || rec.fullLength != null) {
      frameExtras.push([r, { error: rec.error, rules: rec.rules, heldMs: rec.heldMs, fullLength: rec.fullLength }]);
    }
    f[i + 1] = rec.kind === 'error' ? KIND.error : KIND.frame;
    f[i + 2] = DIR[rec.dir];
    f[i + 3] = rec.time;
    f[i + 4] = rec.opcode;
    f[i + 5] = rec.rsv;
    f[i + 6] = rec.payloadLength;
    f[i + 7] = rec.headerLength;
    // A payload known to be the rest of the wire bytes is not copied twice: the header goes alone.
    const headerOnly = rec.payloadIsWire === true && rec.kind === 'frame' && rec.fullLength == null && rec.wire.length === rec.headerLength + rec.payload.length;
    f[i + 9] = (rec.fin ? BIT.fin : 0) | (rec.compressed ? BIT.compressed : 0) | (rec.nonMinimalLength ? BIT.nonMinimal : 0)
      | (rec.textual ? BIT.textual : 0) | (headerOnly ? BIT.wireIsHeader : 0);
    ref(f, i + 10, rec.maskKey);
    ref(f, i + 12, rec.original);
    ref(f, i + 14, headerOnly ? rec.wire.subarray(0, rec.headerLength) : rec.wire);
    if (sharedPayload !== null && sharedPayload.has(id)) sharedPayload.set(id, size);
    ref(f, i + 16, rec.payload);
    f[i + 18] = rec.flags ?? 0;
  }
  const m = fields.subarray(f.length, fieldCount);
  const messageExtras: Extras = [];
  for (let r = 0; r < messages.length; r++) {
    const { id, rec, frameRow, first, last, dataInFrame } = messages[r]!;
    const i = r * MESSAGE_FIELDS;
    m[i] = id;
    m[i + 1] = frameRow ?? NONE;
    m[i + 2] = first;
    m[i + 3] = last;
    if (rec === null) {
      m[i + 4] = 0;
      ref(m, i + 11, null);
      continue;
    }
    if ((rec.rules && rec.rules.length > 0) || rec.fullLength != null) messageExtras.push([r, { rules: rec.rules, fullLength: rec.fullLength }]);
    m[i + 4] = 1;
    m[i + 5] = DIR[rec.dir];
    m[i + 6] = rec.time;
    m[i + 7] = rec.opcode;
    m[i + 8] = rec.compressed ? 1 : 0;
    m[i + 9] = rec.flags ?? 0;
    const at = dataInFrame ? sharedPayload?.get(id - (id % ROWS_PER_CONNECTION) + first) ?? -1 : -1;
    if (at >= 0) {
      m[i + 11] = at;
      m[i + 12] = rec.data.length;
      m[i + 13] = 1;
    } else {
      ref(m, i + 11, rec.data);
    }
  }
  // One region holds it all, in the ring when there is room: the fields (8-byte aligned, and every region's
  // size a multiple of 8 so the next one is too), then the bytes.
  const fieldBytes = fieldCount * Float64Array.BYTES_PER_ELEMENT;
  const total = fieldBytes + Math.ceil(size / 8) * 8;
  const shared = place(total);
  const buffer = shared?.buffer ?? new ArrayBuffer(total);
  const offset = shared?.offset ?? 0;
  const placed = new Float64Array(buffer, offset, fieldCount);
  placed.set(fields.subarray(0, fieldCount));
  const pack = new Uint8Array(buffer, offset + fieldBytes, size);
  let at = 0;
  for (const b of blobs) {
    pack.set(b, at);
    at += b.length;
  }
  const batch: WriterBatch = {
    type: 'batch', seq, frames: placed.subarray(0, f.length), frameExtras, messages: placed.subarray(f.length), messageExtras, links, connections,
    pack: buffer, packOffset: pack.byteOffset, packLength: size,
  };
  return { batch, transfer: shared === null ? [buffer as ArrayBuffer] : [] };
}

/** Fields of a batch up to this many are put together in one reused array (larger batches get their own). */
const SCRATCH_FIELDS = 64 * 1024;
let scratch: Float64Array | null = null;

/** The frames' flags, as bits of one field. */
const BIT = { fin: 1, compressed: 2, nonMinimal: 4, textual: 8, wireIsHeader: 16 } as const;

/** The batch's frames as the store queued them (their bytes are views of the batch's buffer). */
export function* decodeFrames(batch: WriterBatch): Iterable<FrameInsert> {
  const f = batch.frames;
  const pack = new Uint8Array(batch.pack, batch.packOffset, batch.packLength);
  const blob = (i: number): Uint8Array | null => (f[i + 1] === NONE ? null : pack.subarray(f[i]!, f[i]! + f[i + 1]!));
  const extras = new Map(batch.frameExtras);
  for (let r = 0, i = 0; i < f.length; r++, i += FRAME_FIELDS) {
    const id = f[i]!;
    const kind = f[i + 1]!;
    const message = f[i + 8]!;
    const meta = extras.get(r);
    if (kind === KIND.note) {
      yield { id, message, rec: { kind: 'note', time: f[i + 3]!, event: meta!.event as NoteEvent, text: meta!.text as string } };
      continue;
    }
    const bits = f[i + 9]!;
    const rec: FrameRecord = {
      kind: kind === KIND.error ? 'error' : 'frame',
      dir: DIR_NAME[f[i + 2]!]!,
      time: f[i + 3]!,
      opcode: f[i + 4]!,
      fin: (bits & BIT.fin) !== 0,
      rsv: f[i + 5]!,
      payloadLength: f[i + 6]!,
      compressed: (bits & BIT.compressed) !== 0,
      flags: f[i + 18]!,
      headerLength: f[i + 7]!,
      nonMinimalLength: (bits & BIT.nonMinimal) !== 0,
      textual: (bits & BIT.textual) !== 0,
      maskKey: blob(i + 10),
      original: blob(i + 12),
      wire: blob(i + 14) ?? new Uint8Array(0),
      payload: blob(i + 16) ?? new Uint8Array(0),
      error: (meta?.error as FrameRecord['error']) ?? null,
      // (Absent on most frames: undefined rather than a copy of the object with the field.)
      rules: (meta?.rules as string[] | undefined) ?? undefined,
      heldMs: (meta?.heldMs as number | undefined) ?? undefined,
      fullLength: (meta?.fullLength as number | undefined) ?? undefined,
    };
    yield { id, message, rec, wireIsHeader: (bits & BIT.wireIsHeader) !== 0 };
  }
}

/** The batch's messages-table rows as the store queued them. */
export function* decodeMessages(batch: WriterBatch): Iterable<MessageInsert> {
  const m = batch.messages;
  const pack = new Uint8Array(batch.pack, batch.packOffset, batch.packLength);
  const extras = new Map(batch.messageExtras);
  for (let r = 0, i = 0; i < m.length; r++, i += MESSAGE_FIELDS) {
    const id = m[i]!;
    const first = m[i + 2]!;
    const last = m[i + 3]!;
    if (m[i + 4] === 0) {
      yield { id, rec: null, frameRow: m[i + 1]!, first, last, dataInFrame: false };
      continue;
    }
    const meta = extras.get(r);
    const off = m[i + 11]!;
    const rec: MessageRecord = {
      kind: 'message',
      dir: DIR_NAME[m[i + 5]!]!,
      time: m[i + 6]!,
      opcode: m[i + 7]!,
      compressed: m[i + 8] === 1,
      flags: m[i + 9]!,
      data: pack.subarray(off, off + m[i + 12]!),
      ...(meta?.rules ? { rules: meta.rules as string[] } : {}),
      ...(meta?.fullLength != null ? { fullLength: meta.fullLength as number } : {}),
    };
    yield { id, rec, frameRow: null, first, last, dataInFrame: m[i + 13] === 1 };
  }
}
