// Test-only rig for the intercepting proxy: an Engine with its own data folder and every record it
// made, `ws` upstream servers whose sockets are tapped (the exact bytes crossing the proxy↔server
// hop, TLS or not), a TCP tap for the app↔proxy hop, raw peers, and `ws` clients in each proxy mode.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions, type PerMessageDeflateOptions } from 'ws';
import type {
  ConnectionSummary, EventName, Events, HeldFrame, ProxySettings, RowDetail, Rule, TimelineRow, TimelineView,
} from '../../shared/api.ts';
import { Engine } from '../../electron/core/engine.ts';
import type { FrameRecord, MessageRecord } from '../../electron/core/store/records.ts';
import type { TimelineRecord } from '../../electron/core/tracked-connection.ts';
import { AbsoluteUriAgent, ConnectTunnelAgent } from '../support/proxy-agents.ts';
import { parseWireFrame, type WireFrame } from '../support/wire-frames.ts';
import { AsyncQueue } from './socket-driver.ts';

// ---------------------------------------------------------------- waiting

/** Polls until `probe` gives something truthy. The deadline only stops a hung test; nothing is timed. */
export async function waitFor<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

// ---------------------------------------------------------------- cleanup

const closers: Array<() => Promise<void> | void> = [];

function onCleanup(close: () => Promise<void> | void): void {
  closers.push(close);
}

/** Closes every engine, server, tap and socket the helpers made, newest first. */
export async function cleanupAll(): Promise<void> {
  const all = closers.splice(0).reverse();
  for (const close of all) await close();
}

// ---------------------------------------------------------------- the engine

/** An Engine with a throwaway data folder, its events and every record it made per connection. */
export class ProxyRig {
  readonly engine: Engine;
  readonly dataDir: string;
  readonly events: Array<{ name: EventName; payload: unknown }> = [];
  private readonly records = new Map<number, TimelineRecord[]>();
  address = '';

  constructor() {
    this.dataDir = mkdtempSync(join(tmpdir(), 'framescope-proxy-test-'));
    this.engine = new Engine({ mode: 'cli', version: 'test', dataDir: this.dataDir, batchMs: 5 });
    this.engine.on((name, payload) => this.events.push({ name, payload }));
    this.engine.onRecord((id, rec) => {
      let list = this.records.get(id);
      if (list === undefined) this.records.set(id, (list = []));
      list.push(rec);
    });
    onCleanup(() => {
      this.engine.shutdown();
      rmSync(this.dataDir, { recursive: true, force: true });
    });
  }

  /** Starts the proxy and returns its host:port. */
  async start(settings: Partial<ProxySettings>): Promise<string> {
    const status = await this.engine.request('proxy.start', { host: '127.0.0.1', port: 0, ...settings });
    expect(status.state, status.error ?? '').toBe('listening');
    this.address = status.address!;
    return this.address;
  }

  caPem(): string {
    return this.engine.call('ca.info', undefined).pem;
  }

  list(): ConnectionSummary[] {
    return this.engine.call('connections.list', undefined);
  }

  summary(id: number): ConnectionSummary {
    const s = this.list().find((c) => c.id === id);
    if (s === undefined) throw new Error(`connection ${id} is not listed`);
    return s;
  }

  /** The only (or newest) proxied connection, once there is one. */
  async connection(): Promise<number> {
    const s = await waitFor(() => this.list().filter((c) => c.origin === 'proxied').at(-1), 'a proxied connection');
    return s.id;
  }

  waitSummary(id: number, test: (s: ConnectionSummary) => boolean, what: string): Promise<ConnectionSummary> {
    return waitFor(() => {
      const s = this.summary(id);
      return test(s) ? s : null;
    }, `connection ${id}: ${what} (last: ${JSON.stringify({ ...this.summary(id), options: undefined, handshake: undefined })})`);
  }

  ended(id: number): Promise<ConnectionSummary> {
    return this.waitSummary(id, (s) => s.state === 'closed' || s.state === 'error', 'ended');
  }

