// One client WebSocket attempt: dials, runs the opening handshake, then a protocol Connection on the
// socket, reporting every frame in both directions (its own automatic pongs and closes included),
// keepalive pings, and one `ended` event however it ends.
import type { Socket } from 'node:net';
import type { CloseInfo, ConnectOptions, DialError, Direction, HttpExchange, Micros, SendRequest } from '../../../shared/api.ts';
import {
  Connection, FrameTap, headerTokens, headerValue, parseHead,
  type ConnectionEvent, type DeflateOptions, type Frame, type HttpHead, type ProtocolError, type SendEvent,
} from '../protocol/index.ts';
import { dial, DialFailure, parseTarget, type DialPhase, type Target } from './dial.ts';
import { planSend } from './outgoing.ts';

export type ClientEvent =
  | { type: 'request'; exchange: HttpExchange; time: Micros }
  | { type: 'open'; protocol: string | null; extensions: string | null; exchange: HttpExchange; time: Micros }
  /** `raw`: written in raw mode, so not part of any message. */
  | { type: 'frame'; dir: Direction; frame: Frame; raw: boolean; time: Micros }
  | { type: 'message'; dir: Direction; opcode: number; data: Uint8Array; compressed: boolean; time: Micros }
  | { type: 'protocol-error'; error: ProtocolError; time: Micros }
  | { type: 'closing'; time: Micros }
  | { type: 'ended'; close: CloseInfo | null; error: DialError | null; exchange: HttpExchange | null; time: Micros };

export interface ClientConnectionOptions {
  options: ConnectOptions;
  now: () => Micros;
  onEvent: (ev: ClientEvent) => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long to wait for the server to close TCP after the closing handshake, or for its close reply. */
const CLOSE_TIMEOUT_MS = 5_000;
const BODY_CAP = 64 * 1024;

export class NotOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotOpenError';
  }
}

export type AttemptState = 'connecting' | 'open' | 'closing' | 'ended';

export class ClientConnection {
  private readonly opts: ConnectOptions;
  private readonly now: () => Micros;
  private readonly emit: (ev: ClientEvent) => void;
  private readonly target: Target | null;
  private readonly abort = new AbortController();
  private conn: Connection | null = null;
  private socket: Socket | null = null;
  private readonly tapOut = new FrameTap();
  private phase: DialPhase = 'DNS lookup';
  private stateValue: AttemptState = 'connecting';
  private exchange: HttpExchange | null = null;
  private rejection: { status: number; head: HttpHead; body: Uint8Array[]; size: number; expected: number | null; chunked: boolean } | null = null;
  private closeInfo: CloseInfo | null = null;
  private socketError: Error | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private keepaliveCount = 0;
  private failure: DialError | null = null;
  /** The connection reached CLOSED and the transport is being shut. */
  private windingDown = false;

  constructor(init: ClientConnectionOptions) {
    this.opts = init.options;
    this.now = init.now;
    this.emit = init.onEvent;
    let target: Target | null = null;
    try {
      target = parseTarget(this.opts.url);
    } catch (err) {
      this.failure = (err as DialFailure).info;
    }
    this.target = target;
  }

  get state(): AttemptState {
    return this.stateValue;
  }

  /** Starts the attempt; every outcome arrives as events, ending with `ended`. */
  start(): void {
    if (this.target === null) {
      queueMicrotask(() => this.end());
      return;
    }
    const timeoutMs = this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.connectTimer = setTimeout(() => {
      this.fail(new DialFailure('TIMEOUT', `No answer within ${timeoutMs} ms during the ${this.phase} — check the address, or raise the connect timeout`, this.phase));
    }, timeoutMs);
    const target = this.target;
    dial(target, { signal: this.abort.signal, ...(this.opts.tls ? { tls: this.opts.tls } : {}), onPhase: (p) => { this.phase = p; } })
      .then((socket) => this.connected(socket, target))
      // Also catches a throw in `connected`, which must end the attempt, not become an unhandled rejection.
      .catch((err: unknown) => {
        if (err instanceof DialFailure) this.fail(err);
        else if (!this.abort.signal.aborted) this.fail(new DialFailure('SOCKET_ERROR', `Could not connect: ${String(err)}`));
      });
  }

