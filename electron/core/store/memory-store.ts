// The timeline store in memory, until the disk store lands: rows are appended, never changed, and
// read back as windows (`range`) and single rows (`detail`). Filtered views are indexed
// incrementally, so following the tail of a filtered 100k-row timeline costs only the new rows.
import { isUtf8 } from 'node:buffer';
import type { RangeRequest, RangeResult, RowDetail, RowDetailRequest, TimelineFilter, TimelineRow, TimelineView } from '../../../shared/api.ts';
import { closeCodeMeaning, Opcode } from '../../../shared/websocket.ts';
import {
  RowOutOfRangeError, UnknownTimelineError,
  type FrameRecord, type MessageRecord, type NoteRecord, type TimelineCounts, type TimelineStore,
} from './records.ts';

type FrameRow = { rec: FrameRecord; message: number } | { rec: NoteRecord; message: -1 };
type MessageRow = { rec: MessageRecord; first: number; last: number } | { frameRow: number };

interface FilteredIndex {
  matches: number[];
  scanned: number;
}

interface Timeline {
  frames: FrameRow[];
  messages: MessageRow[];
  /** Data frame rows per direction not yet closed by a message. */
  pending: { in: number[]; out: number[] };
  filters: Map<string, FilteredIndex>;
}

const PREVIEW_CHARS = 200;
/** Text filters look at whole payloads up to this size, and at the preview beyond it. */
const SEARCH_BYTES = 1024 * 1024;
/** Larger payloads are cut when sent to the UI (the store keeps them whole). */
const DETAIL_CAP = 8 * 1024 * 1024;
/** Filtered indexes kept per timeline (the UI uses one or two at a time). */
const FILTER_CACHE = 8;

const decoder = new TextDecoder('utf-8');

export class MemoryStore implements TimelineStore {
  private readonly timelines = new Map<number, Timeline>();

  createTimeline(connectionId: number): void {
    this.timelines.set(connectionId, { frames: [], messages: [], pending: { in: [], out: [] }, filters: new Map() });
  }

  deleteTimeline(connectionId: number): void {
    this.timelines.delete(connectionId);
  }

  appendFrame(connectionId: number, rec: FrameRecord, partOfMessage: boolean): number {
    const t = this.timeline(connectionId);
    const row = t.frames.length;
    t.frames.push({ rec, message: -1 });
    if (partOfMessage) t.pending[rec.dir].push(row);
    else t.messages.push({ frameRow: row });
    return row;
  }

  appendMessage(connectionId: number, rec: MessageRecord): number {
    const t = this.timeline(connectionId);
    const index = t.messages.length;
    const rows = t.pending[rec.dir];
    t.pending[rec.dir] = [];
    for (const r of rows) t.frames[r]!.message = index;
    const last = rows.length > 0 ? rows[rows.length - 1]! : t.frames.length - 1;
    t.messages.push({ rec, first: rows[0] ?? last, last });
    return index;
  }

  appendNote(connectionId: number, rec: NoteRecord): void {
    const t = this.timeline(connectionId);
    t.messages.push({ frameRow: t.frames.length });
    t.frames.push({ rec, message: -1 });
  }

  abandonMessages(connectionId: number): void {
    const t = this.timeline(connectionId);
    for (const dir of ['in', 'out'] as const) {
      for (const row of t.pending[dir]) t.messages.push({ frameRow: row });
      t.pending[dir] = [];
    }
  }

  counts(connectionId: number): TimelineCounts {
    const t = this.timeline(connectionId);
    return { frameRows: t.frames.length, messageRows: t.messages.length };
  }

  range(req: RangeRequest): RangeResult {
    const t = this.timeline(req.connectionId);
    const size = req.view === 'frames' ? t.frames.length : t.messages.length;
    const rows: TimelineRow[] = [];
    if (!isActive(req.filter)) {
      const end = Math.min(size, req.start + req.count);
      for (let i = req.start; i < end; i++) rows.push(this.rowOf(t, req.view, i));
      return { total: size, rows };
    }
    const index = this.filtered(t, req.view, req.filter!);
    const end = Math.min(index.matches.length, req.start + req.count);
    for (let i = req.start; i < end; i++) rows.push(this.rowOf(t, req.view, index.matches[i]!));
    return { total: index.matches.length, rows };
  }

