// Browser mode's WebSocket RPC with the `ws` package as the page: who may connect (token, cookie,
// Origin), request and reply, errors, events to every socket, and a whole connection driven over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { CommandError, ConnectionSummary, EventName, Events, RangeResult, RowDetail, SendResult } from '../../shared/api.ts';
import { RPC_PATH } from '../../shared/api.ts';
import { startBrowserMode, type BrowserMode } from '../../electron/headless/serve.ts';
import { AsyncQueue } from './socket-driver.ts';

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: CommandError };
type EventMessage = { [K in EventName]: { event: K; payload: Events[K] } }[EventName];

interface Access {
  /** Put the token in the query string. */
  query?: boolean;
  /** Send this Cookie header. */
  cookie?: string;
  /** The Origin header; null sends none. */
  origin?: string | null;
}

/** One RPC socket as the page holds it: replies matched by id, events queued. */
class RpcClient {
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  private readonly replies = new AsyncQueue<Reply>();
  private readonly events = new AsyncQueue<EventMessage>();
  private nextId = 1;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Reply | EventMessage;
      if ('event' in message) this.events.push(message);
      else this.replies.push(message);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        const ended = new Error(`the RPC socket closed (${code})`);
        this.replies.end(ended);
        this.events.end(ended);
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
  }

  static async open(mode: BrowserMode): Promise<RpcClient> {
    const outcome = await connectRpc(mode, { query: true, origin: new URL(mode.url).origin });
    if (outcome.ws === undefined) throw new Error(`the RPC socket was refused with ${outcome.status}`);
    return new RpcClient(outcome.ws);
  }

  async call(cmd: string, arg?: unknown): Promise<Reply> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify(arg === undefined ? { id, cmd } : { id, cmd, arg }));
    return this.replies.take((r) => r.id === id);
  }

  /** The result of a command that must succeed. */
  async result<T>(cmd: string, arg?: unknown): Promise<T> {
    const reply = await this.call(cmd, arg);
    if (!reply.ok) throw new Error(`${cmd} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result as T;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  async reply(id: number): Promise<Reply> {
    return this.replies.take((r) => r.id === id);
  }

  async event<K extends EventName>(name: K, match: (payload: Events[K]) => boolean): Promise<Events[K]> {
    const found = await this.events.take((e) => e.event === name && match(e.payload as Events[K]));
    return found.payload as Events[K];
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** Opens the RPC socket with the given credentials: the ws client, or the HTTP status that refused it. */
function connectRpc(mode: BrowserMode, access: Access): Promise<{ status: number; body: string; ws?: WebSocket }> {
  const page = new URL(mode.url);
  const token = page.searchParams.get('token')!;
  const url = `ws://${page.host}${RPC_PATH}${access.query ? `?token=${token}` : ''}`;
  const ws = new WebSocket(url, {
    ...(access.origin ? { origin: access.origin } : {}),
    ...(access.cookie ? { headers: { Cookie: access.cookie } } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, body: '', ws }));
    ws.once('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    ws.on('error', reject);
  });
}

/** The cookie the page gets when it first loads with the token. */
function pageCookie(mode: BrowserMode): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(mode.url, (response) => {
      response.resume();
      resolve((response.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
    }).on('error', reject);
  });
}

/** Everything the server sends back to a hand-written upgrade (with the token and Origin) and `then`, until it closes. */
function rawUpgrade(version: number, then: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  const page = new URL(mode.url);
  const socket = net.connect(Number(page.port), '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(
    `GET ${RPC_PATH}?token=${page.searchParams.get('token')} HTTP/1.1\r\nHost: ${page.host}\r\nOrigin: ${origin}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n\r\n`,
  );
  socket.write(then);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(received)));
  });
}

let mode: BrowserMode;
/** Sessions go here, not into the data folder of whoever runs the tests. */
let dataDir: string;
let origin: string;
let echo: WebSocketServer;
let echoUrl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'framescope-rpc-data-'));
  mode = await startBrowserMode(0, '127.0.0.1', dataDir);
  origin = new URL(mode.url).origin;
  echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => echo.once('listening', resolve));
  echoUrl = `ws://127.0.0.1:${(echo.address() as AddressInfo).port}/`;
  echo.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
});