  /** Frame and error records of a connection, in the order recorded. */
  frames(id: number, dir?: 'in' | 'out'): FrameRecord[] {
    return (this.records.get(id) ?? []).filter((r): r is FrameRecord => (r.kind === 'frame' || r.kind === 'error') && (dir === undefined || r.dir === dir));
  }

  messages(id: number, dir?: 'in' | 'out'): MessageRecord[] {
    return (this.records.get(id) ?? []).filter((r): r is MessageRecord => r.kind === 'message' && (dir === undefined || r.dir === dir));
  }

  rows(id: number, view: TimelineView = 'frames'): TimelineRow[] {
    return this.engine.call('timeline.range', { connectionId: id, view, start: 0, count: 5000 }).rows;
  }

  detail(id: number, index: number, view: TimelineView = 'frames'): RowDetail {
    return this.engine.call('timeline.detail', { connectionId: id, view, index });
  }

  held(): HeldFrame[] {
    return this.engine.call('intercept.get', undefined).held;
  }

  /** Waits until `n` frames are held, and returns them. */
  waitHeld(n: number, what = `${n} held frame(s)`): Promise<HeldFrame[]> {
    return waitFor(() => {
      const h = this.held();
      return h.length === n ? h : null;
    }, `${what} (held now: ${JSON.stringify(this.held().map((h) => h.text))})`);
  }

  rules(rules: Array<Omit<Rule, 'enabled' | 'id'> & { enabled?: boolean }>): void {
    this.engine.call('intercept.setRules', rules.map((r, i) => ({ id: `r${i}`, enabled: true, ...r })));
  }

  eventsNamed<K extends EventName>(name: K): Array<Events[K]> {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as Events[K]);
  }
}

// ---------------------------------------------------------------- tapped upstream servers

/** The bytes one server-side socket read and wrote (decrypted for TLS), head included. */
export class SocketTap {
  private readonly inChunks: Buffer[] = [];
  private readonly outChunks: Buffer[] = [];

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.inChunks.push(Buffer.from(chunk)));
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      this.outChunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array));
      return write(chunk, ...rest);
    }) as net.Socket['write'];
  }

  /** Everything this side read, after the HTTP head. */
  get received(): Buffer {
    return afterHeads(Buffer.concat(this.inChunks), 1);
  }

  /** Everything this side wrote, after the HTTP head. */
  get sent(): Buffer {
    return afterHeads(Buffer.concat(this.outChunks), 1);
  }
}

/** The bytes after the first `n` HTTP heads (each ends with an empty line). */
export function afterHeads(bytes: Buffer, n: number): Buffer {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) return Buffer.alloc(0);
    at = end + 4;
  }
  return bytes.subarray(at);
}

export interface Received { data: Buffer; isBinary: boolean }

/** One server-side ws connection, with what it got and the bytes that crossed its socket. */
export class UpstreamSession {
  readonly ws: WebSocket;
  readonly req: http.IncomingMessage;
  readonly tap: SocketTap;
  readonly messages: Received[] = [];
  readonly pings: Buffer[] = [];
  readonly pongs: Buffer[] = [];
  close: { code: number; reason: string } | null = null;

  constructor(ws: WebSocket, req: http.IncomingMessage, tap: SocketTap) {
    this.ws = ws;
    this.req = req;
    this.tap = tap;
    ws.on('message', (data, isBinary) => this.messages.push({ data: data as Buffer, isBinary }));
    ws.on('ping', (data) => this.pings.push(data));
    ws.on('pong', (data) => this.pongs.push(data));
    ws.on('close', (code, reason) => { this.close = { code, reason: reason.toString('utf8') }; });
    ws.on('error', () => undefined);
  }

  texts(): string[] {
    return this.messages.map((m) => m.data.toString('utf8'));
  }

  waitMessages(n: number): Promise<Received[]> {
    return waitFor(() => this.messages.length >= n && this.messages, `${n} messages at the server (have ${JSON.stringify(this.texts().map(short))})`);
  }

  waitClose(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.close, 'the server to see the close');
  }
}

export interface Upstream {
  readonly port: number;
  /** ws://127.0.0.1:port or wss://…, without a path. */
  readonly url: string;
  readonly sessions: AsyncQueue<UpstreamSession>;
  next(): Promise<UpstreamSession>;
}