  /**
   * Sends what the person asked for. Throws SendRequestError for input that cannot be sent and
   * LocalProtocolError when the connection's state forbids it. Returns the bytes written.
   */
  send(req: SendRequest): number {
    const conn = this.conn;
    if (conn === null || this.stateValue === 'connecting' || this.stateValue === 'ended') {
      throw new NotOpenError(this.stateValue === 'ended' ? 'the connection is closed — reconnect to send again' : 'the connection is not open yet — wait for it to open');
    }
    if (this.socket === null || !this.socket.writable) throw new NotOpenError('the connection\'s socket is already shut for writing — the connection is ending');
    const plan = planSend(req);
    const chunks: Uint8Array[] = [];
    // Encode everything first: an error in the second fragment must not leave the first one sent.
    for (const ev of plan.events) chunks.push(conn.send(ev));
    let bytes = 0;
    for (const chunk of chunks) {
      this.write(chunk, plan.raw, plan.message);
      bytes += chunk.length;
    }
    if (plan.events.some((ev: SendEvent) => ev.type === 'close')) this.startClosing();
    this.pump(conn.pollEvents());
    return bytes;
  }

  /** Starts the closing handshake (or abandons a dial in progress). */
  close(code?: number, reason?: string): void {
    if (this.stateValue === 'ended') return;
    if (this.stateValue === 'connecting' || this.conn === null) {
      this.closeInfo = { code: null, reason: 'closed before it opened', by: 'local', clean: false };
      this.abort.abort(new Error('closed by the user'));
      this.socket?.destroy();
      this.end();
      return;
    }
    const conn = this.conn;
    if (conn.state === 'OPEN' || conn.state === 'REMOTE_CLOSING') {
      this.send({ kind: 'close', ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) });
    } else if (conn.state === 'LOCAL_CLOSING' || this.windingDown) {
      // Our close frame is out already: stop waiting for the reply, or for the server to end TCP.
      this.socket?.destroy();
    }
    // Otherwise the connection closed within the bytes being handled right now (a listener is
    // closing from inside an event): its last output, such as a failing close frame, is yet to be written.
  }

  /** Ends the attempt at once without a closing handshake. */
  destroy(): void {
    if (this.stateValue === 'ended') return;
    this.abort.abort(new Error('destroyed'));
    this.socket?.destroy();
    this.end();
  }

  // ---------------------------------------------------------------- handshake

  private connected(socket: Socket, target: Target): void {
    if (this.stateValue === 'ended') {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.phase = 'WebSocket handshake';
    socket.setNoDelay(true);
    const conn = new Connection({ role: 'client' });
    this.conn = conn;
    const request = conn.initiate({
      host: target.hostHeader,
      path: target.path,
      subprotocols: this.opts.subprotocols ?? [],
      deflate: deflateOffers(this.opts),
      ...(this.opts.origin ? { origin: this.opts.origin } : {}),
      headers: this.opts.headers ?? [],
    });
    const head = parseHead(request, 'request');
    this.exchange = { requestLine: head.startLine.join(' '), requestHeaders: head.headers.map(([n, v]) => [n, v]) };
    this.emit({ type: 'request', exchange: this.exchange, time: this.now() });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.receive(null));
    socket.on('error', (err) => { this.socketError ??= err; });
    socket.on('close', () => this.socketClosed());
    socket.write(request);
  }

  private receive(chunk: Uint8Array | null): void {
    const conn = this.conn;
    if (conn === null || this.stateValue === 'ended') return;
    if (chunk === null && conn.state === 'CLOSED') {
      this.finishFailed();
      return;
    }
    this.pump(conn.receive(chunk));
  }

  /**
   * Handles the connection's events in order, writing its own output right after each batch. The
   * transport is wound down only after that: the last output may be a close reply, or the close
   * frame that fails the connection, and must reach the peer before our end of TCP is shut.
   */
  private pump(events: ConnectionEvent[]): void {
    const conn = this.conn!;
    let batch = events;
    while (batch.length > 0) {
      for (const ev of batch) this.handle(ev);
      for (const bytes of conn.dataToSend()) this.write(bytes, false, null);
      batch = conn.pollEvents();
    }
    if (conn.state === 'CLOSED' && !this.windingDown) {
      this.windingDown = true;
      if (this.rejection === null && this.failure === null) this.afterClosingHandshake();
      else this.finishFailed();
    }
  }

  private handle(ev: ConnectionEvent): void {
    const time = this.now();
    switch (ev.type) {
      case 'frame':
        this.emit({ type: 'frame', dir: 'in', frame: ev, raw: false, time });
        return;
      case 'message':
        this.emit({ type: 'message', dir: 'in', opcode: ev.opcode, data: ev.data, compressed: ev.compressed, time });
        return;
      case 'pong':
        this.awaitingPong = false;
        return;
      case 'ping':
      case 'close':
        return;
      case 'error':
        this.emit({ type: 'protocol-error', error: ev, time });
        return;
      case 'accepted':
        this.clearConnectTimer();
        this.exchange = { ...this.exchange!, ...responseOf(ev.head) };
        this.stateValue = 'open';
        this.emit({ type: 'open', protocol: ev.protocol, extensions: ev.extensions, exchange: this.exchange, time });
        this.startKeepalive();
        return;
      case 'rejected': {
        this.clearConnectTimer();
        const lengthHeader = headerValue(ev.head.headers, 'content-length');
        const chunked = headerTokens(ev.head.headers, 'transfer-encoding').includes('chunked');
        // RFC 9112 §6.3: chunked wins over a length; 1xx, 204 and 304 have no body; otherwise read to the close.
        const noBody = ev.status < 200 || ev.status === 204 || ev.status === 304;
        const expected = noBody ? 0 : chunked ? null : lengthHeader !== undefined && /^\d+$/.test(lengthHeader.trim()) ? Number(lengthHeader) : null;
        this.exchange = { ...this.exchange!, ...responseOf(ev.head) };
        this.rejection = { status: ev.status, head: ev.head, body: [], size: 0, expected, chunked };
        this.finishRejectionIfComplete();
        return;
      }
      case 'body': {
        const r = this.rejection;
        if (r === null) return;
        const room = BODY_CAP - r.size;
        if (room > 0) r.body.push(ev.data.subarray(0, room));
        r.size += ev.data.length;
        this.finishRejectionIfComplete();
        return;
      }
      case 'handshake-failed':
        this.clearConnectTimer();
        if (ev.head) this.exchange = { ...this.exchange!, ...responseOf(ev.head) };
        this.failure = new DialFailure('HANDSHAKE_FAILED', `The server's handshake response is not valid: ${ev.message} (${ev.code}) — the server is not speaking RFC 6455 correctly`, ev.code).info;
        return;
      case 'closed':
        // A refused or broken handshake, or a keepalive timeout, already says how it ended.
        if (this.rejection === null && this.failure === null) this.closeInfo = { code: ev.code, reason: ev.reason, by: ev.by, clean: ev.clean };
        this.stopKeepalive();
        return;
      case 'request':
        return;
      default: {
        const never: never = ev;
        throw new Error(`unhandled connection event ${JSON.stringify(never)}`);
      }
    }
  }

  private finishRejectionIfComplete(): void {
    const r = this.rejection;
    if (r === null) return;
    const complete = r.size >= BODY_CAP
      || (r.expected !== null && r.size >= r.expected)
      || (r.chunked && decodeChunked(Buffer.concat(r.body)).complete);
    if (complete) this.finishFailed();
  }

  /** The attempt ended in failure (a rejection whose body is complete, or a failed handshake): report it and end. */
  private finishFailed(): void {
    const r = this.rejection;
    if (r !== null && this.failure === null) {
      const raw = Buffer.concat(r.body);
      const body = (r.chunked ? decodeChunked(raw).body : raw).toString('utf8');
      const location = headerValue(r.head.headers, 'location');
      const statusLine = `${r.status} ${r.head.startLine[2]}`.trim();
      this.exchange = { ...this.exchange!, body, ...(location === undefined ? {} : { location }) };
      this.failure = r.status >= 300 && r.status < 400
        ? new DialFailure('HANDSHAKE_REDIRECT', `The server answered ${statusLine}, redirecting to ${location ?? '(no Location header)'} — open that URL instead`, String(r.status)).info
        : new DialFailure('HANDSHAKE_REJECTED', `The server refused the WebSocket upgrade with ${statusLine} — see its response; check the URL, the Origin and any auth headers`, String(r.status)).info;
    }
    this.socket?.destroy();
    this.end();
  }

  // ---------------------------------------------------------------- open

  private write(bytes: Uint8Array, raw: boolean, message: { opcode: number; data: Uint8Array } | null): void {
    const socket = this.socket;
    if (socket === null || !socket.writable) return;
    socket.write(bytes);
    const time = this.now();
    const frames = this.tapOut.push(bytes);
    // A compressed message's frames are marked as such; its FIN frame carries the message as sent.
    const compressed = message !== null && frames[0]?.rsv1 === true;
    for (let i = 0; i < frames.length; i++) {
      const frame = compressed ? { ...frames[i]!, compressed: true, inflated: i === frames.length - 1 ? message.data : null } : frames[i]!;
      this.emit({ type: 'frame', dir: 'out', frame, raw, time });
    }
    if (message !== null) this.emit({ type: 'message', dir: 'out', opcode: message.opcode, data: message.data, compressed, time });
  }

  private startClosing(): void {
    if (this.stateValue !== 'open') return;
    this.stateValue = 'closing';
    this.stopKeepalive();
    this.emit({ type: 'closing', time: this.now() });
    this.closeTimer ??= setTimeout(() => this.socket?.destroy(), CLOSE_TIMEOUT_MS);
  }

  /** RFC 6455 §7.1.1: the server closes TCP first; the client ends its half and waits a while. */
  private afterClosingHandshake(): void {
    this.socket?.end();
    this.closeTimer ??= setTimeout(() => this.socket?.destroy(), CLOSE_TIMEOUT_MS);
  }

  private startKeepalive(): void {
    const interval = this.opts.keepaliveIntervalMs ?? 0;
    if (interval <= 0) return;
    // The verdict waits for setImmediate: after a stalled event loop the timer fires before the
    // poll phase reads a pong that arrived long ago, and that must not count as a missing pong.
    this.keepaliveTimer = setInterval(() => setImmediate(() => {
      if (this.stateValue !== 'open') return;
      if (this.awaitingPong) {
        this.failure = new DialFailure('KEEPALIVE_TIMEOUT', `No pong within ${interval} ms of a keepalive ping — the server or the network stopped answering`).info;
        this.closeInfo = { code: 1006, reason: 'no pong to a keepalive ping', by: 'abnormal', clean: false };
        this.socket?.destroy();
        return;
      }
      this.awaitingPong = true;
      this.send({ kind: 'ping', data: `keepalive ${++this.keepaliveCount}`, format: 'text' });
    }), interval);
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  // ---------------------------------------------------------------- the end

  private fail(err: DialFailure): void {
    if (this.stateValue === 'ended') return;
    this.failure = err.info;
    this.abort.abort(err);
    this.socket?.destroy();
    this.end();
  }

  private socketClosed(): void {
    // Destroyed on purpose: everything was settled then, and no timer may start after the end.
    if (this.stateValue === 'ended') return;
    const conn = this.conn;
    if (conn !== null && conn.state !== 'CLOSED') this.pump(conn.receive(null));
    if (this.rejection !== null) {
      this.finishFailed();
      return;
    }
    if (this.socketError !== null && this.failure === null && this.closeInfo?.clean !== true) {
      const code = (this.socketError as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      this.failure = new DialFailure('SOCKET_ERROR', `The connection broke (${code}: ${this.socketError.message})`, code).info;
    }
    this.end();
  }

  private end(): void {
    if (this.stateValue === 'ended') return;
    this.stateValue = 'ended';
    this.clearConnectTimer();
    this.stopKeepalive();
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.emit({ type: 'ended', close: this.closeInfo, error: this.failure, exchange: this.exchange, time: this.now() });
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}

function deflateOffers(opts: ConnectOptions): DeflateOptions[] {
  const d = opts.deflate;
  // Offered unless turned off, as browsers do.
  if (d?.enabled === false) return [];
  const offer: DeflateOptions = {
    ...(d?.clientNoContextTakeover ? { clientNoContextTakeover: true } : {}),
    ...(d?.serverNoContextTakeover ? { serverNoContextTakeover: true } : {}),
    ...(d?.serverMaxWindowBits === undefined ? {} : { serverMaxWindowBits: d.serverMaxWindowBits }),
    clientMaxWindowBits: d?.clientMaxWindowBits ?? true,
  };
  return [offer];
}

function responseOf(head: HttpHead): Pick<HttpExchange, 'status' | 'statusText' | 'responseHeaders'> {
  return { status: Number(head.startLine[1]), statusText: head.startLine[2], responseHeaders: head.headers.map(([n, v]) => [n, v]) };
}

/** RFC 9112 §7.1: the data of a chunked body, as far as it has arrived, and whether the last chunk came. */
export function decodeChunked(raw: Buffer): { body: Buffer; complete: boolean } {
  const pieces: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol === -1) break;
    const size = Number.parseInt(raw.subarray(pos, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) return { body: Buffer.concat(pieces), complete: true };
    const start = eol + 2;
    pieces.push(raw.subarray(start, Math.min(start + size, raw.length)));
    if (start + size + 2 > raw.length) break;
    pos = start + size + 2;
  }
  return { body: Buffer.concat(pieces), complete: false };
}
