// The proxy relaying real `ws` peers over loopback in every mode (absolute URI, plain ws inside
// CONNECT, wss MITM with the generated CA, reverse to ws and wss): data and control frames arrive
// unchanged, are recorded once each in order, with wire bytes equal to the bytes that crossed each
// hop; every way a connection can end.
import { DatabaseSync } from 'node:sqlite';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FrameFlag } from '../../shared/api.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { pattern } from '../support/bytes.ts';
import { ConnectTunnelAgent } from '../support/proxy-agents.ts';
import { splitFrames } from '../support/wire-frames.ts';
import {
  afterHeads, App, appThrough, cleanupAll, ProxyRig, startTcpTap, startUpstream, waitFor, wireOf,
  type Upstream, type UpstreamSession, type Via,
} from './proxy-harness.ts';

let certs: TestCerts;

beforeAll(() => {
  certs = makeCerts();
});

afterAll(() => certs.dispose());

afterEach(cleanupAll);

interface Mode {
  name: string;
  via: Via;
  /** The upstream speaks TLS. */
  tls: boolean;
  /** HTTP heads before the frames on the app↔proxy hop (the CONNECT answer counts), or null when that hop is TLS. */
  appHeads: number | null;
}

const MODES: Mode[] = [
  { name: 'explicit ws:// (absolute URI)', via: 'explicit', tls: false, appHeads: 1 },
  { name: 'plain ws inside CONNECT', via: 'connect', tls: false, appHeads: 2 },
  { name: 'wss:// inside CONNECT, MITM with the generated CA', via: 'mitm', tls: true, appHeads: null },
  { name: 'reverse to ws://', via: 'reverse', tls: false, appHeads: 1 },
  { name: 'reverse to wss://', via: 'reverse', tls: true, appHeads: 1 },
];

interface Wired {
  rig: ProxyRig;
  upstream: Upstream;
  app: App;
  session: UpstreamSession;
  id: number;
  /** The app↔proxy hop's bytes, when it is plain TCP. */
  appTap: { up: () => Buffer; down: () => Buffer } | null;
}

/** A proxy in `mode`, an upstream `ws` server and an app connected through the proxy to its `path`. */
async function wire(mode: Mode, opts: { echo?: boolean; path?: string } = {}): Promise<Wired> {
  const upstream = await startUpstream({ ...(mode.tls ? { tls: certs.leaf } : {}), echo: opts.echo ?? false });
  const rig = new ProxyRig();
  const address = await rig.start({
    mode: mode.via === 'reverse' ? 'reverse' : 'explicit',
    ...(mode.via === 'reverse' ? { reverseUrl: upstream.url } : {}),
    // The test CA signed the upstream's certificate; the proxy is told not to verify it.
    ...(mode.tls ? { insecureUpstreamHosts: ['127.0.0.1'] } : {}),
  });
  const tap = mode.appHeads === null ? null : await startTcpTap(Number(address.split(':')[1]));
  const appAddress = tap === null ? address : `127.0.0.1:${tap.port}`;
  const app = appThrough(mode.via, appAddress, upstream.url, opts.path ?? '/feed?x=1', mode.via === 'mitm' ? { caPem: rig.caPem() } : {});
  await app.opened;
  const session = await upstream.next();
  const id = await rig.connection();
  await rig.waitSummary(id, (s) => s.state === 'open', 'open');
  return { rig, upstream, app, session, id, appTap: tap };
}

/** What each recorded frame was, for comparing with what a peer read off its socket. */
function shape(frames: ReadonlyArray<{ opcode: number; fin: boolean; payload: Uint8Array }>): string[] {
  return frames.map((f) => `${f.opcode}${f.fin ? '' : '…'} ${Buffer.from(f.payload).subarray(0, 40).toString('hex')}`);
}

