// `framescope connect` as a person or a script runs it: a child process against real ws servers on
// loopback, checked through its exit code, its --jsonl lines (the documented format) and its plain output.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { AsyncQueue } from './socket-driver.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--experimental-strip-types', '--no-warnings', 'electron/headless/cli.ts'];
/** connect records into a session in the data folder: keep it out of the home folder. */
const defaultDataDir = mkdtempSync(path.join(tmpdir(), 'framescope-cli-default-'));
const defaultEnv: NodeJS.ProcessEnv = { ...process.env, FRAMESCOPE_DATA_DIR: defaultDataDir };
afterAll(() => rmSync(defaultDataDir, { recursive: true, force: true }));
/** A hang guard, not a timing assertion: a CLI that never exits is killed and its test fails. */
const HANG_GUARD_MS = 20_000;

type JsonLine = { type: string } & Record<string, unknown>;

interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One `framescope` child process; stdout lines can be awaited while it runs. */
class Cli {
  readonly exited: Promise<CliExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines = new AsyncQueue<string>();

  constructor(args: string[], env: NodeJS.ProcessEnv = defaultEnv) {
    this.child = spawn(process.execPath, [...CLI, ...args], { cwd: repoRoot, timeout: HANG_GUARD_MS, env });
    // The CLI may exit before reading everything a test writes; that is not this test's failure.
    this.child.stdin.on('error', () => undefined);
    let stdout = '';
    let stderr = '';
    let partial = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) this.lines.push(line);
    });
    this.child.stderr.on('data', (chunk: string) => (stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.lines.end(new Error(`framescope exited (code ${code}, signal ${signal}) before printing the awaited line; stdout:\n${stdout}\nstderr:\n${stderr}`));
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  writeLine(text: string): void {
    this.child.stdin.write(`${text}\n`);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  /** Ctrl-C. */
  interrupt(): void {
    this.child.kill('SIGINT');
  }

  /** The next plain stdout line matching `re`. */
  async lineMatching(re: RegExp): Promise<string> {
    return this.lines.take((line) => re.test(line));
  }

  /** Goes away as `| head -1` does: the CLI's next write to stdout fails with EPIPE. */
  stopReading(): void {
    this.child.stdout.destroy();
  }

  /** The next plain stdout line equal to `text`. */
  async line(text: string): Promise<string> {
    return this.lines.take((line) => line === text);
  }

  /** The next --jsonl line matching `fields`. */
  async json(fields: Record<string, unknown>): Promise<JsonLine> {
    const matches = (line: string): boolean => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return false;
      }
      return Object.entries(fields).every(([key, value]) => parsed[key] === value);
    };
    return JSON.parse(await this.lines.take(matches)) as JsonLine;
  }
}

/** Runs the CLI with these input lines, ends its input, and waits for it to exit. */
async function run(args: string[], input: string[] = []): Promise<CliExit> {
  const cli = new Cli(args);
  for (const line of input) cli.writeLine(line);
  cli.endInput();
  return cli.exited;
}

/** Every stdout line parsed as JSON: a line that is not JSON fails the test. */
function jsonLines(exit: CliExit): JsonLine[] {
  expect(exit.stdout.endsWith('\n')).toBe(true);
  return exit.stdout.slice(0, -1).split('\n').map((line) => JSON.parse(line) as JsonLine);
}

function textFrame(dir: 'in' | 'out', text: string): JsonLine {
  return { type: 'frame', dir, opcode: 1, fin: true, rsv1: false, rsv2: false, rsv3: false, len: Buffer.byteLength(text), text };
}

function closePayload(code: number, reason = ''): string {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload.toString('base64');
}

// ---------------------------------------------------------------- the servers

/** The upgrade request each path received (keyed by path and query), for checking what the CLI sent. */
const requests = new Map<string, IncomingHttpHeaders>();
/** The close code and reason the ws server saw, per request path and query. */
const serverCloses = new AsyncQueue<{ url: string; code: number; reason: string }>();
/** The pongs the ws server got, per request path and query. */
const serverPongs = new AsyncQueue<{ url: string; data: string }>();

/** What a path does once open; every path echoes what it receives. */
function behave(path: string, ws: WebSocket): void {
  switch (path) {
    case '/binary':
      // Bytes that are not UTF-8, bytes that happen to be UTF-8, then a marker the test waits for.
      ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x80]), { binary: true, compress: false });
      ws.send(Buffer.from('abc'), { binary: true, compress: false });
      ws.send('done', { compress: false });
      break;
    case '/greet':
      ws.send('first');
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      break;
    case '/ping':
      ws.ping('hb');
      break;
    case '/close4000':
      // Closing once the client has spoken, as servers usually do, rather than in the same packet as the 101.
      ws.once('message', () => ws.close(4000, 'server says bye'));
      break;
    default:
      break;
  }
}

