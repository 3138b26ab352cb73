// What the engine's connection list holds: a client connection opened from Framescope, or an app's
// connection through the proxy. Both record into the timeline store and report through the same hooks.
import type { ConnectionSummary, Micros, SendRequest, SendResult } from '../../shared/api.ts';
import type { FrameRecord, MessageRecord, NoteRecord, RecordingStore } from './store/records.ts';

export type TimelineRecord = FrameRecord | MessageRecord | NoteRecord;

export interface TrackedConnection {
  readonly id: number;
  summary(): ConnectionSummary;
  /** Starts the closing handshake; `abort` drops the connection without one. */
  close(code?: number, reason?: string, abort?: boolean): void;
  reconnect(): void;
  /** `toward` only means something for proxied connections. */
  send(req: SendRequest, toward?: 'server' | 'client'): SendResult;
  /** Stops everything and deletes what was recorded; the engine forgets the connection. */
  dispose(): void;
  /**
   * Drops the connection without a closing handshake and records why (the app is quitting, or another
   * session is opened); what was recorded stays in the session.
   */
  detach(reason: string): void;
}

export interface ConnectionHooks {
  store: RecordingStore;
  now: () => Micros;
  /** The summary or the timeline changed. */
  changed: (conn: TrackedConnection) => void;
  /** Every record as it is stored (the CLI prints them). */
  record: (conn: TrackedConnection, rec: TimelineRecord) => void;
}

/** Asked of a connection that cannot do it in its present state or kind. */
export class InvalidStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}
