// One process of the recording benchmark, started by bench/recording.ts with IPC, so the engine's RSS
// and CPU can be read apart from the load generator. Usage:
//   recording-child.ts record <dataDir> <echo URL>: Framescope's proxy (reverse mode, recording on);
//     answers `stats` and `close` requests until closed.
//   recording-child.ts open <dataDir> <session id> <word>: opens the recorded session in a new engine,
//     times opening, filtering and searching it, answers with the figures and exits.
import { readFileSync, statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ConnectionSummary, RangeRequest, RangeResult, SearchResult, TimelineFilter } from '../shared/api.ts';
import { Engine } from '../electron/core/engine.ts';
import { startFramescopeProxy } from './framescope-proxy.ts';

export type RecordingRequest =
  /** With `flush`, the store's writer first commits everything appended, so every row counted is on disk. */
  | { id: number; type: 'stats'; flush: boolean }
  | { id: number; type: 'close' };

export interface RecordingStats {
  /** Frames-view rows over all connections (frames, plus a few notes per connection). */
  frameRows: number;
  rssBytes: number;
  /** VmHWM: the highest RSS the process has had. */
  peakRssBytes: number;
  /** VmRSS in its parts: anonymous memory (heaps, malloc), file pages mapped, shared memory. */
  rssAnonBytes: number;
  rssFileBytes: number;
  rssShmemBytes: number;
  /** V8 heap in use, and the memory V8 knows of outside it (Buffers); SQLite's own allocations are in neither. */
  heapBytes: number;
  externalBytes: number;
  /** User + system CPU seconds of the whole process. */
  cpuSeconds: number;
  /** The session file plus its -wal file. */
  fileBytes: number;
  /** How late the engine's event loop ran its callbacks since the last reading (what a relayed frame waits): max and 99th percentile. */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
}

/** A timed command in the fresh process: wall milliseconds and the rows or hits it found. */
export interface Timed {
  ms: number;
  found: number;
}

export interface OpenFigures {
  /** new Engine on the session + connections.list. */
  open: Timed;
  /** Rows of the connection with the most frames, and the total over all connections. */
  biggestRows: number;
  totalRows: number;
  connections: number;
  /** Its first 100 rows, no filter. */
  firstWindow: Timed;
  /** Its first 100 rows with a text filter (frames view, then messages view), and direction + opcode. */
  textFrames: Timed;
  textMessages: Timed;
  directionOpcode: Timed;
  /** The text filter on every connection's frames view, one after the other (the biggest one included). */
  textAllConnections: Timed;
  search: Timed & { more: boolean };
  /** session.search as the UI asks it right after opening (frames not indexed yet are not searched), and when the index had caught up after that. */
  searchAtOnce: Timed & { indexing: number };
  indexedMs: number;
  /**
   * The text filter (case-sensitive, so not cached by the others) as the UI asks it through a transport:
   * the first answer (after at most the engine's scan budget) with the rows found by then, and the
   * time until asking again has counted every match.
   */
  uiText: { firstMs: number; firstRows: number; firstComplete: boolean; completeMs: number; requests: number; found: number };
  peakRssBytes: number;
}

export type RecordingReport =
  | { type: 'ready'; url: string; sessionId: string }
  | { type: 'unavailable'; reason: string }
  | ({ type: 'stats'; id: number } & RecordingStats)
  | { type: 'closed'; id: number; closeMs: number; fileBytes: number }
  | ({ type: 'opened' } & OpenFigures);

const WINDOW = 100;

function report(msg: RecordingReport): Promise<void> {
  return new Promise((resolve) => process.send?.(msg, () => resolve()) ?? resolve());
}

function status(field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile' | 'RssShmem'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  if (m === null) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]) * 1024;
}

