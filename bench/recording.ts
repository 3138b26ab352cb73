// `npm run bench -- recording`: 1,000,000 frames (text, 100 B–4 KiB) recorded through Framescope's
// proxy into a session file: frames/s written, the engine's peak RSS at 100k and 1M frames, the file's
// size, then the time a new engine takes to open the session, filter and search it.
// The load generator is this process; the echo server and the engine run in processes of their own.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ChildReport } from './proxy-child.ts';
import { closeAll, openAll as openSockets, within } from './sockets.ts';
import { ENGINE_V8_FLAGS } from '../electron/core/v8-flags.ts';
import type { OpenFigures, RecordingReport, RecordingRequest, RecordingStats, Timed } from './recording-child.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const FRAMES = 1_000_000;
const MILESTONE = 100_000;
const CONNECTIONS = 10;
/** Echoes in flight per connection: about 2 MiB over all connections at the mean size. */
const WINDOW = 100;
const MIN_SIZE = 100;
const MAX_SIZE = 4 * KiB;
/** Distinct payloads, sent in turn; each echo is checked against what was sent. */
const POOL = 4096;
/** In about 1 % of the payloads, at a random word position (mostly past the 200-character preview). */
const WORD = 'quokka';
const WORD_SHARE = 0.01;
/** Free space asked for: the session file takes about 8.3 GB at this mix (wire bytes, payload and message copies, search index). */
const DISK_NEEDED = 10e9;
const STALL_MS = 15_000;
const CHILD_START_MS = 30_000;
/** Closing a 1M-frame session and opening it again are measured, so they get room. */
const CHILD_REPLY_MS = 120_000;

const TARGET = { rssGrowthMiB: 100, openMs: 1000, filterMs: 1000 };

const RECORDER = fileURLToPath(new URL('./recording-child.ts', import.meta.url));
const ECHO = fileURLToPath(new URL('./proxy-child.ts', import.meta.url));

// ---------------------------------------------------------------- payloads

/** mulberry32: the same payloads on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = ('price update order filled cancel market limit buy sell ticker volume open close high low delta snapshot stream '
  + 'user joined left typing message room channel presence online away status ping ack retry error warning info debug trace '
  + 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango').split(' ');
const TYPES = ['trade', 'quote', 'chat', 'presence', 'heartbeat', 'log'];
const USERS = ['ada', 'grace', 'linus', 'ken', 'barbara', 'edsger', 'margaret', 'dennis'];

/** ASCII JSON-like text of exactly `size` bytes; `withWord` puts WORD among the words of its text. */
function payload(seq: number, size: number, next: () => number, withWord: boolean): Buffer {
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const head = `{"seq":${seq},"type":"${pick(TYPES)}","user":"${pick(USERS)}","text":"`;
  const tail = '"}';
  const room = size - head.length - tail.length;
  const words: string[] = [];
  let length = 0;
  while (length < room) {
    const w = pick(VOCABULARY);
    words.push(w);
    length += w.length + 1;
  }
  if (withWord) words[Math.floor(next() * words.length)] = WORD;
  const text = words.join(' ').padEnd(room, ' ').slice(0, room);
  // A cut at the end must not split the word the filter looks for.
  const body = withWord && !text.includes(WORD) ? `${WORD}${text.slice(WORD.length)}` : text;
  return Buffer.from(head + body + tail, 'latin1');
}

function payloadPool(): Buffer[] {
  const next = random(5);
  return Array.from({ length: POOL }, (_, seq) => payload(seq, MIN_SIZE + Math.floor(next() * (MAX_SIZE - MIN_SIZE + 1)), next, next() < WORD_SHARE));
}

// ---------------------------------------------------------------- child processes

/** `promise`, or a failure naming `what` once `ms` have passed without it settling. */
/** Processes this benchmark started, killed if it ends early (error, Ctrl-C). */
const started = new Set<ChildProcess>();

