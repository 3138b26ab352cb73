// The session's writer thread: takes the batches a SessionStore hands it, in order, and writes each in
// one transaction, with its full-text index and the WAL checkpoints, so the thread that relays frames
// never waits on the disk. After each batch it publishes the batch's number in shared memory (for a
// reader that must see it, waiting with Atomics.wait) and answers with a message (for one that can wait).
import { isUtf8 } from 'node:buffer';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { Opcode } from '../../../shared/websocket.ts';
import { closeOf, framePreview, preview, SEARCH_BYTES } from './preview.ts';
import type { FrameRecord } from './records.ts';
import {
  CLOSED, decodeFrames, decodeMessages, DIR, FAILED, KIND, messageSearchRowid, STATE, WRITTEN,
  type FrameInsert, type MessageInsert, type WriterAck, type WriterBatch, type WriterCommand, type WriterData,
} from './writer-batch.ts';

const decoder = new TextDecoder('utf-8');
const SQLITE_BUSY = 5;

class SessionWriter {
  private readonly db: DatabaseSync;
  private readonly stmt: Record<'insertFrame' | 'insertMessage' | 'linkMessage' | 'index' | 'saveConnection', StatementSync>;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    // The store created the schema before starting this thread; this connection only appends. It waits
    // long for the write lock (another program may hold it): a batch given up on would be lost.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 60000;');
    this.stmt = {
      insertFrame: this.db.prepare(`INSERT INTO frames (id, kind, dir, time, opcode, fin, rsv, size, preview, message, compressed, error_code, flags, rule,
        searchable, header_length, non_minimal, wire_is_header, extra, mask, original, wire, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      insertMessage: this.db.prepare(`INSERT INTO messages (id, frame_row, dir, time, opcode, size, preview, first, last, compressed, flags, rule, extra, data)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      linkMessage: this.db.prepare('UPDATE frames SET message = ? WHERE id = ?'),
      index: this.db.prepare('INSERT INTO search (rowid, text) VALUES (?, ?)'),
      saveConnection: this.db.prepare('INSERT OR REPLACE INTO connections (id, summary) VALUES (?, ?)'),
    };
  }

