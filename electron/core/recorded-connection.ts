// A connection read back from the session file (recorded before the session was last closed, or
// imported from a HAR file): its timeline can be read, exported, replayed and deleted, not sent on.
import type { ConnectionSummary, SendResult } from '../../shared/api.ts';
import type { TimelineStore } from './store/records.ts';
import { InvalidStateError, type TrackedConnection } from './tracked-connection.ts';

const NOT_LIVE = 'This connection was recorded earlier and is not live — replay it, or open a new connection to its URL';

export class RecordedConnection implements TrackedConnection {
  readonly id: number;
  private readonly saved: ConnectionSummary;
  private readonly store: () => TimelineStore;

  constructor(saved: ConnectionSummary, store: () => TimelineStore) {
    this.id = saved.id;
    this.store = store;
    // A connection still going when the app stopped ended then, without a close we know of.
    const unfinished = saved.state === 'connecting' || saved.state === 'open' || saved.state === 'closing';
    this.saved = unfinished
      ? { ...saved, state: 'closed', endedAt: saved.endedAt ?? saved.openedAt ?? saved.createdAt, reconnectAt: null, close: saved.close ?? { code: null, reason: 'Framescope stopped while it was open', by: 'abnormal', clean: false } }
      : { ...saved, reconnectAt: null };
  }

  summary(): ConnectionSummary {
    const { frameRows, messageRows } = this.store().counts(this.id);
    const proxied = this.saved.proxied === null ? null : { ...this.saved.proxied, held: { client: 0, server: 0 } };
    return { ...this.saved, proxied, frameRows, messageRows, live: false };
  }

  close(): void {
    throw new InvalidStateError(NOT_LIVE);
  }

  reconnect(): void {
    throw new InvalidStateError(NOT_LIVE);
  }

  send(): SendResult {
    throw new InvalidStateError(NOT_LIVE);
  }

  dispose(): void {
    this.store().deleteTimeline(this.id);
  }

  detach(): void {}
}
