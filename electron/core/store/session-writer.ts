// The session's writer thread: takes the batches a SessionStore hands it, in order, and writes each in
// one transaction (with the WAL checkpoints), so the thread that relays frames never waits on the disk.
// After each command it publishes its number in shared memory (for a reader that must see it, waiting
// with Atomics.wait) and answers with a message (for one that can wait).
//
// The full-text index comes second: rows are indexed in chunks whenever no command is waiting, each
// connection in row order up to a mark kept in `search_progress` (in the same transaction, so a killed
// app loses nothing of it), or all at once when told ('index', before a search). Recording at full speed
// thus never waits for indexing; the index catches up as soon as the traffic lets it.
import { isUtf8 } from 'node:buffer';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Opcode } from '../../../shared/websocket.ts';
import { copyMasked } from '../protocol/mask.ts';
import { closeOf, preview, SEARCH_BYTES, storedFramePreview } from './preview.ts';
import type { FrameRecord } from './records.ts';
import {
  CLOSED, decodeFrames, decodeMessages, DIR, FAILED, KIND, messageSearchRowid, POSTED, ROWS_PER_CONNECTION, RUNNING, STATE, WRITTEN,
  type FrameInsert, type MessageInsert, type WriterAck, type WriterBatch, type WriterCommand, type WriterData,
} from './writer-batch.ts';

const decoder = new TextDecoder('utf-8');
const SQLITE_BUSY = 5;
/** The frames table's `extra` of most text frames. */
const TEXTUAL = JSON.stringify({ textual: true });
/** Rows of each table indexed per transaction at most. */
const INDEX_CHUNK = 1024;
/** Batches written in one transaction at most, when several wait. */
const MAX_BATCHES_PER_COMMIT = 64;
/**
 * The writer's page cache. A transaction whose dirty pages do not fit in it spills pages to the WAL and
 * writes them again at COMMIT; with many connections recording at once (each appends at its own place
 * in the tables) SQLite's default 2 MB made a 50-connection store write 21 KB to disk per 1 KiB frame
 * instead of 2.6 KB, and its writer thread spend 1.5 times the CPU.
 */
const CACHE_KIB = 32 * 1024;
/** How long indexing between commands goes on before looking for commands again. */
const INDEX_SLICE_MS = 10;

/** Per connection: rows written (frames, messages), or indexed for search. */
interface RowMarks {
  frames: number;
  messages: number;
}