/** Every frame crossed both hops exactly as recorded: the same bytes, once each, in order. */
function expectWireFidelity(w: Wired, mode: Mode): void {
  const out = w.rig.frames(w.id, 'out');
  const inn = w.rig.frames(w.id, 'in');
  expect(out.every((f) => f.kind === 'frame' && (f.flags ?? 0) === 0)).toBe(true);
  expect(inn.every((f) => f.kind === 'frame' && (f.flags ?? 0) === 0)).toBe(true);
  // Proxy → server and server → proxy, read at the server's socket (decrypted when TLS).
  expect(wireOf(out).equals(w.session.tap.received)).toBe(true);
  expect(wireOf(inn).equals(w.session.tap.sent)).toBe(true);
  expect(shape(splitFrames(w.session.tap.received))).toEqual(shape(out.map((f) => ({ ...f, payload: unmaskedPayload(f.wire) }))));
  if (mode.appHeads !== null && w.appTap !== null) {
    // App → proxy and proxy → app, read on the wire between them.
    expect(wireOf(out).equals(afterHeads(w.appTap.up(), mode.via === 'connect' ? 2 : 1))).toBe(true);
    expect(wireOf(inn).equals(afterHeads(w.appTap.down(), mode.appHeads))).toBe(true);
  }
}

function unmaskedPayload(wire: Uint8Array): Buffer {
  return splitFrames(Buffer.from(wire))[0]!.payload;
}

