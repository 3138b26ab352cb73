// The proxy when things go wrong, and around its WebSocket relay: upstream rejections passed to the
// app faithfully, dial and TLS failures as 502s, passthrough tunnels, plain HTTP(S) relayed
// unchanged, malformed frames from either peer (recorded, right close codes to both sides, other
// connections unaffected), and the listener's own start and stop errors.
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FrameFlag } from '../../shared/api.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { AbsoluteUriAgent, ConnectTunnelAgent } from '../support/proxy-agents.ts';
import { closeAllPeers, startRawServer, unusedPort } from './engine-harness.ts';
import {
  App, appThrough, cleanupAll, closeOf, frame, ProxyRig, RawClient, splitComplete, startHttpServer, startUpstream, waitFor,
} from './proxy-harness.ts';

let certs: TestCerts;

beforeAll(() => {
  certs = makeCerts();
});

afterAll(() => certs.dispose());

afterEach(async () => {
  await cleanupAll();
  await closeAllPeers();
});

// ---------------------------------------------------------------- upstream answers and failures

describe('the upstream does not accept the upgrade', () => {
  test('a 403 with a body reaches the app unchanged and is recorded', async () => {
    const server = await startHttpServer({
      upgrade: (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Why: token\r\nContent-Length: 12\r\n\r\nnot for you\n'),
    });
    const rig = new ProxyRig();
    const app = appThrough('explicit', await rig.start({}), `ws://127.0.0.1:${server.port}`, '/private');
    const answer = await app.waitRejection();
    expect(answer.status).toBe(403);
    expect(answer.headers['x-why']).toBe('token');
    expect(answer.body).toBe('not for you\n');
    const id = await rig.connection();
    const s = await rig.waitSummary(id, (c) => c.state === 'error' && c.handshake?.body === 'not for you\n', 'the rejection recorded');
    expect(s.handshake).toMatchObject({ status: 403, statusText: 'Forbidden', requestLine: 'GET /private HTTP/1.1' });
    expect(s.handshake?.responseHeaders).toContainEqual(['X-Why', 'token']);
    expect(s.error).toMatchObject({ code: 'HANDSHAKE_REJECTED', cause: '403' });
    expect(s.openedAt).toBeNull();
  });

  test('a 302 reaches the app with its Location and is recorded as a redirect', async () => {
    const server = await startHttpServer({
      upgrade: (_req, socket) => socket.end('HTTP/1.1 302 Found\r\nLocation: ws://elsewhere.test/feed\r\nContent-Length: 0\r\n\r\n'),
    });
    const rig = new ProxyRig();
    const app = appThrough('explicit', await rig.start({}), `ws://127.0.0.1:${server.port}`, '/old');
    const answer = await app.waitRejection();
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('ws://elsewhere.test/feed');
    const id = await rig.connection();
    const s = await rig.waitSummary(id, (c) => c.state === 'error', 'the redirect recorded');
    expect(s.handshake).toMatchObject({ status: 302, location: 'ws://elsewhere.test/feed' });
    expect(s.error?.code).toBe('HANDSHAKE_REDIRECT');
  });

  test('nothing listens upstream: the app gets a 502 saying so, the summary has the dial error', async () => {
    const port = await unusedPort();
    const rig = new ProxyRig();
    const app = appThrough('explicit', await rig.start({}), `ws://127.0.0.1:${port}`, '/');
    const answer = await app.waitRejection();
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(new RegExp(`could not reach ws://127\\.0\\.0\\.1:${port}/`));
    const id = await rig.connection();
    const s = await rig.waitSummary(id, (c) => c.state === 'error', 'the failure recorded');
    expect(s.error?.code).toBe('TCP_REFUSED');
    expect(s.handshake?.status).toBe(502);
  });

  test('an upstream certificate the proxy does not trust gives a 502, unless the host is listed as insecure', async () => {
    const upstream = await startUpstream({ tls: certs.leaf, echo: true });
    const rig = new ProxyRig();
    const address = await rig.start({});
    const refused = appThrough('mitm', address, upstream.url, '/', { caPem: rig.caPem() });
    expect((await refused.waitRejection()).status).toBe(502);
    const id = await rig.connection();
    const s = await rig.waitSummary(id, (c) => c.state === 'error', 'the TLS failure recorded');
    expect(s.error?.code).toBe('TLS_FAILED');

    await rig.start({ insecureUpstreamHosts: ['127.0.0.1'] });
    const app = appThrough('mitm', rig.address, upstream.url, '/', { caPem: rig.caPem() });
    await app.opened;
    app.ws.send('through');
    expect((await app.waitMessages(1)).map((m) => String(m.data))).toEqual(['through']);
  });
});

// ---------------------------------------------------------------- not intercepted

describe('traffic the proxy passes through', () => {
  test('a passthrough host\'s CONNECT tunnel is raw TCP: the app sees the server\'s own certificate, nothing is recorded', async () => {
    const upstream = await startUpstream({ tls: certs.leaf, echo: true });
    const rig = new ProxyRig();
    const address = await rig.start({ passthroughHosts: ['127.0.0.1'] });
    // The app trusts the test CA only, which signed the server's certificate and not Framescope's.
    const app = appThrough('mitm', address, upstream.url, '/', { caPem: certs.caPem });
    let peer: X509Certificate | null = null;
    app.ws.on('upgrade', (res) => { peer = new X509Certificate((res.socket as TLSSocket).getPeerCertificate(false).raw); });
    await app.opened;
    app.ws.send('raw tunnel');
    expect((await app.waitMessages(1)).map((m) => String(m.data))).toEqual(['raw tunnel']);
    expect(peer!.fingerprint256).toBe(new X509Certificate(certs.leaf.cert).fingerprint256);
    expect(rig.list()).toEqual([]);
  });

  test('plain HTTP requests (POST and GET) with an absolute URI reach the server and their answers come back unchanged', async () => {
    const seen: Array<{ method: string; url: string; header: string | undefined; body: string }> = [];
    const server = await startHttpServer({
      request: (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method!, url: req.url!, header: req.headers['x-test'] as string | undefined, body: Buffer.concat(chunks).toString() });
          res.writeHead(201, 'Made It', { 'X-Answer': 'yes', 'Content-Type': 'text/plain' });
          res.end('created: ' + Buffer.concat(chunks).toString());
        });
      },
    });
    const rig = new ProxyRig();
    const address = await rig.start({});
    const answer = await request(http, { host: '127.0.0.1', port: server.port, path: '/things?x=1', method: 'POST', headers: { 'X-Test': 'v1' }, agent: new AbsoluteUriAgent(address) }, 'a body');
    expect(answer).toMatchObject({ status: 201, statusText: 'Made It', body: 'created: a body' });
    expect(answer.headers['x-answer']).toBe('yes');
    const got = await request(http, { host: '127.0.0.1', port: server.port, path: '/page', agent: new AbsoluteUriAgent(address) });
    expect(got).toMatchObject({ status: 201, body: 'created: ' });
    expect(seen).toEqual([{ method: 'POST', url: '/things?x=1', header: 'v1', body: 'a body' }, { method: 'GET', url: '/page', header: undefined, body: '' }]);
    expect(rig.list()).toEqual([]);
  });

  test('HTTPS through CONNECT (MITM with the generated CA) reaches the server and its answer comes back unchanged', async () => {
    const server = await startHttpServer({
      request: (req, res) => {
        res.writeHead(200, { 'X-Path': req.url! });
        res.end(`hello over TLS, ${req.headers['x-who'] as string}`);
      },
    }, certs.leaf);
    const rig = new ProxyRig();
    const address = await rig.start({ insecureUpstreamHosts: ['127.0.0.1'] });
    const agent = new ConnectTunnelAgent(address, { ca: rig.caPem() });
    const answer = await request(https, { host: '127.0.0.1', port: server.port, path: '/secure?q=2', headers: { 'X-Who': 'test' }, agent });
    expect(answer).toMatchObject({ status: 200, body: 'hello over TLS, test' });
    expect(answer.headers['x-path']).toBe('/secure?q=2');
    expect(agent.answers[0]).toMatch(/^HTTP\/1\.1 200/);
  });
});