export interface UpstreamOptions {
  tls?: { key: string; cert: string };
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Send every message back as it came. */
  echo?: boolean;
}

/** A `ws` server on 127.0.0.1:0 whose every socket is tapped from its first byte. */
export async function startUpstream(opts: UpstreamOptions = {}): Promise<Upstream> {
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : http.createServer();
  const taps = new WeakMap<net.Socket, SocketTap>();
  const sockets = new Set<net.Socket>();
  server.on(opts.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    taps.set(socket, new SocketTap(socket));
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  const wss = new WebSocketServer({ server, perMessageDeflate: opts.perMessageDeflate ?? false });
  const sessions = new AsyncQueue<UpstreamSession>();
  wss.on('connection', (ws, req) => {
    const session = new UpstreamSession(ws, req, taps.get(req.socket)!);
    if (opts.echo) ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    sessions.push(session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  onCleanup(() => new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    for (const s of sockets) s.destroy();
    wss.close();
    server.close(() => resolve());
  }));
  return { port, url: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`, sessions, next: () => sessions.take(() => true) };
}

/** A plain HTTP(S) server for non-WebSocket traffic and for upgrades answered by hand. */
export async function startHttpServer(
  handlers: { request?: http.RequestListener; upgrade?: (req: http.IncomingMessage, socket: net.Socket) => void },
  tlsCert?: { key: string; cert: string },
): Promise<{ port: number }> {
  const server = tlsCert ? https.createServer({ key: tlsCert.key, cert: tlsCert.cert }) : http.createServer();
  if (handlers.request) server.on('request', handlers.request);
  if (handlers.upgrade) server.on('upgrade', handlers.upgrade);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onCleanup(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port };
}

// ---------------------------------------------------------------- the app's side

/** A TCP forwarder in front of `port` that keeps the bytes of each direction (app → proxy and back). */
export async function startTcpTap(port: number): Promise<{ port: number; up: () => Buffer; down: () => Buffer }> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((app) => {
    const proxy = net.connect(port, '127.0.0.1');
    for (const s of [app, proxy]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    app.on('data', (c: Buffer) => { up.push(Buffer.from(c)); proxy.write(c); });
    proxy.on('data', (c: Buffer) => { down.push(Buffer.from(c)); app.write(c); });
    app.on('end', () => proxy.end());
    proxy.on('end', () => app.end());
    app.on('close', () => proxy.destroy());
    proxy.on('close', () => app.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onCleanup(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, up: () => Buffer.concat(up), down: () => Buffer.concat(down) };
}

/** An app's `ws` client with everything it received. */
export class App {
  readonly ws: WebSocket;
  readonly messages: Received[] = [];
  readonly pings: Buffer[] = [];
  readonly pongs: Buffer[] = [];
  close: { code: number; reason: string } | null = null;
  /** A non-101 answer: status and body. */
  rejection: { status: number; headers: http.IncomingHttpHeaders; body: string } | null = null;
  error: Error | null = null;
  readonly opened: Promise<void>;

  constructor(url: string, options: ClientOptions) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', (data, isBinary) => this.messages.push({ data: data as Buffer, isBinary }));
    this.ws.on('ping', (data) => this.pings.push(data));
    this.ws.on('pong', (data) => this.pongs.push(data));
    this.ws.on('close', (code, reason) => { this.close = { code, reason: reason.toString('utf8') }; });
    this.ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { this.rejection = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }; });
    });
    this.ws.on('error', (err) => { this.error = err; });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', () => reject(new Error('the upgrade was refused')));
    });
    this.opened.catch(() => undefined);
    onCleanup(() => this.ws.terminate());
  }

  texts(): string[] {
    return this.messages.map((m) => m.data.toString('utf8'));
  }

  waitMessages(n: number): Promise<Received[]> {
    return waitFor(() => this.messages.length >= n && this.messages, `${n} messages at the app (have ${JSON.stringify(this.texts().map(short))})`);
  }

  waitClose(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.close, 'the app to see the close');
  }

  waitRejection(): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return waitFor(() => this.rejection, 'the app to see a non-101 answer');
  }
}

export type Via = 'explicit' | 'connect' | 'mitm' | 'reverse';

/**
 * A `ws` client to `upstreamUrl` + `path` through the proxy at `proxyAddress`: absolute URI (explicit),
 * plain ws inside CONNECT (connect), wss inside CONNECT with the proxy's CA trusted (mitm), or straight
 * at the proxy (reverse, `upstreamUrl` ignored).
 */
export function appThrough(via: Via, proxyAddress: string, upstreamUrl: string, path: string, options: ClientOptions & { caPem?: string } = {}): App {
  const { caPem, ...rest } = options;
  const base: ClientOptions = { perMessageDeflate: false, ...rest };
  switch (via) {
    case 'explicit':
      return new App(`${upstreamUrl}${path}`, { ...base, agent: new AbsoluteUriAgent(proxyAddress) });
    case 'connect': {
      const agent = new ConnectTunnelAgent(proxyAddress, { secure: false });
      // ws:// goes through http.request, which insists on an agent speaking http:.
      (agent as unknown as { protocol: string }).protocol = 'http:';
      return new App(`${upstreamUrl}${path}`, { ...base, agent });
    }
    case 'mitm':
      return new App(`${upstreamUrl}${path}`, { ...base, agent: new ConnectTunnelAgent(proxyAddress, caPem === undefined ? {} : { ca: caPem }) });
    case 'reverse':
      return new App(`ws://${proxyAddress}${path}`, base);
  }
}

/** A raw TCP client that the test writes bytes to by hand, keeping what it reads. */
export class RawClient {
  readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  ended = false;
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (c: Buffer) => this.chunks.push(Buffer.from(c)));
    this.socket.on('end', () => { this.ended = true; });
    this.socket.on('close', () => { this.closed = true; });
    this.socket.on('error', () => undefined);
    onCleanup(() => { this.socket.destroy(); });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Frames read after `heads` HTTP heads. */
  frames(heads = 1): WireFrame[] {
    return splitComplete(afterHeads(this.bytes, heads));
  }

  /** Sends a WebSocket upgrade request for `path`, with a Host and whatever extra header lines. */
  upgrade(path: string, host: string, extra: string[] = []): void {
    this.socket.write([
      `GET ${path} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', ...extra, '', '',
    ].join('\r\n'));
  }

  waitHead(): Promise<string> {
    return waitFor(() => {
      const b = this.bytes;
      const end = b.indexOf('\r\n\r\n');
      return end >= 0 ? b.subarray(0, end).toString('latin1') : null;
    }, 'an HTTP answer at the raw client');
  }
}

/** Complete frames at the start of `bytes` (a frame still arriving is left out). */
export function splitComplete(bytes: Buffer): WireFrame[] {
  const frames: WireFrame[] = [];
  for (let pos = 0; ;) {
    const f = parseWireFrame(bytes, pos);
    if (f === null) return frames;
    frames.push(f);
    pos += f.wire.length;
  }
}

/** A close frame's code and reason. */
export function closeOf(frame: WireFrame): { code: number | null; reason: string } {
  return frame.payload.length >= 2 ? { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString('utf8') } : { code: null, reason: '' };
}

/** The recorded wire bytes of these frames, one after the other. */
export function wireOf(frames: readonly FrameRecord[]): Buffer {
  return Buffer.concat(frames.map((f) => f.wire));
}

export function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…(${s.length})` : s;
}

/** A frame from the tests' own encoder: masked with a fixed key when `mask`. */
export function frame(opcode: number, payload: Uint8Array | string, opts: { fin?: boolean; mask?: boolean; rsv1?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const fin = opts.fin ?? true;
  const head: number[] = [(fin ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | opcode];
  const maskBit = opts.mask ? 0x80 : 0;
  if (data.length < 126) head.push(maskBit | data.length);
  else if (data.length < 65536) head.push(maskBit | 126, data.length >> 8, data.length & 0xff);
  else throw new Error('test frames stay under 64 KiB');
  if (!opts.mask) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), key, masked]);
}
