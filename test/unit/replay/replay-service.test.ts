// The replay service over fake stores and a fake engine, on fake timers: when messages go out in each
// timing mode, how a run ends (done, failed, stopped), what it persists and announces, and its errors.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ConnectionSummary, ConnectOptions, ReplayRun, SendRequest } from '../../../shared/api.ts';
import { ReplayService, type ReplayDeps } from '../../../electron/core/replay/replay-service.ts';
import { NotFoundError, type NoteEvent } from '../../../electron/core/store/records.ts';
import { InvalidStateError, type TimelineRecord } from '../../../electron/core/tracked-connection.ts';
import { InvalidArgumentError } from '../../../electron/core/validation.ts';
import { FakeLibrary, FakeTimeline, recordMessage, recordNote, summary, utf8 } from './fakes.ts';

const S = 1_000_000;
const ORIGINAL = 1;

interface World {
  service: ReplayService;
  timeline: FakeTimeline;
  library: FakeLibrary;
  summaries: Map<number, ConnectionSummary>;
  opened: Array<{ id: number; options: ConnectOptions; replayOf: { runId: number; connectionId: number } }>;
  /** What the fake engine sent on the replay connections, as text (binary as base64). */
  sent: Array<{ id: number; req: SendRequest }>;
  updates: ReplayRun[];
  closed: number[];
  /** Makes the fake engine fail the next send with this error. */
  failNextSend: Error | null;
  note(id: number, event: NoteEvent, text?: string): void;
  serverSends(id: number, text: string): void;
}

const nowMicros = (): number => Date.now() * 1000;

/**
 * A recorded client connection (id 1): opened at 100 s, then 'hello' 0.5 s after, 'world' at 0.8 s,
 * a binary message at 2 s (compressed), with server answers in between.
 */
function world(): World {
  const timeline = new FakeTimeline();
  const library = new FakeLibrary();
  const summaries = new Map<number, ConnectionSummary>();
  let listener: ((connectionId: number, rec: TimelineRecord) => void) | null = null;
  const w: World = {
    service: null as unknown as ReplayService,
    timeline,
    library,
    summaries,
    opened: [],
    sent: [],
    updates: [],
    closed: [],
    failNextSend: null,
    note(id, event, text = event) {
      recordNote(timeline, id, event, nowMicros(), text);
      listener?.(id, { kind: 'note', time: nowMicros(), event, text });
    },
    serverSends(id, text) {
      recordMessage(timeline, id, 'in', nowMicros(), text);
      listener?.(id, { kind: 'message', dir: 'in', time: nowMicros(), opcode: 1, data: utf8(text), compressed: false });
    },
  };
  timeline.createTimeline(ORIGINAL);
  recordNote(timeline, ORIGINAL, 'connecting', 99 * S);
  recordNote(timeline, ORIGINAL, 'open', 100 * S);
  recordMessage(timeline, ORIGINAL, 'out', 100.5 * S, 'hello');
  recordMessage(timeline, ORIGINAL, 'in', 100.6 * S, 'HELLO');
  recordMessage(timeline, ORIGINAL, 'out', 100.8 * S, 'world');
  recordMessage(timeline, ORIGINAL, 'in', 100.9 * S, 'WORLD');
  recordMessage(timeline, ORIGINAL, 'out', 102 * S, Uint8Array.of(0xca, 0xfe), { compressed: true });
  summaries.set(ORIGINAL, summary({
    id: ORIGINAL,
    url: 'ws://127.0.0.1:1/feed',
    openedAt: 100 * S,
    createdAt: 99 * S,
    extensions: 'permessage-deflate',
    handshake: {
      requestLine: 'GET /feed HTTP/1.1',
      requestHeaders: [['Host', '127.0.0.1:1'], ['Sec-WebSocket-Protocol', 'chat'], ['Authorization', 'Bearer x']],
    },
    options: { url: 'ws://127.0.0.1:1/feed', reconnect: { enabled: true } },
  }));
  let nextId = 100;
  const deps: ReplayDeps = {
    library: () => library,
    timeline: () => timeline,
    now: nowMicros,
    summary: (id) => {
      const s = summaries.get(id);
      if (s === undefined) throw new NotFoundError(`There is no connection ${id}`);
      return s;
    },
    open: (options, replayOf) => {
      const id = nextId++;
      timeline.createTimeline(id);
      summaries.set(id, summary({ id, url: options.url, createdAt: nowMicros(), openedAt: null, live: true, replayOf }));
      w.opened.push({ id, options, replayOf });
      return id;
    },
    send: (id, req) => {
      if (w.failNextSend !== null) {
        const err = w.failNextSend;
        w.failNextSend = null;
        throw err;
      }
      w.sent.push({ id, req });
      const data = req.kind === 'text' ? utf8(req.text) : req.kind === 'binary' ? Buffer.from(req.data, 'base64') : new Uint8Array(0);
      recordMessage(timeline, id, 'out', nowMicros(), data, { opcode: req.kind === 'text' ? 1 : 2 });
      return { rows: [], bytes: data.length };
    },
    close: (id) => w.closed.push(id),
    onRecord: (l) => {
      listener = l;
      return () => { listener = null; };
    },
    updated: (run) => w.updates.push(run),
  };
  w.service = new ReplayService(deps);
  return w;
}

