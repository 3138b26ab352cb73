// Replay through the real Engine against `ws` servers on loopback: a recorded connection is replayed
// in each timing mode with its headers, subprotocols and payloads; 'wait-reply' waits for answers;
// runs end, fail and stop as they should; compare finds what the server answered differently.
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import type { ReplayRun, ReplayTiming, SendRequest } from '../../shared/api.ts';
import {
  closeAllPeers, startWsServer, TestEngine, unusedPort, until, type WsMessage, type WsSession, type WsTestServer,
} from './engine-harness.ts';

let te: TestEngine;

afterEach(async () => {
  te?.shutdown();
  await closeAllPeers();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the recorded connection sends, and how the server sees each. */
const SENT: Array<{ req: SendRequest; text: string; binary: boolean }> = [
  { req: { kind: 'text', text: 'one' }, text: 'one', binary: false },
  { req: { kind: 'binary', data: '00 01 fe ff', format: 'hex' }, text: '\u0000\u0001\u00fe\u00ff', binary: true },
  { req: { kind: 'json', text: '{"n":3}' }, text: '{"n":3}', binary: false },
];
const EXPECTED = SENT.map(({ text, binary }) => ({ text, binary }));
const seen = (m: WsMessage): { text: string; binary: boolean } => ({ text: m.data.toString('latin1'), binary: m.isBinary });

/** Waits for `count` messages at the server session. */
async function received(session: WsSession, count: number): Promise<WsMessage[]> {
  const got: WsMessage[] = [];
  for (let i = 0; i < count; i++) got.push(await session.nextMessage());
  return got;
}

/**
 * Records a client connection: opened with headers, an Origin and two subprotocols, then the three
 * messages a little apart, each after the server's answer to the previous one, then closed.
 */
async function record(server: WsTestServer): Promise<number> {
  const id = te.open({
    url: `${server.url}/feed?room=1`,
    headers: [['Authorization', 'Bearer abc'], ['X-Trace', 't-1']],
    subprotocols: ['chat.v2', 'chat.v1'],
    origin: 'https://app.example',
  });
  const session = await server.next();
  await te.opened(id);
  for (const [i, m] of SENT.entries()) {
    te.engine.call('connections.send', { id, message: m.req });
    await session.nextMessage();
    await te.waitFor(id, (s) => s.messagesIn >= i + 1, `answer ${i + 1}`);
    await sleep(40);
  }
  te.engine.call('connections.close', { id });
  await te.ended(id);
  return id;
}

function runOf(runId: number): ReplayRun | undefined {
  return te.engine.call('replay.list', {}).find((r) => r.id === runId);
}

/** Waits until the run has ended, and returns it. */
function finished(runId: number): Promise<ReplayRun> {
  return until(() => {
    const run = runOf(runId);
    return run !== undefined && run.state !== 'running' && run;
  }, `replay run ${runId} to end (now ${JSON.stringify(runOf(runId))})`);
}

describe('replaying a recorded client connection', () => {
  const modes: Array<[string, ReplayTiming]> = [
    ['fast', { mode: 'fast' }],
    ['speed ×4', { mode: 'speed', factor: 4 }],
    ['original timing', { mode: 'original' }],
    ['wait-reply', { mode: 'wait-reply' }],
  ];

  test.each(modes)('%s: same URL, headers, Origin and subprotocols; same payloads in order; compare finds no difference', async (_name, timing) => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing });
    expect(run).toMatchObject({ originalId, timing, state: 'running', sent: 0, total: 3, error: null });
    const session = await server.next();
    expect(session.req.url).toBe('/feed?room=1');
    expect(session.req.headers).toMatchObject({
      authorization: 'Bearer abc',
      'x-trace': 't-1',
      origin: 'https://app.example',
      'sec-websocket-protocol': 'chat.v2, chat.v1',
    });
    // Deflate was offered by the original (ws servers decline it by default), so it is offered again.
    expect(session.req.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);
    expect(session.ws.protocol).toBe('chat.v2');
    expect((await received(session, 3)).map(seen)).toEqual(EXPECTED);

    expect(await finished(run.id)).toMatchObject({ state: 'done', sent: 3, total: 3, error: null });
    const replay = await te.waitFor(run.replayId, (s) => s.messagesIn === 3, 'the three echoes');
    expect(replay).toMatchObject({ state: 'open', replayOf: { runId: run.id, connectionId: originalId }, protocol: 'chat.v2' });
    expect(te.events.some((e) => e.name === 'replay.updated' && (e.payload as ReplayRun).id === run.id && (e.payload as ReplayRun).state === 'done')).toBe(true);

    const comparison = te.engine.call('replay.compare', { runId: run.id });
    expect(comparison.differences).toBe(0);
    expect(comparison.pairs.map((p) => [p.dir, p.original?.preview, p.replay?.preview, p.equal])).toEqual([
      ['out', 'one', 'one', true],
      ['in', 'one', 'one', true],
      ['out', '00 01 fe ff', '00 01 fe ff', true],
      ['in', '00 01 fe ff', '00 01 fe ff', true],
      ['out', '{"n":3}', '{"n":3}', true],
      ['in', '{"n":3}', '{"n":3}', true],
    ]);
  });

  test('the plan shows what a replay would send', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    const plan = te.engine.call('replay.plan', { connectionId: originalId });
    expect(plan).toMatchObject({
      connectionId: originalId,
      url: `${server.url}/feed?room=1`,
      headers: [['Origin', 'https://app.example'], ['Authorization', 'Bearer abc'], ['X-Trace', 't-1']],
      subprotocols: ['chat.v2', 'chat.v1'],
      messages: 3,
    });
    expect(plan.durationMs).toBeGreaterThan(0);
  });

  test('headers, subprotocols and URL given with the request replace the recorded ones', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    await te.engine.request('replay.start', {
      connectionId: originalId,
      timing: { mode: 'fast' },
      url: `${server.url}/other`,
      headers: [['X-Replayed', 'yes']],
      subprotocols: ['chat.v1'],
    });
    const session = await server.next();
    expect(session.req.url).toBe('/other');
    expect(session.req.headers['x-replayed']).toBe('yes');
    expect(session.req.headers.authorization).toBeUndefined();
    expect(session.req.headers.origin).toBeUndefined();
    expect(session.req.headers['sec-websocket-protocol']).toBe('chat.v1');
    expect((await received(session, 3)).map(seen)).toEqual(EXPECTED);
  });

  test('messages the original compressed go compressed when the replay negotiates deflate', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true, perMessageDeflate: { threshold: 0 } });
    const originalId = await record(server);
    expect(te.rows(originalId, 'messages').filter((r) => r.kind === 'message' && r.dir === 'out').map((r) => r.compressed)).toEqual([true, true, true]);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'fast' } });
    const session = await server.next();
    expect((await received(session, 3)).map(seen)).toEqual(EXPECTED);
    const replay = await te.waitFor(run.replayId, (s) => s.messagesIn === 3, 'the three echoes');
    expect(replay.extensions).toMatch(/permessage-deflate/);
    expect(te.rows(run.replayId, 'messages').filter((r) => r.kind === 'message' && r.dir === 'out').map((r) => r.compressed)).toEqual([true, true, true]);
  });
});