  detail(req: RowDetailRequest): RowDetail {
    const t = this.timeline(req.connectionId);
    const size = req.view === 'frames' ? t.frames.length : t.messages.length;
    if (req.index >= size) throw new RowOutOfRangeError(`Row ${req.index} does not exist: the ${req.view} view of connection ${req.connectionId} has ${size} rows`);
    const row = this.rowOf(t, req.view, req.index);
    const entry = req.view === 'frames' ? t.frames[req.index]! : t.messages[req.index]!;
    const rec = 'frameRow' in entry ? t.frames[entry.frameRow]!.rec : entry.rec;
    if (rec.kind === 'note') {
      return { row, header: null, payloadBase64: '', text: rec.text, wireBase64: null, close: null, error: null, truncated: false, original: null, rules: [], heldMs: null };
    }
    const payload = rec.kind === 'message' ? rec.data : rec.payload;
    const shown = payload.length > DETAIL_CAP ? payload.subarray(0, DETAIL_CAP) : payload;
    const text = isUtf8(shown) ? decoder.decode(shown) : null;
    if (rec.kind === 'message') {
      return { row, header: null, payloadBase64: base64(shown), text, wireBase64: null, close: null, error: null, truncated: shown !== payload, original: null, rules: [], heldMs: null };
    }
    const wire = rec.wire.length > DETAIL_CAP ? rec.wire.subarray(0, DETAIL_CAP) : rec.wire;
    return {
      row,
      header: {
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
      },
      payloadBase64: base64(shown),
      text,
      wireBase64: base64(wire),
      close: rec.opcode === Opcode.CLOSE && rec.kind === 'frame' ? closeOf(rec.payload) : null,
      error: rec.error,
      truncated: shown !== payload || wire !== rec.wire,
      original: rec.original ? { payloadBase64: base64(rec.original), text: isUtf8(rec.original) ? decoder.decode(rec.original) : null } : null,
      rules: rec.rules ? [...rec.rules] : [],
      heldMs: rec.heldMs ?? null,
    };
  }

  private timeline(connectionId: number): Timeline {
    const t = this.timelines.get(connectionId);
    if (t === undefined) throw new UnknownTimelineError(connectionId);
    return t;
  }

  /** The index of rows matching `filter`, brought up to date with rows appended since last asked. */
  private filtered(t: Timeline, view: TimelineView, filter: TimelineFilter): FilteredIndex {
    const key = `${view}\u0000${JSON.stringify(filter)}`;
    let index = t.filters.get(key);
    if (index === undefined) {
      index = { matches: [], scanned: 0 };
      if (t.filters.size >= FILTER_CACHE) t.filters.delete(t.filters.keys().next().value!);
    } else {
      t.filters.delete(key);
    }
    t.filters.set(key, index);
    const size = view === 'frames' ? t.frames.length : t.messages.length;
    if (index.scanned < size) {
      const match = matcher(filter);
      for (let i = index.scanned; i < size; i++) {
        if (match(this.rowOf(t, view, i), () => this.searchText(t, view, i))) index.matches.push(i);
      }
      index.scanned = size;
    }
    return index;
  }

  private searchText(t: Timeline, view: TimelineView, i: number): string {
    const entry = view === 'frames' ? t.frames[i]! : t.messages[i]!;
    const rec = 'frameRow' in entry ? t.frames[entry.frameRow]!.rec : entry.rec;
    switch (rec.kind) {
      case 'note':
        return rec.text;
      case 'message':
        return rec.opcode === Opcode.TEXT && rec.data.length <= SEARCH_BYTES ? decoder.decode(rec.data) : '';
      default:
        if (rec.error) return rec.error.reason;
        return rec.textual && rec.payload.length <= SEARCH_BYTES && !(rec.compressed && !rec.fin) ? decoder.decode(rec.payload) : '';
    }
  }

  private rowOf(t: Timeline, view: TimelineView, index: number): TimelineRow {
    if (view === 'frames') {
      const row = t.frames[index]!;
      return row.rec.kind === 'note' ? noteRow(index, row.rec) : frameRow(index, row.rec, row.message, -1);
    }
    const entry = t.messages[index]!;
    if ('frameRow' in entry) {
      const row = t.frames[entry.frameRow]!;
      return row.rec.kind === 'note' ? noteRow(index, row.rec) : frameRow(index, row.rec, entry.frameRow, entry.frameRow);
    }
    const rec = entry.rec;
    return {
      index,
      kind: 'message',
      time: rec.time,
      dir: rec.dir,
      opcode: rec.opcode,
      fin: true,
      rsv: 0,
      size: rec.data.length,
      preview: preview(rec.data, rec.opcode === Opcode.TEXT),
      ref: entry.first,
      refEnd: entry.last,
      compressed: rec.compressed,
      errorCode: null,
      flags: rec.flags ?? 0,
      rule: rec.rules?.[0] ?? null,
    };
  }
}

