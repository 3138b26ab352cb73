// A session on disk: one SQLite file (node:sqlite, WAL) holding every connection's timeline, the
// connection summaries, saved messages, environments and replay runs. Rows are appended in memory and
// handed once per tick, as one batch, to a writer thread (session-writer.ts) that writes each batch in
// one transaction: the relay never waits on the disk, and a killed process loses at most what the
// writer had not committed (normally the last batch). Reads (windows of rows, one row's detail,
// filters, search) run in the store on its own connection; the engine keeps only per-connection counters.
import { isUtf8 } from 'node:buffer';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type {
  ConnectionSummary, Environments, FrameHeader, Micros, RangeRequest, RangeResult, ReplayRun, RowDetail, RowDetailRequest,
  SavedMessage, SearchHit, SearchRequest, SearchResult, SessionSettings, TimelineFilter, TimelineRow, TimelineView,
} from '../../../shared/api.ts';
import { FrameFlag } from '../../../shared/api.ts';
import { closeOf, PREVIEW_CHARS, SEARCH_BYTES } from './preview.ts';
import { YOUNG_GENERATION_MB } from '../v8-flags.ts';
import { Opcode } from '../../../shared/websocket.ts';
import {
  NotFoundError, RowOutOfRangeError, UnknownTimelineError,
  type FrameRecord, type LibraryStore, type MessageRecord, type NoteEvent, type NoteRecord, type StoredFrame, type StoredMessage,
  type RecordingStore, type TimelineCounts,
} from './records.ts';
import {
  DIR, DIR_NAME, encodeBatch, FAILED, KIND, KIND_NAME, messageSearchRowid, POSTED, PROGRESS_SLOTS, ROWS_PER_CONNECTION, STATE, WRITTEN, type FrameInsert, type MessageInsert, type WriterAck, type WriterCommand, type WriterData, type WriterForget, type WriterIndex,
} from './writer-batch.ts';

/**
 * The session format. 2: an assembled message of one frame stores no data of its own (it is that
 * frame's payload). 3: rows are indexed for search after they are written, up to the marks in
 * `search_progress`. 4: such a message stores no preview either (it is that frame's). 5: a frame whose
 * preview is its payload's first bytes (ASCII) stores '' for it (framePreviewSql). Older files are
 * read as they are and marked with the current format when opened, as newer rows may follow (files
 * before 3 had their rows indexed as they were written: their marks start at their last rows).
 */
const SCHEMA_VERSION = 5;
/** SQLite page size of new session files, in bytes. */
export const PAGE_SIZE = 16384;
/** Row ids are connection × 2^32 + row index: a connection's rows are one contiguous rowid range. */
export const DEFAULT_RECORDING_CAP = 16 * 1024 * 1024;
/** Larger payloads are cut when sent to the UI (the store keeps them whole, up to the recording cap). */
const DETAIL_CAP = 8 * 1024 * 1024;
/** Filtered indexes kept per session (the UI uses one or two at a time). */
const FILTER_CACHE = 16;
/** Rows a filter scans per query; between two, a budgeted scan looks at the clock. */
const SCAN_CHUNK = 4096;
/** Rows read per query when iterating a whole timeline. */
const PAGE = 2000;
/** How far back from the newest queued frame a message's one frame is looked for (to store its data once). */
const RECENT_FRAMES = 16;
/** A batch this large, or with this many rows, is handed to the writer at once instead of at the end of the tick. */
const EAGER_FLUSH_BYTES = 32 * 1024 * 1024;
const EAGER_FLUSH_ROWS = 16_384;
/**
 * The writer thread's V8 old generation: it holds one batch's rows at a time (at most EAGER_FLUSH_ROWS,
 * a few MiB decoded; the bytes are in shared memory), so this leaves ample room. Its young generation
 * is bounded as the engine's main thread's is (v8-flags.ts).
 */
const WRITER_HEAP_MB = 64;
/**
 * Bytes handed to the writer and not yet committed beyond which the store is `behind`: relays stop
 * reading their sockets until it is back under half of it. Memory stays flat when frames arrive faster
 * than the disk takes them, and the event loop keeps answering meanwhile.
 */
const BEHIND_BYTES = 16 * 1024 * 1024;
/** Beyond this, appending itself waits for the disk (for sources that cannot be paused, such as a client connection's sends). */
const MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024;
/**
 * Shared memory the batches' bytes are copied into, reused in a ring as the writer commits them: no
 * buffer per batch for either thread's allocator and garbage collector to hold on to. A batch that
 * does not fit gets a buffer of its own.
 */
const RING_BYTES = 32 * 1024 * 1024;
/** How long a reader waits for the writer before giving up with an error. */
const WRITER_TIMEOUT_MS = 120_000;
/** The writer thread's module, beside this one (.ts when run from source, .js when built). */
const WRITER_URL = new URL(import.meta.url.endsWith('.ts') ? './session-writer.ts' : './session-writer.js', import.meta.url);