afterAll(async () => {
  await mode.close();
  for (const client of echo.clients) client.terminate();
  await new Promise((resolve) => echo.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- who gets in

describe('RPC access', () => {
  test('refuses a socket without the token with 403, saying what is missing', async () => {
    const outcome = await connectRpc(mode, { origin });
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatch(/token/);
  });

  test('refuses a foreign Origin and a missing Origin with 403, even with the token', async () => {
    expect((await connectRpc(mode, { query: true, origin: 'http://evil.example' })).status).toBe(403);
    expect((await connectRpc(mode, { query: true, origin: 'null' })).status).toBe(403);
    expect((await connectRpc(mode, { query: true, origin: null })).status).toBe(403);
  });

  test('refuses a wrong token and a wrong cookie with 403', async () => {
    const page = new URL(mode.url);
    const wrong = 'A'.repeat(page.searchParams.get('token')!.length);
    expect((await connectRpc(mode, { origin, cookie: `framescope-${page.port}=${wrong}` })).status).toBe(403);
    expect((await connectRpc(mode, { origin, cookie: `framescope-1=${page.searchParams.get('token')}` })).status).toBe(403);
  });

  test('opens with the token in the query and the own Origin', async () => {
    const outcome = await connectRpc(mode, { query: true, origin });
    expect(outcome.status).toBe(101);
    outcome.ws!.close();
  });

  test("opens with the page's cookie instead of the query token", async () => {
    const cookie = await pageCookie(mode);
    expect(cookie).toMatch(/^framescope-\d+=/);
    const outcome = await connectRpc(mode, { cookie, origin });
    expect(outcome.status).toBe(101);
    outcome.ws!.close();
  });

  test('answers 404 to a WebSocket on another path', async () => {
    const page = new URL(mode.url);
    const ws = new WebSocket(`ws://${page.host}/other?token=${page.searchParams.get('token')}`, { origin });
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (request, response) => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
      ws.once('open', () => reject(new Error('a WebSocket opened on a path other than the RPC path')));
      ws.once('error', reject);
    });
    expect(status).toBe(404);
  });

  test('answers a malformed handshake with an HTTP error saying what is wrong', async () => {
    const reply = (await rawUpgrade(8)).toString('latin1');
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(reply).toMatch(/\r\n\r\n.*[Vv]ersion/s);
  });
});

// ---------------------------------------------------------------- requests

describe('RPC requests', () => {
  let rpc: RpcClient;

  beforeAll(async () => {
    rpc = await RpcClient.open(mode);
  });

  afterAll(() => rpc.close());

  test('answers app.info with the version and mode "browser"', async () => {
    expect(await rpc.call('app.info')).toEqual({ id: 1, ok: true, result: { version: expect.any(String), mode: 'browser' } });
  });

  test('answers a bad argument with INVALID_ARGUMENT naming the field', async () => {
    const reply = await rpc.call('connections.open', { url: 42 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(!reply.ok && reply.error.message).toMatch(/url/);
    const range = await rpc.call('timeline.range', { view: 'frames', start: 0, count: 1 });
    expect(!range.ok && range.error.message).toMatch(/connectionId/);
  });

  test('answers an unknown command with UNKNOWN_COMMAND', async () => {
    expect(await rpc.call('connections.explode', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND', message: expect.stringMatching(/connections\.explode/) } });
  });

  test('answers an unknown connection with NOT_FOUND', async () => {
    expect(await rpc.call('connections.close', { id: 999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  test.each([
    ['malformed JSON', '{"id": 7, "cmd": '],
    ['JSON that is not a request', '[1, 2, 3]'],
    ['a request without an id', '{"cmd": "app.info"}'],
    ['a binary message', Buffer.from('{"id": 8, "cmd": "app.info"}')],
  ])('answers %s on id -1 and stays usable', async (_what, data) => {
    rpc.sendRaw(data);
    expect(await rpc.reply(-1)).toMatchObject({ id: -1, ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/JSON/) } });
    expect(await rpc.call('app.info')).toMatchObject({ ok: true });
  });
});

// ---------------------------------------------------------------- a connection over RPC

describe('a connection driven over RPC', () => {
  test('opens, sends, reports growth and rows, gives the payload, closes; both sockets get the events', async () => {
    const page = await RpcClient.open(mode);
    const second = await RpcClient.open(mode);
    const { id } = await page.result<{ id: number }>('connections.open', { url: echoUrl });
    let opened: ConnectionSummary | undefined;
    for (const client of [page, second]) {
      opened = await client.event('connection.updated', (s) => s.id === id && s.state === 'open');
      expect(opened).toMatchObject({ url: echoUrl, protocol: null });
    }
    // The timeline shows notes (connecting, open) among the messages; the echo adds two rows more.
    const rowsWhenOpen = opened!.messageRows;

    const sent = await page.result<SendResult>('connections.send', { id, message: { kind: 'text', text: 'over the rpc' } });
    expect(sent.rows.length).toBe(1);
    for (const client of [page, second]) {
      await client.event('timeline.grew', (growth) => growth.some((g) => g.connectionId === id && g.messageRows >= rowsWhenOpen + 2));
    }

    const messages = await page.result<RangeResult>('timeline.range', { connectionId: id, view: 'messages', start: 0, count: 10 });
    expect(messages.total).toBe(rowsWhenOpen + 2);
    const messageRows = messages.rows.filter((r) => r.kind === 'message');
    expect(messageRows.map((r) => [r.dir, r.opcode, r.size, r.preview])).toEqual([
      ['out', 1, 12, 'over the rpc'],
      ['in', 1, 12, 'over the rpc'],
    ]);
    const frames = await page.result<RangeResult>('timeline.range', { connectionId: id, view: 'frames', start: 0, count: 10, filter: { direction: 'in' } });
    expect(frames.rows.filter((r) => r.kind === 'frame').map((r) => [r.dir, r.opcode, r.size])).toEqual([['in', 1, 12]]);

    const detail = await page.result<RowDetail>('timeline.detail', { connectionId: id, view: 'messages', index: messageRows[1]!.index });
    expect(detail.text).toBe('over the rpc');
    expect(Buffer.from(detail.payloadBase64, 'base64').toString('utf8')).toBe('over the rpc');
    const frameDetail = await page.result<RowDetail>('timeline.detail', { connectionId: id, view: 'frames', index: sent.rows[0]! });
    expect(frameDetail.header).toMatchObject({ opcode: 1, fin: true, masked: true, payloadLength: 12 });

    expect(await page.call('connections.close', { id, code: 1000, reason: 'done' })).toMatchObject({ ok: true });
    for (const client of [page, second]) {
      const closed = await client.event('connection.updated', (s) => s.id === id && s.state === 'closed');
      expect(closed.close).toEqual({ code: 1000, reason: 'done', by: 'local', clean: true });
    }
    const list = await second.result<ConnectionSummary[]>('connections.list');
    expect(list.find((c) => c.id === id)).toMatchObject({ state: 'closed', messagesIn: 1, messagesOut: 1 });

    page.close();
    second.close();
  });
});

// ---------------------------------------------------------------- closing

describe('closing the RPC socket', () => {
  test("answers the page's close frame with its own (a clean close)", async () => {
    const rpc = await RpcClient.open(mode);
    rpc.close();
    expect((await rpc.closed).code).toBe(1000);
  });

  test('sends 1001 to every RPC socket when browser mode shuts down', async () => {
    const own = await startBrowserMode(0, '127.0.0.1', join(dataDir, 'own'));
    const clients = [await RpcClient.open(own), await RpcClient.open(own)];
    await own.close();
    for (const client of clients) expect(await client.closed).toMatchObject({ code: 1001 });
  });

  test('ends the session when the page breaks the protocol, with a close frame 1002', async () => {
    // An unmasked text frame: a client's frames must be masked (RFC 6455 §5.1).
    const bytes = await rawUpgrade(13, Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const head = bytes.indexOf('\r\n\r\n');
    expect(bytes.subarray(0, head).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    const frame = bytes.subarray(head + 4);
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1002);
  });
});
