// What the engine records per connection, and the interface of the timeline store (the session
// file, electron/core/store/session-store.ts) that connections record into and the UI reads from.
import type {
  Direction, Environments, Micros, RangeRequest, RangeResult, ReplayRun, RowDetail, RowDetailRequest, SavedMessage,
} from '../../../shared/api.ts';

/** A frame as sent or received, or (kind 'error') a malformed frame with what was wrong with it. */
export interface FrameRecord {
  readonly kind: 'frame' | 'error';
  readonly dir: Direction;
  readonly time: Micros;
  readonly opcode: number;
  readonly fin: boolean;
  /** RSV1..3 as bits 4, 2, 1. */
  readonly rsv: number;
  readonly maskKey: Uint8Array | null;
  readonly payloadLength: number;
  readonly headerLength: number;
  readonly nonMinimalLength: boolean;
  /** Header and payload as on the wire (for an error, as much as had arrived). */
  readonly wire: Uint8Array;
  /** As the application sees it: unmasked; on a compressed message's FIN frame, the inflated message. */
  readonly payload: Uint8Array;
  readonly compressed: boolean;
  /** The frame carries text (a text frame, or a continuation of a text message). */
  readonly textual: boolean;
  readonly error: { readonly code: string; readonly closeCode: number; readonly reason: string } | null;
  /** Proxied frames: FrameFlag bits (shared/api.ts), what the proxy did with it. */
  readonly flags?: number;
  /** Names of the rules that touched it, in order. */
  readonly rules?: readonly string[];
  /** Edited frames: the payload as the sender sent it (decompressed). */
  readonly original?: Uint8Array | null;
  /** Held frames: how long they waited. */
  readonly heldMs?: number | null;
  /**
   * Set by the store on frames whose payload (or wire bytes) exceeded the recording cap: the length
   * that crossed the wire. `payload` and `wire` then hold only the first cap bytes.
   */
  readonly fullLength?: number | null;
  /**
   * `payload` is known to be the wire bytes after the header, unmasked with `maskKey` (a received or sent
   * frame recorded as it is, Frame's contract): the session keeps only the header of `wire` without
   * comparing them. Absent, the session compares them itself.
   */
  readonly payloadIsWire?: boolean;
}

export interface MessageRecord {
  readonly kind: 'message';
  readonly dir: Direction;
  readonly time: Micros;
  readonly opcode: number;
  readonly data: Uint8Array;
  readonly compressed: boolean;
  /** Proxied messages: FrameFlag bits and the rules that touched it, as on its frames. */
  readonly flags?: number;
  readonly rules?: readonly string[];
  /** Set by the store when `data` was cut to the recording cap: the message's whole length. */
  readonly fullLength?: number | null;
}

/** Something that happened to the connection itself: opened, closed, failed, reconnecting. */
export interface NoteRecord {
  readonly kind: 'note';
  readonly time: Micros;
  /** What happened, for programs (the CLI); `text` says it for a person. */
  readonly event: NoteEvent;
  readonly text: string;
}

export type NoteEvent = 'connecting' | 'open' | 'ended' | 'reconnect-scheduled' | 'reconnect-cancelled' | 'gave-up';

export interface TimelineCounts {
  frameRows: number;
  messageRows: number;
}

/** A frames-view row as stored: `message` is the messages-view row of the message it is part of, or -1. */
export interface StoredFrame {
  readonly index: number;
  readonly rec: FrameRecord | NoteRecord;
  readonly message: number;
}

/** A messages-view row as stored: an assembled data message, or a frames-view row standing alone (control frame, error, note). */
export type StoredMessage =
  | { readonly index: number; readonly rec: MessageRecord; readonly first: number; readonly last: number }
  | { readonly index: number; readonly frameRow: number };

export interface TimelineStore {
  createTimeline(connectionId: number): void;
  deleteTimeline(connectionId: number): void;
  /** Returns the frames-view row index. */
  appendFrame(connectionId: number, rec: FrameRecord, partOfMessage: boolean): number;
  /** A data message made of the direction's frames appended since its previous message. */
  appendMessage(connectionId: number, rec: MessageRecord): number;
  appendNote(connectionId: number, rec: NoteRecord): void;
  /** Messages left unfinished (their attempt failed or ended) will never complete: their frames join the messages view each as itself. */
  abandonMessages(connectionId: number): void;
  counts(connectionId: number): TimelineCounts;
  /** A window of rows; a filtered one may stop counting after `budgetMs` (see RangeResult.complete). */
  range(req: RangeRequest, budgetMs?: number): RangeResult;
  detail(req: RowDetailRequest): RowDetail;
  /** The frames view in order, from row `from` (inclusive) to `to` (exclusive), read lazily. */
  frames(connectionId: number, from?: number, to?: number): Iterable<StoredFrame>;
  /** The messages view in order, read lazily. */
  messages(connectionId: number, from?: number, to?: number): Iterable<StoredMessage>;
  /**
   * Writes rows with the indexes they carry (HAR import): frames 0..n-1 and messages 0..m-1 of an
   * empty timeline, each list in index order.
   */
  importRows(connectionId: number, frames: Iterable<StoredFrame>, messages: Iterable<StoredMessage>): void;
}

/** The store live connections record into: a timeline store that can tell them to stop reading while the disk catches up. */
export interface RecordingStore extends TimelineStore {
  /** True while the disk is far behind what was recorded: a relay should stop reading until `whenCaughtUp` calls back. */
  readonly behind: boolean;
  /** Calls `resume` once (when the store has caught up, or is closed). */
  whenCaughtUp(resume: () => void): void;
}

/** What a session keeps besides timelines: saved messages, environments and replay runs. */
export interface LibraryStore {
  savedMessages(): SavedMessage[];
  /** Adds the message (without `id`: the store numbers it) or replaces the one with its id; returns it as stored. */
  putSavedMessage(m: Omit<SavedMessage, 'id'> & { id?: number }): SavedMessage;
  /** False when there was no such message. */
  deleteSavedMessage(id: number): boolean;
  environments(): Environments;
  putEnvironments(e: Environments): void;
  replayRuns(): ReplayRun[];
  /** Adds or replaces the run with its id. */
  putReplayRun(run: ReplayRun): void;
  /** An id no run of this session has. */
  nextReplayRunId(): number;
}

/** Something asked for by id (a saved message, a replay run, a session) does not exist. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class UnknownTimelineError extends Error {
  constructor(connectionId: number) {
    super(`There is no connection ${connectionId} — it may have been deleted`);
    this.name = 'UnknownTimelineError';
  }
}

export class RowOutOfRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowOutOfRangeError';
  }
}
