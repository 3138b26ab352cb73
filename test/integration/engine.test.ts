// The engine through its contract only (Engine.invoke / call), over real loopback sockets: connect
// options, every dial failure, keepalive, reconnect, sending in every format, raw frames checked
// byte for byte at a hand-written peer, malformed server frames, and the timeline's reads and events.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ConnectionSummary, TimelineGrowth, TimelineRow } from '../../shared/api.ts';
import {
  closeAllPeers, expectInvalid, splitFrames, startRawServer, startWsServer, startWssServer, TestEngine,
  unusedPort, until,
} from './engine-harness.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';

let t: TestEngine;
const engines: TestEngine[] = [];

function newEngine(batchMs?: number): TestEngine {
  const e = new TestEngine(batchMs);
  engines.push(e);
  return e;
}

beforeEach(() => {
  t = newEngine();
});

afterEach(async () => {
  for (const e of engines.splice(0)) e.shutdown();
  await closeAllPeers();
});

const OFF = { enabled: false } as const;
const bytesOf = (b64: string | null): Buffer => Buffer.from(b64 ?? '', 'base64');
const outRows = (rows: TimelineRow[]): TimelineRow[] => rows.filter((r) => r.dir === 'out');

// ---------------------------------------------------------------- connect options

describe('connect options', () => {
  test('sends custom headers and the Origin, offers subprotocols, and reports the one the server picked', async () => {
    const server = await startWsServer({ handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false) });
    const id = t.open({
      url: `${server.url}/room?x=1`,
      headers: [['X-Trace', 'abc 123'], ['Authorization', 'Bearer token']],
      origin: 'https://app.example',
      subprotocols: ['chat.v1', 'chat.v2'],
      label: 'chat room',
    });
    const session = await server.next();
    const s = await t.opened(id);
    expect(session.req.url).toBe('/room?x=1');
    expect(session.req.headers['x-trace']).toBe('abc 123');
    expect(session.req.headers['authorization']).toBe('Bearer token');
    expect(session.req.headers['origin']).toBe('https://app.example');
    expect(session.req.headers['sec-websocket-protocol']).toBe('chat.v1, chat.v2');
    expect(s.protocol).toBe('chat.v2');
    expect(s.label).toBe('chat room');
    expect(s.url).toBe(`${server.url}/room?x=1`);
    expect(s.attempt).toBe(1);
    expect(s.openedAt).not.toBeNull();
    expect(s.handshake?.status).toBe(101);
    expect(s.handshake?.requestLine).toBe('GET /room?x=1 HTTP/1.1');
    expect(s.handshake?.requestHeaders).toContainEqual(['X-Trace', 'abc 123']);
    expect(s.handshake?.responseHeaders?.some(([n]) => n.toLowerCase() === 'sec-websocket-accept')).toBe(true);
    expect(t.notes(id)).toContainEqual(expect.stringMatching(/^Open, subprotocol chat\.v2/));
  });

  test('without a label or subprotocol the summary says null for both', async () => {
    const server = await startWsServer();
    const id = t.open({ url: server.url });
    const s = await t.opened(id);
    expect(s.label).toBeNull();
    expect(s.protocol).toBeNull();
    expect((await server.next()).req.headers['sec-websocket-protocol']).toBeUndefined();
  });

  test('offers permessage-deflate by default and compresses both ways once the server accepts', async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const id = t.open({ url: server.url });
    const session = await server.next();
    const s = await t.opened(id);
    expect(session.req.headers['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    expect(s.extensions).toMatch(/^permessage-deflate/);
    const text = 'compress me '.repeat(20);
    t.engine.call('connections.send', { id, message: { kind: 'text', text } });
    expect((await session.nextMessage()).data.toString()).toBe(text);
    session.ws.send('and back '.repeat(20));
    await t.waitFor(id, (x) => x.messagesIn === 1, 'one message in');
    const [outMsg, inMsg] = t.rows(id, 'messages').filter((r) => r.kind === 'message');
    expect(outMsg).toMatchObject({ dir: 'out', compressed: true, size: text.length, preview: text.slice(0, 200) });
    expect(inMsg).toMatchObject({ dir: 'in', compressed: true, preview: 'and back '.repeat(20).slice(0, 200) });
    const frames = t.rows(id).filter((r) => r.kind === 'frame');
    expect(frames.map((f) => [f.dir, f.rsv, f.compressed])).toEqual([['out', 4, true], ['in', 4, true]]);
    // The wire carried fewer bytes than the text.
    expect(frames[0]!.size).toBeLessThan(text.length);
  });

  test('deflate off: offers no extension, and nothing is compressed', async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const id = t.open({ url: server.url, deflate: OFF });
    const session = await server.next();
    const s = await t.opened(id);
    expect(session.req.headers['sec-websocket-extensions']).toBeUndefined();
    expect(s.extensions).toBeNull();
    t.engine.call('connections.send', { id, message: { kind: 'text', text: 'plain plain plain' } });
    await session.nextMessage();
    expect(t.rows(id).find((r) => r.kind === 'frame')).toMatchObject({ rsv: 0, compressed: false, size: 17 });
  });

  test('deflate parameters are offered as set, and the summary carries the server\'s answer', async () => {
    const server = await startWsServer({ perMessageDeflate: { threshold: 0 } });
    const id = t.open({
      url: server.url,
      deflate: { enabled: true, serverNoContextTakeover: true, clientNoContextTakeover: true, clientMaxWindowBits: 10, serverMaxWindowBits: 11 },
    });
    const session = await server.next();
    const s = await t.opened(id);
    expect(session.req.headers['sec-websocket-extensions']).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10',
    );
    for (const param of ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits=11', 'client_max_window_bits=10']) {
      expect(s.extensions).toContain(param);
    }
    // Both ends use the negotiated windows and context rules: several messages round-trip intact.
    for (let i = 0; i < 3; i++) {
      t.engine.call('connections.send', { id, message: { kind: 'text', text: `repeat repeat repeat ${i}` } });
      expect((await session.nextMessage()).data.toString()).toBe(`repeat repeat repeat ${i}`);
      session.ws.send(`echo echo echo ${i}`);
    }
    await t.waitFor(id, (x) => x.messagesIn === 3, 'three messages in');
    expect(t.rows(id, 'messages', { direction: 'in' }).filter((r) => r.kind === 'message').map((r) => r.preview))
      .toEqual(['echo echo echo 0', 'echo echo echo 1', 'echo echo echo 2']);
  });
});

// ---------------------------------------------------------------- wss