function fileBytes(path: string): number {
  const size = (p: string): number => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function record(dataDir: string, echoUrl: string): Promise<void> {
  let proxy;
  try {
    proxy = await startFramescopeProxy('reverse', echoUrl, { dataDir });
  } catch (err) {
    await report({ type: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    process.exit(0);
  }
  const { engine } = proxy;
  const session = engine.call('sessions.current', undefined);
  const rows = (): number => engine.call('connections.list', undefined).reduce((n, c) => n + c.frameRows, 0);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', (req: RecordingRequest) => {
    if (req.type === 'stats') {
      const loopDelayMaxMs = loop.max / 1e6;
      const loopDelayP99Ms = loop.percentile(99) / 1e6;
      loop.reset();
      if (req.flush) engine.store.sync();
      const { heapUsed, external } = process.memoryUsage();
      void report({
        type: 'stats', id: req.id, frameRows: rows(), rssBytes: status('VmRSS'), peakRssBytes: status('VmHWM'),
        rssAnonBytes: status('RssAnon'), rssFileBytes: status('RssFile'), rssShmemBytes: status('RssShmem'), heapBytes: heapUsed, externalBytes: external,
        cpuSeconds: cpuSeconds(), fileBytes: fileBytes(session.path), loopDelayMaxMs, loopDelayP99Ms,
      });
      return;
    }
    const t0 = performance.now();
    void proxy.stop().then(async () => {
      await report({ type: 'closed', id: req.id, closeMs: performance.now() - t0, fileBytes: fileBytes(session.path) });
      process.exit(0);
    });
  });
  // The parent went away without closing: end here, leaving the folder to the parent's cleanup.
  process.once('disconnect', () => process.exit(0));
  await report({ type: 'ready', url: `ws://${proxy.address}/`, sessionId: session.id });
}

function timed<T>(run: () => T, found: (r: T) => number): Timed {
  const t0 = performance.now();
  const r = run();
  return { ms: performance.now() - t0, found: found(r) };
}

async function open(dataDir: string, sessionId: string, word: string): Promise<void> {
  let engine: Engine | undefined;
  let list: ConnectionSummary[] = [];
  const opened = timed(() => {
    engine = new Engine({ mode: 'cli', version: 'bench', dataDir, sessionId });
    list = engine.call('connections.list', undefined);
    return list;
  }, (l) => l.length);
  const e = engine!;
  const byRows = [...list].sort((a, b) => b.frameRows - a.frameRows);
  const biggest = byRows[0];
  if (biggest === undefined) throw new Error('the recorded session has no connections');
  const range = (connectionId: number, view: RangeRequest['view'], filter?: TimelineFilter): Timed =>
    timed(() => e.call('timeline.range', { connectionId, view, start: 0, count: WINDOW, ...(filter ? { filter } : {}) }), (r) => r.total);
  const firstWindow = range(biggest.id, 'frames');
  const textFrames = range(biggest.id, 'frames', { text: word });
  const textMessages = range(biggest.id, 'messages', { text: word });
  const directionOpcode = range(biggest.id, 'frames', { direction: 'in', opcodes: [1] });
  const others = byRows.slice(1).map((c) => range(c.id, 'frames', { text: word }));
  const textAllConnections = others.reduce((sum, t) => ({ ms: sum.ms + t.ms, found: sum.found + t.found }), textFrames);
  const uiRequest = async (start: number, count: number): Promise<RangeResult> => {
    const outcome = await e.dispatch('timeline.range', { connectionId: biggest.id, view: 'frames', start, count, filter: { text: word, caseSensitive: true } });
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.result as RangeResult;
  };
  const u0 = performance.now();
  let answer = await uiRequest(0, WINDOW);
  const uiFirst = { firstMs: performance.now() - u0, firstRows: answer.rows.length, firstComplete: answer.complete };
  let requests = 1;
  while (!answer.complete) {
    answer = await uiRequest(answer.total, 0);
    requests++;
  }
  const uiText = { ...uiFirst, completeMs: performance.now() - u0, requests, found: answer.total };
  // Search as the UI asks at once (what is indexed so far), then once the writer has indexed in the
  // background what recording at full speed left for later.
  const uiSearch = async (): Promise<SearchResult> => {
    const outcome = await e.dispatch('session.search', { text: word });
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.result as SearchResult;
  };
  const s0 = performance.now();
  const early = await uiSearch();
  const searchAtOnce = { ms: performance.now() - s0, found: early.hits.length, indexing: early.indexing };
  let indexing = early.indexing;
  while (indexing > 0) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    indexing = (await uiSearch()).indexing;
  }
  const indexedMs = performance.now() - s0;
  const t0 = performance.now();
  const hits = e.call('session.search', { text: word });
  const search = { ms: performance.now() - t0, found: hits.hits.length, more: hits.more };
  e.shutdown();
  await report({
    type: 'opened', open: opened, biggestRows: biggest.frameRows, totalRows: list.reduce((n, c) => n + c.frameRows, 0), connections: list.length,
    firstWindow, textFrames, textMessages, directionOpcode, textAllConnections, search, searchAtOnce, indexedMs, uiText, peakRssBytes: status('VmHWM'),
  });
}

const [role, dataDir = '', arg = '', word = ''] = process.argv.slice(2);
if (role === 'record') await record(dataDir, arg);
else if (role === 'open') await open(dataDir, arg, word);
else throw new Error(`unknown role ${role}: use record or open`);