class SessionWriter {
  private readonly db: DatabaseSync;
  private readonly stmt: Record<'insertFrame' | 'insertMessage' | 'linkMessage' | 'index' | 'saveConnection' | 'framesToIndex' | 'messagesToIndex' | 'indexed', StatementSync>;
  /** Rows written, and rows indexed, per connection (those with rows). */
  private readonly written = new Map<number, RowMarks>();
  private readonly indexed = new Map<number, RowMarks>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // The store created the schema before starting this thread; this connection only appends. It waits
    // long for the write lock (another program may hold it): a batch given up on would be lost.
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 60000; PRAGMA cache_size = -${CACHE_KIB};`);
    this.stmt = {
      insertFrame: this.db.prepare(`INSERT INTO frames (id, kind, dir, time, opcode, fin, rsv, size, preview, message, compressed, error_code, flags, rule,
        searchable, header_length, non_minimal, wire_is_header, extra, mask, original, wire, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      insertMessage: this.db.prepare(`INSERT INTO messages (id, frame_row, dir, time, opcode, size, preview, first, last, compressed, flags, rule, extra, data)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      linkMessage: this.db.prepare('UPDATE frames SET message = ? WHERE id = ?'),
      index: this.db.prepare('INSERT INTO search (rowid, text) VALUES (?, ?)'),
      saveConnection: this.db.prepare('INSERT OR REPLACE INTO connections (id, summary) VALUES (?, ?)'),
      framesToIndex: this.db.prepare('SELECT id, kind, opcode, searchable, extra, payload FROM frames WHERE id >= ? AND id < ? ORDER BY id'),
      messagesToIndex: this.db.prepare(`SELECT id, data FROM messages WHERE id >= ? AND id < ? AND frame_row IS NULL AND first != last AND opcode = ${Opcode.TEXT}
        AND compressed = 0 AND length(data) BETWEEN 1 AND ${SEARCH_BYTES} ORDER BY id`),
      indexed: this.db.prepare('INSERT OR REPLACE INTO search_progress (connection, frames, messages) VALUES (?, ?, ?)'),
    };
    // Where indexing stands: the marks kept, and the rows each connection has.
    for (const r of this.db.prepare('SELECT connection, frames, messages FROM search_progress').all()) {
      this.indexed.set(Number(r.connection), { frames: Number(r.frames), messages: Number(r.messages) });
    }
    const last = (table: string, c: number): number => {
      const r = this.db.prepare(`SELECT max(id) AS id FROM ${table} WHERE id >= ? AND id < ?`).get(c * ROWS_PER_CONNECTION, (c + 1) * ROWS_PER_CONNECTION);
      return r?.id === null || r?.id === undefined ? 0 : Number(r.id) - c * ROWS_PER_CONNECTION + 1;
    };
    for (const r of this.db.prepare('SELECT id FROM connections').all()) {
      const c = Number(r.id);
      this.written.set(c, { frames: last('frames', c), messages: last('messages', c) });
    }
  }

  /**
   * Indexes rows of one connection that is behind, in one transaction: up to INDEX_CHUNK of each table,
   * stopping early once `stop()` says so (checked after every row: a command is waiting). False when no
   * connection was behind.
   */
  indexSome(stop: () => boolean = () => false): boolean {
    for (const [c, w] of this.written) {
      const i = this.indexed.get(c) ?? { frames: 0, messages: 0 };
      if (i.frames >= w.frames && i.messages >= w.messages) continue;
      const base = c * ROWS_PER_CONNECTION;
      let frames = i.frames;
      let messages = i.messages;
      this.db.exec('BEGIN');
      try {
        const frameEnd = Math.min(w.frames, i.frames + INDEX_CHUNK);
        let stopped = false;
        for (const r of this.stmt.framesToIndex.iterate(base + i.frames, base + frameEnd)) {
          const text = searchText(r);
          if (text !== '') this.stmt.index.run(Number(r.id), text);
          frames = Number(r.id) - base + 1;
          if (stop()) {
            stopped = true;
            break;
          }
        }
        if (!stopped) {
          frames = frameEnd;
          const messageEnd = Math.min(w.messages, i.messages + INDEX_CHUNK);
          for (const r of this.stmt.messagesToIndex.iterate(base + i.messages, base + messageEnd)) {
            this.stmt.index.run(messageSearchRowid(Number(r.id)), decoder.decode(r.data as Uint8Array));
            messages = Number(r.id) - base + 1;
            if (stop()) {
              stopped = true;
              break;
            }
          }
          if (!stopped) messages = messageEnd;
        }
        this.stmt.indexed.run(c, frames, messages);
        this.db.exec('COMMIT');
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
      this.indexed.set(c, { frames, messages });
      return true;
    }
    return false;
  }

  /** A connection about to be deleted: none of its rows are indexed from now on (its marks go with its rows). */
  forget(connectionId: number): void {
    this.written.delete(connectionId);
    this.indexed.delete(connectionId);
  }

  /** Writes batches, in order, in one transaction. */
  write(batches: readonly WriterBatch[]): void {
    this.db.exec('BEGIN');
    try {
      for (const batch of batches) this.writeBatch(batch);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  private writeBatch(batch: WriterBatch): void {
    for (const f of decodeFrames(batch)) this.writeFrame(f);
    for (const m of decodeMessages(batch)) this.writeMessage(m);
    const links = batch.links;
    for (let i = 0; i < links.length; i += 2) this.stmt.linkMessage.run(links[i + 1]!, links[i]!);
    for (const [id, summary] of batch.connections) this.stmt.saveConnection.run(id, summary);
  }

  /** Rows up to `id` of its connection are written. */
  private wrote(id: number, table: keyof RowMarks): void {
    const c = Math.floor(id / ROWS_PER_CONNECTION);
    const row = id - c * ROWS_PER_CONNECTION + 1;
    let w = this.written.get(c);
    if (w === undefined) this.written.set(c, (w = { frames: 0, messages: 0 }));
    if (row > w[table]) w[table] = row;
  }

  private writeFrame(f: FrameInsert): void {
    const rec = f.rec;
    if (rec.kind === 'note') {
      this.stmt.insertFrame.run(f.id, KIND.note, null, rec.time, -1, 1, 0, 0, rec.text, f.message, 0, null, 0, null, 0, 0, 0, 0,
        JSON.stringify({ event: rec.event, text: rec.text }), null, null, null, null);
      this.wrote(f.id, 'frames');
      return;
    }
    // Most frames' wire bytes are their header and the payload (masked or not): only the header is stored.
    const headerOnly = f.wireIsHeader === true || wireIsHeaderAndPayload(rec);
    const searchable = rec.kind === 'frame' && rec.textual && rec.payload.length <= SEARCH_BYTES && !(rec.compressed && !rec.fin);
    // Most frames have nothing but the textual flag to keep here: no object for them (this runs per frame).
    let extra: string | null = rec.textual ? TEXTUAL : null;
    if (rec.error || (rec.rules && rec.rules.length > 0) || rec.heldMs != null || rec.fullLength != null) {
      const fields: Record<string, unknown> = {};
      if (rec.error) fields.error = rec.error;
      if (rec.rules && rec.rules.length > 0) fields.rules = rec.rules;
      if (rec.heldMs != null) fields.heldMs = rec.heldMs;
      if (rec.fullLength != null) fields.fullLength = rec.fullLength;
      if (rec.textual) fields.textual = true;
      extra = JSON.stringify(fields);
    }
    this.stmt.insertFrame.run(
      f.id, rec.kind === 'error' ? KIND.error : KIND.frame, DIR[rec.dir], rec.time, rec.opcode, rec.fin ? 1 : 0, rec.rsv, rec.payloadLength,
      // A line that is the payload's head is not stored twice: '' stands for it (session format 5).
      storedFramePreview(rec), f.message, rec.compressed ? 1 : 0, rec.error?.code ?? null, rec.flags ?? 0, rec.rules?.[0] ?? null, searchable ? 1 : 0,
      rec.headerLength, rec.nonMinimalLength ? 1 : 0, headerOnly ? 1 : 0, extra,
      rec.maskKey, rec.original ?? null, headerOnly ? rec.wire.subarray(0, rec.headerLength) : rec.wire, rec.payload,
    );
    this.wrote(f.id, 'frames');
  }

  private writeMessage(m: MessageInsert): void {
    const rec = m.rec;
    this.wrote(m.id, 'messages');
    if (rec === null) {
      this.stmt.insertMessage.run(m.id, m.frameRow, null, null, null, null, null, m.first, m.last, null, null, null, null, null);
      return;
    }
    const rules = rec.rules && rec.rules.length > 0 ? rec.rules : undefined;
    const extra = rules === undefined && rec.fullLength == null ? null : JSON.stringify({ rules, fullLength: rec.fullLength ?? undefined });
    // A message that is its one frame's payload has that frame's preview too (read from it, session format 4).
    const shown = m.dataInFrame ? null : preview(rec.data, rec.opcode === Opcode.TEXT);
    this.stmt.insertMessage.run(
      m.id, null, DIR[rec.dir], rec.time, rec.opcode, rec.fullLength ?? rec.data.length, shown, m.first, m.last,
      rec.compressed ? 1 : 0, rec.flags ?? 0, rec.rules?.[0] ?? null, extra,
      m.dataInFrame ? null : rec.data,
    );
  }
}

/** The wire bytes are the header followed by the payload, masked with the frame's key when it has one. */
function wireIsHeaderAndPayload(rec: FrameRecord): boolean {
  const h = rec.headerLength;
  const n = rec.payload.length;
  if (rec.kind !== 'frame' || rec.fullLength != null || rec.wire.length !== h + n || n !== rec.payloadLength) return false;
  const wire = rec.wire;
  const payload = rec.payload;
  const key = rec.maskKey;
  const onWire = Buffer.from(wire.buffer, wire.byteOffset + h, n);
  if (key === null) return onWire.equals(Buffer.from(payload.buffer, payload.byteOffset, n));
  // Masked: the payload masked again, a word at a time, then compared as memory.
  const masked = Buffer.allocUnsafe(n);
  copyMasked(payload, 0, masked, 0, n, key);
  return onWire.equals(masked);
}

/**
 * A frames row's words for the search index: a note's text, an error's reason, a text payload (up to
 * SEARCH_BYTES; marked `searchable` when written), a close frame's reason, a ping's or pong's text.
 * (A text message of several frames is indexed whole too, from the messages table, so words cut
 * between fragments are found; a compressed one is whole on its FIN frame.)
 */
function searchText(r: Record<string, unknown>): string {
  const kind = Number(r.kind);
  if (kind === KIND.note || kind === KIND.error) {
    const extra = JSON.parse(String(r.extra)) as { text?: string; error?: { reason: string } };
    return (kind === KIND.note ? extra.text : extra.error?.reason) ?? '';
  }
  const payload = r.payload instanceof Uint8Array ? r.payload : new Uint8Array(0);
  if (Number(r.searchable) === 1) return payload.length > 0 ? decoder.decode(payload) : '';
  const opcode = Number(r.opcode);
  if (opcode === Opcode.CLOSE) return closeOf(payload).reason;
  return (opcode === Opcode.PING || opcode === Opcode.PONG) && isUtf8(payload) ? decoder.decode(payload) : '';
}

function run(port: NonNullable<typeof parentPort>, data: WriterData): void {
  const shared = new Int32Array(data.shared);
  const done = (seq: number, error: string | null): void => {
    Atomics.store(shared, WRITTEN, seq);
    Atomics.notify(shared, WRITTEN);
    port.postMessage({ seq, error, fatal: false } satisfies WriterAck);
  };
  let writer: SessionWriter;
  try {
    writer = new SessionWriter(data.path);
  } catch (err) {
    Atomics.store(shared, STATE, FAILED);
    Atomics.notify(shared, WRITTEN);
    port.postMessage({ seq: -1, error: `Cannot write the session file ${data.path}: ${(err as Error).message}`, fatal: true } satisfies WriterAck);
    port.close();
    return;
  }
  // Between commands, the search index catches up a chunk at a time, yielding as soon as a command waits.
  let indexing = false;
  // Indexing that failed for another reason than the lock is not tried again between commands (it would
  // say so after every batch), only when a search asks for it.
  let indexFailed = false;
  const indexWhileIdle = (): void => {
    indexing = false;
    if (Atomics.load(shared, STATE) !== RUNNING || Atomics.load(shared, POSTED) > Atomics.load(shared, WRITTEN)) return;
    try {
      // A chunk at a time, given up as soon as a command is waiting or it has taken a few ms.
      const until = performance.now() + INDEX_SLICE_MS;
      if (writer.indexSome(() => Atomics.load(shared, POSTED) > Atomics.load(shared, WRITTEN) || performance.now() > until)) schedule();
    } catch (err) {
      // Busy (another program holds the lock): tried again after the next command.
      if ((err as { errcode?: number }).errcode === SQLITE_BUSY) return;
      indexFailed = true;
      port.postMessage({ seq: Atomics.load(shared, WRITTEN), error: `Could not index the session file ${data.path} for search: ${(err as Error).message}`, fatal: false } satisfies WriterAck);
    }
  };
  const schedule = (): void => {
    if (indexing || indexFailed || data.indexOnlyWhenTold === true) return;
    indexing = true;
    setImmediate(indexWhileIdle);
  };
  schedule();

  /** Runs `step` until it succeeds, waiting out another program's write lock (saying so once); the error of any other failure. */
  const patiently = (step: () => void): string | null => {
    for (let said = false; ;) {
      try {
        step();
        return null;
      } catch (err) {
        if ((err as { errcode?: number }).errcode !== SQLITE_BUSY) return (err as Error).message;
        if (!said) port.postMessage({ seq: Atomics.load(shared, WRITTEN), error: `Waiting for another program to let go of the session file ${data.path}`, fatal: false } satisfies WriterAck);
        said = true;
      }
    }
  };

  const handle = (cmd: WriterCommand): void => {
    if (cmd.type === 'close') {
      writer.close();
      Atomics.store(shared, STATE, CLOSED);
      done(cmd.seq, null);
      port.close();
      return;
    }
    let error: string | null = null;
    let seq = cmd.seq;
    let next: WriterCommand | null = null;
    if (cmd.type === 'forget') {
      writer.forget(cmd.connectionId);
    } else if (cmd.type === 'index') {
      const failed = patiently(() => {
        while (writer.indexSome());
      });
      indexFailed = failed !== null;
      if (failed !== null) error = `Could not index the session file ${data.path} for search: ${failed}`;
    } else {
      // Batches already waiting are written with this one, in one transaction: a writer that fell behind
      // commits less often and catches up faster.
      const batches = [cmd];
      while (batches.length < MAX_BATCHES_PER_COMMIT) {
        const waiting = receiveMessageOnPort(port)?.message as WriterCommand | undefined;
        if (waiting === undefined) break;
        if (waiting.type !== 'batch') {
          next = waiting;
          break;
        }
        batches.push(waiting);
      }
      seq = batches[batches.length - 1]!.seq;
      // Another program holding the write lock is waited out, however long (the relay has stopped reading
      // meanwhile). Batches that cannot be written otherwise (the disk is full, the file went away) are
      // reported and the next ones tried.
      const failed = patiently(() => writer.write(batches));
      if (failed !== null) error = `Could not write recorded frames to the session file ${data.path}: ${failed}`;
    }
    done(seq, error);
    if (next !== null) handle(next);
    else schedule();
  };
  port.on('message', handle);
}

if (parentPort !== null && (workerData as WriterData | undefined)?.shared instanceof SharedArrayBuffer) run(parentPort, workerData as WriterData);
