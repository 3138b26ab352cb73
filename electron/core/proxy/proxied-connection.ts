// An app's WebSocket connection through the proxy: the upgrade goes upstream as the app sent it,
// the server's answer comes back unchanged (so both hops share one negotiation), and then two
// direction pipes relay, record and intercept frames until both sides are done.
import type { Socket } from 'node:net';
import type {
  CloseInfo, ConnectionState, ConnectionSummary, DialError, HttpExchange, Micros, ProxyDirection, ProxyMode, SendRequest, SendResult,
} from '../../../shared/api.ts';
import { FrameFlag } from '../../../shared/api.ts';
import { closeCodeMeaning } from '../../../shared/websocket.ts';
import { DialFailure, type Target } from '../client/dial.ts';
import { planSend } from '../client/outgoing.ts';
import { NotOpenError } from '../client/client-connection.ts';
import type { HoldDecision, HeldDescription } from '../intercept/hold-queue.ts';
import type { RuleSet } from '../intercept/rules.ts';
import {
  closePayload, deflateParamsOfAnswer, encodeFrame, FrameTap, headerValue, isValidCloseCode, Opcode, LocalProtocolError,
  type ProtocolError, type SendEvent,
} from '../protocol/index.ts';
import { errorRecord, FrameRecorder } from '../store/frame-records.ts';
import type { FrameRecord, MessageRecord, NoteEvent, NoteRecord } from '../store/records.ts';
import { InvalidStateError, type ConnectionHooks, type TrackedConnection } from '../tracked-connection.ts';
import { DirectionPipe, type PipeHost } from './direction-pipe.ts';
import { openUpstream, type UpgradeRequest, type UpstreamResult } from './upstream.ts';

/** What the proxy service lends each connection. */
export interface ProxyContext {
  intercept(direction: ProxyDirection): { holdData: boolean; holdControl: boolean; rules: RuleSet };
  hold(description: HeldDescription, decide: (d: HoldDecision) => void): void;
  forgetHeld(connectionId: number): void;
  keepaliveIntervalMs(): number;
  /** Proxied connections open now changed. */
  activeChanged(delta: number): void;
}

export interface ProxiedConnectionInit {
  mode: ProxyMode;
  client: Socket;
  clientTls: boolean;
  /** Bytes the app sent after its upgrade request, before any answer. */
  early: Uint8Array;
  request: UpgradeRequest;
  target: Target;
  url: string;
  insecureUpstream: boolean;
  stripExtensions: boolean;
}

/** How long to wait for the peers to finish after the proxy closed or failed the connection. */
const WIND_DOWN_MS = 5_000;
const BODY_CAP = 64 * 1024;
const encoder = new TextEncoder();

