// Test-only peers and helpers for driving the Engine through its command map over loopback: ws
// servers (wss too), a raw TCP server that does the handshake by hand and records every byte, an
// independent frame decoder, and polling on engine state.
import { createHash } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { expect } from 'vitest';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import type {
  CommandError, ConnectionSummary, ConnectOptions, RowDetail, TimelineFilter, TimelineRow, TimelineView,
} from '../../shared/api.ts';
import { Engine } from '../../electron/core/engine.ts';
import { AsyncQueue } from './socket-driver.ts';

// ---------------------------------------------------------------- waiting

/** Polls `probe` until it returns something truthy. The deadline only stops a hung test; no test measures time. */
export async function until<T>(probe: () => T | null | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

// ---------------------------------------------------------------- the engine

type EngineEvent = Parameters<Parameters<Engine['on']>[0]>;

/** An Engine used only through `invoke`/`call`, with its events kept and small readers over its state. */
export class TestEngine {
  readonly engine: Engine;
  readonly events: Array<{ name: EngineEvent[0]; payload: EngineEvent[1] }> = [];

  constructor(batchMs?: number) {
    this.engine = new Engine({ mode: 'cli', version: '0.0.0-test', ...(batchMs === undefined ? {} : { batchMs }) });
    this.engine.on((name, payload) => this.events.push({ name, payload }));
  }

  open(options: ConnectOptions): number {
    return this.engine.call('connections.open', options).id;
  }

  summary(id: number): ConnectionSummary {
    const found = this.engine.call('connections.list', undefined).find((s) => s.id === id);
    if (found === undefined) throw new Error(`connection ${id} is not listed`);
    return found;
  }

  /** Waits until the connection's summary passes `test`, and returns that summary. */
  waitFor(id: number, test: (s: ConnectionSummary) => boolean, what: string): Promise<ConnectionSummary> {
    return until(() => {
      const s = this.summary(id);
      return test(s) ? s : null;
    }, `connection ${id}: ${what} (last summary: ${JSON.stringify(this.summary(id), summaryReplacer)})`);
  }

  opened(id: number): Promise<ConnectionSummary> {
    return this.waitFor(id, (s) => s.state === 'open', 'open');
  }

  /** Ended, and no reconnect scheduled. */
  ended(id: number): Promise<ConnectionSummary> {
    return this.waitFor(id, (s) => (s.state === 'closed' || s.state === 'error') && s.reconnectAt === null, 'ended');
  }

  rows(id: number, view: TimelineView = 'frames', filter?: TimelineFilter, start = 0, count = 5000): TimelineRow[] {
    return this.engine.call('timeline.range', { connectionId: id, view, start, count, ...(filter ? { filter } : {}) }).rows;
  }

  detail(id: number, index: number, view: TimelineView = 'frames'): RowDetail {
    return this.engine.call('timeline.detail', { connectionId: id, view, index });
  }

  notes(id: number): string[] {
    return this.rows(id).filter((r) => r.kind === 'note').map((r) => r.preview);
  }

  /** Runs a command that must fail, and returns its error (a thrown exception fails the test). */
  failure(name: string, arg: unknown): CommandError {
    const outcome = this.engine.invoke(name, arg);
    if (outcome.ok) throw new Error(`${name} succeeded with ${JSON.stringify(outcome.result)}, expected a failure`);
    return outcome.error;
  }

  shutdown(): void {
    this.engine.shutdown();
  }
}

function summaryReplacer(key: string, value: unknown): unknown {
  return key === 'options' || key === 'handshake' ? undefined : value;
}

// ---------------------------------------------------------------- cleanup

const closers = new Set<() => Promise<void> | void>();

/** Closes every server and socket the helpers opened. */
export async function closeAllPeers(): Promise<void> {
  const all = [...closers];
  closers.clear();
  await Promise.all(all.map((close) => close()));
}

// ---------------------------------------------------------------- ws servers

export interface WsMessage { data: Buffer; isBinary: boolean }

/** One server-side ws connection with everything it saw queued. */
export class WsSession {
  readonly ws: WebSocket;
  readonly req: IncomingMessage;
  readonly messages = new AsyncQueue<WsMessage>();
  readonly pings = new AsyncQueue<Buffer>();
  readonly pongs = new AsyncQueue<Buffer>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(ws: WebSocket, req: IncomingMessage) {
    this.ws = ws;
    this.req = req;
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('message', (data, isBinary) => this.messages.push({ data: data as Buffer, isBinary }));
    ws.on('ping', (data) => this.pings.push(data));
    ws.on('pong', (data) => this.pongs.push(data));
    ws.on('error', () => undefined);
  }

  nextMessage(): Promise<WsMessage> {
    return this.messages.take(() => true);
  }
}

export interface WsTestServer {
  readonly wss: WebSocketServer;
  readonly port: number;
  /** ws://127.0.0.1:port or wss://127.0.0.1:port, without a path. */
  readonly url: string;
  readonly sessions: AsyncQueue<WsSession>;
  next(): Promise<WsSession>;
}

/** A ws server on 127.0.0.1:0; `echo` sends every message back as it came. */
export async function startWsServer(opts: ServerOptions & { echo?: boolean; https?: HttpsServer } = {}): Promise<WsTestServer> {
  const { echo, https, ...wsOpts } = opts;
  const wss = https ? new WebSocketServer({ ...wsOpts, server: https }) : new WebSocketServer({ host: '127.0.0.1', port: 0, ...wsOpts });
  const sessions = new AsyncQueue<WsSession>();
  wss.on('connection', (ws, req) => {
    const session = new WsSession(ws, req);
    if (echo) ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    sessions.push(session);
  });
  if (https) await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
  else await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = (https ? https.address() : wss.address()) as net.AddressInfo;
  closers.add(() => new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => {
      if (https) https.close(() => resolve());
      else resolve();
    });
    https?.closeAllConnections();
  }));
  return { wss, port, url: `${https ? 'wss' : 'ws'}://127.0.0.1:${port}`, sessions, next: () => sessions.take(() => true) };
}