describe('wss://', () => {
  let certs: TestCerts;

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs.dispose());

  test('a self-signed certificate fails with TLS_FAILED naming it', async () => {
    const server = await startWssServer(certs.selfSigned);
    const id = t.open({ url: server.url });
    const s = await t.ended(id);
    expect(s.state).toBe('error');
    expect(s.error).toMatchObject({ code: 'TLS_FAILED', cause: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(s.error?.message).toMatch(/self-signed/);
    expect(s.error?.message).toMatch(/allow invalid certificates/);
    expect(t.notes(id)).toContain(s.error?.message);
  });

  test('a self-signed certificate is accepted with tls.insecure', async () => {
    const server = await startWssServer(certs.selfSigned);
    const id = t.open({ url: server.url, tls: { insecure: true } });
    await server.next();
    expect((await t.opened(id)).error).toBeNull();
  });

  test('a certificate from an unknown CA fails, and is accepted with that CA in tls.caPem', async () => {
    const server = await startWssServer(certs.leaf);
    const untrusted = t.open({ url: server.url });
    expect((await t.ended(untrusted)).error).toMatchObject({ code: 'TLS_FAILED', cause: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const trusted = t.open({ url: server.url, tls: { caPem: certs.caPem } });
    const session = await server.next();
    await t.opened(trusted);
    t.engine.call('connections.send', { id: trusted, message: { kind: 'text', text: 'over TLS' } });
    expect((await session.nextMessage()).data.toString()).toBe('over TLS');
    // An IP literal is not sent as SNI (RFC 6066 §3).
    expect((session.req.socket as TLSSocket).servername).toBe(false);
  });

  test('the SNI override is sent and the certificate is checked against it', async () => {
    const server = await startWssServer(certs.other);
    const wrongName = t.open({ url: server.url, tls: { caPem: certs.caPem } });
    const failed = await t.ended(wrongName);
    expect(failed.error).toMatchObject({ code: 'TLS_FAILED', cause: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(failed.error?.message).toMatch(/not for "127\.0\.0\.1"/);
    const id = t.open({ url: server.url, tls: { caPem: certs.caPem, servername: 'ws.other.test' } });
    const session = await server.next();
    await t.opened(id);
    expect((session.req.socket as TLSSocket).servername).toBe('ws.other.test');
  });

  test('a caPem that is not a certificate fails with a message saying so', async () => {
    const server = await startWssServer(certs.leaf);
    const id = t.open({ url: server.url, tls: { caPem: 'not a certificate' } });
    const s = await t.ended(id);
    expect(s.error).toMatchObject({ code: 'TLS_FAILED', cause: 'INVALID_CA_PEM' });
    expect(s.error?.message).toMatch(/BEGIN CERTIFICATE/);
  });

  test('wss:// to a plain-text port fails with TLS_FAILED suggesting ws://', async () => {
    const server = await startWsServer();
    const id = t.open({ url: server.url.replace('ws:', 'wss:') });
    const s = await t.ended(id);
    expect(s.error?.code).toBe('TLS_FAILED');
    expect(s.error?.message).toMatch(/Try ws:\/\//);
  });
});

// ---------------------------------------------------------------- failures

describe('dial failures', () => {
  test.each([
    ['not a url', /is not a URL/],
    ['http://127.0.0.1/', /starts with ws:\/\/ or wss:\/\//],
    ['ws://127.0.0.1/#top', /#fragment/],
    ['ws://user:pw@127.0.0.1/', /Authorization header/],
  ])('an invalid URL (%s) is refused by connections.open with INVALID_ARGUMENT', (url, message) => {
    const error = t.failure('connections.open', { url });
    expectInvalid(error, message);
    expect(t.engine.call('connections.list', undefined)).toEqual([]);
  });

  test('a port with nothing listening fails with TCP_REFUSED', async () => {
    const port = await unusedPort();
    const id = t.open({ url: `ws://127.0.0.1:${port}/` });
    const s = await t.ended(id);
    expect(s.state).toBe('error');
    expect(s.error).toMatchObject({ code: 'TCP_REFUSED', cause: 'ECONNREFUSED' });
    expect(s.error?.message).toContain(`127.0.0.1:${port}`);
    expect(s.openedAt).toBeNull();
    expect(s.endedAt).not.toBeNull();
  });

  test('a host name that does not resolve fails with DNS_FAILED', async () => {
    const id = t.open({ url: 'ws://framescope-test.invalid/' });
    const s = await t.ended(id);
    expect(s.error?.code).toBe('DNS_FAILED');
    expect(s.error?.message).toContain('"framescope-test.invalid"');
  });

  test('a 403 is HANDSHAKE_REJECTED with the status, headers and body in the summary', async () => {
    const server = await startWsServer({
      verifyClient: (_info, done) => done(false, 403, 'token expired, log in again', { 'X-Denied-By': 'policy' }),
    });
    const id = t.open({ url: `${server.url}/private` });
    const s = await t.ended(id);
    expect(s.state).toBe('error');
    expect(s.error).toMatchObject({ code: 'HANDSHAKE_REJECTED', cause: '403' });
    expect(s.error?.message).toMatch(/403 Forbidden/);
    expect(s.handshake).toMatchObject({ status: 403, statusText: 'Forbidden', body: 'token expired, log in again' });
    expect(s.handshake?.responseHeaders).toContainEqual(['X-Denied-By', 'policy']);
    expect(s.close).toBeNull();
  });

  test('a rejection without Content-Length is read until the server closes', async () => {
    const server = await startRawServer({ respond: 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\nwho are you?' });
    const id = t.open({ url: server.url });
    const s = await t.ended(id);
    expect(s.error).toMatchObject({ code: 'HANDSHAKE_REJECTED', cause: '401' });
    expect(s.handshake).toMatchObject({ status: 401, body: 'who are you?' });
    // It never opened, so there was no WebSocket close.
    expect(s.close).toBeNull();
  });

  test('a chunked rejection on a kept-alive socket is reported once its last chunk arrives, body decoded', async () => {
    // Node's http server sends a chunked body and keeps the socket open: waiting for the close would hang.
    const server = createHttpServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.write('{"error":');
      res.end('"denied"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const id = t.open({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/deny` });
      const s = await t.ended(id);
      expect(s.error).toMatchObject({ code: 'HANDSHAKE_REJECTED', cause: '403' });
      expect(s.handshake?.responseHeaders).toContainEqual(['Transfer-Encoding', 'chunked']);
      expect(s.handshake?.body).toBe('{"error":"denied"}');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a 302 is HANDSHAKE_REDIRECT with the location', async () => {
    const server = await startWsServer({
      verifyClient: (_info, done) => done(false, 302, 'moved', { Location: 'ws://127.0.0.1:1/new-home' }),
    });
    const id = t.open({ url: server.url });
    const s = await t.ended(id);
    expect(s.error).toMatchObject({ code: 'HANDSHAKE_REDIRECT', cause: '302' });
    expect(s.error?.message).toContain('ws://127.0.0.1:1/new-home');
    expect(s.handshake).toMatchObject({ status: 302, location: 'ws://127.0.0.1:1/new-home' });
  });

  test('a wrong Sec-WebSocket-Accept is HANDSHAKE_FAILED with the WS_ERR code as cause', async () => {
    const server = await startRawServer('bad-accept');
    const id = t.open({ url: server.url });
    const s = await t.ended(id);
    expect(s.error).toMatchObject({ code: 'HANDSHAKE_FAILED', cause: 'WS_ERR_BAD_ACCEPT' });
    expect(s.error?.message).toMatch(/Sec-WebSocket-Accept/);
    expect(s.handshake?.status).toBe(101);
    expect(s.close).toBeNull();
  });

  test('a server that accepts TCP and never answers is a TIMEOUT in the WebSocket handshake', async () => {
    const server = await startRawServer('silent');
    const id = t.open({ url: server.url, connectTimeoutMs: 100 });
    const session = await server.next();
    const s = await t.ended(id);
    expect(session.request).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
    expect(s.error).toMatchObject({ code: 'TIMEOUT', cause: 'WebSocket handshake' });
    expect(s.error?.message).toMatch(/No answer within 100 ms during the WebSocket handshake/);
  });
});

// ---------------------------------------------------------------- keepalive

describe('keepalive', () => {
  test('pings go out at the interval and the server\'s pongs are recorded', async () => {
    const server = await startWsServer();
    // Long enough that a busy test machine answers each ping well within one interval.
    const id = t.open({ url: server.url, keepaliveIntervalMs: 200 });
    const session = await server.next();
    expect((await session.pings.take(() => true)).toString()).toBe('keepalive 1');
    expect((await session.pings.take(() => true)).toString()).toBe('keepalive 2');
    await until(() => t.rows(id, 'frames', { direction: 'in', opcodes: [0xa] }).filter((r) => r.kind === 'frame').length >= 2, 'two pongs');
    const pings = t.rows(id, 'frames', { direction: 'out', opcodes: [0x9] }).filter((r) => r.kind === 'frame');
    expect(pings.slice(0, 2).map((r) => r.preview)).toEqual(['keepalive 1', 'keepalive 2']);
    expect(t.summary(id).state).toBe('open');
  });

  test('a server that does not answer pings fails the connection with KEEPALIVE_TIMEOUT', async () => {
    const server = await startWsServer({ autoPong: false });
    const id = t.open({ url: server.url, keepaliveIntervalMs: 100 });
    const session = await server.next();
    const s = await t.ended(id);
    expect(s.state).toBe('error');
    expect(s.error?.code).toBe('KEEPALIVE_TIMEOUT');
    expect(s.error?.message).toMatch(/No pong within 100 ms/);
    expect(s.close).toEqual({ code: 1006, reason: 'no pong to a keepalive ping', by: 'abnormal', clean: false });
    expect((await session.closed).code).toBe(1006);
  });
});

// ---------------------------------------------------------------- reconnect

describe('auto-reconnect', () => {
  test('an abnormal close by the server starts a new attempt, noted in the timeline', async () => {
    const server = await startWsServer();
    const id = t.open({ url: server.url, reconnect: { enabled: true, initialDelayMs: 10 } });
    (await server.next()).ws.terminate();
    const second = await server.next();
    const s = await t.waitFor(id, (x) => x.attempt === 2 && x.state === 'open', 'attempt 2 open');
    expect(s.reconnectAt).toBeNull();
    const notes = t.notes(id);
    expect(notes).toContainEqual(expect.stringMatching(/^Closed without a closing handshake: 1006/));
    expect(notes).toContainEqual(expect.stringMatching(/^Reconnecting in \d+ ms$/));
    expect(notes).toContain(`Reconnecting to ${server.url} (attempt 2)`);
    t.engine.call('connections.send', { id, message: { kind: 'text', text: 'after reconnect' } });
    expect((await second.nextMessage()).data.toString()).toBe('after reconnect');
  });

  test('delays double from initialDelayMs up to maxDelayMs, and maxAttempts gives up', async () => {
    const port = await unusedPort();
    const delays: number[] = [];
    let id = 0;
    // At the moment the "Reconnecting in" note is stored, the summary holds the scheduled time.
    t.engine.onRecord((cid, rec) => {
      if (rec.kind === 'note' && rec.text.startsWith('Reconnecting in')) {
        const s = t.summary(cid);
        delays.push((s.reconnectAt! - s.endedAt!) / 1000);
      }
    });
    id = t.open({ url: `ws://127.0.0.1:${port}/`, reconnect: { enabled: true, initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 4 } });
    const s = await t.waitFor(id, (x) => x.attempt === 4 && x.state === 'error' && x.reconnectAt === null, 'the fourth attempt to fail');
    expect(s.error?.code).toBe('TCP_REFUSED');
    expect(delays).toHaveLength(3);
    const [d1, d2, d3] = delays as [number, number, number];
    // ±20% jitter around 20, 40 and the 50 ms cap.
    expect(d1).toBeGreaterThanOrEqual(16);
    expect(d1).toBeLessThanOrEqual(24);
    expect(d2).toBeGreaterThanOrEqual(32);
    expect(d2).toBeLessThanOrEqual(48);
    expect(d3).toBeGreaterThanOrEqual(40);
    expect(d3).toBeLessThanOrEqual(60);
    expect(t.notes(id).at(-1)).toBe('Gave up reconnecting after 4 failed attempts in a row');
  });

  test('connections.close cancels a scheduled reconnect', async () => {
    const port = await unusedPort();
    const id = t.open({ url: `ws://127.0.0.1:${port}/`, reconnect: { enabled: true, initialDelayMs: 60_000, maxDelayMs: 120_000 } });
    const scheduled = await t.waitFor(id, (x) => x.reconnectAt !== null, 'a reconnect to be scheduled');
    const delay = scheduled.reconnectAt! - scheduled.endedAt!;
    expect(delay).toBeGreaterThanOrEqual(48_000_000);
    expect(delay).toBeLessThanOrEqual(72_000_000);
    t.engine.call('connections.close', { id });
    const s = t.summary(id);
    expect(s.reconnectAt).toBeNull();
    expect(s.attempt).toBe(1);
    expect(t.notes(id).at(-1)).toBe('Reconnect cancelled');
  });

  test('closing an open connection does not reconnect', async () => {
    const server = await startWsServer();
    const id = t.open({ url: server.url, reconnect: { enabled: true, initialDelayMs: 10 } });
    const session = await server.next();
    await t.opened(id);
    t.engine.call('connections.close', { id });
    expect((await session.closed).code).toBe(1005);
    const s = await t.ended(id);
    expect(s.state).toBe('closed');
    expect(s.attempt).toBe(1);
    expect(t.notes(id).some((n) => n.startsWith('Reconnecting'))).toBe(false);
  });

  test('connections.reconnect after auto-reconnect gave up starts a fresh run of attempts', async () => {
    const port = await unusedPort();
    const id = t.open({ url: `ws://127.0.0.1:${port}/`, reconnect: { enabled: true, initialDelayMs: 10, maxAttempts: 2 } });
    await t.waitFor(id, (x) => x.attempt === 2 && x.state === 'error' && x.reconnectAt === null, 'auto-reconnect to give up');
    t.engine.call('connections.reconnect', { id });
    await t.waitFor(id, (x) => x.attempt === 4 && x.state === 'error' && x.reconnectAt === null, 'the second run to give up');
    expect(t.notes(id).filter((n) => n.startsWith('Gave up'))).toEqual([
      'Gave up reconnecting after 2 failed attempts in a row',
      'Gave up reconnecting after 2 failed attempts in a row',
    ]);
  });

  test('connections.reconnect starts a new attempt at once', async () => {
    const server = await startWsServer();
    const id = t.open({ url: server.url });
    const first = await server.next();
    await t.opened(id);
    t.engine.call('connections.reconnect', { id });
    await server.next();
    const s = await t.waitFor(id, (x) => x.attempt === 2 && x.state === 'open', 'attempt 2 open');
    expect(s.close).toBeNull();
    expect((await first.closed).code).toBe(1006);
  });
});

// ---------------------------------------------------------------- sending

describe('sending', () => {
  async function openEcho(): Promise<{ id: number; session: Awaited<ReturnType<Awaited<ReturnType<typeof startWsServer>>['next']>> }> {
    const server = await startWsServer();
    const id = t.open({ url: server.url, deflate: OFF });
    const session = await server.next();
    await t.opened(id);
    return { id, session };
  }

  test('text: the server gets it, and the result names the row and the bytes written', async () => {
    const { id, session } = await openEcho();
    const before = t.summary(id).frameRows;
    const result = t.engine.call('connections.send', { id, message: { kind: 'text', text: 'hello' } });
    expect(result).toEqual({ rows: [before], bytes: 2 + 4 + 5 });
    expect(await session.nextMessage()).toEqual({ data: Buffer.from('hello'), isBinary: false });
    const s = t.summary(id);
    expect(s).toMatchObject({ framesOut: 1, messagesOut: 1, bytesOut: 11 });
  });

  test('JSON is sent exactly as typed; invalid JSON is refused and nothing is sent', async () => {
    const { id, session } = await openEcho();
    const text = '{ "a": [1, 2],\n  "b": null }';
    t.engine.call('connections.send', { id, message: { kind: 'json', text } });
    expect((await session.nextMessage()).data.toString()).toBe(text);
    const before = t.summary(id);
    const error = t.failure('connections.send', { id, message: { kind: 'json', text: '{"a": 1,}' } });
    expectInvalid(error, /not valid JSON/);
    expect(t.summary(id)).toMatchObject({ framesOut: before.framesOut, bytesOut: before.bytesOut, frameRows: before.frameRows });
  });

  test.each([
    ['hex', 'de:ad be-ef 0x00'],
    ['base64', '3q2+7wA='],
    ['base64', '3q2-7wA'],
  ] as const)('binary from %s (%s) arrives as those bytes', async (format, data) => {
    const { id, session } = await openEcho();
    t.engine.call('connections.send', { id, message: { kind: 'binary', data, format } });
    expect(await session.nextMessage()).toEqual({ data: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]), isBinary: true });
  });

  test.each([
    ['hex', 'de ad zz', /"z", which is not a hex digit/],
    ['hex', 'abc', /odd number of digits \(3\)/],
    ['base64', '3q2+7w=@', /not valid base64/],
    ['base64', 'abcde', /not valid base64/],
  ] as const)('bad %s (%s) is refused with INVALID_ARGUMENT and nothing is sent', async (format, data, message) => {
    const { id } = await openEcho();
    const before = t.summary(id).framesOut;
    expectInvalid(t.failure('connections.send', { id, message: { kind: 'binary', data, format } }), message);
    expect(t.summary(id).framesOut).toBe(before);
  });

  test('fragmentSize splits a message into frames; the server gets one message; the timeline shows the frames and one message', async () => {
    const { id, session } = await openEcho();
    const result = t.engine.call('connections.send', { id, message: { kind: 'text', text: 'abcdefghij', fragmentSize: 3 } });
    expect(result.rows).toHaveLength(4);
    expect(await session.nextMessage()).toEqual({ data: Buffer.from('abcdefghij'), isBinary: false });
    const frames = result.rows.map((i) => t.rows(id, 'frames', undefined, i, 1)[0]!);
    expect(frames.map((f) => [f.opcode, f.fin, f.size, f.preview])).toEqual([
      [1, false, 3, 'abc'], [0, false, 3, 'def'], [0, false, 3, 'ghi'], [0, true, 1, 'j'],
    ]);
    const message = t.rows(id, 'messages').find((r) => r.kind === 'message')!;
    expect(message).toMatchObject({ dir: 'out', opcode: 1, size: 10, preview: 'abcdefghij', ref: result.rows[0], refEnd: result.rows[3] });
    for (const f of frames) expect(f.ref).toBe(message.index);
    expect(t.summary(id)).toMatchObject({ framesOut: 4, messagesOut: 1 });
  });

  test('ping and pong carry their payloads; the server\'s pong to our ping is recorded', async () => {
    const { id, session } = await openEcho();
    t.engine.call('connections.send', { id, message: { kind: 'ping', data: 'are you there' } });
    expect((await session.pings.take(() => true)).toString()).toBe('are you there');
    t.engine.call('connections.send', { id, message: { kind: 'pong', data: '01 02 ff', format: 'hex' } });
    expect(await session.pongs.take(() => true)).toEqual(Buffer.from([1, 2, 0xff]));
    const pong = await until(() => t.rows(id, 'frames', { direction: 'in', opcodes: [0xa] }).find((r) => r.kind === 'frame'), 'the pong');
    expect(pong.preview).toBe('are you there');
    expectInvalid(t.failure('connections.send', { id, message: { kind: 'ping', data: 'x'.repeat(126) } }), /at most 125 bytes/);
  });

  test('close with a code and reason reaches the server and ends the connection cleanly', async () => {
    const { id, session } = await openEcho();
    t.engine.call('connections.send', { id, message: { kind: 'close', code: 4001, reason: 'bye now' } });
    expect(await session.closed).toEqual({ code: 4001, reason: 'bye now' });
    const s = await t.ended(id);
    expect(s.state).toBe('closed');
    expect(s.close).toEqual({ code: 4001, reason: 'bye now', by: 'local', clean: true });
    const closeRows = t.rows(id, 'frames', { opcodes: [8] }).filter((r) => r.kind === 'frame');
    expect(closeRows.map((r) => [r.dir, r.preview])).toEqual([['out', '4001 Private use: bye now'], ['in', '4001 Private use: bye now']]);
  });

  test('a close from the server is answered with its code, and the connection ends cleanly', async () => {
    const { id, session } = await openEcho();
    session.ws.close(1000, 'done');
    expect((await session.closed).code).toBe(1000);
    const s = await t.ended(id);
    expect(s.state).toBe('closed');
    expect(s.close).toEqual({ code: 1000, reason: 'done', by: 'remote', clean: true });
    const closeRows = t.rows(id, 'frames', { opcodes: [8] }).filter((r) => r.kind === 'frame');
    expect(closeRows.map((r) => [r.dir, r.preview])).toEqual([['in', '1000 Normal Closure: done'], ['out', '1000 Normal Closure']]);
  });

  test('an application close code from the server (4000) is a normal end, not an error', async () => {
    const { id, session } = await openEcho();
    session.ws.close(4000, 'shift over');
    expect((await session.closed).code).toBe(4000);
    const s = await t.ended(id);
    expect(s.state).toBe('closed');
    expect(s.close).toEqual({ code: 4000, reason: 'shift over', by: 'remote', clean: true });
  });

  test('connections.close sends its code and reason', async () => {
    const { id, session } = await openEcho();
    t.engine.call('connections.close', { id, code: 1001, reason: 'leaving' });
    expect(await session.closed).toEqual({ code: 1001, reason: 'leaving' });
    expect((await t.ended(id)).state).toBe('closed');
  });

  test.each([1005, 1006, 999, 2000, 5000])('close code %i is refused with INVALID_ARGUMENT and the connection stays open', async (code) => {
    const { id } = await openEcho();
    expectInvalid(t.failure('connections.send', { id, message: { kind: 'close', code } }), new RegExp(`close code ${code} may not be sent`));
    expectInvalid(t.failure('connections.close', { id, code }), new RegExp(`close code ${code} may not be sent`));
    expect(t.summary(id).state).toBe('open');
  });

  test('a close reason without a code is refused rather than dropped', async () => {
    const { id } = await openEcho();
    expectInvalid(t.failure('connections.send', { id, message: { kind: 'close', reason: 'why' } }), /reason needs a close code/);
    expectInvalid(t.failure('connections.close', { id, reason: 'why' }), /reason needs a close code/);
    expect(t.summary(id).state).toBe('open');
  });

  test('sending while connecting or after the close is INVALID_STATE', async () => {
    const silent = await startRawServer('silent');
    const connecting = t.open({ url: silent.url });
    const early = t.failure('connections.send', { id: connecting, message: { kind: 'text', text: 'x' } });
    expect(early.code).toBe('INVALID_STATE');
    expect(early.message).toMatch(/not open yet/);
    const { id } = await openEcho();
    t.engine.call('connections.close', { id });
    await t.ended(id);
    const late = t.failure('connections.send', { id, message: { kind: 'text', text: 'x' } });
    expect(late.code).toBe('INVALID_STATE');
    expect(late.message).toMatch(/closed/);
  });

  test('sending data after our close frame is INVALID_STATE', async () => {
    const raw = await startRawServer('accept');
    const id = t.open({ url: raw.url });
    await raw.next();
    await t.opened(id);
    t.engine.call('connections.close', { id, code: 1000 });
    expect(t.summary(id).state).toBe('closing');
    const error = t.failure('connections.send', { id, message: { kind: 'text', text: 'too late' } });
    expect(error.code).toBe('INVALID_STATE');
  });
});

// ---------------------------------------------------------------- raw frames

describe('raw frames', () => {
  test('arrive byte-exact: odd opcodes, RSV bits, FIN clear, fragments, unmasked', async () => {
    const server = await startRawServer('accept');
    const id = t.open({ url: server.url, deflate: OFF });
    const session = await server.next();
    await t.opened(id);
    const send = (message: object) => t.engine.call('connections.send', { id, message: { kind: 'raw', ...message } as never });
    const results = [
      send({ opcode: 0x3, fin: true, rsv1: true, rsv2: false, rsv3: true, data: 'hey', format: 'text' }),
      send({ opcode: 0x1, fin: false, rsv1: false, rsv2: true, rsv3: false, data: '01 02 03 04 05', format: 'hex', fragmentSize: 2 }),
      send({ opcode: 0x2, fin: true, rsv1: false, rsv2: false, rsv3: false, data: 'AAEC', format: 'base64', mask: false }),
      send({ opcode: 0xb, fin: true, rsv1: false, rsv2: false, rsv3: false, data: 'x'.repeat(300), format: 'text' }),
    ];
    const total = results.reduce((n, r) => n + r.bytes, 0);
    const received = await session.bytes(total);
    expect(received.length).toBe(total);
    const frames = splitFrames(received);
    const fields = frames.map((f) => ({
      b0: f.wire[0], fin: f.fin, rsv: [f.rsv1, f.rsv2, f.rsv3], opcode: f.opcode, masked: f.masked, payload: f.payload.toString('hex'),
    }));
    expect(fields).toEqual([
      { b0: 0xd3, fin: true, rsv: [true, false, true], opcode: 0x3, masked: true, payload: Buffer.from('hey').toString('hex') },
      { b0: 0x21, fin: false, rsv: [false, true, false], opcode: 0x1, masked: true, payload: '0102' },
      { b0: 0x00, fin: false, rsv: [false, false, false], opcode: 0x0, masked: true, payload: '0304' },
      { b0: 0x00, fin: false, rsv: [false, false, false], opcode: 0x0, masked: true, payload: '05' },
      { b0: 0x82, fin: true, rsv: [false, false, false], opcode: 0x2, masked: false, payload: '000102' },
      { b0: 0x8b, fin: true, rsv: [false, false, false], opcode: 0xb, masked: true, payload: Buffer.from('x'.repeat(300)).toString('hex') },
    ]);
    // The second byte: mask bit and the 7-bit length (126 + a 16-bit length for 300).
    expect(frames.map((f) => f.wire[1])).toEqual([0x83, 0x82, 0x82, 0x81, 0x03, 0x80 | 126]);
    expect(frames[5]!.wire.readUInt16BE(2)).toBe(300);
    // The timeline recorded exactly these bytes, row for row, with the mask keys used.
    const rows = results.flatMap((r) => r.rows);
    expect(rows).toHaveLength(6);
    const details = rows.map((i) => t.detail(id, i));
    expect(Buffer.concat(details.map((d) => bytesOf(d.wireBase64)))).toEqual(received);
    details.forEach((d, i) => {
      expect(d.header?.maskKey).toBe(frames[i]!.maskKey?.toString('hex') ?? null);
      expect(bytesOf(d.payloadBase64)).toEqual(frames[i]!.payload);
    });
    // Raw frames are not assembled into messages: each is its own row in the messages view.
    expect(t.rows(id, 'messages').filter((r) => r.kind === 'frame')).toHaveLength(6);
    expect(t.summary(id)).toMatchObject({ framesOut: 6, messagesOut: 0, bytesOut: total });
  });
});

// ---------------------------------------------------------------- malformed frames from a server

describe('a malformed frame from the server', () => {
  test.each([
    ['a reserved opcode', [0x83, 0x00], 'WS_ERR_INVALID_OPCODE', 1002],
    ['invalid UTF-8 in a text frame', [0x81, 0x02, 0xc3, 0x28], 'WS_ERR_INVALID_UTF8', 1007],
    ['a masked frame', [0x82, 0x81, 1, 2, 3, 4, 5], 'WS_ERR_UNEXPECTED_MASK', 1002],
  ])('%s: an error row, a close with the right code, and the engine keeps working', async (_what, bytes, code, closeCode) => {
    const bad = await startRawServer('accept');
    const id = t.open({ url: bad.url, deflate: OFF });
    const session = await bad.next();
    await t.opened(id);
    session.socket.write(Buffer.from(bytes));
    const s = await t.ended(id);
    const error = t.rows(id).find((r) => r.kind === 'error')!;
    expect(error).toMatchObject({ dir: 'in', errorCode: code });
    expect(t.detail(id, error.index).error).toMatchObject({ code, closeCode });
    expect(bytesOf(t.detail(id, error.index).wireBase64)).toEqual(Buffer.from(bytes).subarray(0, bytesOf(t.detail(id, error.index).wireBase64).length));
    expect(s.state).toBe('error');
    expect(s.close?.code).toBe(closeCode);
    // The peer got a close frame carrying that code.
    const close = splitFrames(await until(() => session.ended && session.received, 'the raw peer to see the end')).find((f) => f.opcode === 8)!;
    expect(close.payload.readUInt16BE(0)).toBe(closeCode);

    const good = await startWsServer({ echo: true });
    const other = t.open({ url: good.url });
    await t.opened(other);
    t.engine.call('connections.send', { id: other, message: { kind: 'text', text: 'still fine' } });
    await t.waitFor(other, (x) => x.messagesIn === 1, 'the echo');
    expect(t.rows(other, 'messages', { direction: 'in' }).find((r) => r.kind === 'message')?.preview).toBe('still fine');
  });
  test('closing from inside the open event, when the same bytes already failed the connection, still sends the failing close', async () => {
    const bad = await startRawServer({ acceptThen: [0x83, 0x00] });
    let id = 0;
    t.engine.onRecord((cid, rec) => {
      if (cid === id && rec.kind === 'note' && rec.event === 'open') t.engine.call('connections.close', { id, code: 1000 });
    });
    id = t.open({ url: bad.url });
    const session = await bad.next();
    const s = await t.ended(id);
    expect(s.state).toBe('error');
    expect(s.close?.code).toBe(1002);
    const close = splitFrames(await until(() => session.ended && session.received, 'the raw peer to see the end')).find((f) => f.opcode === 8)!;
    expect(close.payload.readUInt16BE(0)).toBe(1002);
  });

  test('the frames of a message it interrupted still show in the messages view', async () => {
    const bad = await startRawServer('accept');
    const id = t.open({ url: bad.url, deflate: OFF });
    const session = await bad.next();
    await t.opened(id);
    // "abc" opens a text message that a reserved opcode then breaks.
    session.socket.write(Buffer.from([0x01, 0x03, 0x61, 0x62, 0x63, 0x83, 0x00]));
    await t.ended(id);
    const messages = t.rows(id, 'messages').filter((r) => r.kind !== 'note');
    expect(messages.map((r) => [r.kind, r.dir, r.opcode, r.preview])).toEqual([
      ['frame', 'in', 1, 'abc'],
      ['error', 'in', 3, 'opcode 0x3 is reserved'],
      ['frame', 'out', 8, '1002 Protocol Error: opcode 0x3 is reserved'],
    ]);
  });
});

describe('a message that never completes', () => {
  test('cut off by the server hanging up: its frames still show in the messages view', async () => {
    const server = await startRawServer({ acceptThen: [0x01, 0x02, 0x61, 0x62] });
    const id = t.open({ url: server.url });
    const session = await server.next();
    await t.waitFor(id, (s) => s.framesIn === 1, 'the first fragment');
    session.socket.destroy();
    await t.ended(id);
    const shown = t.rows(id, 'messages').filter((r) => r.kind !== 'note');
    expect(shown.map((r) => [r.kind, r.dir, r.preview])).toEqual([['frame', 'in', 'ab']]);
    expect(t.rows(id)[shown[0]!.ref]).toMatchObject({ opcode: 1, fin: false, preview: 'ab' });
  });

  test('abandoned by connections.reconnect: the next attempt\'s messages do not take in its frames', async () => {
    const server = await startRawServer('accept');
    const id = t.open({ url: server.url });
    const first = await server.next();
    await t.opened(id);
    first.socket.write(Buffer.from([0x01, 0x02, 0x61, 0x62]));
    await t.waitFor(id, (s) => s.framesIn === 1, 'the first fragment');
    t.engine.call('connections.reconnect', { id });
    const second = await server.next();
    await t.waitFor(id, (s) => s.attempt === 2 && s.state === 'open', 'attempt 2 open');
    second.socket.write(Buffer.from([0x81, 0x02, 0x63, 0x64]));
    await t.waitFor(id, (s) => s.messagesIn === 1, 'the message of attempt 2');
    const frames = t.rows(id);
    const messages = t.rows(id, 'messages').filter((r) => r.kind !== 'note');
    expect(messages.map((r) => [r.kind, r.preview, frames[r.ref]!.preview, frames[r.refEnd]!.preview])).toEqual([
      ['frame', 'ab', 'ab', 'ab'],
      ['message', 'cd', 'cd', 'cd'],
    ]);
  });
});

// ---------------------------------------------------------------- the timeline

describe('timeline', () => {
  async function conversation(): Promise<number> {
    const server = await startWsServer({ echo: true });
    const id = t.open({ url: `${server.url}/echo`, deflate: OFF });
    await t.opened(id);
    const send = (message: object) => t.engine.call('connections.send', { id, message: message as never });
    send({ kind: 'text', text: 'alpha' });
    send({ kind: 'text', text: 'Beta', fragmentSize: 2 });
    send({ kind: 'binary', data: 'de ad be ef', format: 'hex' });
    send({ kind: 'ping', data: 'p' });
    await t.waitFor(id, (s) => s.messagesIn === 3 && s.framesIn === 4, 'echoes and the pong');
    return id;
  }

  test('range returns windows of a view with the total', async () => {
    const id = await conversation();
    const all = t.rows(id);
    const total = t.summary(id).frameRows;
    expect(all).toHaveLength(total);
    expect(all.map((r) => r.index)).toEqual([...Array(total).keys()]);
    const window = t.engine.call('timeline.range', { connectionId: id, view: 'frames', start: 2, count: 3 });
    expect(window.total).toBe(total);
    expect(window.rows).toEqual(all.slice(2, 5));
    expect(t.engine.call('timeline.range', { connectionId: id, view: 'frames', start: total + 10, count: 5 })).toEqual({ total, rows: [], complete: true });
    expect(t.engine.call('timeline.range', { connectionId: id, view: 'messages', start: 0, count: 0 })).toEqual({ total: t.summary(id).messageRows, rows: [], complete: true });
  });

  test('the messages view has one row per message, pointing at its frames, and control frames and notes as themselves', async () => {
    const id = await conversation();
    const messages = t.rows(id, 'messages');
    const frames = t.rows(id);
    expect(messages.map((r) => [r.kind, r.dir, r.opcode, r.preview])).toEqual([
      ['note', null, -1, expect.stringMatching(/^Connecting to ws:\/\/127\.0\.0\.1:\d+\/echo$/)],
      ['note', null, -1, 'Open'],
      ['message', 'out', 1, 'alpha'],
      ['message', 'out', 1, 'Beta'],
      ['message', 'out', 2, 'de ad be ef'],
      ['frame', 'out', 9, 'p'],
      ['message', 'in', 1, 'alpha'],
      ['message', 'in', 1, 'Beta'],
      ['message', 'in', 2, 'de ad be ef'],
      ['frame', 'in', 10, 'p'],
    ]);
    for (const m of messages.filter((r) => r.kind === 'message')) {
      const spanned = frames.slice(m.ref, m.refEnd + 1);
      expect(spanned.every((f) => f.ref === m.index && f.dir === m.dir)).toBe(true);
      expect(spanned.reduce((n, f) => n + f.size, 0)).toBe(m.size);
    }
    const beta = messages[3]!;
    expect(beta.refEnd - beta.ref).toBe(1);
    // A control frame's row in the messages view points at its own frame row.
    const ping = messages[5]!;
    expect(frames[ping.ref]).toMatchObject({ opcode: 9, preview: 'p' });
    expect(ping.refEnd).toBe(ping.ref);
  });

  test('filters: text, regex, case, direction, opcodes, errors', async () => {
    const id = await conversation();
    const previews = (view: 'frames' | 'messages', filter: object) => t.rows(id, view, filter).map((r) => `${r.dir ?? 'note'}:${r.preview}`);
    expect(previews('messages', { text: 'BETA' })).toEqual(['out:Beta', 'in:Beta']);
    expect(previews('messages', { text: 'beta', caseSensitive: true })).toEqual([]);
    expect(previews('messages', { text: '^al.ha$', regex: true })).toEqual(['out:alpha', 'in:alpha']);
    expect(previews('messages', { text: '^AL', regex: true, caseSensitive: true })).toEqual([]);
    // Frames are searched by their own payloads: 'Beta' went out as 'Be' + 'ta' and came back whole.
    expect(previews('frames', { text: 'ta' })).toEqual(['out:ta', 'in:Beta']);
    expect(previews('messages', { direction: 'in' })).toEqual(['in:alpha', 'in:Beta', 'in:de ad be ef', 'in:p']);
    expect(previews('frames', { opcodes: [9, 10] })).toEqual([
      expect.stringMatching(/^note:Connecting/), 'note:Open', 'out:p', 'in:p',
    ]);
    expect(previews('frames', { opcodes: [9, 10], errors: false })).toEqual(['out:p', 'in:p']);
    expect(previews('messages', { opcodes: [2] , errors: false })).toEqual(['out:de ad be ef', 'in:de ad be ef']);
    const filtered = t.engine.call('timeline.range', { connectionId: id, view: 'messages', start: 1, count: 1, filter: { direction: 'in' } });
    expect(filtered.total).toBe(4);
    expect(filtered.rows.map((r) => r.preview)).toEqual(['Beta']);
  });

  test('a filtered view follows rows appended after it was first read', async () => {
    const id = await conversation();
    expect(t.rows(id, 'messages', { text: 'gamma' })).toEqual([]);
    t.engine.call('connections.send', { id, message: { kind: 'text', text: 'gamma' } });
    await t.waitFor(id, (s) => s.messagesIn === 4, 'the gamma echo');
    expect(t.rows(id, 'messages', { text: 'gamma' }).map((r) => r.dir)).toEqual(['out', 'in']);
  });

  test('detail: header fields, mask key, wire bytes, text or not, close code and reason', async () => {
    const id = await conversation();
    const frames = t.rows(id);
    const alphaOut = frames.find((r) => r.dir === 'out' && r.preview === 'alpha')!;
    const d = t.detail(id, alphaOut.index);
    expect(d.header).toMatchObject({ fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: true, payloadLength: 5, headerLength: 6, nonMinimalLength: false });
    expect(d.header?.maskKey).toMatch(/^[0-9a-f]{8}$/);
    const wire = bytesOf(d.wireBase64);
    expect(wire.length).toBe(11);
    expect(wire.subarray(0, 2)).toEqual(Buffer.from([0x81, 0x85]));
    expect(wire.subarray(2, 6).toString('hex')).toBe(d.header?.maskKey);
    expect(splitFrames(wire)[0]!.payload.toString()).toBe('alpha');
    expect(d).toMatchObject({ text: 'alpha', close: null, error: null, truncated: false });
    expect(bytesOf(d.payloadBase64).toString()).toBe('alpha');

    const alphaIn = t.detail(id, frames.find((r) => r.dir === 'in' && r.preview === 'alpha')!.index);
    expect(alphaIn.header).toMatchObject({ masked: false, maskKey: null, headerLength: 2 });
    expect(bytesOf(alphaIn.wireBase64)).toEqual(Buffer.from([0x81, 0x05, ...Buffer.from('alpha')]));

    const messages = t.rows(id, 'messages');
    const binary = t.detail(id, messages.find((r) => r.kind === 'message' && r.opcode === 2)!.index, 'messages');
    expect(binary).toMatchObject({ header: null, wireBase64: null, text: null });
    expect(bytesOf(binary.payloadBase64)).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const beta = t.detail(id, messages.find((r) => r.kind === 'message' && r.preview === 'Beta')!.index, 'messages');
    expect(beta.text).toBe('Beta');

    const note = t.detail(id, 0);
    expect(note).toMatchObject({ header: null, wireBase64: null, text: expect.stringMatching(/^Connecting to/) });

    t.engine.call('connections.close', { id, code: 4000, reason: 'done here' });
    await t.ended(id);
    const closeRow = t.rows(id, 'frames', { opcodes: [8], direction: 'out' })[0]!;
    expect(t.detail(id, closeRow.index).close).toEqual({ code: 4000, reason: 'done here' });
    expectNotFound(t.failure('timeline.detail', { connectionId: id, view: 'frames', index: t.summary(id).frameRows }));
  });

  test('deleting a connection drops it and its timeline', async () => {
    const server = await startWsServer();
    const id = await (async () => {
      const x = t.open({ url: server.url });
      await t.opened(x);
      return x;
    })();
    const session = await server.next();
    t.engine.call('connections.delete', { id });
    t.engine.flush();
    expect(t.engine.call('connections.list', undefined)).toEqual([]);
    expect(t.events).toContainEqual({ name: 'connection.removed', payload: { id } });
    expectNotFound(t.failure('timeline.range', { connectionId: id, view: 'frames', start: 0, count: 10 }));
    expectNotFound(t.failure('timeline.detail', { connectionId: id, view: 'frames', index: 0 }));
    expectNotFound(t.failure('connections.send', { id, message: { kind: 'text', text: 'x' } }));
    expectNotFound(t.failure('connections.close', { id }));
    expectNotFound(t.failure('connections.reconnect', { id }));
    expectNotFound(t.failure('connections.delete', { id }));
    expect((await session.closed).code).toBe(1006);
    // Nothing about it is announced after its removal.
    const after = t.events.length;
    t.engine.flush();
    expect(t.events.slice(after)).toEqual([]);
  });

  test('changes reach listeners in batches, not one event per frame', async () => {
    const server = await startWsServer({ echo: true });
    const id = t.open({ url: server.url, deflate: OFF });
    await t.opened(id);
    t.engine.flush();
    const start = t.events.length;
    for (let i = 0; i < 1000; i++) t.engine.call('connections.send', { id, message: { kind: 'text', text: `message ${i}` } });
    // Nothing is emitted synchronously per frame; one flush announces all 1000 rows at once.
    expect(t.events.length).toBe(start);
    t.engine.flush();
    const first = t.events.slice(start).filter((e) => e.name === 'timeline.grew');
    expect(first).toHaveLength(1);
    const before = t.summary(id);
    expect(first[0]!.payload).toEqual([{ connectionId: id, frameRows: before.frameRows, messageRows: before.messageRows }]);

    const echoStart = t.events.length;
    await t.waitFor(id, (s) => s.messagesIn === 1000, '1000 echoes');
    t.engine.flush();
    const grew = t.events.slice(echoStart).filter((e) => e.name === 'timeline.grew');
    const updates = t.events.slice(echoStart).filter((e) => e.name === 'connection.updated');
    expect(grew.length).toBeGreaterThan(0);
    expect(grew.length).toBeLessThan(100);
    expect(updates.length).toBeLessThan(100);
    const last = (grew.at(-1)!.payload as TimelineGrowth[])[0]!;
    expect(last).toEqual({ connectionId: id, frameRows: t.summary(id).frameRows, messageRows: t.summary(id).messageRows });
    expect((updates.at(-1)!.payload as ConnectionSummary).messagesIn).toBe(1000);
  });
});

function expectNotFound(error: { code: string; message: string }): void {
  expect(error.code).toBe('NOT_FOUND');
  expect(error.message).toMatch(/no connection|does not exist/);
}

// ---------------------------------------------------------------- validation

describe('argument validation', () => {
  test.each([
    ['connections.open', {}, /url: /],
    ['connections.open', { url: 'ws://h/', headers: [['Bad Name', 'v']] }, /headers\.0\.0: a header name is a token/],
    ['connections.open', { url: 'ws://h/', headers: [['Sec-WebSocket-Key', 'v']] }, /headers\.0\.0: this header is part of the WebSocket handshake/],
    ['connections.open', { url: 'ws://h/', headers: [['Sec-WebSocket-Accept', 'v']] }, /headers\.0\.0: this header is part of the WebSocket handshake/],
    ['connections.open', { url: 'ws://h/', headers: [['X-A', 'a\r\nInjected: 1']] }, /headers\.0\.1: a header value cannot contain line breaks/],
    ['connections.open', { url: 'ws://h/', origin: 'https://a.example', headers: [['origin', 'https://b.example']] }, /headers\.0\.0: .*Origin/],
    ['connections.open', { url: 'ws://h/', subprotocols: ['a b'] }, /subprotocols\.0: a subprotocol is a token/],
    ['connections.open', { url: 'ws://h/', subprotocols: ['chat', 'chat'] }, /subprotocols\.1: .*twice/],
    ['connections.open', { url: 'ws://h/', deflate: { enabled: true, clientMaxWindowBits: 7 } }, /deflate\.clientMaxWindowBits/],
    ['connections.open', { url: 'ws://h/', deflate: { enabled: true, serverMaxWindowBits: 16 } }, /deflate\.serverMaxWindowBits/],
    ['connections.open', { url: 'ws://h/', deflate: { on: true } }, /deflate/],
    ['connections.open', { url: 'ws://h/', tls: { servername: 'bad name' } }, /tls\.servername: the SNI name is a host name/],
    ['connections.open', { url: 'ws://h/', connectTimeoutMs: 5 }, /connectTimeoutMs/],
    ['connections.open', { url: 'ws://h/', keepaliveIntervalMs: 50 }, /keepaliveIntervalMs: a keepalive interval is 0 \(off\) or at least 100 ms/],
    ['connections.open', { url: 'ws://h/', reconnect: { enabled: true, initialDelayMs: 1 } }, /reconnect\.initialDelayMs/],
    ['connections.open', { url: 'ws://h/', reconnect: { enabled: true, maxAttempts: -1 } }, /reconnect\.maxAttempts/],
    ['connections.open', { url: 'ws://h/', labell: 'typo' }, /labell/],
    ['connections.open', 'ws://h/', /expected object/],
    ['connections.open', null, /expected object/],
    ['connections.close', { id: 0 }, /id: /],
    ['connections.close', { id: '1' }, /id: /],
    ['connections.close', { id: 1, code: 70000 }, /code: /],
    ['connections.reconnect', {}, /id: /],
    ['connections.delete', { id: 1.5 }, /id: /],
    ['connections.send', { id: 1 }, /message: /],
    ['connections.send', { id: 1, message: { kind: 'shout' } }, /message\.kind/],
    ['connections.send', { id: 1, message: { kind: 'text' } }, /message\.text/],
    ['connections.send', { id: 1, message: { kind: 'text', text: 'x', fragmentSize: 0 } }, /message\.fragmentSize/],
    ['connections.send', { id: 1, message: { kind: 'binary', data: '00', format: 'text' } }, /message\.format/],
    ['connections.send', { id: 1, message: { kind: 'raw', opcode: 1, rsv1: false, rsv2: false, rsv3: false, data: '', format: 'text' } }, /message\.fin/],
    ['connections.send', { id: 1, message: { kind: 'raw', opcode: 16, fin: true, rsv1: false, rsv2: false, rsv3: false, data: '', format: 'text' } }, /message\.opcode/],
    ['timeline.range', { connectionId: 1, view: 'rows', start: 0, count: 1 }, /view: /],
    ['timeline.range', { connectionId: 1, view: 'frames', start: -1, count: 1 }, /start: /],
    ['timeline.range', { connectionId: 1, view: 'frames', start: 0, count: 100_000 }, /count: /],
    ['timeline.range', { connectionId: 1, view: 'frames', start: 0, count: 1, filter: { text: '(', regex: true } }, /filter\.text: not a valid regular expression/],
    ['timeline.range', { connectionId: 1, view: 'frames', start: 0, count: 1, filter: { direction: 'up' } }, /filter\.direction/],
    ['timeline.detail', { connectionId: 1, view: 'frames', index: -1 }, /index: /],
    ['app.info', { please: true }, /app\.info/],
  ])('%s %j is INVALID_ARGUMENT naming the field', (name, arg, field) => {
    const error = t.failure(name, arg);
    expectInvalid(error, field);
    expect(error.message).toMatch(new RegExp(`^Invalid argument to ${name.replace('.', '\\.')} — `));
  });

  test.each(['connections.explode', '', 'toString', '__proto__', 'constructor'])('"%s" is UNKNOWN_COMMAND', (name) => {
    expect(t.failure(name, {})).toEqual({ code: 'UNKNOWN_COMMAND', message: `There is no command "${name}"` });
  });

  test('no argument, however odd, makes invoke throw', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const odd: unknown[] = [undefined, null, 0, -1, NaN, Infinity, 10n, Symbol('x'), () => 1, [], circular, new Date(), Object.create(null)];
    for (const name of ['connections.open', 'connections.send', 'timeline.range', 'timeline.detail', 'connections.close']) {
      for (const arg of odd) {
        const outcome = t.engine.invoke(name, arg);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error.code).toBe('INVALID_ARGUMENT');
      }
    }
  });

  test('commands on a connection id that does not exist are NOT_FOUND', () => {
    expectNotFound(t.failure('connections.close', { id: 42 }));
    expectNotFound(t.failure('connections.send', { id: 42, message: { kind: 'text', text: 'x' } }));
    expectNotFound(t.failure('timeline.range', { connectionId: 42, view: 'frames', start: 0, count: 1 }));
  });

  test('app.info answers with the version and mode; list takes null or no argument', () => {
    expect(t.engine.invoke('app.info', undefined)).toEqual({ ok: true, result: { version: '0.0.0-test', mode: 'cli' } });
    expect(t.engine.invoke('connections.list', null)).toEqual({ ok: true, result: [] });
  });
});