describe.each(MODES)('relay through $name', (mode) => {
  test('text, binary, fragmented messages and pings both ways, then the app closes: all unchanged, recorded once each, bytes as on the wire', async () => {
    const w = await wire(mode);
    const { app, session, rig, id } = w;
    const big = Buffer.from(pattern(70_000, 7));
    app.ws.send('hello ✓');
    app.ws.send(big);
    app.ws.send('frag-1 ', { fin: false });
    app.ws.send('frag-2 ', { fin: false });
    app.ws.send('frag-3', { fin: true });
    app.ws.ping('p1');
    await session.waitMessages(3);
    await waitFor(() => app.pongs.length === 1, 'the pong at the app');
    expect(session.texts()).toEqual(['hello ✓', big.toString('utf8'), 'frag-1 frag-2 frag-3']);
    expect(session.messages.map((m) => m.isBinary)).toEqual([false, true, false]);
    expect(session.messages[1]!.data.equals(big)).toBe(true);
    expect(session.pings.map(String)).toEqual(['p1']);
    expect(app.pongs.map(String)).toEqual(['p1']);

    session.ws.send('welcome');
    session.ws.send(Buffer.from([0, 1, 2, 255]));
    session.ws.send(Buffer.from('part-a'), { binary: true, fin: false });
    session.ws.send(Buffer.from('part-b'), { binary: true, fin: true });
    session.ws.ping('s-ping');
    await app.waitMessages(3);
    await waitFor(() => session.pongs.length === 1, 'the pong at the server');
    expect(app.texts()).toEqual(['welcome', '\u0000\u0001\u0002\ufffd', 'part-apart-b']);
    expect(app.messages[1]!.data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(app.messages.map((m) => m.isBinary)).toEqual([false, true, true]);
    expect(app.pings.map(String)).toEqual(['s-ping']);
    expect(session.pongs.map(String)).toEqual(['s-ping']);

    app.ws.close(1000, 'bye');
    expect(await session.waitClose()).toEqual({ code: 1000, reason: 'bye' });
    expect(await app.waitClose()).toEqual({ code: 1000, reason: 'bye' });
    const s = await rig.ended(id);
    expect(s.state).toBe('closed');
    expect(s.close).toEqual({ code: 1000, reason: 'bye', by: 'app', clean: true });

    const out = rig.frames(id, 'out');
    const inn = rig.frames(id, 'in');
    expect(out.map((f) => [f.opcode, f.fin])).toEqual([[1, true], [2, true], [1, false], [0, false], [0, true], [9, true], [10, true], [8, true]]);
    expect(inn.map((f) => [f.opcode, f.fin])).toEqual([[10, true], [1, true], [2, true], [2, false], [0, true], [9, true], [8, true]]);
    expect(out.every((f) => f.maskKey !== null)).toBe(true);
    expect(inn.every((f) => f.maskKey === null)).toBe(true);
    expect(rig.messages(id, 'out').map((m) => Buffer.from(m.data).toString('utf8'))).toEqual(['hello ✓', big.toString('utf8'), 'frag-1 frag-2 frag-3']);
    expect(rig.messages(id, 'in').map((m) => m.opcode)).toEqual([1, 2, 2]);
    expect(s).toMatchObject({ framesOut: 8, framesIn: 7, messagesOut: 3, messagesIn: 3, origin: 'proxied' });
    expect(s.proxied).toMatchObject({ mode: mode.via === 'reverse' ? 'reverse' : 'explicit', clientTls: mode.via === 'mitm', reencoding: [], held: { client: 0, server: 0 } });
    expect(s.handshake?.status).toBe(101);
    expect(session.req.url).toBe('/feed?x=1');
    expect(s.url).toBe(`${w.upstream.url}/feed?x=1`);
    expectWireFidelity(w, mode);
  });
});

describe('16 MiB messages', () => {
  test.each([MODES[0]!, MODES[2]!])('one 16 MiB message each way through $name arrives whole and is recorded with its exact bytes', async (mode) => {
    const w = await wire(mode, { echo: true });
    const huge = Buffer.from(pattern(16 * 1024 * 1024, 16));
    w.app.ws.send(huge);
    const [echoed] = await w.app.waitMessages(1);
    expect(echoed!.data.equals(huge)).toBe(true);
    expect(w.session.messages[0]!.data.equals(huge)).toBe(true);
    const [up] = w.rig.messages(w.id, 'out');
    const [down] = w.rig.messages(w.id, 'in');
    expect(Buffer.from(up!.data).equals(huge)).toBe(true);
    expect(Buffer.from(down!.data).equals(huge)).toBe(true);
    expectWireFidelity(w, mode);
  });
});

describe('every way a proxied connection ends', () => {
  const explicit = MODES[0]!;

  test('the app closes with a code and reason: the server gets them, its answer reaches the app, both recorded once', async () => {
    const w = await wire(explicit);
    w.app.ws.close(4001, 'app is done');
    expect(await w.session.waitClose()).toEqual({ code: 4001, reason: 'app is done' });
    expect(await w.app.waitClose()).toEqual({ code: 4001, reason: 'app is done' });
    const s = await w.rig.ended(w.id);
    expect(s.close).toEqual({ code: 4001, reason: 'app is done', by: 'app', clean: true });
    expect(w.rig.frames(w.id).map((f) => [f.dir, f.opcode])).toEqual([['out', 8], ['in', 8]]);
    expectWireFidelity(w, explicit);
  });

  test('the server closes: the app gets its code and reason, the app\'s answer reaches the server', async () => {
    const w = await wire(explicit);
    w.session.ws.close(4002, 'server says go');
    expect(await w.app.waitClose()).toEqual({ code: 4002, reason: 'server says go' });
    expect(await w.session.waitClose()).toEqual({ code: 4002, reason: 'server says go' });
    const s = await w.rig.ended(w.id);
    expect(s.state).toBe('closed');
    expect(s.close).toEqual({ code: 4002, reason: 'server says go', by: 'remote', clean: true });
    expect(w.rig.frames(w.id).map((f) => [f.dir, f.opcode])).toEqual([['in', 8], ['out', 8]]);
    expectWireFidelity(w, explicit);
  });

  test('a close without a status code passes as an empty close frame', async () => {
    const w = await wire(explicit);
    w.app.ws.close();
    expect(await w.session.waitClose()).toEqual({ code: 1005, reason: '' });
    expect(await w.app.waitClose()).toEqual({ code: 1005, reason: '' });
    const s = await w.rig.ended(w.id);
    expect(s.close).toEqual({ code: null, reason: '', by: 'app', clean: true });
    expect(w.rig.frames(w.id).map((f) => f.payload.length)).toEqual([0, 0]);
  });

  test('the app drops its TCP connection: the server sees the connection end abnormally, nothing is made up', async () => {
    const w = await wire(explicit);
    w.app.ws.send('last words');
    await w.session.waitMessages(1);
    w.app.ws.terminate();
    expect(await w.session.waitClose()).toEqual({ code: 1006, reason: '' });
    const s = await w.rig.ended(w.id);
    expect(s.state).toBe('error');
    expect(s.close).toMatchObject({ code: null, by: 'abnormal', clean: false });
    expect(w.rig.frames(w.id).map((f) => f.opcode)).toEqual([1]);
    expectWireFidelity(w, explicit);
  });

  test('the server drops its TCP connection: the app sees the connection end abnormally', async () => {
    const w = await wire(explicit);
    w.session.ws.send('last words');
    await w.app.waitMessages(1);
    w.session.ws.terminate();
    expect(await w.app.waitClose()).toEqual({ code: 1006, reason: '' });
    const s = await w.rig.ended(w.id);
    expect(s.state).toBe('error');
    expect(s.close).toMatchObject({ code: null, by: 'abnormal', clean: false });
    expect(w.rig.frames(w.id).map((f) => f.opcode)).toEqual([1]);
  });

  test('Framescope closes the connection: both peers get its close frame, recorded as injected', async () => {
    const w = await wire(explicit);
    w.rig.engine.call('connections.close', { id: w.id, code: 4003, reason: 'closed in Framescope' });
    expect(await w.session.waitClose()).toEqual({ code: 4003, reason: 'closed in Framescope' });
    expect(await w.app.waitClose()).toEqual({ code: 4003, reason: 'closed in Framescope' });
    const s = await w.rig.ended(w.id);
    expect(s.state).toBe('closed');
    expect(s.close).toMatchObject({ code: 4003, reason: 'closed in Framescope', by: 'local' });
    const closes = w.rig.frames(w.id).filter((f) => (f.flags ?? 0) & FrameFlag.INJECTED);
    expect(closes.map((f) => [f.dir, f.opcode]).sort()).toEqual([['in', 8], ['out', 8]]);
    // Each peer got one close, Framescope's: their replies end at the proxy.
    await w.rig.ended(w.id);
    expect(w.rig.frames(w.id).filter((f) => !((f.flags ?? 0) & FrameFlag.INJECTED)).map((f) => [f.opcode, f.flags]))
      .toEqual([[8, FrameFlag.DROPPED], [8, FrameFlag.DROPPED]]);
    expect(splitFrames(w.session.tap.received).map((f) => f.opcode)).toEqual([8]);
    expect(splitFrames(afterHeads(w.appTap!.down(), 1)).map((f) => f.opcode)).toEqual([8]);
  });

  test('Framescope kills the connection: both peers see it drop', async () => {
    const w = await wire(explicit);
    w.rig.engine.call('connections.close', { id: w.id, abort: true });
    expect((await w.session.waitClose()).code).toBe(1006);
    expect((await w.app.waitClose()).code).toBe(1006);
    const s = await w.rig.ended(w.id);
    expect(s.close).toMatchObject({ code: null, by: 'local', clean: false });
    expect(w.rig.frames(w.id)).toEqual([]);
  });
});

describe('TLS toward the app and upstream paths', () => {
  test('reverse mode with the app speaking TLS to the listener: the leaf is from the generated CA, the upstream path is prefixed', async () => {
    const upstream = await startUpstream({ echo: true });
    const rig = new ProxyRig();
    const address = await rig.start({ mode: 'reverse', reverseUrl: `${upstream.url}/base` });
    const port = address.split(':')[1]!;
    const app = new App(`wss://localhost:${port}/feed?x=1`, { ca: rig.caPem(), perMessageDeflate: false });
    await app.opened;
    const session = await upstream.next();
    expect(session.req.url).toBe('/base/feed?x=1');
    expect(session.req.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    app.ws.send('over TLS to the proxy');
    expect((await app.waitMessages(1)).map((m) => String(m.data))).toEqual(['over TLS to the proxy']);
    const id = await rig.connection();
    const s = rig.summary(id);
    expect(s.proxied).toMatchObject({ mode: 'reverse', clientTls: true });
    expect(s.url).toBe(`${upstream.url}/base/feed?x=1`);
  });

  test('MITM by host name: the app checks a leaf made for that name (SNI), the server is reached by name', async () => {
    const upstream = await startUpstream({ tls: certs.leaf, echo: true });
    const rig = new ProxyRig();
    const address = await rig.start({ insecureUpstreamHosts: ['localhost'] });
    const app = new App(`wss://localhost:${upstream.port}/named`, { agent: new ConnectTunnelAgent(address, { ca: rig.caPem() }), perMessageDeflate: false });
    let subject = '';
    app.ws.on('upgrade', (res) => { subject = String((res.socket as TLSSocket).getPeerCertificate().subject.CN); });
    await app.opened;
    app.ws.send('by name');
    expect((await app.waitMessages(1)).map((m) => String(m.data))).toEqual(['by name']);
    expect(subject).toBe('localhost');
    const s = rig.summary(await rig.connection());
    expect(s.url).toBe(`wss://localhost:${upstream.port}/named`);
    expect(s.proxied?.clientTls).toBe(true);
  });
});

describe('a recording stuck on disk', () => {
  test('while the session file cannot be written, the proxy stops reading (no buffering, no blocking) and loses nothing once it can', async () => {
    // No tap between the app and the proxy: the app's own socket must feel the proxy stop reading.
    const upstream = await startUpstream();
    const rig = new ProxyRig();
    const address = await rig.start({ mode: 'reverse', reverseUrl: upstream.url });
    const app = appThrough('reverse', address, upstream.url, '/stuck');
    await app.opened;
    const session = await upstream.next();
    const id = await rig.connection();
    // Another program holds the session file's write lock: the store's writer cannot commit.
    const lock = new DatabaseSync(rig.engine.call('sessions.current', undefined).path);
    // (The writer may be committing the handshake's rows this moment: wait for the lock.)
    lock.exec('PRAGMA busy_timeout = 10000');
    lock.exec('BEGIN IMMEDIATE');
    const COUNT = 80;
    const message = (i: number): Buffer => Buffer.alloc(1024 * 1024, i);
    // 80 MiB, handed to the writer as about 160 MiB (wire bytes and payload; the message shares the payload): far past the bound where appending
    // would block this very thread, which holds the lock, for good. The proxy must stop reading first.
    for (let i = 0; i < COUNT; i++) app.ws.send(message(i));
    await waitFor(() => rig.engine.store.behind, 'the store to fall behind the recording');
    // Time for a proxy that went on reading to read the rest (loopback moves 80 MiB in far less) and so
    // block on the disk for good; one that stopped reading stays stopped however long this is.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The event loop still answers, the proxy relayed no more than it could record, and the rest waits
    // at the app (more than the kernel's socket buffers, at most 36 MiB here, can hold).
    expect(rig.engine.call('connections.list', undefined).map((c) => c.id)).toContain(id);
    expect(session.messages.length).toBeLessThan(COUNT);
    expect(app.ws.bufferedAmount).toBeGreaterThan(0);
    lock.exec('COMMIT');
    lock.close();
    await waitFor(() => session.messages.length === COUNT, 'every message at the server', 60_000);
    session.messages.forEach((m, i) => expect(m.data.equals(message(i)), `message ${i}`).toBe(true));
    const recorded = await rig.engine.request('timeline.range', { connectionId: id, view: 'messages', start: 0, count: 1000 });
    expect(recorded.rows.filter((r) => r.kind === 'message' && r.dir === 'out').map((r) => r.size)).toEqual(Array(COUNT).fill(1024 * 1024));
  }, 90_000);
});