// ---------------------------------------------------------------- a raw TCP server

/** What the raw server does with an upgrade request. */
export type RawMode = 'accept' | 'bad-accept' | 'silent' | { respond: string } | { acceptThen: number[] };

/** One raw connection: the request head as received and every byte after it. */
export class RawSession {
  readonly socket: net.Socket;
  request = '';
  received = Buffer.alloc(0);
  ended = false;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Resolves once at least `n` bytes arrived after the request head. */
  bytes(n: number): Promise<Buffer> {
    return until(() => this.received.length >= n && this.received, `${n} bytes at the raw server (have ${this.received.length})`);
  }
}

export interface RawServer {
  readonly port: number;
  readonly url: string;
  next(): Promise<RawSession>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A TCP server speaking just enough HTTP to answer a WebSocket upgrade by hand (or not at all). */
export async function startRawServer(mode: RawMode): Promise<RawServer> {
  const sessions = new AsyncQueue<RawSession>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const session = new RawSession(socket);
    sessions.push(session);
    let head = Buffer.alloc(0);
    let upgraded = false;
    socket.on('end', () => { session.ended = true; });
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        session.received = Buffer.concat([session.received, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      session.request = head.subarray(0, end + 4).toString('latin1');
      session.received = head.subarray(end + 4);
      if (mode === 'silent') return;
      if (typeof mode === 'object' && 'respond' in mode) {
        socket.end(mode.respond);
        return;
      }
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(session.request)?.[1] ?? '';
      const accept = createHash('sha1').update(mode === 'bad-accept' ? `${key}wrong` : key + WS_GUID).digest('base64');
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      // Frames in the same write as the 101 reach the client in the same chunk.
      socket.write(Buffer.concat([Buffer.from(response, 'latin1'), Buffer.from(typeof mode === 'object' ? mode.acceptThen : [])]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  closers.add(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port, url: `ws://127.0.0.1:${port}`, next: () => sessions.take(() => true) };
}

/** A port nothing listens on: bound once by the OS, then released. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------- frames, decoded independently of the core

export { splitFrames, type WireFrame } from '../support/wire-frames.ts';

// ---------------------------------------------------------------- TLS

/** A wss server presenting `cert`. */
export async function startWssServer(cert: { key: string; cert: string }): Promise<WsTestServer> {
  const https = createHttpsServer({ key: cert.key, cert: cert.cert });
  https.on('tlsClientError', () => undefined);
  return startWsServer({ https });
}

// ---------------------------------------------------------------- small assertions

export function expectInvalid(error: CommandError, field: RegExp): void {
  expect(error.code).toBe('INVALID_ARGUMENT');
  expect(error.message).toMatch(field);
}