function frameRow(index: number, rec: FrameRecord, ref: number, refEnd: number): TimelineRow {
  let text: string;
  if (rec.error) text = rec.error.reason;
  else if (rec.opcode === Opcode.CLOSE) text = closePreview(rec.payload);
  else if (rec.compressed && !rec.fin) text = `(compressed fragment, ${rec.payload.length} bytes)`;
  else text = preview(rec.payload, rec.textual || rec.opcode === Opcode.PING || rec.opcode === Opcode.PONG);
  return {
    index,
    kind: rec.kind,
    time: rec.time,
    dir: rec.dir,
    opcode: rec.opcode,
    fin: rec.fin,
    rsv: rec.rsv,
    size: rec.payloadLength,
    preview: text,
    ref,
    refEnd,
    compressed: rec.compressed,
    errorCode: rec.error?.code ?? null,
    flags: rec.flags ?? 0,
    rule: rec.rules?.[0] ?? null,
  };
}

function noteRow(index: number, rec: NoteRecord): TimelineRow {
  return { index, kind: 'note', time: rec.time, dir: null, opcode: -1, fin: true, rsv: 0, size: 0, preview: rec.text, ref: -1, refEnd: -1, compressed: false, errorCode: null, flags: 0, rule: null };
}

/** Text when the bytes read as UTF-8 (a cut character at the end is fine), hex otherwise. */
function preview(data: Uint8Array, textual: boolean): string {
  const head = data.subarray(0, PREVIEW_CHARS * 3);
  if (textual) {
    const text = decoder.decode(head);
    if (!text.includes('\uFFFD') || isUtf8(data.length <= SEARCH_BYTES ? data : head)) {
      return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
    }
  }
  const bytes = data.subarray(0, 64);
  let hex = '';
  for (const b of bytes) hex += (hex === '' ? '' : ' ') + b.toString(16).padStart(2, '0');
  return data.length > bytes.length ? `${hex} …` : hex;
}

function closeOf(payload: Uint8Array): { code: number | null; reason: string } {
  if (payload.length < 2) return { code: null, reason: '' };
  return { code: (payload[0]! << 8) | payload[1]!, reason: decoder.decode(payload.subarray(2)) };
}

function closePreview(payload: Uint8Array): string {
  const { code, reason } = closeOf(payload);
  if (code === null) return payload.length === 1 ? 'close (1-byte payload: invalid)' : 'close (no status code)';
  return `${code} ${closeCodeMeaning(code)}${reason === '' ? '' : `: ${reason}`}`;
}

function isActive(filter: TimelineFilter | undefined): boolean {
  if (filter === undefined) return false;
  return (filter.text ?? '') !== '' || filter.direction !== undefined || filter.opcodes !== undefined || filter.errors === false;
}

/** The filter as a predicate over a row; the full text is computed only when the text test needs it. */
function matcher(filter: TimelineFilter): (row: TimelineRow, fullText: () => string) => boolean {
  const text = filter.text ?? '';
  let test: ((s: string) => boolean) | null = null;
  if (text !== '') {
    if (filter.regex) {
      const re = new RegExp(text, filter.caseSensitive ? 'u' : 'iu');
      test = (s) => re.test(s);
    } else if (filter.caseSensitive) {
      test = (s) => s.includes(text);
    } else {
      const lower = text.toLowerCase();
      test = (s) => s.toLowerCase().includes(lower);
    }
  }
  const opcodes = filter.opcodes === undefined ? null : new Set(filter.opcodes);
  return (row, fullText) => {
    if (filter.direction !== undefined && row.dir !== filter.direction) return false;
    const special = row.kind === 'error' || row.kind === 'note';
    if (special && filter.errors === false) return false;
    if (opcodes !== null && !special && !opcodes.has(row.opcode)) return false;
    if (test === null) return true;
    return test(row.preview) || test(fullText());
  };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