describe("'wait-reply'", () => {
  /** A server whose connections answer each message later, logging when it received and when it answered. */
  async function slowEchoServer(log: string[]): Promise<WsTestServer> {
    const server = await startWsServer();
    server.wss.on('connection', (ws: WebSocket) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const label = isBinary ? 'binary' : data.toString('utf8');
        log.push(`received ${label}`);
        setTimeout(() => {
          log.push(`answered ${label}`);
          ws.send(data, { binary: isBinary });
        }, 150);
      });
    });
    return server;
  }

  test('sends each next message only after the server answered the previous one', async () => {
    te = new TestEngine(5);
    const log: string[] = [];
    const server = await slowEchoServer(log);
    const originalId = await record(server);
    log.length = 0;
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'wait-reply', timeoutMs: 60_000 } });
    expect(await finished(run.id)).toMatchObject({ state: 'done', sent: 3, timedOut: 0 });
    await until(() => log.length === 6, 'the last answer');
    expect(log).toEqual(['received one', 'answered one', 'received binary', 'answered binary', 'received {"n":3}', 'answered {"n":3}']);
  });

  test('goes on after the timeout when the server does not answer, and the run is done', async () => {
    te = new TestEngine(5);
    let connections = 0;
    const server = await startWsServer();
    // The recording gets answers; the replay gets none.
    server.wss.on('connection', (ws: WebSocket) => {
      if (++connections === 1) ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    });
    const originalId = await record(server);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'wait-reply', timeoutMs: 200 } });
    const session = await server.next();
    expect((await received(session, 3)).map(seen)).toEqual(EXPECTED);
    // The first two went after the timeout; the last awaits nothing.
    expect(await finished(run.id)).toMatchObject({ state: 'done', sent: 3, timedOut: 2, error: null });
    const comparison = te.engine.call('replay.compare', { runId: run.id });
    expect(comparison.differences).toBe(3);
    expect(comparison.pairs.filter((p) => p.dir === 'in').map((p) => p.replay)).toEqual([null, null, null]);
  });
});

describe('compare', () => {
  test('counts a server answer that differs the second time', async () => {
    te = new TestEngine(5);
    let connections = 0;
    const server = await startWsServer();
    server.wss.on('connection', (ws: WebSocket) => {
      const n = ++connections;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const changed = n === 2 && data.toString('utf8') === '{"n":3}';
        ws.send(changed ? '{"n":4}' : data, { binary: isBinary });
      });
    });
    const originalId = await record(server);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'fast' } });
    await te.waitFor(run.replayId, (s) => s.messagesIn === 3, 'the three answers');
    const comparison = te.engine.call('replay.compare', { runId: run.id });
    expect(comparison.differences).toBe(1);
    const last = comparison.pairs.at(-1)!;
    expect(last).toMatchObject({ dir: 'in', equal: false, original: { preview: '{"n":3}', size: 7 }, replay: { preview: '{"n":4}', size: 7 } });
    expect(last.original!.offset).toBeGreaterThan(0);
  });
});

