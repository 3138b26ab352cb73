// A connection as the UI lists it: one or more client attempts (auto-reconnect with backoff), each
// frame and message recorded in the timeline store, and a summary kept current for the UI.
import type {
  CloseInfo, ConnectionState, ConnectionSummary, ConnectOptions, DialError, Direction, Micros, SendRequest, SendResult,
} from '../../shared/api.ts';
import { closeCodeMeaning } from '../../shared/websocket.ts';
import { ClientConnection, NotOpenError, type ClientEvent } from './client/client-connection.ts';
import { Opcode, type Frame, type ProtocolError } from './protocol/index.ts';
import { errorRecord, FrameRecorder } from './store/frame-records.ts';
import type { FrameRecord, MessageRecord, NoteEvent, NoteRecord } from './store/records.ts';
import { InvalidStateError, type ConnectionHooks, type TrackedConnection } from './tracked-connection.ts';

const DEFAULT_RECONNECT = { initialDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 10 };

/** Backoff before reconnect attempt `failures` (1-based): doubling from the first delay, with ±20% jitter. */
export function reconnectDelay(failures: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class LiveConnection implements TrackedConnection {
  readonly id: number;
  readonly options: ConnectOptions;
  private readonly hooks: ConnectionHooks;
  private attemptConn: ClientConnection | null = null;
  private stateValue: ConnectionState = 'connecting';
  private readonly createdAt: Micros;
  private openedAt: Micros | null = null;
  private endedAt: Micros | null = null;
  private attempt = 0;
  /** Failed attempts in a row; an attempt that opens resets it. */
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectAt: Micros | null = null;
  private userClosed = false;
  private deleted = false;
  private protocol: string | null = null;
  private extensions: string | null = null;
  private handshake: ConnectionSummary['handshake'] = null;
  private closeInfo: CloseInfo | null = null;
  private error: DialError | null = null;
  /** This attempt failed the connection over a frame the server sent (RFC 6455 §7.1.7). */
  private protocolFailed = false;
  private readonly counts = { framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
  /** Set when a replay opened this connection. */
  replayOf: ConnectionSummary['replayOf'] = null;
  private recorders: Record<Direction, FrameRecorder> = { in: new FrameRecorder('in'), out: new FrameRecorder('out') };

  constructor(id: number, options: ConnectOptions, hooks: ConnectionHooks) {
    this.id = id;
    this.options = options;
    this.hooks = hooks;
    this.createdAt = hooks.now();
    hooks.store.createTimeline(id);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** True once nothing more will happen: ended and no reconnect scheduled. */
  get finished(): boolean {
    return this.attemptConn === null && this.reconnectTimer === null;
  }

  summary(): ConnectionSummary {
    const { frameRows, messageRows } = this.hooks.store.counts(this.id);
    return {
      id: this.id,
      origin: 'client',
      proxied: null,
      url: this.options.url,
      label: this.options.label ?? null,
      state: this.stateValue,
      createdAt: this.createdAt,
      openedAt: this.openedAt,
      endedAt: this.endedAt,
      attempt: this.attempt,
      reconnectAt: this.reconnectAt,
      protocol: this.protocol,
      extensions: this.extensions,
      ...this.counts,
      frameRows,
      messageRows,
      handshake: this.handshake,
      close: this.closeInfo,
      error: this.error,
      options: this.options,
      live: true,
      replayOf: this.replayOf,
    };
  }

  /** Starts a new attempt (the first, or a reconnect). */
  connect(): void {
    this.cancelReconnect();
    this.userClosed = false;
    this.attempt++;
    this.stateValue = 'connecting';
    this.openedAt = null;
    this.endedAt = null;
    this.protocol = null;
    this.extensions = null;
    this.handshake = null;
    this.closeInfo = null;
    this.error = null;
    this.protocolFailed = false;
    this.recorders = { in: new FrameRecorder('in'), out: new FrameRecorder('out') };
    this.note('connecting', this.attempt === 1 ? `Connecting to ${this.options.url}` : `Reconnecting to ${this.options.url} (attempt ${this.attempt})`);
    const attempt = new ClientConnection({ options: this.options, now: this.hooks.now, onEvent: (ev) => this.onEvent(attempt, ev) });
    this.attemptConn = attempt;
    attempt.start();
    this.hooks.changed(this);
  }

  /** Closes (or stops connecting, or cancels a scheduled reconnect); no reconnect follows. */
  close(code?: number, reason?: string, abort = false): void {
    this.userClosed = true;
    if (this.reconnectTimer !== null) {
      this.cancelReconnect();
      this.note('reconnect-cancelled', 'Reconnect cancelled');
      this.hooks.changed(this);
    }
    if (abort) this.attemptConn?.destroy();
    else this.attemptConn?.close(code, reason);
  }

  /** A new attempt now, abandoning the current one without a closing handshake. */
  reconnect(): void {
    const current = this.attemptConn;
    this.attemptConn = null;
    current?.destroy();
    this.hooks.store.abandonMessages(this.id);
    // Asked for by a person: a fresh run of attempts, even after auto-reconnect gave up.
    this.failures = 0;
    this.connect();
  }

  detach(reason: string): void {
    if (this.deleted) return;
    this.cancelReconnect();
    const current = this.attemptConn;
    this.attemptConn = null;
    if (current !== null) {
      this.hooks.store.abandonMessages(this.id);
      this.endedAt = this.hooks.now();
      this.stateValue = 'closed';
      this.closeInfo ??= { code: null, reason, by: 'local', clean: false };
      this.note('ended', reason);
    }
    this.deleted = true;
    current?.destroy();
  }

  /** Stops everything; the engine forgets the connection. */
  dispose(): void {
    this.deleted = true;
    this.cancelReconnect();
    const current = this.attemptConn;
    this.attemptConn = null;
    current?.destroy();
    this.hooks.store.deleteTimeline(this.id);
  }

  send(req: SendRequest, toward: 'server' | 'client' = 'server'): SendResult {
    if (toward === 'client') throw new InvalidStateError('A client connection sends only toward its server — "toward the app" is for proxied connections');
    const attempt = this.attemptConn;
    if (attempt === null) throw new NotOpenError(this.stateValue === 'connecting' ? 'the connection is not open yet' : 'the connection is closed — reconnect to send again');
    const before = this.hooks.store.counts(this.id).frameRows;
    const bytes = attempt.send(req);
    const after = this.hooks.store.counts(this.id).frameRows;
    const rows: number[] = [];
    for (let i = before; i < after; i++) rows.push(i);
    return { rows, bytes };
  }

  // ---------------------------------------------------------------- recording

  private onEvent(attempt: ClientConnection, ev: ClientEvent): void {
    // Events of an attempt abandoned by reconnect or delete are not this connection's any more.
    if (attempt !== this.attemptConn || this.deleted) return;
    switch (ev.type) {
      case 'request':
        this.handshake = ev.exchange;
        break;
      case 'open':
        this.stateValue = 'open';
        this.openedAt = ev.time;
        this.failures = 0;
        this.protocol = ev.protocol;
        this.extensions = ev.extensions;
        this.handshake = ev.exchange;
        this.note('open', `Open${ev.protocol ? `, subprotocol ${ev.protocol}` : ''}${ev.extensions ? `, extensions ${ev.extensions}` : ''}`, ev.time);
        break;
      case 'frame':
        this.frame(ev.dir, ev.frame, ev.raw, ev.time);
        break;
      case 'message': {
        const rec: MessageRecord = { kind: 'message', dir: ev.dir, time: ev.time, opcode: ev.opcode, data: ev.data, compressed: ev.compressed };
        this.hooks.store.appendMessage(this.id, rec);
        if (ev.dir === 'in') this.counts.messagesIn++;
        else this.counts.messagesOut++;
        this.hooks.record(this, rec);
        break;
      }
      case 'protocol-error':
        this.protocolError(ev.error, ev.time);
        break;
      case 'closing':
        this.stateValue = 'closing';
        break;
      case 'ended':
        this.ended(ev.close, ev.error, ev.exchange, ev.time);
        break;
      default: {
        const never: never = ev;
        throw new Error(`unhandled client event ${JSON.stringify(never)}`);
      }
    }
    this.hooks.changed(this);
  }

  private frame(dir: Direction, frame: Frame, raw: boolean, time: Micros): void {
    const rec = this.recorders[dir].record(frame, time);
    const inMessage = frame.opcode <= Opcode.BINARY;
    this.hooks.store.appendFrame(this.id, rec, inMessage && !raw);
    if (dir === 'in') {
      this.counts.framesIn++;
      this.counts.bytesIn += frame.wire.length;
    } else {
      this.counts.framesOut++;
      this.counts.bytesOut += frame.wire.length;
    }
    this.hooks.record(this, rec);
  }

  private protocolError(err: ProtocolError, time: Micros): void {
    this.protocolFailed = true;
    // The parser stops here, so a message this frame interrupted never completes.
    this.hooks.store.abandonMessages(this.id);
    const rec = errorRecord(err, 'in', time);
    this.hooks.store.appendFrame(this.id, rec, false);
    this.hooks.record(this, rec);
  }

  private ended(close: CloseInfo | null, error: DialError | null, exchange: ConnectionSummary['handshake'], time: Micros): void {
    this.attemptConn = null;
    this.hooks.store.abandonMessages(this.id);
    this.endedAt = time;
    this.closeInfo = close;
    this.error = error;
    if (exchange !== null) this.handshake = exchange;
    // A completed closing handshake is a normal end whatever the code (applications use 4000-4999);
    // closing by hand makes an unclean end expected, but not a server's protocol violation.
    const failed = error !== null || close === null || (!close.clean && !this.userClosed);
    this.stateValue = this.protocolFailed || failed ? 'error' : 'closed';
    this.note('ended', endNote(close, error), time);
    if (this.openedAt === null) this.failures++;
    const policy = this.options.reconnect;
    if (policy?.enabled && !this.userClosed && !this.deleted) {
      const maxAttempts = policy.maxAttempts ?? DEFAULT_RECONNECT.maxAttempts;
      if (maxAttempts !== 0 && this.failures >= maxAttempts) {
        this.note('gave-up', `Gave up reconnecting after ${this.failures} failed attempts in a row`, time);
        return;
      }
      const delay = reconnectDelay(Math.max(1, this.failures), policy.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs, policy.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs);
      this.reconnectAt = time + delay * 1000;
      this.note('reconnect-scheduled', `Reconnecting in ${delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`}`, time);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, delay);
    }
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.reconnectAt = null;
  }

  private note(event: NoteEvent, text: string, time: Micros = this.hooks.now()): void {
    const rec: NoteRecord = { kind: 'note', time, event, text };
    this.hooks.store.appendNote(this.id, rec);
    this.hooks.record(this, rec);
  }
}

function endNote(close: CloseInfo | null, error: DialError | null): string {
  if (error !== null) return error.message;
  if (close === null) return 'Closed';
  const code = close.code === null ? 'no status code' : `${close.code} ${closeCodeMeaning(close.code)}`;
  const who = close.by === 'local' ? 'by Framescope' : close.by === 'remote' ? 'by the server' : 'without a closing handshake';
  return `Closed ${who}: ${code}${close.reason ? ` — ${close.reason}` : ''}${close.clean ? '' : ' (not clean)'}`;
}