  write(batch: WriterBatch): void {
    this.db.exec('BEGIN');
    try {
      for (const f of decodeFrames(batch)) this.writeFrame(f);
      for (const m of decodeMessages(batch)) this.writeMessage(m);
      const links = batch.links;
      for (let i = 0; i < links.length; i += 2) this.stmt.linkMessage.run(links[i + 1]!, links[i]!);
      for (const [id, summary] of batch.connections) this.stmt.saveConnection.run(id, summary);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  private writeFrame(f: FrameInsert): void {
    const rec = f.rec;
    if (rec.kind === 'note') {
      this.stmt.insertFrame.run(f.id, KIND.note, null, rec.time, -1, 1, 0, 0, rec.text, f.message, 0, null, 0, null, 0, 0, 0, 0,
        JSON.stringify({ event: rec.event, text: rec.text }), null, null, null, null);
      this.stmt.index.run(f.id, rec.text);
      return;
    }
    // Most frames' wire bytes are their header and the payload (masked or not): only the header is stored.
    const headerOnly = wireIsHeaderAndPayload(rec);
    const searchable = rec.kind === 'frame' && rec.textual && rec.payload.length <= SEARCH_BYTES && !(rec.compressed && !rec.fin);
    const extra: Record<string, unknown> = {};
    if (rec.error) extra.error = rec.error;
    if (rec.rules && rec.rules.length > 0) extra.rules = rec.rules;
    if (rec.heldMs !== undefined && rec.heldMs !== null) extra.heldMs = rec.heldMs;
    if (rec.fullLength !== undefined && rec.fullLength !== null) extra.fullLength = rec.fullLength;
    if (rec.textual) extra.textual = true;
    this.stmt.insertFrame.run(
      f.id, rec.kind === 'error' ? KIND.error : KIND.frame, DIR[rec.dir], rec.time, rec.opcode, rec.fin ? 1 : 0, rec.rsv, rec.payloadLength,
      framePreview(rec), f.message, rec.compressed ? 1 : 0, rec.error?.code ?? null, rec.flags ?? 0, rec.rules?.[0] ?? null, searchable ? 1 : 0,
      rec.headerLength, rec.nonMinimalLength ? 1 : 0, headerOnly ? 1 : 0, Object.keys(extra).length === 0 ? null : JSON.stringify(extra),
      rec.maskKey, rec.original ?? null, headerOnly ? rec.wire.subarray(0, rec.headerLength) : rec.wire, rec.payload,
    );
    if (rec.error) this.stmt.index.run(f.id, rec.error.reason);
    else if (searchable && rec.payload.length > 0) this.stmt.index.run(f.id, decoder.decode(rec.payload));
    else {
      const words = controlText(rec);
      if (words !== '') this.stmt.index.run(f.id, words);
    }
  }

  private writeMessage(m: MessageInsert): void {
    const rec = m.rec;
    if (rec === null) {
      this.stmt.insertMessage.run(m.id, m.frameRow, null, null, null, null, null, m.first, m.last, null, null, null, null, null);
      return;
    }
    const extra: Record<string, unknown> = {};
    if (rec.rules && rec.rules.length > 0) extra.rules = rec.rules;
    if (rec.fullLength !== undefined && rec.fullLength !== null) extra.fullLength = rec.fullLength;
    // A text message of several frames is indexed whole too, so words cut between fragments are found.
    // (A compressed one is whole on its FIN frame, indexed there.)
    if (m.first !== m.last && rec.opcode === Opcode.TEXT && !rec.compressed && rec.data.length <= SEARCH_BYTES && rec.data.length > 0) {
      this.stmt.index.run(messageSearchRowid(m.id), decoder.decode(rec.data));
    }
    this.stmt.insertMessage.run(
      m.id, null, DIR[rec.dir], rec.time, rec.opcode, rec.fullLength ?? rec.data.length, preview(rec.data, rec.opcode === Opcode.TEXT), m.first, m.last,
      rec.compressed ? 1 : 0, rec.flags ?? 0, rec.rules?.[0] ?? null, Object.keys(extra).length === 0 ? null : JSON.stringify(extra),
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
  if (key === null) return Buffer.compare(Buffer.from(wire.buffer, wire.byteOffset + h, n), Buffer.from(payload.buffer, payload.byteOffset, n)) === 0;
  for (let i = 0; i < n; i++) if (wire[h + i] !== (payload[i]! ^ key[i & 3]!)) return false;
  return true;
}

/** What a control frame says in words, for the search index: a ping's or pong's text, a close frame's reason. */
function controlText(rec: FrameRecord): string {
  if (rec.kind !== 'frame') return '';
  if (rec.opcode === Opcode.CLOSE) return closeOf(rec.payload).reason;
  return (rec.opcode === Opcode.PING || rec.opcode === Opcode.PONG) && isUtf8(rec.payload) ? decoder.decode(rec.payload) : '';
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
  port.on('message', (cmd: WriterCommand) => {
    if (cmd.type === 'close') {
      writer.close();
      Atomics.store(shared, STATE, CLOSED);
      done(cmd.seq, null);
      port.close();
      return;
    }
    // Another program holding the write lock is waited out, however long (the relay has stopped reading
    // meanwhile). A batch that cannot be written otherwise (the disk is full, the file went away) is
    // reported and the next one tried.
    let error: string | null = null;
    for (let said = false; ;) {
      try {
        writer.write(cmd);
        break;
      } catch (err) {
        if ((err as { errcode?: number }).errcode === SQLITE_BUSY) {
          if (!said) port.postMessage({ seq: Atomics.load(shared, WRITTEN), error: `Waiting for another program to let go of the session file ${data.path}`, fatal: false } satisfies WriterAck);
          said = true;
          continue;
        }
        error = `Could not write ${cmd.frames.length === 0 ? 'a batch' : 'recorded frames'} to the session file ${data.path}: ${(err as Error).message}`;
        break;
      }
    }
    done(cmd.seq, error);
  });
}

if (parentPort !== null && (workerData as WriterData | undefined)?.shared instanceof SharedArrayBuffer) run(parentPort, workerData as WriterData);