function request(
  mod: typeof http | typeof https,
  options: http.RequestOptions,
  body?: string,
): Promise<{ status: number; statusText: string; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, statusText: res.statusMessage!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------- malformed frames

describe('a peer breaks RFC 6455', () => {
  /** A healthy proxied connection beside the broken one: it must keep working. */
  async function bystander(rig: ProxyRig): Promise<{ app: App; id: number }> {
    const upstream = await startUpstream({ echo: true });
    const app = appThrough('explicit', rig.address, upstream.url, '/bystander');
    await app.opened;
    app.ws.send('before');
    await app.waitMessages(1);
    return { app, id: await rig.connection() };
  }

  async function stillWorks(b: { app: App }): Promise<void> {
    b.app.ws.send('after');
    await b.app.waitMessages(2);
    expect(b.app.texts()).toEqual(['before', 'after']);
    expect(b.app.close).toBeNull();
  }

  function errorRows(rig: ProxyRig, id: number): Array<[string | null, string | null]> {
    return rig.rows(id).filter((r) => r.kind === 'error').map((r) => [r.dir, r.errorCode]);
  }

  /** The proxy's close frames as recorded: toward whom, the code, and the injected flag. */
  function recordedCloses(rig: ProxyRig, id: number): Array<[string, number, boolean]> {
    return rig.frames(id).filter((f) => f.opcode === 8).map((f) => [f.dir, Buffer.from(f.payload).readUInt16BE(0), ((f.flags ?? 0) & FrameFlag.INJECTED) !== 0]);
  }

  test('an unmasked frame from the app: error row, 1002 to the app and to the server', async () => {
    const upstream = await startUpstream();
    const rig = new ProxyRig();
    const address = await rig.start({});
    const b = await bystander(rig);
    const client = new RawClient(Number(address.split(':')[1]));
    client.upgrade(`ws://127.0.0.1:${upstream.port}/raw`, `127.0.0.1:${upstream.port}`);
    expect(await client.waitHead()).toMatch(/^HTTP\/1\.1 101/);
    const session = await upstream.next();
    const id = await rig.connection();
    client.socket.write(frame(1, 'not masked'));
    expect(await session.waitClose()).toMatchObject({ code: 1002 });
    const closes = await waitFor(() => client.frames().filter((f) => f.opcode === 8).length === 1 && client.frames(), 'a close at the app');
    expect(closeOf(closes.at(-1)!).code).toBe(1002);
    expect(closes.at(-1)!.masked).toBe(false);
    const s = await rig.ended(id);
    expect(s.state).toBe('error');
    expect(s.close).toMatchObject({ code: 1002, by: 'local', clean: false });
    expect(errorRows(rig, id)).toEqual([['out', 'WS_ERR_EXPECTED_MASK']]);
    expect(recordedCloses(rig, id)).toEqual([['in', 1002, true], ['out', 1002, true]]);
    expect(rig.detail(id, rig.rows(id).findIndex((r) => r.kind === 'error')).error).toMatchObject({ code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002 });
    await stillWorks(b);
  });

  test('invalid UTF-8 text from the app: error row, 1007 to the app and to the server', async () => {
    const upstream = await startUpstream();
    const rig = new ProxyRig();
    const address = await rig.start({});
    const b = await bystander(rig);
    const app = appThrough('explicit', address, upstream.url, '/utf8');
    await app.opened;
    const session = await upstream.next();
    const id = await rig.connection();
    app.ws.send(Buffer.from([0x68, 0xc3, 0x28]), { binary: false });
    expect(await session.waitClose()).toMatchObject({ code: 1007 });
    expect(await app.waitClose()).toMatchObject({ code: 1007 });
    expect(session.messages).toEqual([]);
    await rig.ended(id);
    expect(errorRows(rig, id)).toEqual([['out', 'WS_ERR_INVALID_UTF8']]);
    expect(recordedCloses(rig, id)).toEqual([['in', 1007, true], ['out', 1007, true]]);
    await stillWorks(b);
  });

  test.each([
    { what: 'a reserved opcode', bytes: [0x83, 0x00], code: 1002, err: 'WS_ERR_INVALID_OPCODE' },
    { what: 'invalid UTF-8 text', bytes: [0x81, 0x02, 0xc3, 0x28], code: 1007, err: 'WS_ERR_INVALID_UTF8' },
  ])('$what from the server: error row, $code to the server and to the app', async ({ bytes, code, err }) => {
    const raw = await startRawServer('accept');
    const rig = new ProxyRig();
    const address = await rig.start({});
    const b = await bystander(rig);
    const app = appThrough('explicit', address, raw.url, '/bad');
    await app.opened;
    const session = await raw.next();
    const id = await rig.connection();
    await rig.waitSummary(id, (s) => s.state === 'open', 'open');
    session.socket.write(Buffer.from(bytes));
    expect((await app.waitClose()).code).toBe(code);
    expect(app.messages).toEqual([]);
    const received = await waitFor(() => {
      const frames = splitComplete(session.received);
      return frames.some((f) => f.opcode === 8) && frames;
    }, 'a close at the server');
    const close = received.find((f) => f.opcode === 8)!;
    expect(close.masked).toBe(true);
    expect(closeOf(close).code).toBe(code);
    const s = await rig.ended(id);
    expect(s.close).toMatchObject({ code, by: 'local' });
    expect(errorRows(rig, id)).toEqual([['in', err]]);
    expect(recordedCloses(rig, id)).toEqual([['out', code, true], ['in', code, true]]);
    await stillWorks(b);
  });
});

// ---------------------------------------------------------------- the listener itself

describe('starting and stopping the proxy', () => {
  test('a port in use gives state "error" with a sentence saying what to do', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const rig = new ProxyRig();
      const status = await rig.engine.request('proxy.start', { host: '127.0.0.1', port });
      expect(status.state).toBe('error');
      expect(status.address).toBeNull();
      expect(status.error).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use — pick another port`));
      expect(rig.engine.call('proxy.status', undefined).state).toBe('error');
      expect(rig.eventsNamed('proxy.updated').at(-1)?.state).toBe('error');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  test('reverse mode without an upstream URL is refused with INVALID_STATE', async () => {
    const rig = new ProxyRig();
    const outcome = await rig.engine.dispatch('proxy.start', { host: '127.0.0.1', port: 0, mode: 'reverse' });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('INVALID_STATE');
    expect(!outcome.ok && outcome.error.message).toMatch(/needs the upstream URL/);
    expect(rig.engine.call('proxy.status', undefined).state).toBe('stopped');
  });

  test('proxy.stop stops accepting; a connection already relaying goes on', async () => {
    const upstream = await startUpstream({ echo: true });
    const rig = new ProxyRig();
    const address = await rig.start({});
    const app = appThrough('explicit', address, upstream.url, '/');
    await app.opened;
    const status = await rig.engine.request('proxy.stop', undefined);
    expect(status).toMatchObject({ state: 'stopped', address: null });
    const port = Number(address.split(':')[1]);
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve('connected'); });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    app.ws.send('still here');
    expect((await app.waitMessages(1)).map((m) => String(m.data))).toEqual(['still here']);
  });
});