const texts = (w: World): string[] => w.sent.map(({ req }) => (req.kind === 'text' ? req.text : req.kind === 'binary' ? `b64:${req.data}` : req.kind));
const run = (w: World, id: number): ReplayRun => w.service.list().find((r) => r.id === id)!;

/** Starts a replay and opens its connection (at the current fake time). */
function startOpen(w: World, timing: Parameters<ReplayService['start']>[0]['timing']): { runId: number; replayId: number } {
  const started = w.service.start({ connectionId: ORIGINAL, timing });
  w.note(started.replayId, 'open');
  return { runId: started.id, replayId: started.replayId };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('starting', () => {
  test('opens the recorded URL with its headers, subprotocols and deflate, without reconnect, and persists a running run', () => {
    const w = world();
    const started = w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    expect(w.opened).toEqual([{
      id: 100,
      options: { url: 'ws://127.0.0.1:1/feed', headers: [['Authorization', 'Bearer x']], subprotocols: ['chat'], deflate: { enabled: true } },
      replayOf: { runId: started.id, connectionId: ORIGINAL },
    }]);
    expect(started).toEqual({
      id: 1, originalId: ORIGINAL, replayId: 100, timing: { mode: 'fast' }, state: 'running', sent: 0, total: 3, timedOut: 0, startedAt: nowMicros(), endedAt: null, error: null,
    });
    expect(w.library.runs).toEqual([started]);
    expect(w.updates).toEqual([started]);
  });

  test('sends nothing before the replay connection opens', () => {
    const w = world();
    w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    vi.advanceTimersByTime(60_000);
    expect(w.sent).toEqual([]);
  });

  test('an unknown connection is NOT_FOUND; no URL is INVALID_STATE; a header the handshake refuses is INVALID_ARGUMENT', () => {
    const w = world();
    expect(() => w.service.start({ connectionId: 42, timing: { mode: 'fast' } })).toThrow(NotFoundError);
    w.summaries.set(ORIGINAL, { ...w.summaries.get(ORIGINAL)!, url: '' });
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } })).toThrow(InvalidStateError);
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' }, url: 'ws://127.0.0.1:1/', headers: [['X', 'a\u0001b']] }))
      .toThrow(/The replay cannot connect with these options — headers\.0\.1/);
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' }, url: 'ws://127.0.0.1:1/', headers: [['X', 'a\u0001b']] }))
      .toThrow(InvalidArgumentError);
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' }, url: 'http://127.0.0.1:1/' }))
      .toThrow(/The replay cannot connect: \"http:\/\/127\.0\.0\.1:1\/\" uses http:\/\//);
    expect(w.opened).toEqual([]);
    expect(w.library.runs).toEqual([]);
  });

  test('a message stored cut to the recording cap cannot be replayed as sent: INVALID_STATE, naming it', () => {
    const w = world();
    recordMessage(w.timeline, ORIGINAL, 'out', 103 * S, 'abc', { fullLength: 70_000 });
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } }))
      .toThrow(/Message 4 of connection 1 was stored cut to the recording cap \(3 of 70000 bytes\)/);
    expect(() => w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } })).toThrow(InvalidStateError);
    expect(w.opened).toEqual([]);
  });
});

