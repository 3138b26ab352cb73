// What the engine records per connection, and the store interface the memory store implements now
// and the disk store (node:sqlite) will implement later.
import type { Direction, Micros, RangeRequest, RangeResult, RowDetail, RowDetailRequest } from '../../../shared/api.ts';

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
  range(req: RangeRequest): RangeResult;
  detail(req: RowDetailRequest): RowDetail;
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