export class ProxiedConnection implements TrackedConnection, PipeHost {
  readonly id: number;
  readonly url: string;
  readonly host: string;
  private readonly init: ProxiedConnectionInit;
  private readonly hooks: ConnectionHooks;
  private readonly ctx: ProxyContext;
  private readonly abort = new AbortController();
  private upstream: Socket | null = null;
  private pipes: Record<ProxyDirection, DirectionPipe> | null = null;
  private stateValue: ConnectionState = 'connecting';
  private readonly createdAt: Micros;
  private openedAt: Micros | null = null;
  private endedAt: Micros | null = null;
  private protocol: string | null = null;
  private extensions: string | null = null;
  private handshake: HttpExchange;
  private closeInfo: CloseInfo | null = null;
  private readonly closes: Partial<Record<ProxyDirection, { code: number | null; reason: string }>> = {};
  private error: DialError | null = null;
  private failed = false;
  private proxyClosed = false;
  private deleted = false;
  private active = false;
  private readonly open = { client: true, upstream: true };
  private readonly held = { client: 0, server: 0 };
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly keepalivePings = new Set<string>();
  private keepaliveCount = 0;
  private windDownTimer: NodeJS.Timeout | null = null;
  private readonly counts = { framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(id: number, init: ProxiedConnectionInit, hooks: ConnectionHooks, ctx: ProxyContext) {
    this.id = id;
    this.init = init;
    this.url = init.url;
    this.host = init.target.host;
    this.hooks = hooks;
    this.ctx = ctx;
    this.createdAt = hooks.now();
    this.handshake = { requestLine: `${init.request.method} ${init.request.path} HTTP/1.1`, requestHeaders: init.request.headers.map(([n, v]) => [n, v]) };
    hooks.store.createTimeline(id);
  }

  /** Dials the server and relays the opening handshake; everything after arrives as socket events. */
  start(): void {
    const client = this.init.client;
    this.active = true;
    this.ctx.activeChanged(1);
    client.on('error', () => {});
    client.on('close', () => this.sideClosed('client'));
    this.note('connecting', `${this.init.request.method} ${this.url} from ${this.clientAddress()}${this.init.stripExtensions ? ' (extensions stripped)' : ''}`);
    this.hooks.changed(this);
    openUpstream({
      target: this.init.target,
      request: this.init.request,
      insecure: this.init.insecureUpstream,
      stripExtensions: this.init.stripExtensions,
      signal: this.abort.signal,
    }).then((res) => this.upstreamAnswered(res), (err: unknown) => this.upstreamFailed(err));
  }

  summary(): ConnectionSummary {
    const { frameRows, messageRows } = this.hooks.store.counts(this.id);
    return {
      id: this.id,
      origin: 'proxied',
      proxied: {
        mode: this.init.mode,
        clientAddress: this.clientAddress(),
        clientTls: this.init.clientTls,
        strippedExtensions: this.init.stripExtensions,
        reencoding: this.pipes === null ? [] : (['client', 'server'] as const).filter((d) => this.pipes![d].codec.reencoding),
        held: { ...this.held },
      },
      url: this.url,
      label: null,
      state: this.stateValue,
      createdAt: this.createdAt,
      openedAt: this.openedAt,
      endedAt: this.endedAt,
      attempt: 1,
      reconnectAt: null,
      protocol: this.protocol,
      extensions: this.extensions,
      ...this.counts,
      frameRows,
      messageRows,
      handshake: this.handshake,
      close: this.closeInfo,
      error: this.error,
      options: { url: this.url },
      live: true,
      replayOf: null,
    };
  }

  close(code?: number, reason?: string, abort = false): void {
    if (this.stateValue === 'closed' || this.stateValue === 'error') return;
    if (abort || this.pipes === null || this.proxyClosed) {
      this.closeInfo ??= { code: null, reason: 'dropped by Framescope', by: 'local', clean: false };
      this.abort.abort(new Error('closed by the user'));
      this.destroySockets();
      return;
    }
    if (code !== undefined && !isValidCloseCode(code)) throw new LocalProtocolError(`close code ${code} may not be sent (RFC 6455 §7.4)`);
    const payload = closePayloadOf(code, reason ?? '');
    this.proxyClosed = true;
    this.stateValue = 'closing';
    // Each side gets the proxy's close; their replies end at the proxy, which has nothing more to relay.
    for (const pipe of [this.pipes.client, this.pipes.server]) {
      pipe.writeOwn(() => [{ ...pipe.ownRecord(Opcode.CLOSE, payload, payload, true, false, false, FrameFlag.INJECTED), partOfMessage: false }], false, null);
    }
    this.windDown();
    this.hooks.changed(this);
  }

  reconnect(): void {
    throw new InvalidStateError('A proxied connection is opened by its app, not by Framescope — reconnect the app, or replay the connection');
  }

  send(req: SendRequest, toward: 'server' | 'client' = 'server'): SendResult {
    const pipes = this.pipes;
    if (pipes === null || this.stateValue !== 'open') {
      throw new NotOpenError(this.stateValue === 'connecting' ? 'the proxied connection is not open yet' : 'the proxied connection has ended');
    }
    const pipe = toward === 'server' ? pipes.client : pipes.server;
    const plan = planSend(req);
    const flags = FrameFlag.INJECTED;
    const dir = pipe.direction === 'client' ? 'out' : 'in';
    const built: Array<{ rec: FrameRecord; bytes: Uint8Array; partOfMessage: boolean }> = [];
    let message: MessageRecord | null = null;
    // Encode everything before writing anything: a bad second event must not leave the first sent.
    for (const ev of plan.events) {
      if (ev.type === 'raw') {
        const bytes = encodeFrame(ev.frame.mask === undefined ? { ...ev.frame, mask: pipe.direction === 'client' } : ev.frame);
        const recorder = new FrameRecorder(dir);
        for (const frame of new FrameTap().push(bytes)) {
          built.push({ rec: recorder.record(frame, this.hooks.now(), flags), bytes: frame.wire, partOfMessage: false });
        }
        continue;
      }
      built.push(...this.encodeSend(pipe, ev, flags, !pipe.atMessageBoundary));
    }
    if (plan.message !== null && !plan.raw) {
      const compressed = built[0]?.rec.rsv === 4;
      message = { kind: 'message', dir, time: this.hooks.now(), opcode: plan.message.opcode, data: plan.message.data, compressed, flags };
    }
    const data = plan.message !== null || plan.raw;
    const rows = pipe.writeOwn(() => built, data, message);
    return { rows, bytes: built.reduce((n, b) => n + b.bytes.length, 0) };
  }

  detach(reason: string): void {
    if (this.deleted) return;
    if (this.endedAt === null) {
      this.endedAt = this.hooks.now();
      this.hooks.store.abandonMessages(this.id);
      if (this.stateValue !== 'error') this.stateValue = 'closed';
      this.closeInfo ??= { code: null, reason, by: 'local', clean: false };
      this.note('ended', reason);
    }
    this.deleted = true;
    this.abort.abort(new Error(reason));
    this.destroySockets();
    this.finish();
    this.ctx.forgetHeld(this.id);
  }

  dispose(): void {
    this.deleted = true;
    this.abort.abort(new Error('deleted'));
    this.destroySockets();
    this.finish();
    this.ctx.forgetHeld(this.id);
    this.hooks.store.deleteTimeline(this.id);
  }

  // ---------------------------------------------------------------- PipeHost

  now(): Micros {
    return this.hooks.now();
  }

  recordingBehind(): boolean {
    return this.hooks.store.behind;
  }

  whenRecordingCaughtUp(resume: () => void): void {
    this.hooks.store.whenCaughtUp(resume);
  }

  intercept(direction: ProxyDirection): { holdData: boolean; holdControl: boolean; rules: RuleSet } {
    return this.ctx.intercept(direction);
  }

  hold(description: HeldDescription, decide: (d: HoldDecision) => void): void {
    const dir = description.direction;
    this.held[dir]++;
    this.keepalive();
    this.ctx.hold({ ...description, connectionId: this.id }, (d) => {
      this.held[dir]--;
      this.keepalive();
      this.hooks.changed(this);
      decide(d);
    });
    this.hooks.changed(this);
  }

  recordFrame(rec: FrameRecord, partOfMessage: boolean): number {
    const row = this.hooks.store.appendFrame(this.id, rec, partOfMessage);
    if (rec.dir === 'out') {
      this.counts.framesOut++;
      this.counts.bytesOut += rec.wire.length;
    } else {
      this.counts.framesIn++;
      this.counts.bytesIn += rec.wire.length;
    }
    this.hooks.record(this, rec);
    this.hooks.changed(this);
    return row;
  }

  recordMessage(rec: MessageRecord): void {
    this.hooks.store.appendMessage(this.id, rec);
    if (rec.dir === 'out') this.counts.messagesOut++;
    else this.counts.messagesIn++;
    this.hooks.record(this, rec);
  }

  isKeepalivePong(payload: Uint8Array): boolean {
    return this.keepalivePings.delete(Buffer.from(payload).toString('latin1'));
  }

  closeForwarded(direction: ProxyDirection, code: number | null, reason: string): void {
    this.closes[direction] = { code, reason };
    if (this.stateValue === 'open') this.stateValue = 'closing';
    if (this.closeInfo === null) this.closeInfo = { code, reason, by: this.proxyClosed ? 'local' : direction === 'client' ? 'app' : 'remote', clean: false };
    if (this.closes.client !== undefined && this.closes.server !== undefined) this.closeInfo = { ...this.closeInfo, clean: true };
    this.hooks.changed(this);
  }

  protocolError(direction: ProxyDirection, err: ProtocolError): void {
    this.failed = true;
    this.hooks.store.abandonMessages(this.id);
    const rec = errorRecord(err, direction === 'client' ? 'out' : 'in', this.hooks.now());
    this.hooks.store.appendFrame(this.id, rec, false);
    this.hooks.record(this, rec);
    const pipes = this.pipes!;
    pipes.client.stop();
    pipes.server.stop();
    // RFC 6455 §7.1.7: the proxy fails the connection toward both peers with the same code, the
    // offender first; each close comes from the pipe that writes toward that peer (masked toward the
    // server), and both are recorded.
    const payload = closePayload(err.closeCode, err.reason);
    const offender = direction === 'client' ? pipes.server : pipes.client;
    for (const pipe of [offender, pipes[direction]]) {
      const { rec: closeRec, bytes } = pipe.ownRecord(Opcode.CLOSE, payload, payload, true, false, false, FrameFlag.INJECTED);
      const receiver = pipe.direction === 'client' ? this.upstream! : this.init.client;
      if (receiver.writable) receiver.write(bytes);
      this.recordFrame(closeRec, false);
    }
    const who = direction === 'client' ? 'The app' : 'The server';
    this.closeInfo = { code: err.closeCode, reason: err.reason, by: 'local', clean: false };
    this.note('ended', `${who} broke RFC 6455 (${err.code}: ${err.reason}) — Framescope failed the connection with ${err.closeCode} ${closeCodeMeaning(err.closeCode)} toward both sides`);
    this.ctx.forgetHeld(this.id);
    this.init.client.end();
    this.upstream!.end();
    this.windDown();
    this.hooks.changed(this);
  }

  drained(direction: ProxyDirection): void {
    // The sender finished and everything it sent went through: pass its end of stream on.
    const receiver = direction === 'client' ? this.upstream : this.init.client;
    receiver?.end();
  }

  // ---------------------------------------------------------------- handshake

  private upstreamAnswered(res: UpstreamResult): void {
    const client = this.init.client;
    const upstream = res.socket;
    if (this.deleted || client.destroyed) {
      upstream.destroy();
      if (!this.deleted) this.ended();
      return;
    }
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => {});
    upstream.on('close', () => this.sideClosed('upstream'));
    const head = res.head;
    this.handshake = {
      ...this.handshake,
      requestHeaders: res.requestHeaders.map(([n, v]) => [n, v]),
      status: Number(head.startLine[1]),
      statusText: head.startLine[2],
      responseHeaders: head.headers.map(([n, v]) => [n, v]),
    };
    // The answer goes back exactly as the server wrote it.
    client.write(res.headBytes);
    if (Number(head.startLine[1]) !== 101) {
      this.relayRejection(res);
      return;
    }
    this.protocol = headerValue(head.headers, 'sec-websocket-protocol') ?? null;
    this.extensions = headerValue(head.headers, 'sec-websocket-extensions') ?? null;
    let deflate = null;
    try {
      deflate = deflateParamsOfAnswer(this.extensions ?? undefined);
    } catch {
      // An answer the app will refuse: the app fails the handshake; nothing will be compressed.
    }
    this.stateValue = 'open';
    this.openedAt = this.hooks.now();
    const clientPipe = new DirectionPipe({ direction: 'client', host: this, source: client, dest: upstream, deflate });
    const serverPipe = new DirectionPipe({ direction: 'server', host: this, source: upstream, dest: client, deflate });
    this.pipes = { client: clientPipe, server: serverPipe };
    this.note('open', `Open through the proxy${this.protocol ? `, subprotocol ${this.protocol}` : ''}${this.extensions ? `, extensions ${this.extensions}` : ''}`);
    client.on('data', (chunk: Buffer) => clientPipe.receive(chunk));
    client.on('end', () => clientPipe.receive(null));
    upstream.on('data', (chunk: Buffer) => serverPipe.receive(chunk));
    upstream.on('end', () => serverPipe.receive(null));
    upstream.on('drain', () => clientPipe.resumeSourceIfReady());
    client.on('drain', () => serverPipe.resumeSourceIfReady());
    if (this.init.early.length > 0) clientPipe.receive(this.init.early);
    if (res.rest.length > 0) serverPipe.receive(res.rest);
    client.resume();
    upstream.resume();
    this.hooks.changed(this);
  }