describe('how runs end', () => {
  test('a replay whose server is gone fails with the reason', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    const port = await unusedPort();
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'fast' }, url: `ws://127.0.0.1:${port}/feed` });
    const ended = await finished(run.id);
    expect(ended).toMatchObject({ state: 'failed', sent: 0 });
    expect(ended.error).toMatch(/after 0 of 3 messages/);
  });

  test('a server that closes mid-replay fails the run with its close', async () => {
    te = new TestEngine(5);
    let connections = 0;
    const server = await startWsServer();
    server.wss.on('connection', (ws: WebSocket) => {
      const n = ++connections;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (n === 2) ws.close(4001, 'no more');
        else ws.send(data, { binary: isBinary });
      });
    });
    const originalId = await record(server);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'wait-reply', timeoutMs: 60_000 } });
    const ended = await finished(run.id);
    expect(ended).toMatchObject({ state: 'failed', sent: 1 });
    expect(ended.error).toMatch(/4001.*no more/);
  });

  test('stop cancels the rest and leaves the replay connection open; stopping again is INVALID_STATE', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    // A hundred times slower than recorded: the second message is seconds away.
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'speed', factor: 0.01 } });
    const session = await server.next();
    await session.nextMessage();
    await until(() => runOf(run.id)?.sent === 1, 'the first message counted');
    const stopped = te.engine.call('replay.stop', { id: run.id });
    expect(stopped).toMatchObject({ state: 'stopped', sent: 1 });
    expect(te.summary(run.replayId).state).toBe('open');
    expect(te.failure('replay.stop', { id: run.id }).code).toBe('INVALID_STATE');
  });

  test('opening another session stops a running replay, which the old session keeps as stopped', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    const first = te.engine.call('sessions.current', undefined);
    const run = await te.engine.request('replay.start', { connectionId: originalId, timing: { mode: 'speed', factor: 0.01 } });
    await (await server.next()).nextMessage();
    te.engine.call('sessions.new', {});
    expect(te.engine.call('replay.list', {})).toEqual([]);
    te.engine.call('sessions.open', { id: first.id });
    expect(te.engine.call('replay.list', { connectionId: originalId })).toMatchObject([{ id: run.id, state: 'stopped' }]);
  });
});

describe('a proxied connection', () => {
  test('replays straight to the server with the headers and subprotocols the app sent', async () => {
    te = new TestEngine(5);
    const server = await startWsServer({ echo: true });
    const status = await te.engine.request('proxy.start', { host: '127.0.0.1', port: 0, mode: 'reverse', reverseUrl: server.url });
    const app = new WebSocket(`ws://${status.address}/feed`, ['chat'], { headers: { Authorization: 'Bearer app', Cookie: 'c=1' } });
    await new Promise((resolve, reject) => {
      app.once('open', resolve);
      app.once('error', reject);
    });
    const upstream = await server.next();
    app.send('ping-1');
    await upstream.nextMessage();
    app.send(Buffer.from([7, 8]));
    await upstream.nextMessage();
    const proxied = await until(() => te.engine.call('connections.list', undefined).find((s) => s.origin === 'proxied' && s.messagesIn === 2), 'the proxied echoes');
    app.close();

    const run = await te.engine.request('replay.start', { connectionId: proxied.id, timing: { mode: 'fast' } });
    const session = await server.next();
    expect(session.req.url).toBe('/feed');
    expect(session.req.headers).toMatchObject({ authorization: 'Bearer app', cookie: 'c=1', 'sec-websocket-protocol': 'chat' });
    expect((await received(session, 2)).map(seen)).toEqual([{ text: 'ping-1', binary: false }, { text: '\u0007\u0008', binary: true }]);
    expect(await finished(run.id)).toMatchObject({ state: 'done', sent: 2 });
    await te.waitFor(run.replayId, (s) => s.messagesIn === 2, 'the echoes');
    expect(te.engine.call('replay.compare', { runId: run.id }).differences).toBe(0);
  });
});

describe('errors', () => {
  test('unknown connections and runs are NOT_FOUND; a URL that is not ws:// is INVALID_ARGUMENT', async () => {
    te = new TestEngine(5);
    expect(te.failure('replay.plan', { connectionId: 999 }).code).toBe('NOT_FOUND');
    expect(te.failure('replay.start', { connectionId: 999, timing: { mode: 'fast' } }).code).toBe('NOT_FOUND');
    expect(te.failure('replay.stop', { id: 999 }).code).toBe('NOT_FOUND');
    expect(te.failure('replay.compare', { runId: 999 }).code).toBe('NOT_FOUND');
    const server = await startWsServer({ echo: true });
    const originalId = await record(server);
    const bad = te.failure('replay.start', { connectionId: originalId, timing: { mode: 'fast' }, url: 'http://127.0.0.1:1/' });
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.message).toMatch(/ws:\/\/ or wss:\/\//);
    expect(te.engine.call('replay.list', {})).toEqual([]);
  });
});
