// In-memory stand-ins for the session's stores and recorded connections, for the replay unit tests:
// a timeline that keeps frames, messages and notes as appended, a library, and summaries.
import type {
  ConnectionSummary, Direction, Environments, RangeResult, ReplayRun, RowDetail, SavedMessage,
} from '../../../shared/api.ts';
import type {
  FrameRecord, LibraryStore, MessageRecord, NoteEvent, NoteRecord, StoredFrame, StoredMessage, TimelineCounts, TimelineStore,
} from '../../../electron/core/store/records.ts';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface FakeTimelineRows {
  frames: StoredFrame[];
  messages: StoredMessage[];
  pending: Record<Direction, number[]>;
}

/** Rows as the real stores keep them: a message points at the frames it was assembled from. */
export class FakeTimeline implements TimelineStore {
  private readonly rows = new Map<number, FakeTimelineRows>();

  createTimeline(connectionId: number): void {
    this.rows.set(connectionId, { frames: [], messages: [], pending: { in: [], out: [] } });
  }

  deleteTimeline(connectionId: number): void {
    this.rows.delete(connectionId);
  }

  appendFrame(connectionId: number, rec: FrameRecord, partOfMessage: boolean): number {
    const t = this.timeline(connectionId);
    const index = t.frames.length;
    t.frames.push({ index, rec, message: -1 });
    if (partOfMessage) t.pending[rec.dir].push(index);
    else t.messages.push({ index: t.messages.length, frameRow: index });
    return index;
  }

  appendMessage(connectionId: number, rec: MessageRecord): number {
    const t = this.timeline(connectionId);
    const index = t.messages.length;
    const rows = t.pending[rec.dir];
    t.pending[rec.dir] = [];
    const last = rows[rows.length - 1] ?? t.frames.length - 1;
    t.messages.push({ index, rec, first: rows[0] ?? last, last });
    return index;
  }

  appendNote(connectionId: number, rec: NoteRecord): void {
    const t = this.timeline(connectionId);
    t.messages.push({ index: t.messages.length, frameRow: t.frames.length });
    t.frames.push({ index: t.frames.length, rec, message: -1 });
  }

  abandonMessages(): void {}

  counts(connectionId: number): TimelineCounts {
    const t = this.timeline(connectionId);
    return { frameRows: t.frames.length, messageRows: t.messages.length };
  }

  range(): RangeResult {
    throw new Error('range is not used by the replay');
  }

  detail(): RowDetail {
    throw new Error('detail is not used by the replay');
  }

  *frames(connectionId: number, from = 0, to = Infinity): Iterable<StoredFrame> {
    const all = this.timeline(connectionId).frames;
    for (let i = from; i < Math.min(to, all.length); i++) yield all[i]!;
  }

  *messages(connectionId: number, from = 0, to = Infinity): Iterable<StoredMessage> {
    const all = this.timeline(connectionId).messages;
    for (let i = from; i < Math.min(to, all.length); i++) yield all[i]!;
  }

  importRows(): void {
    throw new Error('importRows is not used by the replay');
  }

  private timeline(connectionId: number): FakeTimelineRows {
    const t = this.rows.get(connectionId);
    if (t === undefined) throw new Error(`no timeline ${connectionId}`);
    return t;
  }
}

/** A data frame and the message it makes up, both at `time` (microseconds). */
export function recordMessage(
  store: TimelineStore, connectionId: number, dir: Direction, time: number, data: Uint8Array | string,
  opts: { opcode?: number; flags?: number; compressed?: boolean; fullLength?: number } = {},
): void {
  const payload = typeof data === 'string' ? utf8(data) : data;
  const opcode = opts.opcode ?? (typeof data === 'string' ? 1 : 2);
  const frame: FrameRecord = {
    kind: 'frame', dir, time, opcode, fin: true, rsv: opts.compressed ? 4 : 0, maskKey: null, payloadLength: payload.length, headerLength: 2,
    nonMinimalLength: false, wire: payload, payload, compressed: opts.compressed ?? false, textual: opcode === 1, error: null,
    ...(opts.flags === undefined ? {} : { flags: opts.flags }),
  };
  store.appendFrame(connectionId, frame, true);
  store.appendMessage(connectionId, {
    kind: 'message', dir, time, opcode, data: payload, compressed: opts.compressed ?? false,
    ...(opts.flags === undefined ? {} : { flags: opts.flags }),
    ...(opts.fullLength === undefined ? {} : { fullLength: opts.fullLength }),
  });
}

export function recordNote(store: TimelineStore, connectionId: number, event: NoteEvent, time: number, text: string = event): void {
  store.appendNote(connectionId, { kind: 'note', time, event, text });
}

/** A ping frame: a row of the messages view that is not a data message. */
export function recordPing(store: TimelineStore, connectionId: number, dir: Direction, time: number): void {
  const payload = new Uint8Array(0);
  store.appendFrame(connectionId, {
    kind: 'frame', dir, time, opcode: 9, fin: true, rsv: 0, maskKey: null, payloadLength: 0, headerLength: 2,
    nonMinimalLength: false, wire: payload, payload, compressed: false, textual: false, error: null,
  }, false);
}

export class FakeLibrary implements LibraryStore {
  saved: SavedMessage[] = [];
  env: Environments = { active: null, environments: {} };
  runs: ReplayRun[] = [];
  /** Every run as it was put, in order. */
  readonly puts: ReplayRun[] = [];
  private nextSaved = 1;

  savedMessages(): SavedMessage[] {
    return this.saved.map((m) => ({ ...m }));
  }

  putSavedMessage(m: Omit<SavedMessage, 'id'> & { id?: number }): SavedMessage {
    const stored: SavedMessage = { ...m, id: m.id ?? this.nextSaved++ };
    const i = this.saved.findIndex((s) => s.id === stored.id);
    if (i >= 0) this.saved[i] = stored;
    else this.saved.push(stored);
    return { ...stored };
  }

  deleteSavedMessage(id: number): boolean {
    const before = this.saved.length;
    this.saved = this.saved.filter((m) => m.id !== id);
    return this.saved.length !== before;
  }

  environments(): Environments {
    return structuredClone(this.env);
  }

  putEnvironments(e: Environments): void {
    this.env = structuredClone(e);
  }

  replayRuns(): ReplayRun[] {
    return this.runs.map((r) => ({ ...r }));
  }

  putReplayRun(run: ReplayRun): void {
    this.puts.push({ ...run });
    const i = this.runs.findIndex((r) => r.id === run.id);
    if (i >= 0) this.runs[i] = { ...run };
    else this.runs.push({ ...run });
  }

  nextReplayRunId(): number {
    return Math.max(0, ...this.runs.map((r) => r.id)) + 1;
  }
}

/** A recorded connection's summary; what a test does not give is a closed client connection to ws://127.0.0.1:1/feed. */
export function summary(over: Partial<ConnectionSummary> & { id: number }): ConnectionSummary {
  return {
    origin: 'client',
    proxied: null,
    url: 'ws://127.0.0.1:1/feed',
    label: null,
    state: 'closed',
    createdAt: 1_000_000,
    openedAt: 2_000_000,
    endedAt: 9_000_000,
    attempt: 1,
    reconnectAt: null,
    protocol: null,
    extensions: null,
    framesIn: 0,
    framesOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    frameRows: 0,
    messageRows: 0,
    handshake: null,
    close: null,
    error: null,
    options: { url: over.url ?? 'ws://127.0.0.1:1/feed' },
    live: false,
    replayOf: null,
    ...over,
  };
}