  /** Not a 101: the rest of the server's answer goes to the app as it comes, and is kept for the summary. */
  private relayRejection(res: UpstreamResult): void {
    const client = this.init.client;
    const upstream = res.socket;
    const body: Buffer[] = [];
    let size = 0;
    const keep = (chunk: Uint8Array): void => {
      if (size < BODY_CAP) body.push(Buffer.from(chunk.subarray(0, BODY_CAP - size)));
      size += chunk.length;
      this.handshake = { ...this.handshake, body: Buffer.concat(body).toString('utf8') };
    };
    if (res.rest.length > 0) {
      client.write(res.rest);
      keep(res.rest);
    }
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      keep(chunk);
    });
    upstream.on('end', () => client.end());
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    client.resume();
    upstream.resume();
    const status = Number(res.head.startLine[1]);
    const location = headerValue(res.head.headers, 'location');
    if (location !== undefined) this.handshake = { ...this.handshake, location };
    this.error = new DialFailure(
      status >= 300 && status < 400 ? 'HANDSHAKE_REDIRECT' : 'HANDSHAKE_REJECTED',
      `The server answered the app's upgrade with ${status} ${res.head.startLine[2]} — it was passed to the app unchanged`,
      String(status),
    ).info;
    this.stateValue = 'error';
    this.hooks.changed(this);
  }

  private upstreamFailed(err: unknown): void {
    if (this.deleted) return;
    const info = err instanceof DialFailure ? err.info : { code: 'SOCKET_ERROR' as const, message: `Could not reach the server: ${String(err)}` };
    this.error = info;
    this.stateValue = 'error';
    const client = this.init.client;
    if (client.writable) {
      const text = `Framescope could not reach ${this.url}: ${info.message}\n`;
      client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }
    this.handshake = { ...this.handshake, status: 502, statusText: 'Bad Gateway', body: info.message };
    this.open.upstream = false;
    this.hooks.changed(this);
  }

  // ---------------------------------------------------------------- ending

  private sideClosed(side: 'client' | 'upstream'): void {
    this.open[side] = false;
    // One side gone for good: nothing more can reach it, so the other side is let go too.
    if (side === 'client') this.upstream?.end();
    else this.init.client.end();
    if (side === 'client' && this.upstream === null) this.abort.abort(new Error('the app went away'));
    if (!this.open.client && !this.open.upstream) this.ended();
    else this.windDown();
  }

  /** Gives the peers a moment to finish, then drops whatever is left. */
  private windDown(): void {
    this.windDownTimer ??= setTimeout(() => this.destroySockets(), WIND_DOWN_MS);
  }

  private destroySockets(): void {
    this.init.client.destroy();
    this.upstream?.destroy();
    if (this.upstream === null) this.open.upstream = false;
  }

  private ended(): void {
    if (this.endedAt !== null || this.deleted) return;
    this.endedAt = this.hooks.now();
    this.finish();
    this.ctx.forgetHeld(this.id);
    this.hooks.store.abandonMessages(this.id);
    if (this.stateValue !== 'error') {
      const clean = this.closes.client !== undefined && this.closes.server !== undefined;
      this.stateValue = this.failed || (!clean && !this.proxyClosed && this.openedAt !== null) ? 'error' : 'closed';
      if (this.closeInfo === null && this.openedAt !== null) this.closeInfo = { code: null, reason: 'the connection ended without a closing handshake', by: 'abnormal', clean: false };
    }
    if (!this.failed) this.note('ended', this.endText());
    this.hooks.changed(this);
  }

  private finish(): void {
    this.pipes?.client.stop();
    this.pipes?.server.stop();
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    if (this.windDownTimer !== null) clearTimeout(this.windDownTimer);
    this.windDownTimer = null;
    if (this.active) this.ctx.activeChanged(-1);
    this.active = false;
  }

  private endText(): string {
    if (this.error !== null) return this.error.message;
    const c = this.closeInfo;
    if (c === null) return 'Ended';
    const code = c.code === null ? 'no status code' : `${c.code} ${closeCodeMeaning(c.code)}`;
    const who = { local: 'by Framescope', remote: 'by the server', app: 'by the app', abnormal: 'without a closing handshake' }[c.by];
    return `Closed ${who}: ${code}${c.reason ? ` — ${c.reason}` : ''}${c.clean ? '' : ' (not clean)'}`;
  }

  // ---------------------------------------------------------------- keepalive while holding

  /** While anything of this connection is held, ping the server now and then; the pongs are swallowed. */
  private keepalive(): void {
    const holding = this.held.client + this.held.server > 0;
    const interval = this.ctx.keepaliveIntervalMs();
    if (holding && this.keepaliveTimer === null && interval > 0) {
      this.keepaliveTimer = setInterval(() => this.ping(), interval);
    } else if (!holding && this.keepaliveTimer !== null) {
      clearInterval(this.keepaliveTimer);
      this.keepaliveTimer = null;
    }
  }

  private ping(): void {
    const pipe = this.pipes?.client;
    if (pipe === undefined || this.stateValue !== 'open') return;
    const payload = encoder.encode(`framescope-keepalive-${++this.keepaliveCount}`);
    this.keepalivePings.add(Buffer.from(payload).toString('latin1'));
    pipe.writeOwn(() => [{ ...pipe.ownRecord(Opcode.PING, payload, payload, true, false, false, FrameFlag.KEEPALIVE), partOfMessage: false }], false, null);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * `deferred`: the message waits for a message still arriving on the wire, so it goes uncompressed;
   * compressing it now would take the deflate history before the receiver has inflated the message
   * it waits behind, and the receiver would resolve its back-references against other bytes.
   */
  private encodeSend(pipe: DirectionPipe, ev: Exclude<SendEvent, { type: 'raw' }>, flags: number, deferred: boolean): Array<{ rec: FrameRecord; bytes: Uint8Array; partOfMessage: boolean }> {
    switch (ev.type) {
      case 'text':
      case 'binary': {
        const data = typeof ev.data === 'string' ? encoder.encode(ev.data) : ev.data;
        const opcode = ev.type === 'text' ? Opcode.TEXT : Opcode.BINARY;
        const compressed = ev.compress === false || deferred ? null : pipe.codec.compress(data);
        const payload = compressed ?? data;
        const size = ev.fragmentSize ?? payload.length;
        const out = [];
        for (let off = 0; off === 0 || off < payload.length; off += size) {
          const end = Math.min(off + size, payload.length);
          const last = end === payload.length;
          // The FIN frame of a compressed message shows the whole message, as received frames do.
          const shown = compressed === null ? payload.subarray(off, end) : last ? data : payload.subarray(off, end);
          out.push({ ...pipe.ownRecord(off === 0 ? opcode : Opcode.CONTINUATION, payload.subarray(off, end), shown, last, off === 0 && compressed !== null, opcode === Opcode.TEXT, flags), partOfMessage: true });
          if (last) break;
        }
        return out;
      }
      case 'ping':
      case 'pong': {
        const data = typeof ev.data === 'string' ? encoder.encode(ev.data) : ev.data ?? new Uint8Array(0);
        if (data.length > 125) throw new LocalProtocolError(`a ${ev.type} payload is at most 125 bytes, got ${data.length}`);
        return [{ ...pipe.ownRecord(ev.type === 'ping' ? Opcode.PING : Opcode.PONG, data, data, true, false, false, flags), partOfMessage: false }];
      }
      case 'close': {
        if (ev.code !== undefined && !isValidCloseCode(ev.code)) throw new LocalProtocolError(`close code ${ev.code} may not be sent (RFC 6455 §7.4); use a raw frame to send it anyway`);
        if (ev.code === undefined && ev.reason) throw new LocalProtocolError('a close reason needs a close code');
        const payload = closePayloadOf(ev.code, ev.reason ?? '');
        return [{ ...pipe.ownRecord(Opcode.CLOSE, payload, payload, true, false, false, flags), partOfMessage: false }];
      }
      default: {
        const never: never = ev;
        throw new Error(`unknown send event ${JSON.stringify(never)}`);
      }
    }
  }

  private clientAddress(): string {
    const s = this.init.client;
    const addr = s.remoteAddress ?? '?';
    return `${addr.includes(':') ? `[${addr}]` : addr}:${s.remotePort ?? '?'}`;
  }

  private note(event: NoteEvent, text: string): void {
    const rec: NoteRecord = { kind: 'note', time: this.hooks.now(), event, text };
    this.hooks.store.appendNote(this.id, rec);
    this.hooks.record(this, rec);
  }
}

/** A close payload, empty without a code. */
function closePayloadOf(code: number | undefined, reason: string): Uint8Array {
  return code === undefined ? new Uint8Array(0) : closePayload(code, reason);
}