const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (id INTEGER PRIMARY KEY, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS frames (
  id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, dir INTEGER, time INTEGER NOT NULL, opcode INTEGER NOT NULL,
  fin INTEGER NOT NULL, rsv INTEGER NOT NULL, size INTEGER NOT NULL, preview TEXT NOT NULL, message INTEGER NOT NULL,
  compressed INTEGER NOT NULL, error_code TEXT, flags INTEGER NOT NULL, rule TEXT, searchable INTEGER NOT NULL,
  header_length INTEGER NOT NULL, non_minimal INTEGER NOT NULL, wire_is_header INTEGER NOT NULL, extra TEXT, mask BLOB, original BLOB, wire BLOB, payload BLOB
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY, frame_row INTEGER, dir INTEGER, time INTEGER, opcode INTEGER, size INTEGER, preview TEXT,
  first INTEGER, last INTEGER, compressed INTEGER, flags INTEGER, rule TEXT, extra TEXT, data BLOB
);
CREATE INDEX IF NOT EXISTS messages_standalone ON messages (frame_row, id) WHERE frame_row IS NOT NULL;
CREATE TABLE IF NOT EXISTS saved_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
  format TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS replay_runs (id INTEGER PRIMARY KEY, run TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(text, content='', contentless_delete=1);
CREATE TABLE IF NOT EXISTS search_progress (connection INTEGER PRIMARY KEY, frames INTEGER NOT NULL, messages INTEGER NOT NULL);
`;

/**
 * An assembled message's data (of `messages m`): stored with it, or, when that is NULL (the message is
 * one frame, recorded by format 2 and later), the payload of that frame.
 */
const MESSAGE_DATA = `COALESCE(m.data, (SELECT payload FROM frames WHERE id = (m.id - m.id % ${ROWS_PER_CONNECTION}) + m.first))`;
/** A frame's preview (of `frames`, as `alias`): stored, or, when '' (format 5), its payload's first bytes (ASCII; an empty payload may be NULL). */
const framePreviewSql = (alias: string): string =>
  `CASE WHEN ${alias}preview = '' AND ${alias}kind = ${KIND.frame} THEN COALESCE(CAST(substr(${alias}payload, 1, ${PREVIEW_CHARS}) AS TEXT), '') ELSE ${alias}preview END`;
/** Likewise a message's (format 4 and later): a standalone row's is its frame's (`f`), a one-frame message's that frame's. */
const MESSAGE_PREVIEW = `COALESCE(m.preview, ${framePreviewSql('f.')},
  (SELECT ${framePreviewSql('')} FROM frames WHERE id = (m.id - m.id % ${ROWS_PER_CONNECTION}) + m.first))`;
/** The messages table's columns as records are read from them. */
const MESSAGE_RECORD_COLUMNS = `m.id, m.frame_row, m.dir, m.time, m.opcode, m.first, m.last, m.compressed, m.flags, m.extra,
  CASE WHEN m.frame_row IS NULL THEN ${MESSAGE_DATA} END AS data`;
/** Columns of a timeline row as the range and filter queries project them, for both views. */
const FRAME_ROW_COLUMNS = `id AS rid, kind, dir, time, opcode, fin, rsv, size, ${framePreviewSql('')} AS preview, message AS ref, -1 AS ref_end,
  compressed, error_code, flags, rule, CASE WHEN searchable THEN payload END AS text_blob`;
const MESSAGE_ROW_COLUMNS = `m.id AS rid, COALESCE(f.kind, 3) AS kind, COALESCE(m.dir, f.dir) AS dir, COALESCE(m.time, f.time) AS time,
  COALESCE(m.opcode, f.opcode) AS opcode, COALESCE(f.fin, 1) AS fin, COALESCE(f.rsv, 0) AS rsv, COALESCE(m.size, f.size) AS size,
  ${MESSAGE_PREVIEW} AS preview,
  CASE WHEN m.frame_row IS NULL THEN m.first WHEN f.kind = 2 THEN -1 ELSE m.frame_row END AS ref,
  CASE WHEN m.frame_row IS NULL THEN m.last WHEN f.kind = 2 THEN -1 ELSE m.frame_row END AS ref_end,
  COALESCE(m.compressed, f.compressed) AS compressed, f.error_code AS error_code, COALESCE(m.flags, f.flags) AS flags,
  COALESCE(m.rule, f.rule) AS rule,
  CASE WHEN m.frame_row IS NULL THEN (CASE WHEN m.opcode = 1 AND m.size <= ${SEARCH_BYTES} THEN ${MESSAGE_DATA} END)
       WHEN f.searchable THEN f.payload END AS text_blob`;
const MESSAGE_FROM = `messages m LEFT JOIN frames f ON m.frame_row IS NOT NULL AND f.id = (m.id - m.id % ${ROWS_PER_CONNECTION}) + m.frame_row`;

type Row = Record<string, SQLInputValue>;

/** A batch handed to the writer: its number, its size, and the row counts it brings each connection to. */
interface Unwritten {
  seq: number;
  bytes: number;
  /** Its bytes' place in the ring, [start, end), or null when they have a buffer of their own. */
  ring: [number, number] | null;
  counts: Array<[number, number, number]>;
}

/** Per connection: row counts, and the data frames of each direction waiting for their message. */
interface TimelineState {
  frameRows: number;
  messageRows: number;
  pending: { in: number[]; out: number[] };
}

interface FilteredIndex {
  matches: Int32Array;
  length: number;
  scanned: number;
}

const decoder = new TextDecoder('utf-8');

export class SessionStore implements RecordingStore, LibraryStore {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly timelines = new Map<number, TimelineState>();
  private readonly filters = new Map<string, FilteredIndex>();
  private readonly matchers = new Map<string, (s: string) => boolean>();
  private readonly stmt: Record<string, StatementSync>;
  private recordingCap: number;
  // The batch handed to the writer at the end of this tick.
  private frameBatch: FrameInsert[] = [];
  private messageBatch: MessageInsert[] = [];
  /** Frames handed over in an earlier batch whose message completed since: row id, message index, … */
  private messageLinks: number[] = [];
  private connectionBatch = new Map<number, string>();
  /** Connections with rows in the batch. */
  private touched = new Set<number>();
  private batchBytes = 0;
  private flushScheduled = false;
  private closed = false;
  // The writer thread, and what it has committed.
  private readonly writer: Worker;
  private readonly progress: Int32Array;
  private posted = 0;
  private unwritten: Unwritten[] = [];
  private ring: SharedArrayBuffer | null = null;
  private ringHead = 0;
  private unwrittenBytes = 0;
  /** Per connection: the rows the writer has committed, which is what reads see. */
  private readonly written = new Map<number, TimelineCounts>();
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  /** Inside `whenWritten`: reads see what is committed without waiting for the rest. */
  private lenient = false;
  private writerError: string | null = null;
  private readonly maxUnwrittenBytes: number;
  private readonly behindBytes: number;
  private resumers: Array<() => void> = [];

  /** Opens (creating when missing) the session file at `path`. */
  constructor(path: string, opts: { name?: string; now?: Micros; maxUnwrittenBytes?: number; behindBytes?: number; indexOnlyWhenTold?: boolean } = {}) {
    this.path = path;
    this.maxUnwrittenBytes = opts.maxUnwrittenBytes ?? MAX_UNWRITTEN_BYTES;
    this.behindBytes = opts.behindBytes ?? BEHIND_BYTES;
    this.db = new DatabaseSync(path);
    let indexedAsWritten = false;
    try {
      // A new file gets pages of PAGE_SIZE (an existing one keeps its own): fewer, larger WAL writes and
      // checkpoint copies per recorded byte (about half the cost of writing a 64 KiB payload).
      this.db.exec(`PRAGMA page_size = ${PAGE_SIZE}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;`);
      // A newer session is refused before anything is written to it.
      const hasMeta = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
      if (hasMeta && Number(this.meta('schemaVersion') ?? 0) > SCHEMA_VERSION) {
        throw new Error(`${path} was written by a newer Framescope (session format ${this.meta('schemaVersion')}); update Framescope to open it`);
      }
      this.db.exec(SCHEMA);
      const version = this.meta('schemaVersion');
      if (version === null) {
        const now = opts.now ?? Date.now() * 1000;
        this.setMeta('schemaVersion', String(SCHEMA_VERSION));
        this.setMeta('name', opts.name ?? 'Session');
        this.setMeta('createdAt', String(now));
      } else if (Number(version) > SCHEMA_VERSION) {
        throw new Error(`${path} was written by a newer Framescope (session format ${version}); update Framescope to open it`);
      } else if (Number(version) < SCHEMA_VERSION) {
        // Older formats are read as they are; what is appended from now on is in this one.
        this.setMeta('schemaVersion', String(SCHEMA_VERSION));
        indexedAsWritten = Number(version) < 3;
      }
    } catch (err) {
      // A file that is not a session (or is a newer one) is not kept open: it stays the user's to move or delete.
      this.db.close();
      throw err;
    }
    this.recordingCap = Number(this.meta('recordingCapBytes') ?? DEFAULT_RECORDING_CAP);
    this.db.function('fs_match', { deterministic: true }, (key, preview, blob) => {
      const test = this.matchers.get(String(key));
      if (test === undefined) return 0;
      if (typeof preview === 'string' && test(preview)) return 1;
      return blob instanceof Uint8Array && test(decoder.decode(blob)) ? 1 : 0;
    });
    this.stmt = {
      frameById: this.db.prepare('SELECT * FROM frames WHERE id = ?'),
      messageById: this.db.prepare(`SELECT ${MESSAGE_RECORD_COLUMNS} FROM messages m WHERE m.id = ?`),
      frameRows: this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id >= ? AND id < ? ORDER BY id`),
      messageRows: this.db.prepare(`SELECT ${MESSAGE_ROW_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.id >= ? AND m.id < ? ORDER BY m.id`),
      frameRowById: this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id = ?`),
      messageRowById: this.db.prepare(`SELECT ${MESSAGE_ROW_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.id = ?`),
      framePage: this.db.prepare('SELECT * FROM frames WHERE id >= ? AND id < ? ORDER BY id LIMIT ?'),
      messagePage: this.db.prepare(`SELECT ${MESSAGE_RECORD_COLUMNS} FROM messages m WHERE m.id >= ? AND m.id < ? ORDER BY m.id LIMIT ?`),
      lastFrame: this.db.prepare('SELECT max(id) AS id FROM frames WHERE id >= ? AND id < ?'),
      lastMessage: this.db.prepare('SELECT max(id) AS id FROM messages WHERE id >= ? AND id < ?'),
    };
    for (const row of this.db.prepare('SELECT id FROM connections').all()) this.loadTimeline(Number(row.id));
    if (indexedAsWritten) {
      const mark = this.db.prepare('INSERT OR REPLACE INTO search_progress (connection, frames, messages) VALUES (?, ?, ?)');
      this.transaction(() => {
        for (const [id, t] of this.timelines) mark.run(id, t.frameRows, t.messageRows);
      });
    }
    // The writer checkpoints the WAL; this connection's few writes (names, settings, the library) leave it to it.
    this.db.exec('PRAGMA wal_autocheckpoint = 0');
    const shared = new SharedArrayBuffer(PROGRESS_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.progress = new Int32Array(shared);
    const workerData: WriterData = { path, shared, ...(opts.indexOnlyWhenTold === true ? { indexOnlyWhenTold: true } : {}) };
    this.writer = new Worker(WRITER_URL, { workerData, resourceLimits: { maxOldGenerationSizeMb: WRITER_HEAP_MB, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.writer.on('message', (ack: WriterAck) => this.acknowledged(ack));
    this.writer.on('error', (err) => this.writerFailed(`The session writer stopped: ${err.message}`, true));
    this.writer.unref();
  }

  // ------------------------------------------------------------------ session

  get name(): string {
    return this.meta('name') ?? 'Session';
  }

  rename(name: string): void {
    this.setMeta('name', name);
  }

  get createdAt(): Micros {
    return Number(this.meta('createdAt') ?? 0);
  }

  settings(): SessionSettings {
    return { recordingCapBytes: this.recordingCap };
  }

  configure(settings: Partial<SessionSettings>): SessionSettings {
    if (settings.recordingCapBytes !== undefined) {
      this.recordingCap = settings.recordingCapBytes;
      this.setMeta('recordingCapBytes', String(this.recordingCap));
    }
    return this.settings();
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    if (this.closed) return;
    this.flush();
    const seq = ++this.posted;
    this.post({ type: 'close', seq });
    this.closed = true;
    try {
      this.waitWritten(seq);
    } finally {
      this.db.exec('PRAGMA optimize');
      this.db.close();
      for (const resume of this.resumers.splice(0)) resume();
    }
  }

  // ------------------------------------------------------------------ connections

  /** Keeps the connection's latest summary (the list shown when the session is opened again). */
  saveConnection(summary: ConnectionSummary): void {
    this.connectionBatch.set(summary.id, JSON.stringify(summary));
    this.scheduleFlush(0);
  }

  /** Summaries as last saved, oldest first. */
  connections(): ConnectionSummary[] {
    this.sync();
    return this.db.prepare('SELECT summary FROM connections ORDER BY id').all().map((r) => JSON.parse(String(r.summary)) as ConnectionSummary);
  }

  /** The highest connection id this session has used (0 when none). */
  maxConnectionId(): number {
    this.sync();
    const row = this.db.prepare('SELECT max(id) AS id FROM connections').get();
    return Math.max(Number(row?.id ?? 0), ...this.timelines.keys(), 0);
  }

  // ------------------------------------------------------------------ recording

  createTimeline(connectionId: number): void {
    this.timelines.set(connectionId, { frameRows: 0, messageRows: 0, pending: { in: [], out: [] } });
    this.written.set(connectionId, { frameRows: 0, messageRows: 0 });
  }

  deleteTimeline(connectionId: number): void {
    // The writer stops indexing its rows first (it might be indexing them between commands).
    this.command((seq) => ({ type: 'forget', seq, connectionId }));
    const lo = connectionId * ROWS_PER_CONNECTION;
    const hi = lo + ROWS_PER_CONNECTION;
    this.transaction(() => {
      this.db.prepare('DELETE FROM frames WHERE id >= ? AND id < ?').run(lo, hi);
      this.db.prepare('DELETE FROM messages WHERE id >= ? AND id < ?').run(lo, hi);
      this.db.prepare('DELETE FROM search WHERE rowid >= ? AND rowid < ?').run(lo, hi);
      this.db.prepare('DELETE FROM search WHERE rowid > ? AND rowid <= ?').run(messageSearchRowid(hi), messageSearchRowid(lo));
      this.db.prepare('DELETE FROM search_progress WHERE connection = ?').run(connectionId);
      this.db.prepare('DELETE FROM connections WHERE id = ?').run(connectionId);
    });
    this.timelines.delete(connectionId);
    this.written.delete(connectionId);
    for (const key of this.filters.keys()) if (key.startsWith(`${connectionId}\u0000`)) this.filters.delete(key);
  }

  appendFrame(connectionId: number, rec: FrameRecord, partOfMessage: boolean): number {
    const t = this.timeline(connectionId);
    const row = t.frameRows++;
    this.queueFrame(connectionId, row, this.capFrame(rec), -1);
    if (partOfMessage) t.pending[rec.dir].push(row);
    else this.queueMessage(connectionId, t.messageRows++, null, row, row, row);
    return row;
  }

  appendMessage(connectionId: number, rec: MessageRecord): number {
    const t = this.timeline(connectionId);
    const index = t.messageRows++;
    const rows = t.pending[rec.dir];
    this.linkFrames(connectionId, rows, index);
    const last = rows.length > 0 ? rows[rows.length - 1]! : t.frameRows - 1;
    const first = rows[0] ?? last;
    // (Emptied, not replaced: one array per direction, not one per message.)
    rows.length = 0;
    this.queueMessage(connectionId, index, this.capMessage(rec), null, first, last);
    return index;
  }

  appendNote(connectionId: number, rec: NoteRecord): void {
    const t = this.timeline(connectionId);
    const row = t.frameRows++;
    this.queueFrame(connectionId, row, rec, -1);
    this.queueMessage(connectionId, t.messageRows++, null, row, row, row);
  }

  abandonMessages(connectionId: number): void {
    const t = this.timeline(connectionId);
    for (const dir of ['in', 'out'] as const) {
      for (const row of t.pending[dir]) this.queueMessage(connectionId, t.messageRows++, null, row, row, row);
      t.pending[dir] = [];
    }
  }

  importRows(connectionId: number, frames: Iterable<StoredFrame>, messages: Iterable<StoredMessage>): void {
    const t = this.timeline(connectionId);
    if (t.frameRows !== 0 || t.messageRows !== 0) throw new Error(`connection ${connectionId} already has rows; import into an empty timeline`);
    // Each message is queued right after its last frame, as when recording, so one made of a single
    // frame shares that frame's payload.
    const frameRows = frames[Symbol.iterator]();
    const queueFramesTo = (last: number): void => {
      while (t.frameRows <= last) {
        const next = frameRows.next();
        if (next.done === true) return;
        const f = next.value;
        if (f.index !== t.frameRows) throw new Error(`frame rows must be imported in order: expected ${t.frameRows}, got ${f.index}`);
        this.queueFrame(connectionId, t.frameRows++, f.rec.kind === 'note' ? f.rec : this.capFrame(f.rec), f.message);
      }
    };
    for (const m of messages) {
      if (m.index !== t.messageRows) throw new Error(`message rows must be imported in order: expected ${t.messageRows}, got ${m.index}`);
      if ('frameRow' in m) {
        queueFramesTo(m.frameRow);
        this.queueMessage(connectionId, t.messageRows++, null, m.frameRow, m.frameRow, m.frameRow);
      } else {
        queueFramesTo(m.last);
        this.queueMessage(connectionId, t.messageRows++, this.capMessage(m.rec), null, m.first, m.last);
      }
    }
    queueFramesTo(Number.MAX_SAFE_INTEGER);
    this.sync();
  }

  counts(connectionId: number): TimelineCounts {
    const t = this.timeline(connectionId);
    return { frameRows: t.frameRows, messageRows: t.messageRows };
  }

  /**
   * Hands the batch to the writer now (it is handed over at the end of the tick anyway). Waits only
   * when the writer is more than `maxUnwrittenBytes` (default MAX_UNWRITTEN_BYTES) behind.
   */
  flush(): void {
    if (this.closed || (this.frameBatch.length === 0 && this.messageBatch.length === 0 && this.messageLinks.length === 0 && this.connectionBatch.size === 0)) return;
    const seq = ++this.posted;
    // What the writer has done frees room in the ring.
    this.catchUp();
    let ring: Unwritten['ring'] = null;
    const place = (size: number): { buffer: SharedArrayBuffer; offset: number } | null => {
      const offset = this.ringPlace(size);
      if (offset === null) return null;
      ring = [offset, offset + size];
      this.ringHead = offset + size;
      this.ring ??= new SharedArrayBuffer(RING_BYTES);
      return { buffer: this.ring, offset };
    };
    const { batch, transfer } = encodeBatch(seq, this.frameBatch, this.messageBatch, this.messageLinks, [...this.connectionBatch], place);
    const counts: Unwritten['counts'] = [];
    for (const id of this.touched) {
      const t = this.timelines.get(id);
      if (t !== undefined) counts.push([id, t.frameRows, t.messageRows]);
    }
    const bytes = batch.packLength + 64 * (this.frameBatch.length + this.messageBatch.length);
    this.frameBatch = [];
    this.messageBatch = [];
    this.messageLinks = [];
    this.connectionBatch = new Map();
    this.touched = new Set();
    this.batchBytes = 0;
    if (this.unwritten.length === 0) this.writer.ref();
    this.unwritten.push({ seq, bytes, counts, ring });
    this.unwrittenBytes += bytes;
    this.post(batch, transfer);
    while (this.unwrittenBytes > this.maxUnwrittenBytes) this.waitWritten(this.unwritten[0]!.seq);
  }

  get behind(): boolean {
    return this.unwrittenBytes > this.behindBytes;
  }

  whenCaughtUp(resume: () => void): void {
    if (this.behind && !this.closed) this.resumers.push(resume);
    else queueMicrotask(resume);
  }

  /** Where `size` bytes fit in the ring after the bytes of batches not yet written, or null. */
  private ringPlace(size: number): number | null {
    if (size === 0) return null;
    const oldest = this.unwritten.find((u) => u.ring !== null)?.ring ?? null;
    if (oldest === null) return size <= RING_BYTES ? 0 : null;
    const tail = oldest[0];
    const head = this.ringHead;
    // Free: [head, RING_BYTES) and [0, tail) when the writer is behind the head, else [head, tail).
    if (head >= tail) {
      if (size <= RING_BYTES - head) return head;
      return size < tail ? 0 : null;
    }
    return size < tail - head ? head : null;
  }

  /** Hands over the batch and waits until the writer has committed everything: reads then see every row appended. */
  sync(): void {
    this.flush();
    this.waitWritten(this.posted);
  }

  /** Hands over the batch; resolves once the writer has committed everything appended so far. */
  settled(): Promise<void> {
    this.flush();
    this.catchUp();
    const seq = this.posted;
    if (Atomics.load(this.progress, WRITTEN) >= seq || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /**
   * Runs `read` once every row appended so far is committed: at once when it is, otherwise later, and
   * meanwhile the relay goes on. `read` then sees the rows committed by the time it runs, without
   * waiting for the ones appended since (the UI asks for rows it was told of, which are among them).
   */
  whenWritten<T>(read: () => T): T | Promise<T> {
    this.flush();
    this.catchUp();
    if (this.unwritten.length === 0) return read();
    return this.settled().then(() => {
      this.lenient = true;
      try {
        return read();
      } finally {
        this.lenient = false;
      }
    });
  }

  // ------------------------------------------------------------------ reading

  /**
   * A window of rows. Unfiltered, or with `budgetMs` unbounded, the answer is whole. A filter scans the
   * connection's rows (once; later calls take up where it stopped): with a budget it stops after that
   * many ms, answering with the rows found so far and `complete: false` (ask again to go on).
   */
  range(req: RangeRequest, budgetMs = Infinity): RangeResult {
    const t = this.readable(req.connectionId);
    const size = req.view === 'frames' ? t.frameRows : t.messageRows;
    const base = req.connectionId * ROWS_PER_CONNECTION;
    if (!isActive(req.filter)) {
      const start = Math.min(req.start, size);
      const end = Math.min(size, req.start + req.count);
      const stmt = req.view === 'frames' ? this.stmt.frameRows! : this.stmt.messageRows!;
      return { total: size, rows: stmt.all(base + start, base + end).map((r) => toRow(r, base)), complete: true };
    }
    const index = this.filtered(req.connectionId, req.view, req.filter!, size, performance.now() + budgetMs);
    const end = Math.min(index.length, req.start + req.count);
    const stmt = req.view === 'frames' ? this.stmt.frameRowById! : this.stmt.messageRowById!;
    const rows: TimelineRow[] = [];
    for (let i = req.start; i < end; i++) rows.push(toRow(stmt.get(base + index.matches[i]!)!, base));
    return { total: index.length, rows, complete: index.scanned >= size };
  }

  detail(req: RowDetailRequest): RowDetail {
    const t = this.readable(req.connectionId);
    const size = req.view === 'frames' ? t.frameRows : t.messageRows;
    if (req.index >= size) throw new RowOutOfRangeError(`Row ${req.index} does not exist: the ${req.view} view of connection ${req.connectionId} has ${size} rows`);
    const base = req.connectionId * ROWS_PER_CONNECTION;
    const row = toRow((req.view === 'frames' ? this.stmt.frameRowById! : this.stmt.messageRowById!).get(base + req.index)!, base);
    let frameRow = req.index;
    if (req.view === 'messages') {
      const m = this.stmt.messageById!.get(base + req.index)!;
      if (m.frame_row === null) return messageDetail(row, toMessageRecord(m));
      frameRow = Number(m.frame_row);
    }
    return frameDetail(row, toFrameRecord(this.stmt.frameById!.get(base + frameRow)!));
  }

  *frames(connectionId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Iterable<StoredFrame> {
    for (const [index, r] of this.pages(this.stmt.framePage!, connectionId, from, to)) {
      yield { index, rec: toFrameRecord(r), message: Number(r.message) };
    }
  }

  *messages(connectionId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Iterable<StoredMessage> {
    for (const [index, r] of this.pages(this.stmt.messagePage!, connectionId, from, to)) {
      yield r.frame_row === null
        ? { index, rec: toMessageRecord(r), first: Number(r.first), last: Number(r.last) }
        : { index, frameRow: Number(r.frame_row) };
    }
  }

  /** Full-text search (FTS5) over text payloads, ping and pong text, close reasons, error reasons and notes; with `regex`, a scan of the rows' text. */
  /**
   * Rows whose text has the words (or matches the regex). With `complete` (in-process callers), the
   * writer first brings the search index up to every row written, however many that is; without it
   * (the UI, while traffic may be flowing) the search covers what is indexed and says how many frame
   * rows are still waiting for the index.
   */
  search(req: SearchRequest, complete = true): SearchResult {
    if (complete) this.command((seq) => ({ type: 'index', seq }));
    this.readPoint();
    const indexing = this.notIndexed(req.connectionIds);
    const limit = req.limit ?? 200;
    const wanted = req.connectionIds === undefined ? null : new Set(req.connectionIds);
    const hits: SearchHit[] = [];
    let more = false;
    // One hit per message: the first of its frames that matched (or its first frame, when the words
    // are only in the whole message).
    const messagesHit = new Set<number>();
    const consider = (r: Row): boolean => {
      const id = Number(r.rid);
      const connectionId = Math.floor(id / ROWS_PER_CONNECTION);
      if (wanted !== null && !wanted.has(connectionId)) return true;
      if (!this.timelines.has(connectionId)) return true;
      const base = connectionId * ROWS_PER_CONNECTION;
      const message = Number(r.ref);
      if (message >= 0) {
        if (messagesHit.has(base + message)) return true;
        messagesHit.add(base + message);
      }
      if (hits.length === limit) {
        more = true;
        return false;
      }
      const row = toRow(r, base);
      hits.push({ connectionId, frameIndex: row.index, messageIndex: message >= 0 ? message : this.standaloneMessageRow(connectionId, row.index), time: row.time, dir: row.dir, opcode: row.opcode, preview: row.preview });
      return true;
    };
    // Frames whose own text matches (in row order), and the first frames of text messages of several
    // frames that match only whole (a word cut between fragments), merged in row order.
    const M = `(m.id - m.id % ${ROWS_PER_CONNECTION})`;
    let frameHits: Iterable<Row>;
    let wholeHits: Row[];
    if (req.regex) {
      const key = `search\u0000${req.text}`;
      this.matchers.set(key, textTest({ text: req.text, regex: true, caseSensitive: true }));
      const frameMatches = `fs_match(?1, ${framePreviewSql('g.')}, CASE WHEN g.searchable THEN g.payload END)`;
      frameHits = this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames g WHERE ${frameMatches} ORDER BY id`).iterate(key);
      wholeHits = this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id IN (
        SELECT ${M} + m.first FROM messages m
        WHERE m.frame_row IS NULL AND m.first != m.last AND m.opcode = 1 AND m.compressed = 0 AND m.size <= ${SEARCH_BYTES} AND fs_match(?1, m.preview, m.data)
          AND NOT EXISTS (SELECT 1 FROM frames g WHERE g.id BETWEEN ${M} + m.first AND ${M} + m.last AND g.message = m.id % ${ROWS_PER_CONNECTION} AND ${frameMatches})
      ) ORDER BY id`).all(key);
    } else {
      const query = ftsQuery(req.text);
      if (query === '') return { hits, more, indexing };
      frameHits = this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id IN (SELECT rowid FROM search WHERE search MATCH ?1 AND rowid >= 0) ORDER BY id`).iterate(query);
      // (messageSearchRowid: a whole message's rowid is -id - 1.)
      wholeHits = this.db.prepare(`SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id IN (
        SELECT ${M} + m.first FROM messages m WHERE m.id IN (SELECT -rowid - 1 FROM search WHERE search MATCH ?1 AND rowid < 0)
          AND NOT EXISTS (SELECT 1 FROM frames g WHERE g.id BETWEEN ${M} + m.first AND ${M} + m.last AND g.message = m.id % ${ROWS_PER_CONNECTION}
            AND EXISTS (SELECT 1 FROM search WHERE search MATCH ?1 AND rowid = g.id))
      ) ORDER BY id`).all(query);
    }
    let w = 0;
    for (const r of frameHits) {
      while (w < wholeHits.length && Number(wholeHits[w]!.rid) < Number(r.rid)) {
        if (!consider(wholeHits[w++]!)) return { hits, more, indexing };
      }
      if (!consider(r)) return { hits, more, indexing };
    }
    while (w < wholeHits.length) {
      if (!consider(wholeHits[w++]!)) break;
    }
    return { hits, more, indexing };
  }

  /** Frame rows written (and readable) that the search index does not have yet, over `connectionIds` or all. */
  private notIndexed(connectionIds: number[] | undefined): number {
    const marks = new Map<number, number>();
    for (const r of this.db.prepare('SELECT connection, frames FROM search_progress').all()) marks.set(Number(r.connection), Number(r.frames));
    let pending = 0;
    for (const id of connectionIds ?? this.timelines.keys()) {
      if (!this.timelines.has(id)) continue;
      pending += Math.max(0, this.readable(id).frameRows - (marks.get(id) ?? 0));
    }
    return pending;
  }

  // ------------------------------------------------------------------ library

  savedMessages(): SavedMessage[] {
    return this.db.prepare('SELECT * FROM saved_messages ORDER BY collection, name, id').all().map(toSaved);
  }

  putSavedMessage(m: Omit<SavedMessage, 'id'> & { id?: number }): SavedMessage {
    const args = [m.collection, m.name, m.kind, m.body, m.format, m.createdAt, m.updatedAt] as const;
    if (m.id === undefined) {
      const { lastInsertRowid } = this.db.prepare('INSERT INTO saved_messages (collection, name, kind, body, format, created_at, updated_at) VALUES (?,?,?,?,?,?,?)').run(...args);
      return { ...m, id: Number(lastInsertRowid) };
    }
    this.db.prepare('INSERT OR REPLACE INTO saved_messages (id, collection, name, kind, body, format, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)').run(m.id, ...args);
    return { ...m, id: m.id };
  }

  deleteSavedMessage(id: number): boolean {
    return Number(this.db.prepare('DELETE FROM saved_messages WHERE id = ?').run(id).changes) > 0;
  }

  environments(): Environments {
    const json = this.meta('environments');
    return json === null ? { active: null, environments: {} } : (JSON.parse(json) as Environments);
  }

  putEnvironments(e: Environments): void {
    this.setMeta('environments', JSON.stringify(e));
  }

  replayRuns(): ReplayRun[] {
    // Runs stored before `timedOut` was counted read as 0.
    return this.db.prepare('SELECT run FROM replay_runs ORDER BY id').all().map((r) => ({ timedOut: 0, ...(JSON.parse(String(r.run)) as Partial<ReplayRun>) }) as ReplayRun);
  }

  putReplayRun(run: ReplayRun): void {
    this.db.prepare('INSERT OR REPLACE INTO replay_runs (id, run) VALUES (?, ?)').run(run.id, JSON.stringify(run));
  }

  nextReplayRunId(): number {
    return Number(this.db.prepare('SELECT max(id) AS id FROM replay_runs').get()?.id ?? 0) + 1;
  }

  // ------------------------------------------------------------------ internals

  private meta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
    return row === undefined ? null : String(row.value);
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  private transaction(body: () => void): void {
    this.db.exec('BEGIN');
    try {
      body();
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  private timeline(connectionId: number): TimelineState {
    const t = this.timelines.get(connectionId);
    if (t === undefined) throw new UnknownTimelineError(connectionId);
    return t;
  }

  /** Row counts of a connection recorded earlier (the session was opened again; nothing of it is in flight). */
  private loadTimeline(connectionId: number): void {
    const lo = connectionId * ROWS_PER_CONNECTION;
    const hi = lo + ROWS_PER_CONNECTION;
    const lastFrame = this.stmt.lastFrame!.get(lo, hi)?.id;
    const lastMessage = this.stmt.lastMessage!.get(lo, hi)?.id;
    const t: TimelineState = {
      frameRows: lastFrame === null || lastFrame === undefined ? 0 : Number(lastFrame) - lo + 1,
      messageRows: lastMessage === null || lastMessage === undefined ? 0 : Number(lastMessage) - lo + 1,
      pending: { in: [], out: [] },
    };
    this.timelines.set(connectionId, t);
    this.written.set(connectionId, { frameRows: t.frameRows, messageRows: t.messageRows });
  }

  /** Before a read: everything appended is committed, or inside `whenWritten`, what is committed is known. */
  private readPoint(): void {
    if (this.lenient) this.catchUp();
    else this.sync();
  }

  /** A connection's rows as reads see them. */
  private readable(connectionId: number): TimelineCounts {
    this.readPoint();
    this.timeline(connectionId);
    return this.written.get(connectionId)!;
  }

  /** Hands over the batch, then a command after it, and waits (blocking this thread) until the writer has done it. */
  private command(make: (seq: number) => WriterIndex | WriterForget): void {
    this.flush();
    const seq = ++this.posted;
    this.post(make(seq));
    this.waitWritten(seq);
  }

  /** Hands the writer a command, saying in shared memory that one is waiting (it then leaves indexing for later). */
  private post(cmd: WriterCommand, transfer: ArrayBuffer[] = []): void {
    Atomics.store(this.progress, POSTED, cmd.seq);
    this.writer.postMessage(cmd, transfer);
  }

  /** Waits (blocking this thread) until the writer has done command `seq`. */
  private waitWritten(seq: number): void {
    const deadline = Date.now() + WRITER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.progress, WRITTEN);
      if (done >= seq) break;
      if (Atomics.load(this.progress, STATE) === FAILED) throw new Error(this.writerError ?? `Cannot write the session file ${this.path}`);
      if (Date.now() > deadline) throw new Error(`The session writer has not answered for ${WRITER_TIMEOUT_MS / 1000} s; the session file ${this.path} may be on a stalled disk`);
      Atomics.wait(this.progress, WRITTEN, done, 1000);
    }
    this.catchUp();
  }

  /** Takes in what the writer has committed: the row counts reads see, and the bytes still in flight. */
  private catchUp(): void {
    const done = Atomics.load(this.progress, WRITTEN);
    let n = 0;
    while (n < this.unwritten.length && this.unwritten[n]!.seq <= done) {
      const batch = this.unwritten[n++]!;
      this.unwrittenBytes -= batch.bytes;
      for (const [id, frameRows, messageRows] of batch.counts) {
        if (this.written.has(id)) this.written.set(id, { frameRows, messageRows });
      }
    }
    if (n === 0) return;
    this.unwritten.splice(0, n);
    if (this.unwritten.length === 0) this.writer.unref();
    // Relays that stopped reading go on once the writer is back under half the mark (not at once, to read in long runs).
    if (this.resumers.length > 0 && this.unwrittenBytes <= this.behindBytes / 2) {
      const resumers = this.resumers;
      this.resumers = [];
      // Later: catchUp may run inside a read, and resuming reads sockets.
      queueMicrotask(() => {
        for (const resume of resumers) resume();
      });
    }
  }

  private acknowledged(ack: WriterAck): void {
    if (ack.error !== null) this.writerFailed(ack.error, ack.fatal);
    this.catchUp();
    const done = Atomics.load(this.progress, WRITTEN);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.seq <= done) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /**
   * Says what went wrong, once per distinct reason. A batch that could not be written is lost and
   * recording goes on; a writer that is gone (`fatal`) answers nobody, so those waiting are let go.
   */
  private writerFailed(error: string, fatal: boolean): void {
    if (this.writerError !== error) console.error(`Framescope: ${error}`);
    this.writerError = error;
    if (!fatal) return;
    Atomics.store(this.progress, STATE, FAILED);
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private scheduleFlush(bytes: number): void {
    this.batchBytes += bytes;
    if (this.batchBytes >= EAGER_FLUSH_BYTES || this.frameBatch.length + this.messageBatch.length >= EAGER_FLUSH_ROWS) {
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private queueFrame(connectionId: number, row: number, rec: FrameRecord | NoteRecord, message: number): void {
    this.frameBatch.push({ id: connectionId * ROWS_PER_CONNECTION + row, rec, message });
    this.touched.add(connectionId);
    this.scheduleFlush(rec.kind === 'note' ? rec.text.length : rec.wire.length + rec.payload.length);
  }

  private queueMessage(connectionId: number, index: number, rec: MessageRecord | null, frameRow: number | null, first: number, last: number): void {
    const dataInFrame = rec !== null && first === last && this.isPayloadOfQueued(connectionId * ROWS_PER_CONNECTION + first, rec.data);
    this.messageBatch.push({ id: connectionId * ROWS_PER_CONNECTION + index, rec, frameRow, first, last, dataInFrame });
    this.touched.add(connectionId);
    this.scheduleFlush(rec === null || dataInFrame ? 0 : rec.data.length);
  }

  /** `data` is byte for byte the payload of frame `id`, one of the last few queued (where a message's one frame is). */
  private isPayloadOfQueued(id: number, data: Uint8Array): boolean {
    const batch = this.frameBatch;
    for (let i = batch.length - 1; i >= 0 && i >= batch.length - RECENT_FRAMES; i--) {
      const f = batch[i]!;
      if (f.id !== id) continue;
      if (f.rec.kind === 'note') return false;
      const payload = f.rec.payload;
      if (payload.length !== data.length) return false;
      // The same bytes in memory (the usual case), or equal ones.
      return (payload.buffer === data.buffer && payload.byteOffset === data.byteOffset) || Buffer.from(payload.buffer, payload.byteOffset, payload.length).equals(data);
    }
    return false;
  }

  /** A connection's rows of one table from `from` to `to`, read a page at a time, with their indexes. */
  private *pages(page: StatementSync, connectionId: number, from: number, to: number): Iterable<[number, Row]> {
    this.readable(connectionId);
    const base = connectionId * ROWS_PER_CONNECTION;
    let next = base + from;
    const end = base + Math.min(to, ROWS_PER_CONNECTION);
    for (;;) {
      const rows = page.all(next, end, PAGE);
      for (const r of rows) yield [Number(r.id) - base, r];
      if (rows.length < PAGE) return;
      next = Number(rows[rows.length - 1]!.id) + 1;
    }
  }

  /** Frames of a message that completed: those still in the batch are set there, earlier ones updated on disk. */
  private linkFrames(connectionId: number, rows: number[], message: number): void {
    if (rows.length === 0) return;
    const base = connectionId * ROWS_PER_CONNECTION;
    const firstQueued = this.frameBatch.length === 0 ? Infinity : this.frameBatch[0]!.id;
    for (const row of rows) {
      const id = base + row;
      if (id >= firstQueued) {
        const queued = this.findQueued(id);
        if (queued !== null) {
          queued.message = message;
          continue;
        }
      }
      this.messageLinks.push(id, message);
    }
  }

  private findQueued(id: number): FrameInsert | null {
    // Rows of one connection are queued in order; search from the end, where a message's frames are.
    for (let i = this.frameBatch.length - 1; i >= 0; i--) {
      const f = this.frameBatch[i]!;
      if (f.id === id) return f;
    }
    return null;
  }

  private capFrame(rec: FrameRecord): FrameRecord {
    const cap = this.recordingCap;
    // The wire bytes keep their header besides the capped payload.
    const wireCap = cap + rec.headerLength;
    if (rec.payload.length <= cap && rec.wire.length <= wireCap && (rec.original?.length ?? 0) <= cap) return rec;
    return {
      ...rec,
      payload: rec.payload.length > cap ? rec.payload.subarray(0, cap) : rec.payload,
      wire: rec.wire.length > wireCap ? rec.wire.subarray(0, wireCap) : rec.wire,
      ...(rec.original && rec.original.length > cap ? { original: rec.original.subarray(0, cap) } : {}),
      fullLength: rec.fullLength ?? Math.max(rec.payload.length, rec.payloadLength),
      flags: (rec.flags ?? 0) | FrameFlag.CAPPED,
    };
  }

  private capMessage(rec: MessageRecord): MessageRecord {
    if (rec.data.length <= this.recordingCap) return rec;
    return { ...rec, data: rec.data.subarray(0, this.recordingCap), fullLength: rec.fullLength ?? rec.data.length, flags: (rec.flags ?? 0) | FrameFlag.CAPPED };
  }

  /** The messages-view row showing a frame that is not part of a data message. */
  private standaloneMessageRow(connectionId: number, frameRow: number): number {
    const base = connectionId * ROWS_PER_CONNECTION;
    const row = this.db.prepare('SELECT id FROM messages WHERE id >= ? AND id < ? AND frame_row = ?').get(base, base + ROWS_PER_CONNECTION, frameRow);
    return row === undefined ? -1 : Number(row.id) - base;
  }

  /** The indexes of rows matching `filter`, brought up to date with rows written since last asked. */
  /** The rows matching `filter`, scanned up to `size` in chunks, stopping early once past `deadline` (performance.now()). */
  private filtered(connectionId: number, view: TimelineView, filter: TimelineFilter, size: number, deadline: number): FilteredIndex {
    const key = `${connectionId}\u0000${view}\u0000${JSON.stringify(filter)}`;
    let index = this.filters.get(key);
    if (index === undefined) {
      index = { matches: new Int32Array(1024), length: 0, scanned: 0 };
      if (this.filters.size >= FILTER_CACHE) this.filters.delete(this.filters.keys().next().value!);
    } else {
      this.filters.delete(key);
    }
    this.filters.set(key, index);
    if (index.scanned < size) {
      const base = connectionId * ROWS_PER_CONNECTION;
      const { where, params } = filterSql(filter, key);
      if (filter.text) this.matchers.set(key, textTest(filter));
      const sql = view === 'frames'
        ? `SELECT rid - ? AS i FROM (SELECT ${FRAME_ROW_COLUMNS} FROM frames WHERE id >= ? AND id < ?) WHERE ${where} ORDER BY rid`
        : `SELECT rid - ? AS i FROM (SELECT ${MESSAGE_ROW_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.id >= ? AND m.id < ?) WHERE ${where} ORDER BY rid`;
      const stmt = this.db.prepare(sql);
      do {
        const to = Math.min(size, index.scanned + SCAN_CHUNK);
        for (const r of stmt.iterate(base, base + index.scanned, base + to, ...params)) {
          if (index.length === index.matches.length) {
            const grown = new Int32Array(index.matches.length * 2);
            grown.set(index.matches);
            index.matches = grown;
          }
          index.matches[index.length++] = Number(r.i);
        }
        index.scanned = to;
      } while (index.scanned < size && performance.now() < deadline);
    }
    return index;
  }
}

// ------------------------------------------------------------------ rows and records

function toRow(r: Row, base: number): TimelineRow {
  const kind = KIND_NAME[Number(r.kind)]!;
  return {
    index: Number(r.rid) - base,
    kind,
    time: Number(r.time),
    dir: r.dir === null ? null : DIR_NAME[Number(r.dir)]!,
    opcode: Number(r.opcode),
    fin: Number(r.fin) === 1,
    rsv: Number(r.rsv),
    size: Number(r.size),
    preview: String(r.preview),
    ref: Number(r.ref),
    refEnd: Number(r.ref_end),
    compressed: Number(r.compressed) === 1,
    errorCode: r.error_code === null ? null : String(r.error_code),
    flags: Number(r.flags),
    rule: r.rule === null ? null : String(r.rule),
  };
}

function bytes(v: SQLInputValue | undefined): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function toFrameRecord(r: Row): FrameRecord | NoteRecord {
  const extra = r.extra === null ? {} : (JSON.parse(String(r.extra)) as Record<string, unknown>);
  if (Number(r.kind) === KIND.note) return { kind: 'note', time: Number(r.time), event: extra.event as NoteEvent, text: String(extra.text) };
  const rec: FrameRecord = {
    kind: Number(r.kind) === KIND.error ? 'error' : 'frame',
    dir: DIR_NAME[Number(r.dir)]!,
    time: Number(r.time),
    opcode: Number(r.opcode),
    fin: Number(r.fin) === 1,
    rsv: Number(r.rsv),
    maskKey: r.mask instanceof Uint8Array ? r.mask : null,
    payloadLength: Number(r.size),
    headerLength: Number(r.header_length),
    nonMinimalLength: Number(r.non_minimal) === 1,
    wire: Number(r.wire_is_header) === 1 ? withPayload(bytes(r.wire), bytes(r.payload), r.mask instanceof Uint8Array ? r.mask : null) : bytes(r.wire),
    payload: bytes(r.payload),
    compressed: Number(r.compressed) === 1,
    textual: extra.textual === true,
    error: (extra.error as FrameRecord['error']) ?? null,
    flags: Number(r.flags),
  };
  return {
    ...rec,
    ...(extra.rules ? { rules: extra.rules as string[] } : {}),
    ...(r.original instanceof Uint8Array ? { original: r.original } : {}),
    ...(extra.heldMs !== undefined ? { heldMs: extra.heldMs as number } : {}),
    ...(extra.fullLength !== undefined ? { fullLength: extra.fullLength as number } : {}),
  };
}

/** Wire bytes rebuilt from the stored header and the payload. */
function withPayload(header: Uint8Array, payload: Uint8Array, key: Uint8Array | null): Uint8Array {
  const wire = new Uint8Array(header.length + payload.length);
  wire.set(header);
  if (key === null) {
    wire.set(payload, header.length);
  } else {
    for (let i = 0; i < payload.length; i++) wire[header.length + i] = payload[i]! ^ key[i & 3]!;
  }
  return wire;
}

function toMessageRecord(r: Row): MessageRecord {
  const extra = r.extra === null ? {} : (JSON.parse(String(r.extra)) as Record<string, unknown>);
  return {
    kind: 'message',
    dir: DIR_NAME[Number(r.dir)]!,
    time: Number(r.time),
    opcode: Number(r.opcode),
    data: bytes(r.data),
    compressed: Number(r.compressed) === 1,
    flags: Number(r.flags),
    ...(extra.rules ? { rules: extra.rules as string[] } : {}),
    ...(extra.fullLength !== undefined ? { fullLength: extra.fullLength as number } : {}),
  };
}

function toSaved(r: Row): SavedMessage {
  return {
    id: Number(r.id),
    collection: String(r.collection),
    name: String(r.name),
    kind: String(r.kind) as SavedMessage['kind'],
    body: String(r.body),
    format: r.format === null ? null : (String(r.format) as 'hex' | 'base64'),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

const NO_DETAIL = { header: null, wireBase64: null, close: null, error: null, original: null, rules: [], heldMs: null } as const;

function messageDetail(row: TimelineRow, rec: MessageRecord): RowDetail {
  const shown = rec.data.length > DETAIL_CAP ? rec.data.subarray(0, DETAIL_CAP) : rec.data;
  return {
    ...NO_DETAIL,
    row,
    payloadBase64: base64(shown),
    text: textOf(shown, shown !== rec.data || rec.fullLength != null),
    truncated: shown !== rec.data || rec.fullLength != null,
    fullLength: rec.fullLength ?? null,
    rules: rec.rules ? [...rec.rules] : [],
  };
}

function frameDetail(row: TimelineRow, rec: FrameRecord | NoteRecord): RowDetail {
  if (rec.kind === 'note') return { ...NO_DETAIL, rules: [], row, payloadBase64: '', text: rec.text, truncated: false, fullLength: null };
  const shown = rec.payload.length > DETAIL_CAP ? rec.payload.subarray(0, DETAIL_CAP) : rec.payload;
  const wire = rec.wire.length > DETAIL_CAP ? rec.wire.subarray(0, DETAIL_CAP) : rec.wire;
  const imported = ((rec.flags ?? 0) & FrameFlag.IMPORTED) !== 0;
  const header: FrameHeader = {
    fin: rec.fin,
    rsv1: (rec.rsv & 4) !== 0,
    rsv2: (rec.rsv & 2) !== 0,
    rsv3: (rec.rsv & 1) !== 0,
    opcode: rec.opcode,
    masked: rec.maskKey !== null,
    maskKey: rec.maskKey === null ? null : Buffer.from(rec.maskKey).toString('hex'),
    payloadLength: rec.payloadLength,
    headerLength: rec.headerLength,
    nonMinimalLength: rec.nonMinimalLength,
  };
  return {
    row,
    header: imported ? null : header,
    payloadBase64: base64(shown),
    text: textOf(shown, shown !== rec.payload || rec.fullLength != null),
    wireBase64: imported ? null : base64(wire),
    close: rec.opcode === Opcode.CLOSE && rec.kind === 'frame' ? closeOf(rec.payload) : null,
    error: rec.error,
    truncated: shown !== rec.payload || wire !== rec.wire || rec.fullLength != null,
    fullLength: rec.fullLength ?? null,
    original: rec.original ? { payloadBase64: base64(rec.original), text: isUtf8(rec.original) ? decoder.decode(rec.original) : null } : null,
    rules: rec.rules ? [...rec.rules] : [],
    heldMs: rec.heldMs ?? null,
  };
}

/** The bytes as text when they are UTF-8. A payload that was cut (`cut`) may end inside a character: that character is left out. */
function textOf(data: Uint8Array, cut: boolean): string | null {
  if (isUtf8(data)) return decoder.decode(data);
  for (let drop = 1; cut && drop <= 3 && drop < data.length; drop++) {
    const head = data.subarray(0, data.length - drop);
    if (isUtf8(head)) return decoder.decode(head);
  }
  return null;
}

// ------------------------------------------------------------------ filters

function isActive(filter: TimelineFilter | undefined): boolean {
  if (filter === undefined) return false;
  return (filter.text ?? '') !== '' || filter.direction !== undefined || filter.opcodes !== undefined || filter.errors === false
    || filter.from !== undefined || filter.to !== undefined;
}

/** The filter as a WHERE clause over the projected row columns; the text test is the fs_match function. */
function filterSql(filter: TimelineFilter, key: string): { where: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.direction !== undefined) {
    clauses.push('dir = ?');
    params.push(DIR[filter.direction]);
  }
  if (filter.errors === false) clauses.push(`kind NOT IN (${KIND.error}, ${KIND.note})`);
  if (filter.opcodes !== undefined) {
    const ops = filter.opcodes.map((o) => Math.trunc(o)).join(',');
    clauses.push(`(kind IN (${KIND.error}, ${KIND.note}) OR opcode IN (${ops === '' ? '-99' : ops}))`);
  }
  if (filter.from !== undefined) {
    clauses.push('time >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push('time < ?');
    params.push(filter.to);
  }
  if ((filter.text ?? '') !== '') {
    clauses.push('fs_match(?, preview, text_blob)');
    params.push(key);
  }
  return { where: clauses.length === 0 ? '1' : clauses.join(' AND '), params };
}

function textTest(filter: Pick<TimelineFilter, 'text' | 'regex' | 'caseSensitive'>): (s: string) => boolean {
  const text = filter.text ?? '';
  if (filter.regex) {
    const re = new RegExp(text, filter.caseSensitive ? 'u' : 'iu');
    return (s) => re.test(s);
  }
  if (filter.caseSensitive) return (s) => s.includes(text);
  const lower = text.toLowerCase();
  return (s) => s.toLowerCase().includes(lower);
}

/** Words as an FTS5 query: each a quoted prefix term, all required. */
function ftsQuery(text: string): string {
  const words = text.split(/\s+/u).map((w) => w.replace(/"/g, '""')).filter((w) => w !== '');
  return words.map((w) => `"${w}"*`).join(' ');
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64');
}