describe('timing', () => {
  test("'fast' sends every message in order at once, with the recorded opcode and compression, then is done", () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'fast' });
    expect(w.sent).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(w.sent).toEqual([
      { id: replayId, req: { kind: 'text', text: 'hello', compress: false } },
      { id: replayId, req: { kind: 'text', text: 'world', compress: false } },
      { id: replayId, req: { kind: 'binary', data: 'yv4=', format: 'base64', compress: true } },
    ]);
    expect(run(w, runId)).toMatchObject({ state: 'done', sent: 3, total: 3, endedAt: nowMicros(), error: null });
    expect(w.library.runs[0]).toMatchObject({ state: 'done', sent: 3 });
    // The replay's connection stays open for the replies.
    expect(w.closed).toEqual([]);
  });

  test("'original' sends the first at its recorded offset after opening, then keeps the recorded gaps", () => {
    const w = world();
    const { runId } = startOpen(w, { mode: 'original' });
    vi.advanceTimersByTime(499);
    expect(texts(w)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello']);
    expect(run(w, runId)).toMatchObject({ state: 'running', sent: 1 });
    vi.advanceTimersByTime(299);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello', 'world']);
    vi.advanceTimersByTime(1199);
    expect(texts(w)).toEqual(['hello', 'world']);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello', 'world', 'b64:yv4=']);
    expect(run(w, runId)).toMatchObject({ state: 'done', sent: 3 });
    expect(w.updates.filter((u) => u.id === runId).map((u) => `${u.state} ${u.sent}`)).toEqual(['running 0', 'running 1', 'running 2', 'done 3']);
  });

  test("'speed' divides the recorded times by the factor", () => {
    const w = world();
    startOpen(w, { mode: 'speed', factor: 4 });
    vi.advanceTimersByTime(124);
    expect(texts(w)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(75);
    expect(texts(w)).toEqual(['hello', 'world']);
    vi.advanceTimersByTime(299);
    expect(texts(w)).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toHaveLength(3);
  });

  test("'wait-reply' sends the next message only after a server message arrived since the previous send", () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'wait-reply', timeoutMs: 5000 });
    vi.advanceTimersByTime(0);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(4999);
    expect(texts(w)).toEqual(['hello']);
    w.serverSends(replayId, 'HELLO');
    vi.advanceTimersByTime(0);
    expect(texts(w)).toEqual(['hello', 'world']);
    // A message on another connection is no reply.
    w.serverSends(ORIGINAL, 'elsewhere');
    vi.advanceTimersByTime(4999);
    expect(texts(w)).toEqual(['hello', 'world']);
    w.serverSends(replayId, 'WORLD');
    vi.advanceTimersByTime(0);
    expect(texts(w)).toEqual(['hello', 'world', 'b64:yv4=']);
    expect(run(w, runId)).toMatchObject({ state: 'done', sent: 3, timedOut: 0, error: null });
  });

  test("'wait-reply' goes on after the timeout when no reply comes, and the run still ends done", () => {
    const w = world();
    const { runId } = startOpen(w, { mode: 'wait-reply', timeoutMs: 1000 });
    vi.advanceTimersByTime(0);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(999);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello', 'world']);
    expect(run(w, runId)).toMatchObject({ state: 'running', sent: 2, timedOut: 1 });
    vi.advanceTimersByTime(1000);
    expect(texts(w)).toHaveLength(3);
    expect(run(w, runId)).toMatchObject({ state: 'done', timedOut: 2, error: null });
  });

  test("'wait-reply' counts only the messages that went without an answer", () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'wait-reply', timeoutMs: 1000 });
    vi.advanceTimersByTime(0);
    // No answer to 'hello': 'world' goes at the timeout.
    vi.advanceTimersByTime(1000);
    expect(texts(w)).toEqual(['hello', 'world']);
    // 'world' is answered (twice: the second answer hurries nothing, there is nothing awaiting it).
    w.serverSends(replayId, 'WORLD');
    w.serverSends(replayId, 'WORLD again');
    vi.advanceTimersByTime(0);
    expect(texts(w)).toHaveLength(3);
    expect(run(w, runId)).toMatchObject({ state: 'done', sent: 3, timedOut: 1 });
  });

  test("a server message does not hurry a timed replay", () => {
    const w = world();
    const { replayId } = startOpen(w, { mode: 'original' });
    vi.advanceTimersByTime(100);
    w.serverSends(replayId, 'greeting');
    vi.advanceTimersByTime(399);
    expect(texts(w)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello']);
  });

  test("'wait-reply' waits 10 s by default", () => {
    const w = world();
    startOpen(w, { mode: 'wait-reply' });
    vi.advanceTimersByTime(9999);
    expect(texts(w)).toEqual(['hello']);
    vi.advanceTimersByTime(1);
    expect(texts(w)).toEqual(['hello', 'world']);
  });

  test('a connection with nothing to send is done once the replay opens', () => {
    const w = world();
    w.timeline.createTimeline(5);
    w.summaries.set(5, summary({ id: 5 }));
    const started = w.service.start({ connectionId: 5, timing: { mode: 'original' } });
    expect(started.total).toBe(0);
    w.note(started.replayId, 'open');
    vi.advanceTimersByTime(0);
    expect(run(w, started.id)).toMatchObject({ state: 'done', sent: 0 });
  });
});

