// Browser mode's transport of shared/api.ts: a WebSocket at RPC_PATH, served by our own protocol
// core in the server role. Requests are JSON text messages answered by id; engine events go to
// every open socket. Only callers holding the token and coming from the app's own origin get in.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Events, EventName, Outcome, RpcMessage, RpcRequest } from '../../shared/api.ts';
import type { Engine } from '../core/engine.ts';
import { Connection, type ConnectionEvent } from '../core/protocol/index.ts';

export interface RpcEndpointOptions {
  engine: Engine;
  /** True when the request carries the access token (query or cookie) and an allowed Origin. */
  authorize: (request: IncomingMessage) => { ok: true } | { ok: false; status: number; message: string };
}

/** Largest request accepted from the page: a composer payload plus its JSON envelope. */
const MAX_REQUEST = 100 * 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

export class RpcEndpoint {
  private readonly engine: Engine;
  private readonly authorize: RpcEndpointOptions['authorize'];
  private readonly sessions = new Set<RpcSession>();
  private readonly stopListening: () => void;

  constructor(opts: RpcEndpointOptions) {
    this.engine = opts.engine;
    this.authorize = opts.authorize;
    this.stopListening = this.engine.on((name, payload) => {
      for (const session of this.sessions) session.event(name, payload);
    });
  }

  /** For the HTTP server's 'upgrade' event on RPC_PATH. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const verdict = this.authorize(request);
    if (!verdict.ok) {
      const body = `${verdict.message}\n`;
      socket.end(`HTTP/1.1 ${verdict.status} Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    const session = new RpcSession(this.engine, socket, () => this.sessions.delete(session));
    this.sessions.add(session);
    // Node has parsed the request already; the protocol core checks the handshake from its bytes.
    session.start(requestHead(request), head);
  }

  close(): void {
    this.stopListening();
    for (const session of this.sessions) session.close();
    this.sessions.clear();
  }
}

class RpcSession {
  private readonly engine: Engine;
  private readonly socket: Duplex;
  private readonly conn = new Connection({ role: 'server', maxMessageSize: MAX_REQUEST, maxFrameSize: MAX_REQUEST });
  private readonly onEnd: () => void;
  private ended = false;
  /** The connection reached CLOSED and our end of TCP has been shut. */
  private windingDown = false;

  constructor(engine: Engine, socket: Duplex, onEnd: () => void) {
    this.engine = engine;
    this.socket = socket;
    this.onEnd = onEnd;
    socket.on('data', (chunk: Buffer) => this.pump(this.conn.receive(chunk)));
    socket.on('end', () => this.pump(this.conn.receive(null)));
    socket.on('error', () => this.finish());
    socket.on('close', () => this.finish());
  }

  start(head: Uint8Array, early: Buffer): void {
    this.pump(this.conn.receive(head));
    if (early.length > 0) this.pump(this.conn.receive(early));
  }

  event<K extends EventName>(name: K, payload: Events[K]): void {
    this.sendJson({ event: name, payload });
  }

  close(): void {
    if (this.conn.state === 'OPEN') this.write(this.conn.send({ type: 'close', code: 1001, reason: 'Framescope is shutting down' }));
    this.windingDown = true;
    this.socket.end();
  }

  /**
   * Handles events in order and writes the connection's output after each batch. TCP is ended only
   * after that: the last output may be a close reply, the close frame failing the connection, or a
   * handshake rejection, and ending first would drop it.
   */
  private pump(events: ConnectionEvent[]): void {
    let batch = events;
    while (batch.length > 0) {
      for (const ev of batch) this.handle(ev);
      for (const bytes of this.conn.dataToSend()) this.write(bytes);
      batch = this.conn.pollEvents();
    }
    if (this.conn.state === 'CLOSED' && !this.windingDown) {
      this.windingDown = true;
      // 'close' then finishes the session.
      this.socket.end();
    }
  }

  private handle(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'request':
        this.write(this.conn.accept({}));
        return;
      case 'message':
        this.request(ev.opcode === 1 ? decoder.decode(ev.data) : null);
        return;
      default:
        return;
    }
  }

  private request(text: string | null): void {
    let req: RpcRequest;
    try {
      if (text === null) throw new Error('binary message');
      req = JSON.parse(text) as RpcRequest;
      if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.cmd !== 'string') throw new Error('not a request');
    } catch {
      // Without a usable id there is nobody to answer: say so on id -1.
      this.sendJson({ id: -1, ok: false, error: { code: 'INVALID_ARGUMENT', message: 'An RPC request is a JSON text message {"id": number, "cmd": string, "arg": …}' } });
      return;
    }
    const answer = (outcome: Outcome<unknown>): void => {
      this.sendJson(outcome.ok ? { id: req.id, ok: true, result: outcome.result ?? null } : { id: req.id, ok: false, error: outcome.error });
    };
    const outcome = this.engine.dispatch(req.cmd, req.arg);
    if (outcome instanceof Promise) void outcome.then(answer);
    else answer(outcome);
  }

  private sendJson(message: RpcMessage): void {
    if (this.ended || this.conn.state !== 'OPEN') return;
    this.write(this.conn.send({ type: 'text', data: JSON.stringify(message) }));
  }

  private write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.onEnd();
  }
}

/** The request head as it came, rebuilt from Node's raw header list. */
function requestHead(request: IncomingMessage): Uint8Array {
  let head = `${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/${request.httpVersion}\r\n`;
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}