function serveWebSockets(server: Server): void {
  // ws servers do not negotiate permessage-deflate unless asked; these do, so --no-deflate is visible.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '/';
    requests.set(url, request.headers);
    const path = url.split('?')[0]!;
    if (path === '/reject') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nforbidden\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('pong', (data) => serverPongs.push({ url, data: data.toString('utf8') }));
      ws.on('close', (code, reason) => serverCloses.push({ url, code, reason: reason.toString('utf8') }));
      behave(path, ws);
    });
  });
}

/** The first frame each raw connection received after its 101 (opcode and close code, -1 when none came), per request path. */
const violationReplies = new AsyncQueue<{ path: string; opcode: number; code: number }>();

/** Answers the opening handshake by hand, then sends a frame with reserved opcode 3. */
function startViolatingServer(): net.Server {
  return net.createServer((socket) => {
    let head = '';
    let path = '';
    let replied = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (path !== '' && !replied) violationReplies.push({ path, opcode: -1, code: -1 });
    });
    socket.on('data', (chunk) => {
      if (path !== '') {
        replied = true;
        // The client's close frame (masked, short): its code, then the server hangs up (RFC 6455 §7.1.1).
        const mask = chunk.subarray(2, 6);
        const code = ((chunk[6]! ^ mask[0]!) << 8) | (chunk[7]! ^ mask[1]!);
        violationReplies.push({ path, opcode: chunk[0]! & 0x0f, code });
        socket.end();
        return;
      }
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      path = head.split(' ')[1]!;
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      // One write, so the violation arrives with the 101: a client whose input has already ended closes
      // (1000) as soon as it opens, and a frame arriving after that close would find nothing to fail.
      socket.write(Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`, 'latin1'),
        Buffer.from([0x83, 0x00]),
      ]));
    });
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

let certs: TestCerts;
let plainServer: Server;
let tlsServer: Server;
let rawServer: net.Server;
let plainUrl: string;
let tlsUrl: string;
let violatingUrl: string;

beforeAll(async () => {
  certs = makeCerts();
  plainServer = createHttpServer();
  tlsServer = createHttpsServer({ cert: certs.leaf.cert, key: certs.leaf.key });
  serveWebSockets(plainServer);
  serveWebSockets(tlsServer);
  rawServer = startViolatingServer();
  plainUrl = `ws://127.0.0.1:${await listen(plainServer)}`;
  tlsUrl = `wss://127.0.0.1:${await listen(tlsServer)}`;
  violatingUrl = `ws://127.0.0.1:${await listen(rawServer)}`;
});

afterAll(async () => {
  for (const server of [plainServer, tlsServer]) server.closeAllConnections();
  await Promise.all([closeServer(plainServer), closeServer(tlsServer), closeServer(rawServer)]);
  certs.dispose();
});

// ---------------------------------------------------------------- --jsonl

describe('connect --jsonl', () => {
  test('prints open, each frame and message both ways, the close frames, and close last; exits 0', async () => {
    const lines = ['hello', 'wörld ✓'];
    // Without deflate, so that every length is the text's own.
    const exit = await run(['connect', `${plainUrl}/echo?t=sequence`, '--jsonl', '--no-deflate'], lines);
    expect(exit.code).toBe(0);
    const out = jsonLines(exit);
    expect(out[0]).toEqual({ type: 'open', url: `${plainUrl}/echo?t=sequence`, protocol: null, extensions: null });
    expect(requests.get('/echo?t=sequence')!['sec-websocket-extensions'], '--no-deflate offers no extension').toBeUndefined();
    expect(out.at(-1)).toEqual({ type: 'close', code: 1000, reason: '', by: 'local' });
    const middle = out.slice(1, -1);
    for (const dir of ['out', 'in'] as const) {
      expect(middle.filter((l) => l.dir === dir)).toEqual([
        textFrame(dir, lines[0]!),
        { type: 'message', dir, opcode: 1, text: lines[0] },
        textFrame(dir, lines[1]!),
        { type: 'message', dir, opcode: 1, text: lines[1] },
        { type: 'frame', dir, opcode: 8, fin: true, rsv1: false, rsv2: false, rsv3: false, len: 2, base64: closePayload(1000) },
      ]);
    }
    expect(middle).toHaveLength(10);
  });

  test("shows a compressed message's FIN frame with RSV1, its compressed length and the decompressed text", async () => {
    const long = 'framescope '.repeat(200).trim();
    const exit = await run(['connect', `${plainUrl}/echo?t=compressed`, '--jsonl'], [long]);
    expect(exit.code).toBe(0);
    // Offered by default, and this server accepts it.
    expect(requests.get('/echo?t=compressed')!['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    expect(jsonLines(exit)[0]).toMatchObject({ type: 'open', extensions: expect.stringMatching(/^permessage-deflate/) });
    const frames = jsonLines(exit).filter((l) => l.type === 'frame' && l.opcode === 1);
    expect(frames.map((f) => f.dir)).toEqual(['out', 'in']);
    for (const frame of frames) {
      expect(frame).toMatchObject({ fin: true, rsv1: true, text: long });
      expect(frame.len).toBeLessThan(Buffer.byteLength(long));
    }
  });

  test('prints binary data as base64, even when the bytes happen to be UTF-8', async () => {
    const cli = new Cli(['connect', `${plainUrl}/binary?t=binary`, '--jsonl']);
    await cli.json({ type: 'message', dir: 'in', text: 'done' });
    cli.endInput();
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    const incoming = jsonLines(exit).filter((l) => l.dir === 'in' && l.opcode === 2);
    expect(incoming).toEqual([
      { type: 'frame', dir: 'in', opcode: 2, fin: true, rsv1: false, rsv2: false, rsv3: false, len: 4, base64: '//4AgA==' },
      { type: 'message', dir: 'in', opcode: 2, base64: '//4AgA==' },
      { type: 'frame', dir: 'in', opcode: 2, fin: true, rsv1: false, rsv2: false, rsv3: false, len: 3, base64: 'YWJj' },
      { type: 'message', dir: 'in', opcode: 2, base64: 'YWJj' },
    ]);
  });

  test("shows the server's ping as opcode 9 in and the automatic pong as opcode 10 out, both base64", async () => {
    const cli = new Cli(['connect', `${plainUrl}/ping?t=ping`, '--jsonl']);
    const ping = await cli.json({ type: 'frame', opcode: 9 });
    const pong = await cli.json({ type: 'frame', opcode: 10 });
    cli.endInput();
    expect(ping).toMatchObject({ dir: 'in', fin: true, len: 2, base64: 'aGI=' });
    expect(pong).toMatchObject({ dir: 'out', fin: true, len: 2, base64: 'aGI=' });
    expect(await serverPongs.take((p) => p.url === '/ping?t=ping')).toEqual({ url: '/ping?t=ping', data: 'hb' });
    expect((await cli.exited).code).toBe(0);
  });

  test("ends with the server's close code and reason, by remote, after replying to its close frame; exits 0", async () => {
    const cli = new Cli(['connect', `${plainUrl}/close4000?t=remote`, '--jsonl']);
    await cli.json({ type: 'open' });
    cli.writeLine('please close');
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    const out = jsonLines(exit);
    expect(out.at(-1)).toEqual({ type: 'close', code: 4000, reason: 'server says bye', by: 'remote' });
    expect(out).toContainEqual({ type: 'frame', dir: 'in', opcode: 8, fin: true, rsv1: false, rsv2: false, rsv3: false, len: 17, base64: closePayload(4000, 'server says bye') });
    // RFC 6455 §5.5.1: the reply echoes the status code received.
    const reply = out.find((l) => l.type === 'frame' && l.dir === 'out' && l.opcode === 8);
    expect(reply, 'the close reply is on the timeline').toBeDefined();
    expect(Buffer.from(String(reply?.base64), 'base64').readUInt16BE(0)).toBe(4000);
    expect((await serverCloses.take((c) => c.url === '/close4000?t=remote')).code).toBe(4000);
  });

  test('reports a protocol violation as an error line with its WS_ERR code and close code, then close; exits 1', async () => {
    const exit = await new Cli(['connect', `${violatingUrl}/open-input`, '--jsonl']).exited;
    expect(exit.code).toBe(1);
    const out = jsonLines(exit);
    expect(out[0]).toMatchObject({ type: 'open' });
    const error = out.findIndex((l) => l.type === 'error');
    expect(out[error]).toEqual({ type: 'error', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: expect.stringMatching(/opcode/) });
    const closeFrame = out.findIndex((l) => l.type === 'frame' && l.dir === 'out' && l.opcode === 8);
    expect(closeFrame, 'the close frame failing the connection is on the timeline').toBeGreaterThan(error);
    expect(Buffer.from(String(out[closeFrame]!.base64), 'base64').readUInt16BE(0)).toBe(1002);
    expect(out.at(-1)).toMatchObject({ type: 'close', code: 1002 });
    expect(await violationReplies.take((r) => r.path === '/open-input')).toMatchObject({ opcode: 8, code: 1002 });
  });

  test('sends the 1002 close frame even when input ended before the connection opened', async () => {
    const exit = await run(['connect', `${violatingUrl}/ended-input`, '--jsonl']);
    expect(exit.code).toBe(1);
    expect(jsonLines(exit)).toContainEqual(expect.objectContaining({ type: 'error', code: 'WS_ERR_INVALID_OPCODE' }));
    expect(await violationReplies.take((r) => r.path === '/ended-input')).toMatchObject({ opcode: 8, code: 1002 });
  });
});

// ---------------------------------------------------------------- options

describe('connect options', () => {
  test('sends -H headers, offers --subprotocol values and sends --origin', async () => {
    const url = '/echo?t=options';
    const exit = await run([
      'connect', `${plainUrl}${url}`, '--jsonl', '-H', 'X-Test: 1', '--header', 'X-Other:  two words ', '--subprotocol', 'chat', '-s', 'superchat', '--origin', 'http://app.example',
    ]);
    expect(exit.code).toBe(0);
    expect(jsonLines(exit)[0]).toMatchObject({ type: 'open', protocol: 'chat' });
    const headers = requests.get(url)!;
    expect(headers['x-test']).toBe('1');
    expect(headers['x-other']).toBe('two words');
    expect(headers['sec-websocket-protocol']).toBe('chat, superchat');
    expect(headers.origin).toBe('http://app.example');
  });
});

// ---------------------------------------------------------------- failures and usage

describe('connect failures', () => {
  test('says the connection was refused and exits 1 when nothing listens', async () => {
    const spare = net.createServer();
    const port = await listen(spare);
    await closeServer(spare);
    const exit = await run(['connect', `ws://127.0.0.1:${port}/`]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/refused/);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  });

  test('says the server answered 403 and exits 1', async () => {
    const exit = await run(['connect', `${plainUrl}/reject`]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/403/);
  });

  test.each([
    ['no URL', ['connect'], /needs a URL/],
    ['a header without a colon', ['connect', 'ws://127.0.0.1:9/', '-H', 'X-Test'], /Name: value/],
    ['an unknown option', ['connect', 'ws://127.0.0.1:9/', '--bogus'], /bogus/],
  ])('exits 2 with the usage text on %s', async (_what, args, message) => {
    const exit = await run(args);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).toContain('Usage:');
    expect(exit.stdout).toBe('');
  });

  test('closes normally, without a stack trace, when the reader of its output goes away', async () => {
    const cli = new Cli(['connect', `${plainUrl}/echo?t=epipe`, '--jsonl']);
    await cli.json({ type: 'open' });
    cli.stopReading();
    cli.writeLine('nobody reads this');
    const exit = await cli.exited;
    expect(exit.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(exit.code).toBe(0);
    expect(await serverCloses.take((c) => c.url === '/echo?t=epipe')).toMatchObject({ code: 1000 });
  });
});

// ---------------------------------------------------------------- plain output

describe('connect without --jsonl', () => {
  test('prints each received message on its own stdout line and the status on stderr', async () => {
    const cli = new Cli(['connect', `${plainUrl}/greet?t=plain`]);
    await cli.line('[binary 3 bytes] 010203');
    cli.writeLine('second');
    await cli.line('second');
    cli.endInput();
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe('first\n[binary 3 bytes] 010203\nsecond\n');
    expect(exit.stderr).toContain(`Connected to ${plainUrl}/greet?t=plain`);
    expect(exit.stderr).toMatch(/Disconnected: 1000/);
  });
});

// ---------------------------------------------------------------- TLS

describe('connect over wss://', () => {
  test('refuses a certificate from an unknown CA, saying what to do', async () => {
    const exit = await run(['connect', `${tlsUrl}/echo?t=untrusted`]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/not trusted/);
    expect(requests.has('/echo?t=untrusted')).toBe(false);
  });

  test('--insecure accepts it', async () => {
    const exit = await run(['connect', `${tlsUrl}/echo?t=insecure`, '--jsonl', '--insecure'], ['over tls']);
    expect(exit.code).toBe(0);
    expect(jsonLines(exit)).toContainEqual({ type: 'message', dir: 'in', opcode: 1, text: 'over tls' });
  });

  test('--ca trusts the CA that issued it', async () => {
    const exit = await run(['connect', `${tlsUrl}/echo?t=ca`, '--jsonl', '--ca', certs.caPath], ['trusted']);
    expect(exit.code).toBe(0);
    expect(jsonLines(exit)).toContainEqual({ type: 'message', dir: 'in', opcode: 1, text: 'trusted' });
  });
});

// ---------------------------------------------------------------- proxy and ca

describe('proxy', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'framescope-cli-data-'));
    env = { ...process.env, FRAMESCOPE_DATA_DIR: dataDir };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('--jsonl prints its address first, then each frame with the connection id and the sender as dir; Ctrl-C exits 0', async () => {
    const cli = new Cli(['proxy', '--port', '0', '--reverse', `${plainUrl}/echo?t=proxy-jsonl`, '--jsonl'], env);
    const listening = await cli.json({ type: 'listening' });
    expect(listening).toMatchObject({ mode: 'reverse', upstream: `${plainUrl}/echo?t=proxy-jsonl` });
    const app = new WebSocket(`ws://${String(listening.address)}/`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => { app.once('open', resolve); app.once('error', reject); });
    app.send('through');
    const echoed = await new Promise<string>((resolve) => app.once('message', (data) => resolve(String(data))));
    expect(echoed).toBe('through');
    expect(await cli.json({ type: 'message', dir: 'client' })).toEqual({ type: 'message', id: 1, dir: 'client', opcode: 1, text: 'through' });
    expect(await cli.json({ type: 'message', dir: 'server' })).toEqual({ type: 'message', id: 1, dir: 'server', opcode: 1, text: 'through' });
    app.close(4000, 'done');
    expect(await cli.json({ type: 'close' })).toEqual({ type: 'close', id: 1, code: 4000, reason: 'done', by: 'app' });
    cli.interrupt();
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    const lines = jsonLines(exit);
    expect(lines[0]!.type).toBe('listening');
    expect(lines.filter((l) => l.type === 'frame').map((l) => [l.dir, l.opcode])).toEqual([['client', 1], ['server', 1], ['client', 8], ['server', 8]]);
  });

  test('prints one line per connection, and Ctrl-C closes open connections with 1001 toward the app', async () => {
    const cli = new Cli(['proxy', '--port', '0', '--reverse', `${plainUrl}/echo?t=proxy-plain`], env);
    const address = /listening on (\S+) \(reverse mode/.exec(await cli.lineMatching(/^Framescope proxy listening on /))![1]!;
    const app = new WebSocket(`ws://${address}/`);
    await new Promise((resolve, reject) => { app.once('open', resolve); app.once('error', reject); });
    expect((await cli.lineMatching(/^#1 open /)).startsWith(`#1 open ${plainUrl}/echo?t=proxy-plain from 127.0.0.1:`)).toBe(true);
    const closed = new Promise<number>((resolve) => app.once('close', (code) => resolve(code)));
    cli.interrupt();
    expect(await closed).toBe(1001);
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/#1 Closed by Framescope: 1001/);
  });

  test('says the port is in use and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const exit = await new Cli(['proxy', '--port', String(port)], env).exited;
    blocker.close();
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
  });

  test('refuses a bad port as a usage error (exit 2)', async () => {
    const exit = await new Cli(['proxy', '--port', 'eighty'], env).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('--port needs a number');
  });

  test('ca --pem prints the CA certificate, ca --spki its SPKI hash, and the key is readable by the user alone', async () => {
    const pem = (await new Cli(['ca', '--pem'], env).exited).stdout;
    const cert = new X509Certificate(pem);
    expect(cert.ca).toBe(true);
    const spki = (await new Cli(['ca', '--spki'], env).exited).stdout.trim();
    expect(spki).toBe(createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
    const certPath = (await new Cli(['ca', '--path'], env).exited).stdout.trim();
    expect(readFileSync(certPath, 'utf8')).toBe(pem.endsWith('\n') && !readFileSync(certPath, 'utf8').endsWith('\n') ? pem.trimEnd() : pem);
    const keyMode = statSync(path.join(path.dirname(certPath), 'ca-key.pem')).mode & 0o777;
    expect(keyMode).toBe(0o600);
    const info = (await new Cli(['ca'], env).exited).stdout;
    expect(info).toContain(`SPKI (SHA-256, base64): ${spki}`);
    expect(info).toContain(certPath);
  });
});