describe('ending', () => {
  test("the connection ending before everything was sent fails the run with the 'ended' note's text", () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'original' });
    vi.advanceTimersByTime(500);
    w.note(replayId, 'ended', 'Closed by the server: 1011 Internal Error');
    expect(run(w, runId)).toMatchObject({ state: 'failed', sent: 1, endedAt: nowMicros() });
    expect(run(w, runId).error).toMatch(/after 1 of 3 messages: Closed by the server: 1011 Internal Error/);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(texts(w)).toEqual(['hello']);
  });

  test('a replay that never opens fails with the reason', () => {
    const w = world();
    const started = w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    w.note(started.replayId, 'ended', 'Nothing listens on 127.0.0.1:1 — check the address');
    expect(run(w, started.id)).toMatchObject({ state: 'failed', sent: 0 });
    expect(run(w, started.id).error).toMatch(/Nothing listens/);
  });

  test('a send that throws fails the run with its message', () => {
    const w = world();
    const { runId } = startOpen(w, { mode: 'fast' });
    w.failNextSend = new Error('the connection is closed — reconnect to send again');
    vi.advanceTimersByTime(0);
    expect(run(w, runId)).toMatchObject({ state: 'failed', sent: 0 });
    expect(run(w, runId).error).toMatch(/Message 1 of 3 could not be sent: the connection is closed/);
  });

  test('the end of a finished run changes nothing', () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'fast' });
    vi.advanceTimersByTime(0);
    w.note(replayId, 'ended', 'Closed by Framescope');
    expect(run(w, runId)).toMatchObject({ state: 'done', error: null });
  });

  test('stop cancels what was left, leaves the connection open, and cannot stop twice', () => {
    const w = world();
    const { runId } = startOpen(w, { mode: 'original' });
    vi.advanceTimersByTime(500);
    const stopped = w.service.stop(runId);
    expect(stopped).toMatchObject({ state: 'stopped', sent: 1, endedAt: nowMicros(), error: null });
    expect(w.library.runs[0]).toEqual(stopped);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(texts(w)).toEqual(['hello']);
    expect(w.closed).toEqual([]);
    expect(() => w.service.stop(runId)).toThrow(InvalidStateError);
    expect(() => w.service.stop(99)).toThrow(NotFoundError);
  });

  test('reset stops every running run and persists it as stopped', () => {
    const w = world();
    const a = startOpen(w, { mode: 'original' });
    const b = w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    w.service.reset();
    expect(w.library.runs.map((r) => [r.id, r.state])).toEqual([[a.runId, 'stopped'], [b.id, 'stopped']]);
    w.note(b.replayId, 'open');
    vi.advanceTimersByTime(10_000);
    expect(w.sent).toEqual([]);
  });
});

describe('list', () => {
  test("this session's runs newest first, or only one connection's", () => {
    const w = world();
    w.library.runs.push({ id: 7, originalId: 3, replayId: 8, timing: { mode: 'fast' }, state: 'done', sent: 1, total: 1, timedOut: 0, startedAt: 5, endedAt: 6, error: null });
    vi.advanceTimersByTime(10);
    const first = w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    vi.advanceTimersByTime(10);
    const second = w.service.start({ connectionId: ORIGINAL, timing: { mode: 'fast' } });
    expect(w.service.list().map((r) => r.id)).toEqual([second.id, first.id, 7]);
    expect(w.service.list(ORIGINAL).map((r) => r.id)).toEqual([second.id, first.id]);
    expect(w.service.list(3).map((r) => r.id)).toEqual([7]);
    expect(w.service.list(12345)).toEqual([]);
  });
});

describe('compare', () => {
  test('pairs the replay with the original and counts different server answers', () => {
    const w = world();
    const { runId, replayId } = startOpen(w, { mode: 'fast' });
    vi.advanceTimersByTime(0);
    w.summaries.set(replayId, { ...w.summaries.get(replayId)!, openedAt: nowMicros() });
    w.serverSends(replayId, 'HELLO');
    w.serverSends(replayId, 'something else');
    const c = w.service.compare(runId);
    expect(c.run).toMatchObject({ id: runId, state: 'done' });
    expect(c.pairs.map((p) => [p.dir, p.original?.preview ?? null, p.replay?.preview ?? null, p.equal])).toEqual([
      ['out', 'hello', 'hello', true],
      ['in', 'HELLO', 'HELLO', true],
      ['out', 'world', 'world', true],
      ['in', 'WORLD', 'something else', false],
      ['out', 'ca fe', 'ca fe', true],
    ]);
    expect(c.pairs[0]!.original!.offset).toBe(0.5 * S);
    expect(c.differences).toBe(1);
    expect(() => w.service.compare(99)).toThrow(NotFoundError);
  });
});