function killStarted(): void {
  for (const proc of started) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

function forkChild(script: string, args: string[], engine: boolean): ChildProcess {
  // Framescope's engine runs with the heap flags its launchers give it.
  const proc = fork(script, args, { execArgv: [...process.execArgv, ...(engine ? ENGINE_V8_FLAGS : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  return proc;
}

/** The first message `proc` sends that `pick` accepts; fails when it exits first. */
function nextMessage<M, T>(proc: ChildProcess, what: string, ms: number, pick: (msg: M) => T | undefined): Promise<T> {
  return within(new Promise<T>((resolve, reject) => {
    const onMessage = (msg: M): void => {
      const value = pick(msg);
      if (value === undefined) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      proc.off('message', onMessage);
      reject(new Error(`${what}: the process exited first (${signal ?? `code ${code}`})`));
    };
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  }), ms, what);
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  if (proc.connected) proc.disconnect();
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function startEcho(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = forkChild(ECHO, ['echo'], false);
  const report = await nextMessage(proc, 'the echo server start', CHILD_START_MS, (m: ChildReport) => m);
  if (report.type !== 'ready') throw new Error(`The echo server did not start: ${report.type === 'unavailable' ? report.reason : report.type}`);
  return { proc, url: report.url };
}

/** The engine process: Framescope's proxy recording into a session in `dataDir`. */
class Recorder {
  readonly proc: ChildProcess;
  private nextId = 1;

  private constructor(proc: ChildProcess) {
    this.proc = proc;
  }

  static async start(dataDir: string, echoUrl: string): Promise<{ recorder: Recorder; url: string; sessionId: string }> {
    const proc = forkChild(RECORDER, ['record', dataDir, echoUrl], true);
    const report = await nextMessage(proc, 'the Framescope proxy start', CHILD_START_MS, (m: RecordingReport) => m);
    if (report.type !== 'ready') throw new Error(`Framescope's proxy did not start: ${report.type === 'unavailable' ? report.reason : report.type}`);
    return { recorder: new Recorder(proc), url: report.url, sessionId: report.sessionId };
  }

  stats(flush: boolean): Promise<RecordingStats> {
    const id = this.nextId++;
    const reply = nextMessage(this.proc, 'a reading of the engine', CHILD_REPLY_MS, (m: RecordingReport) => (m.type === 'stats' && m.id === id ? m : undefined));
    this.proc.send({ id, type: 'stats', flush } satisfies RecordingRequest);
    return reply;
  }

  /** Stops the proxy and closes the session; answers how long that took and the file's size after it. */
  async close(): Promise<{ closeMs: number; fileBytes: number }> {
    const id = this.nextId++;
    const reply = nextMessage(this.proc, 'closing the session', CHILD_REPLY_MS, (m: RecordingReport) => (m.type === 'closed' && m.id === id ? m : undefined));
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.send({ id, type: 'close' } satisfies RecordingRequest);
    const closed = await reply;
    await exited;
    return closed;
  }
}

async function openInFreshProcess(dataDir: string, sessionId: string): Promise<OpenFigures> {
  const proc = forkChild(RECORDER, ['open', dataDir, sessionId, WORD], true);
  try {
    return await nextMessage(proc, 'opening the session in a new engine', CHILD_REPLY_MS, (m: RecordingReport) => (m.type === 'opened' ? m : undefined));
  } finally {
    await stopChild(proc);
  }
}

// ---------------------------------------------------------------- load

function openAll(url: string, count: number): Promise<WebSocket[]> {
  return openSockets(() => new WebSocket(url, { perMessageDeflate: false }), count, 10_000);
}


/**
 * Sends `echoes` messages from the pool over `sockets`, WINDOW in flight on each, checks every echo
 * against what was sent, and calls `onEcho` with the number of echoes back so far.
 */
function echoLoad(sockets: WebSocket[], pool: Buffer[], echoes: number, onEcho: (received: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    let lastProgress = 0;
    let failed = false;
    const watchdog = setInterval(() => {
      if (received === lastProgress) fail(new Error(`no echo came back for ${STALL_MS / 1000} s`));
      lastProgress = received;
    }, STALL_MS);
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      clearInterval(watchdog);
      reject(err);
    };
    for (const socket of sockets) {
      // What this socket sent and has not seen back, oldest first.
      const inFlight: Buffer[] = [];
      let head = 0;
      const pump = (): void => {
        while (inFlight.length - head < WINDOW && sent < echoes && !failed) {
          const data = pool[sent++ % pool.length]!;
          socket.send(data, { binary: false });
          inFlight.push(data);
        }
        if (head > 4 * WINDOW) {
          inFlight.splice(0, head);
          head = 0;
        }
      };
      socket.on('message', (data: Buffer) => {
        const expected = inFlight[head++];
        if (expected === undefined || !data.equals(expected)) {
          fail(new Error(`an echo of ${data.length} bytes differs from what was sent (${expected?.length ?? 'nothing'} bytes)`));
          return;
        }
        received++;
        onEcho(received);
        if (received === echoes) {
          clearInterval(watchdog);
          resolve();
          return;
        }
        pump();
      });
      socket.on('error', (err) => fail(err));
      socket.on('close', (code) => fail(new Error(`a connection closed mid-run (close code ${code})`)));
      pump();
    }
  });
}

// ---------------------------------------------------------------- report

const fmtRate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
const fmtMiB = (n: number): string => (n / MiB).toFixed(1);
const fmtCount = (n: number): string => n.toLocaleString('en');

interface Recorded {
  seconds: number;
  payloadBytes: number;
  atStart: RecordingStats;
  atMilestone: RecordingStats;
  atEnd: RecordingStats;
  /** Over the readings taken while recording: the engine's worst event-loop delay, and the worst 99th percentile. */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  closeMs: number;
  closedFileBytes: number;
}

const LABEL_WIDTH = 46;

class Table {
  ok = 0;
  below = 0;

  /** One figure; with a target, checked against it (all targets here are upper bounds). */
  line(label: string, value: string, unit: string, note = '', target?: { limit: number; actual: number }): void {
    let mark = '';
    if (target !== undefined) {
      const ok = target.actual <= target.limit;
      if (ok) this.ok++;
      else this.below++;
      mark = `target <= ${fmtCount(target.limit)} ${unit}  ${ok ? 'OK' : 'BELOW'}`;
    }
    console.log(`  ${label.padEnd(LABEL_WIDTH)}${value.padStart(9)} ${unit.padEnd(4)}  ${[mark, note].filter((s) => s !== '').join('  ')}`);
  }
}

function printResults(r: Recorded, o: OpenFigures): void {
  const t = new Table();
  const frames = r.atEnd.frameRows;
  const cpu = r.atEnd.cpuSeconds - r.atStart.cpuSeconds;
  console.log(`\nrecording (${fmtCount(frames)} frame rows in ${r.seconds.toFixed(1)} s)`);
  t.line('frames written per second', fmtRate(frames / r.seconds), '/s', `engine CPU ${((cpu / frames) * 1e6).toFixed(1)} µs per frame, ${(cpu / r.seconds).toFixed(2)} cores`);
  t.line('engine event-loop delay while recording', r.loopDelayMaxMs.toFixed(0), 'ms', `max over the run; worst 99th percentile between readings ${r.loopDelayP99Ms.toFixed(1)} ms (what a relayed frame may wait)`);
  t.line('engine RSS before the run', fmtMiB(r.atStart.rssBytes), 'MiB', `heap ${fmtMiB(r.atStart.heapBytes)} MiB, Buffers ${fmtMiB(r.atStart.externalBytes)} MiB`);
  t.line(`engine peak RSS at ${fmtCount(r.atMilestone.frameRows)} frames`, fmtMiB(r.atMilestone.peakRssBytes), 'MiB');
  t.line(`engine peak RSS at ${fmtCount(frames)} frames`, fmtMiB(r.atEnd.peakRssBytes), 'MiB',
    `RSS now ${fmtMiB(r.atEnd.rssBytes)} MiB, heap ${fmtMiB(r.atEnd.heapBytes)} MiB, Buffers ${fmtMiB(r.atEnd.externalBytes)} MiB`);
  const growth = r.atEnd.peakRssBytes - r.atMilestone.peakRssBytes;
  t.line('peak RSS growth between them', fmtMiB(growth), 'MiB', `${(growth / (frames - r.atMilestone.frameRows)).toFixed(1)} B per frame`, { limit: TARGET.rssGrowthMiB, actual: growth / MiB });
  t.line('session file + -wal while recording', fmtMiB(r.atEnd.fileBytes), 'MiB',
    `${(r.atEnd.fileBytes / frames).toFixed(0)} B per frame, ${(r.atEnd.fileBytes / r.payloadBytes).toFixed(2)}x the payload bytes`);
  t.line('session file after close', fmtMiB(r.closedFileBytes), 'MiB', `closing took ${r.closeMs.toFixed(0)} ms`);

  const filterNote = (x: Timed, rows: number): string => `${fmtCount(x.found)} rows match; ${(x.ms / (rows / 100_000)).toFixed(0)} ms per 100k rows scanned`;
  console.log(`\nopened in a new engine process (${o.connections} connections, ${fmtCount(o.totalRows)} frame rows; the biggest has ${fmtCount(o.biggestRows)}).`);
  console.log(`Filters ask for the first 100 rows of the biggest connection; "${WORD}" is in ${(WORD_SHARE * 100).toFixed(0)} % of the messages.`);
  t.line('open session (new Engine + connections.list)', o.open.ms.toFixed(0), 'ms', '', { limit: TARGET.openMs, actual: o.open.ms });
  t.line('first 100 rows, no filter', o.firstWindow.ms.toFixed(1), 'ms');
  t.line(`text filter "${WORD}", frames view`, o.textFrames.ms.toFixed(0), 'ms', filterNote(o.textFrames, o.biggestRows), { limit: TARGET.filterMs, actual: o.textFrames.ms });
  t.line(`text filter "${WORD}", messages view`, o.textMessages.ms.toFixed(0), 'ms', filterNote(o.textMessages, o.biggestRows), { limit: TARGET.filterMs, actual: o.textMessages.ms });
  t.line('direction in + opcode text, frames view', o.directionOpcode.ms.toFixed(0), 'ms', filterNote(o.directionOpcode, o.biggestRows), { limit: TARGET.filterMs, actual: o.directionOpcode.ms });
  t.line(`text filter on all ${o.connections} connections in turn`, o.textAllConnections.ms.toFixed(0), 'ms',
    `${fmtCount(o.textAllConnections.found)} rows match: what one connection of ${fmtCount(o.totalRows)} frames would cost`);
  t.line(`search "${WORD}" as the UI asks, on opening`, o.searchAtOnce.ms.toFixed(0), 'ms',
    `${fmtCount(o.searchAtOnce.found)} hits; ${fmtCount(o.searchAtOnce.indexing)} frames recorded at full speed not in the index yet`);
  t.line('search index caught up, in the background', (o.indexedMs / 1000).toFixed(1), 's',
    o.searchAtOnce.indexing === 0 ? 'nothing was left to index' : `${((o.indexedMs * 1000) / o.searchAtOnce.indexing).toFixed(1)} µs per frame left for later`);
  t.line(`search "${WORD}" (FTS5, 200 hits), indexed`, o.search.ms.toFixed(0), 'ms', `${fmtCount(o.search.found)} hits${o.search.more ? ', more beyond' : ''}`);
  const ui = o.uiText;
  t.line(`text filter as the UI asks: first answer`, ui.firstMs.toFixed(0), 'ms',
    `${ui.firstRows} rows${ui.firstComplete ? ', count complete' : ', still counting'}; the count complete after ${ui.completeMs.toFixed(0)} ms and ${ui.requests} requests (${fmtCount(ui.found)} rows)`,
    { limit: TARGET.filterMs, actual: ui.firstMs });
  t.line('peak RSS of the opening process', fmtMiB(o.peakRssBytes), 'MiB');
  console.log(`\n${t.ok} OK, ${t.below} BELOW target (load now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}

// ---------------------------------------------------------------- main

async function record(recorder: Recorder, url: string, pool: Buffer[]): Promise<Omit<Recorded, 'closeMs' | 'closedFileBytes'>> {
  // Two frame rows per echo (the message and its echo), plus a few notes per connection.
  const echoes = FRAMES / 2;
  const sockets = await openAll(url, CONNECTIONS);
  const atStart = await recorder.stats(true);
  const t0 = performance.now();
  let atMilestone: Promise<RecordingStats> | null = null;
  const readings: Array<Promise<void>> = [];
  let loopDelayMaxMs = 0;
  let loopDelayP99Ms = 0;
  const onEcho = (received: number): void => {
    const frames = received * 2;
    if (frames % MILESTONE !== 0) return;
    const reading = recorder.stats(false);
    if (frames === MILESTONE) atMilestone = reading;
    readings.push(reading.then((s) => {
      loopDelayMaxMs = Math.max(loopDelayMaxMs, s.loopDelayMaxMs);
      loopDelayP99Ms = Math.max(loopDelayP99Ms, s.loopDelayP99Ms);
      const seconds = (performance.now() - t0) / 1000;
      console.log(`  ${fmtRate(frames).padStart(6)} frames  ${seconds.toFixed(1).padStart(6)} s  recorded ${fmtCount(s.frameRows).padStart(9)}  RSS ${fmtMiB(s.rssBytes).padStart(6)} MiB  peak ${fmtMiB(s.peakRssBytes).padStart(6)} MiB (anon ${fmtMiB(s.rssAnonBytes)} file ${fmtMiB(s.rssFileBytes)} shmem ${fmtMiB(s.rssShmemBytes)})  heap ${fmtMiB(s.heapBytes).padStart(5)} MiB  Buffers ${fmtMiB(s.externalBytes).padStart(5)} MiB  file ${fmtMiB(s.fileBytes).padStart(7)} MiB  loop delay p99 ${s.loopDelayP99Ms.toFixed(0)} max ${s.loopDelayMaxMs.toFixed(0)} ms`);
    }));
  };
  try {
    await echoLoad(sockets, pool, echoes, onEcho);
    const atEnd = await recorder.stats(true);
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(readings);
    let payloadBytes = 0;
    for (let i = 0; i < echoes; i++) payloadBytes += 2 * pool[i % pool.length]!.length;
    return { seconds, payloadBytes, atStart, atMilestone: await atMilestone!, atEnd, loopDelayMaxMs, loopDelayP99Ms };
  } finally {
    await closeAll(sockets);
  }
}

export async function runRecordingBench(): Promise<void> {
  console.log('Recording benchmark: ws clients (this process) → Framescope proxy, reverse mode, recording every frame into a');
  console.log(`session file (its own process) → ws echo server (its own process), all on 127.0.0.1. node ${process.version} |`);
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length} | load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${fmtCount(FRAMES)} frames: ${fmtCount(FRAMES / 2)} text messages and their echoes, ${CONNECTIONS} connections, ${WINDOW} in flight on each;`);
  console.log(`sizes ${MIN_SIZE} B–${MAX_SIZE / KiB} KiB uniform, JSON-like ASCII from a pool of ${fmtCount(POOL)} fixed pseudo-random payloads. "frames written per`);
  console.log('second" counts frame rows over the run, ended by a flush of the store. Peak RSS is VmHWM of the engine process,');
  console.log(`which runs with ${ENGINE_V8_FLAGS.join(' ')} as Framescope's launchers start it (electron/core/v8-flags.ts).`);
  console.log('The session is then closed and opened by a new engine in a fresh process: the file is still in the page cache as far');
  console.log(`as memory allows (it takes about 8.3 GB, in ${tmpdir()}).`);
  console.log(`Targets: peak RSS growth from ${fmtRate(MILESTONE)} to ${fmtRate(FRAMES)} frames <= ${TARGET.rssGrowthMiB} MiB; opening and each filter <= ${TARGET.openMs} ms.`);
  const [load1] = loadavg();
  if (load1! > cpus().length / 2) console.log(`Warning: the machine is already busy (1-minute load ${load1!.toFixed(2)}): expect low and noisy figures.`);

  const { bavail, bsize } = statfsSync(tmpdir());
  if (bavail * bsize < DISK_NEEDED) {
    throw new Error(`The recording benchmark needs about ${DISK_NEEDED / 1e9} GB free in ${tmpdir()} and ${(bavail * bsize / 1e9).toFixed(1)} GB are: free some space, or point TMPDIR elsewhere`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'framescope-bench-recording-'));
  const cleanUp = (): void => {
    killStarted();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const interrupted = (): void => process.exit(130);
  process.once('exit', cleanUp);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const pool = payloadPool();
    const echo = await startEcho();
    const { recorder, url, sessionId } = await Recorder.start(dataDir, echo.url);
    console.log(`\nRecording ${fmtCount(FRAMES)} frames:`);
    const recorded = await record(recorder, url, pool);
    const closed = await recorder.close();
    await stopChild(echo.proc);
    const opened = await openInFreshProcess(dataDir, sessionId);
    printResults({ ...recorded, closeMs: closed.closeMs, closedFileBytes: closed.fileBytes }, opened);
  } finally {
    cleanUp();
    process.removeListener('exit', cleanUp);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}
