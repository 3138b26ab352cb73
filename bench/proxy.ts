// `npm run bench -- proxy`: WebSocket echo traffic through Framescope's proxy (recording on) against a
// direct connection, mockttp and mitmdump: throughput, round-trip latency, proxy CPU per message, RSS.
// The load generator is this process; the echo server and every proxy run in processes of their own.

import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { benchPackageVersion, ensureBenchPackage } from './bench-packages.ts';
import { fmtSize } from './cases.ts';
import { closeAll, openAll as openSockets, within } from './sockets.ts';
import type { ChildReport, ChildRequest, ChildRole } from './proxy-child.ts';
import { floorMessages, recordingFloor, type FloorSample } from './recording-floor.ts';
import { ENGINE_V8_FLAGS } from '../electron/core/v8-flags.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [64, 1 * KiB, 64 * KiB];
const CONNECTIONS = [1, 50];
const ROUNDS = 2;
const WARMUP_MS = 300;
const MEASURE_MS = 1200;
/** Echoes in flight per connection: at most this many, and about IN_FLIGHT_TOTAL / IN_FLIGHT_BYTES over all connections. */
const IN_FLIGHT_MAX = 1000;
const IN_FLIGHT_TOTAL = 10_000;
const IN_FLIGHT_BYTES = 4 * MiB;
const LATENCY_ECHOES = 1000;
/** Rounds are cheap here and a single p50 swings with where the scheduler puts three busy processes. */
const LATENCY_ROUNDS = 5;
const LATENCY_WARMUP = 100;
/**
 * The RSS case: this many messages cross the proxy (two per echo), after a warm-up on the same connection
 * long enough for Framescope's 32 MiB ring between relay and writer to be in use (it is first touched in
 * the first 40,000 or so echoes), so that its first use is not counted as growth.
 */
const RSS_MESSAGES = 200_000;
const RSS_WARMUP_ECHOES = 50_000;
const RSS_SIZE = 1 * KiB;
/** A case fails, instead of hanging, when no echo arrives for this long. */
const STALL_MS = 15_000;
const CHILD_START_MS = 30_000;
const OPEN_TIMEOUT_MS = 10_000;

const TARGET = {
  throughputVsDirect: 0.7,
  throughputVsMockttp: 1.5,
  cpuVsMockttp: 0.33,
  p50VsDirect: 1.5,
  rssGrowthMiB: 10,
};

const CHILD = fileURLToPath(new URL('./proxy-child.ts', import.meta.url));

// ---------------------------------------------------------------- peers

type PeerName = 'direct' | 'framescope explicit' | 'framescope reverse' | 'mockttp' | 'mitmdump';
const PEERS: PeerName[] = ['direct', 'framescope explicit', 'framescope reverse', 'mockttp', 'mitmdump'];
const FRAMESCOPE: PeerName[] = ['framescope explicit', 'framescope reverse'];

interface Peer {
  readonly name: PeerName;
  /** The proxy's process, or null for a direct connection. */
  readonly pid: number | null;
  /** A client connection to the echo server through this peer. */
  open(): WebSocket;
  /** Collects garbage in the proxy process, when it can be asked to, and tells what the heap still holds. */
  gc(): Promise<number | null>;
  stop(): Promise<void>;
}

/** A peer that could not run has a short note for the tables and the reason in full for the peer list. */
type PeerSlot = { name: PeerName; peer: Peer } | { name: PeerName; peer: null; note: string; detail: string };

/** A Node process running bench/proxy-child.ts in one role. */
interface Child {
  readonly pid: number;
  readonly address: string;
  readonly url: string;
  gc(): Promise<number>;
  stop(): Promise<void>;
}

function startChild(role: ChildRole, echoUrl: string): Promise<Child | { unavailable: string }> {
  // Same flags as this process (TypeScript stripping), plus gc() for RSS readings after a collection;
  // Framescope's engine runs with the heap flags its launchers give it.
  const engineFlags = role.startsWith('framescope') ? ENGINE_V8_FLAGS : [];
  const proc = fork(CHILD, [role, echoUrl], { execArgv: [...process.execArgv, '--expose-gc', ...engineFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.disconnect();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve({ unavailable: `${role} did not start within ${CHILD_START_MS / 1000} s` });
    }, CHILD_START_MS);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ unavailable: `${role} exited before it was ready (${signal ?? `code ${code}`})` });
    });
    proc.once('message', (msg: ChildReport) => {
      clearTimeout(timer);
      if (msg.type !== 'ready') {
        resolve({ unavailable: msg.type === 'unavailable' ? msg.reason : `${role} sent ${msg.type} before it was ready` });
        return;
      }
      const gc = (): Promise<number> => within(new Promise((done) => {
        proc.once('message', (reply: ChildReport) => done(reply.type === 'gc-done' ? reply.retained : Number.NaN));
        proc.send({ type: 'gc' } satisfies ChildRequest);
      }), CHILD_START_MS, `a garbage collection in ${role}`);
      resolve({ pid: proc.pid!, address: msg.address, url: msg.url, gc, stop });
    });
  });
}

function mitmdumpVersion(): string | null {
  const out = spawnSync('mitmdump', ['--version'], { encoding: 'utf8' });
  if (out.error !== undefined || out.status !== 0) return null;
  return /Mitmproxy: (\S+)/.exec(out.stdout)?.[1] ?? 'unknown version';
}

async function startMitmdump(): Promise<{ pid: number; address: string; stop(): Promise<void> }> {
  // Its own confdir, so the benchmark neither reads nor creates a CA in the user's ~/.mitmproxy.
  const confdir = mkdtempSync(join(tmpdir(), 'framescope-bench-mitm-'));
  const proc = spawn('mitmdump', ['--listen-host', '127.0.0.1', '--listen-port', '0', '--set', `confdir=${confdir}`, '--set', 'flow_detail=0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(confdir, { recursive: true, force: true });
  };
  let output = '';
  const address = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), CHILD_START_MS);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /listening at (?:\S+:\/\/)?(127\.0\.0\.1:\d+)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout.on('data', read);
    proc.stderr.on('data', read);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
  if (address === null) {
    await stop();
    throw new Error(`mitmdump did not report its address: ${output.trim().slice(0, 300) || 'no output'}`);
  }
  // Keep draining its output, so a full pipe never blocks it.
  proc.stdout.resume();
  proc.stderr.resume();
  return { pid: proc.pid!, address, stop };
}

const noGc = (): Promise<null> => Promise.resolve(null);

/**
 * A ws client whose upgrade goes to an explicit HTTP proxy: the TCP connection is made to the proxy
 * and the request line carries the absolute URI (`GET http://host:port/ HTTP/1.1`), as
 * http-proxy-agent sends it. Node writes the request line when the request ends, so changing
 * `req.path` in `finishRequest` is in time.
 */
function viaProxy(proxyAddress: string, target: string): WebSocket {
  const proxy = new URL(`http://${proxyAddress}`);
  const url = new URL(target);
  return new WebSocket(target, {
    perMessageDeflate: false,
    createConnection: () => net.connect(Number(proxy.port), proxy.hostname),
    finishRequest: (req) => {
      req.path = `http://${url.host}${url.pathname}${url.search}`;
      req.end();
    },
  });
}

const direct = (url: string): WebSocket => new WebSocket(url, { perMessageDeflate: false });

async function startPeer(name: PeerName, echoUrl: string): Promise<PeerSlot> {
  switch (name) {
    case 'direct':
      return { name, peer: { name, pid: null, open: () => direct(echoUrl), gc: noGc, stop: () => Promise.resolve() } };
    case 'mitmdump': {
      if (mitmdumpVersion() === null) return { name, peer: null, note: 'not installed, skipped', detail: 'no mitmdump on PATH (Debian: apt-get install mitmproxy)' };
      try {
        const m = await startMitmdump();
        return { name, peer: { name, pid: m.pid, open: () => viaProxy(m.address, echoUrl), gc: noGc, stop: m.stop } };
      } catch (err) {
        return { name, peer: null, note: 'failed to start', detail: (err as Error).message };
      }
    }
    case 'mockttp':
    case 'framescope explicit':
    case 'framescope reverse': {
      const role: ChildRole = name === 'mockttp' ? 'mockttp' : name === 'framescope explicit' ? 'framescope-explicit' : 'framescope-reverse';
      const child = await startChild(role, echoUrl);
      if ('unavailable' in child) {
        return { name, peer: null, note: name === 'mockttp' ? 'failed to start' : 'not available yet', detail: child.unavailable };
      }
      const open = name === 'framescope reverse' ? (): WebSocket => direct(child.url) : (): WebSocket => viaProxy(child.address, echoUrl);
      return { name, peer: { name, pid: child.pid, open, gc: child.gc, stop: child.stop } };
    }
    default: {
      const never: never = name;
      throw new Error(`unknown peer ${String(never)}`);
    }
  }
}

// ---------------------------------------------------------------- /proc readings

const CLOCK_TICKS = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(out.stdout) || 100;
})();

/** User + system CPU seconds of a process, all threads. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

// ---------------------------------------------------------------- load

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure naming `what` once `ms` have passed without it settling. */
/** ASCII JSON-like text: UTF-8 validation is done where a peer does it, with no slow path taken. */
function textPayload(size: number): Buffer {
  const sample = Buffer.from('{"id":1234,"user":"zoe","msg":"hello world, 5 EUR - ok","tags":["a","b"]} ');
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += sample.length) sample.copy(out, i, 0, Math.min(sample.length, size - i));
  return out;
}

function openAll(peer: Peer, count: number): Promise<WebSocket[]> {
  return openSockets(() => peer.open(), count, OPEN_TIMEOUT_MS);
}

function inFlightPerConnection(size: number, connections: number): number {
  return Math.max(2, Math.min(IN_FLIGHT_MAX, Math.floor(IN_FLIGHT_TOTAL / connections), Math.floor(IN_FLIGHT_BYTES / size / connections)));
}

/**
 * Keeps `window` echoes in flight on every socket until stopped or `limit` messages were sent, and
 * counts the echoes that come back, each checked against what was sent.
 */
class EchoLoad {
  received = 0;
  private sent = 0;
  private inFlight = 0;
  private stopped = false;
  private lastProgress = 0;
  private readonly limit: number;
  private readonly watchdog: NodeJS.Timeout;
  private resolveFinished!: () => void;
  private rejectFinished!: (err: Error) => void;
  /** Resolves once sending has ended and every echo is back; rejects on the first failure. */
  readonly finished: Promise<void>;

  constructor(sockets: WebSocket[], payload: Buffer, window: number, limit = Infinity) {
    this.limit = limit;
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => {}).finally(() => clearInterval(this.watchdog));
    this.watchdog = setInterval(() => {
      if (this.received === this.lastProgress) this.fail(new Error(`no echo came back for ${STALL_MS / 1000} s`));
      this.lastProgress = this.received;
    }, STALL_MS);
    for (const socket of sockets) {
      let inFlight = 0;
      const pump = (): void => {
        while (inFlight < window && !this.stopped && this.sent < this.limit) {
          socket.send(payload, { binary: false });
          inFlight++;
          this.inFlight++;
          this.sent++;
        }
      };
      socket.on('message', (data: Buffer) => {
        if (!data.equals(payload)) this.fail(new Error(`an echo of ${data.length} bytes differs from the ${payload.length} bytes sent`));
        inFlight--;
        this.inFlight--;
        this.received++;
        pump();
        this.settleIfDone();
      });
      socket.on('error', (err) => this.fail(err));
      socket.on('close', (code) => this.fail(new Error(`a connection closed mid-case (close code ${code})`)));
      pump();
    }
  }

  stop(): void {
    this.stopped = true;
    this.settleIfDone();
  }

  private settleIfDone(): void {
    if (this.inFlight === 0 && (this.stopped || this.sent >= this.limit)) this.resolveFinished();
  }

  private fail(err: Error): void {
    this.stopped = true;
    this.rejectFinished(err);
  }
}

/** Waits `ms`, but gives up at once if the load fails meanwhile. */
async function run(load: EchoLoad, ms: number): Promise<void> {
  await Promise.race([sleep(ms), load.finished]);
}

interface CpuSnapshot {
  at: number;
  proxy: number;
  echo: number;
  client: number;
}

function cpuSnapshot(proxyPid: number | null, echoPid: number): CpuSnapshot {
  return { at: performance.now(), proxy: proxyPid === null ? 0 : cpuSeconds(proxyPid), echo: cpuSeconds(echoPid), client: cpuSeconds(process.pid) };
}

interface ThroughputSample {
  echoesPerSecond: number;
  /** Proxy CPU µs per relayed message (two per echo); null for direct. */
  proxyMicrosPerMessage: number | null;
  /** CPU seconds per wall second of each process. */
  cores: { proxy: number | null; echo: number; client: number };
}

async function throughput(peer: Peer, echoPid: number, size: number, connections: number): Promise<ThroughputSample> {
  const sockets = await openAll(peer, connections);
  const window = inFlightPerConnection(size, connections);
  const load = new EchoLoad(sockets, textPayload(size), window);
  try {
    // Warm-up lasts until every echo of the first burst is back too: some proxies take seconds over it.
    await run(load, WARMUP_MS);
    while (load.received < window * connections) await run(load, 50);
    const before = cpuSnapshot(peer.pid, echoPid);
    const from = load.received;
    // At least two full turns of the window too, so a peer that relays in bursts is seen over several.
    await run(load, MEASURE_MS);
    while (load.received - from < 2 * window * connections) await run(load, 50);
    const after = cpuSnapshot(peer.pid, echoPid);
    const echoes = load.received - from;
    load.stop();
    await load.finished;
    const seconds = (after.at - before.at) / 1000;
    const proxyCpu = after.proxy - before.proxy;
    return {
      echoesPerSecond: echoes / seconds,
      proxyMicrosPerMessage: peer.pid === null ? null : (proxyCpu / (2 * echoes)) * 1e6,
      cores: { proxy: peer.pid === null ? null : proxyCpu / seconds, echo: (after.echo - before.echo) / seconds, client: (after.client - before.client) / seconds },
    };
  } finally {
    load.stop();
    await closeAll(sockets);
  }
}

interface LatencySample {
  p50: number;
  p99: number;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

async function latency(peer: Peer): Promise<LatencySample> {
  const [socket] = await openAll(peer, 1);
  const payload = textPayload(1 * KiB);
  const times: number[] = [];
  try {
    let answer: ((data: Buffer) => void) | null = null;
    socket!.on('message', (data: Buffer) => answer?.(data));
    const failed = new Promise<never>((_, reject) => {
      socket!.on('error', reject);
      socket!.on('close', (code) => reject(new Error(`the connection closed mid-case (close code ${code})`)));
    });
    failed.catch(() => {});
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_ECHOES; i++) {
      const echoed = new Promise<Buffer>((resolve) => (answer = resolve));
      const t0 = performance.now();
      socket!.send(payload, { binary: false });
      const data = await within(Promise.race([echoed, failed]), STALL_MS, `echo ${i + 1}`);
      const dt = performance.now() - t0;
      if (!data.equals(payload)) throw new Error('an echo differs from what was sent');
      if (i >= LATENCY_WARMUP) times.push(dt * 1000);
    }
  } finally {
    await closeAll([socket!]);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

interface RssSample {
  before: number;
  after: number;
  /** Heap and Buffer bytes held after a collection (Node peers only). */
  retainedBefore: number | null;
  retainedAfter: number | null;
  seconds: number;
}

/** RSS of a fresh proxy process before and after RSS_MESSAGES cross it on one connection. */
async function rssGrowth(peer: Peer): Promise<RssSample> {
  const [socket] = await openAll(peer, 1);
  const payload = textPayload(RSS_SIZE);
  const window = inFlightPerConnection(RSS_SIZE, 1);
  try {
    const warmup = new EchoLoad([socket!], payload, window, RSS_WARMUP_ECHOES);
    await warmup.finished;
    socket!.removeAllListeners();
    const retainedBefore = await peer.gc();
    const before = rssBytes(peer.pid!);
    const t0 = performance.now();
    const load = new EchoLoad([socket!], payload, window, RSS_MESSAGES / 2);
    await load.finished;
    const seconds = (performance.now() - t0) / 1000;
    // Let batched work (a store's per-tick inserts) finish before the reading.
    await sleep(300);
    const retainedAfter = await peer.gc();
    return { before, after: rssBytes(peer.pid!), retainedBefore, retainedAfter, seconds };
  } finally {
    await closeAll([socket!]);
  }
}

// ---------------------------------------------------------------- report

const fmtRate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));
const fmtMiB = (n: number): string => (n / MiB).toFixed(1);

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

const NAME_WIDTH = Math.max(...PEERS.map((p) => p.length));
const LABEL_WIDTH = 'framescope explicit / mockttp, proxy CPU per message'.length;

class Tally {
  ok = 0;
  below = 0;
  missing = 0;

  /** Prints one ratio line against its target and counts it. */
  check(label: string, value: number | null, cmp: '>=' | '<=', target: number, why: string): void {
    const head = `  ${label.padEnd(LABEL_WIDTH)}`;
    if (value === null || !Number.isFinite(value)) {
      this.missing++;
      console.log(`${head}     -  target ${cmp} ${target.toFixed(2)}  not measured (${why})`);
      return;
    }
    const ok = cmp === '>=' ? value >= target : value <= target;
    if (ok) this.ok++;
    else this.below++;
    console.log(`${head}${value.toFixed(2).padStart(6)}  target ${cmp} ${target.toFixed(2)}  ${ok ? 'OK' : 'BELOW'}`);
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; note: string };

function missingWhy(results: Map<PeerName, Outcome<unknown>>, ...names: PeerName[]): string {
  const missing = names.filter((name) => results.get(name)?.ok !== true);
  return `no ${missing.join(' or ')} figure`;
}

function value<T>(results: Map<PeerName, Outcome<T>>, name: PeerName): T | null {
  const r = results.get(name);
  return r?.ok ? r.value : null;
}

function printThroughput(title: string, size: number, results: Map<PeerName, Outcome<ThroughputSample>>, tally: Tally): void {
  const widths = [NAME_WIDTH, 9, 8, 13, 11, 10, 12];
  console.log(`\n${title}`);
  console.log(row(['peer', 'msg/s', 'MB/s', 'proxy µs/msg', 'proxy cores', 'echo cores', 'client cores'], widths));
  for (const name of PEERS) {
    const r = results.get(name);
    if (r === undefined) continue;
    if (!r.ok) {
      console.log(`${name.padEnd(NAME_WIDTH)}  ${r.note}`);
      continue;
    }
    const s = r.value;
    console.log(row([
      name, fmtRate(s.echoesPerSecond), ((s.echoesPerSecond * size) / 1e6).toFixed(2),
      s.proxyMicrosPerMessage === null ? '-' : s.proxyMicrosPerMessage.toFixed(2),
      s.cores.proxy === null ? '-' : s.cores.proxy.toFixed(2), s.cores.echo.toFixed(2), s.cores.client.toFixed(2),
    ], widths));
  }
  const rate = (n: PeerName): number | null => value(results, n)?.echoesPerSecond ?? null;
  const cpu = (n: PeerName): number | null => value(results, n)?.proxyMicrosPerMessage ?? null;
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a / b);
  for (const fs of FRAMESCOPE) {
    tally.check(`${fs} / direct, throughput`, ratio(rate(fs), rate('direct')), '>=', TARGET.throughputVsDirect, missingWhy(results, fs, 'direct'));
    tally.check(`${fs} / mockttp, throughput`, ratio(rate(fs), rate('mockttp')), '>=', TARGET.throughputVsMockttp, missingWhy(results, fs, 'mockttp'));
    tally.check(`${fs} / mockttp, proxy CPU per message`, ratio(cpu(fs), cpu('mockttp')), '<=', TARGET.cpuVsMockttp, missingWhy(results, fs, 'mockttp'));
  }
}

/**
 * Recording by itself beside the CPU target: what writing each message's rows costs with no proxy
 * around it, against a third of mockttp's CPU per message in the 1-connection case of the same size.
 */
function printFloor(floors: Map<number, FloorSample>, cpu1: Map<number, Map<PeerName, number | null>>): void {
  const widths = [8, 13, 12, 12, 10, 8, 10];
  console.log('\nrecording alone: CPU µs per message to record it, with nothing else running in this process (no proxy, no');
  console.log('sockets): "SQLite alone" inserts the frame row and message row Framescope stores per one-frame message, as');
  console.log('node:sqlite statements with constant values; "store alone" is Framescope\'s session store (its writer thread');
  console.log('included) given the records the relay makes. Both: one connection, both directions, 1000 per transaction (1 MiB');
  console.log('of 64 KiB messages), best of two readings, each in a file of its own.');
  console.log('Beside them, the 1-connection figures above and the CPU target (a third of mockttp\'s): a proxy that records');
  console.log('each message this way cannot spend less than "SQLite alone".');
  console.log(row(['size', 'SQLite alone', 'store alone', 'explicit', 'reverse', 'mockttp', 'target'], widths));
  for (const [size, f] of floors) {
    const c = cpu1.get(size);
    const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(2));
    const mockttp = c?.get('mockttp');
    console.log(row([fmtSize(size), fmt(f.sqlite), fmt(f.store), fmt(c?.get('framescope explicit')), fmt(c?.get('framescope reverse')), fmt(mockttp),
      fmt(mockttp === null || mockttp === undefined ? null : mockttp * TARGET.cpuVsMockttp)], widths));
  }
}

function printLatency(results: Map<PeerName, Outcome<LatencySample>>, tally: Tally): void {
  const widths = [NAME_WIDTH, 9, 9];
  console.log(`\nround trip: ${LATENCY_ECHOES} sequential 1 KiB echoes on one connection (after ${LATENCY_WARMUP} unmeasured), best p50 of ${LATENCY_ROUNDS} rounds`);
  console.log(row(['peer', 'p50 µs', 'p99 µs'], widths));
  for (const name of PEERS) {
    const r = results.get(name);
    if (r === undefined) continue;
    console.log(r.ok ? row([name, r.value.p50.toFixed(0), r.value.p99.toFixed(0)], widths) : `${name.padEnd(NAME_WIDTH)}  ${r.note}`);
  }
  const p50 = (n: PeerName): number | null => value(results, n)?.p50 ?? null;
  for (const fs of FRAMESCOPE) {
    const [a, b] = [p50(fs), p50('direct')];
    tally.check(`${fs} / direct, p50 round trip`, a === null || b === null ? null : a / b, '<=', TARGET.p50VsDirect, missingWhy(results, fs, 'direct'));
  }
}

function printRss(results: Map<PeerName, Outcome<RssSample>>, tally: Tally): void {
  const widths = [NAME_WIDTH, 11, 10, 11, 9, 13, 7];
  console.log(`\nproxy RSS while ${RSS_MESSAGES.toLocaleString('en')} messages cross it: ${(RSS_MESSAGES / 2).toLocaleString('en')} pipelined ${fmtSize(RSS_SIZE)} echoes on one connection of a`);
  console.log(`fresh proxy process, after ${RSS_WARMUP_ECHOES.toLocaleString('en')} warm-up echoes on it. Node peers collect garbage before each reading;`);
  console.log('"heap growth" is what their V8 heap and Buffers still hold after it (RSS can also grow by allocator slack).');
  console.log('The warm-up is long enough for bounded buffers to be in use (Framescope\'s 32 MiB ring between relay and writer).');
  console.log(row(['peer', 'before MiB', 'after MiB', 'growth MiB', 'B/msg', 'heap growth', 'time s'], widths));
  for (const name of PEERS) {
    const r = results.get(name);
    if (r === undefined) continue;
    if (!r.ok) {
      console.log(`${name.padEnd(NAME_WIDTH)}  ${r.note}`);
      continue;
    }
    const s = r.value;
    const heap = s.retainedBefore === null || s.retainedAfter === null ? '-' : fmtMiB(s.retainedAfter - s.retainedBefore);
    console.log(row([name, fmtMiB(s.before), fmtMiB(s.after), fmtMiB(s.after - s.before), ((s.after - s.before) / RSS_MESSAGES).toFixed(1), heap, s.seconds.toFixed(1)], widths));
  }
  for (const fs of FRAMESCOPE) {
    const s = value(results, fs);
    tally.check(`${fs}, RSS growth in MiB`, s === null ? null : (s.after - s.before) / MiB, '<=', TARGET.rssGrowthMiB, missingWhy(results, fs));
  }
}

// ---------------------------------------------------------------- main

const failure = (err: unknown): Outcome<never> => ({ ok: false, note: `failed: ${err instanceof Error ? err.message : String(err)}` });

/**
 * Starts peers afresh for each case and stops them after it, so no case inherits the heap (or the
 * recorded frames) another case left behind.
 */
class PeerPool {
  private readonly echoUrl: string;
  private live: PeerSlot[] = [];
  /** Why each peer could not run, as already printed: a reason is printed in full once. */
  private readonly printed = new Map<PeerName, string>();

  constructor(echoUrl: string) {
    this.echoUrl = echoUrl;
  }

  async start(names: PeerName[]): Promise<PeerSlot[]> {
    this.live = await Promise.all(names.map((name) => startPeer(name, this.echoUrl)));
    return this.live;
  }

  async stop(): Promise<void> {
    await Promise.all(this.live.map((s) => s.peer?.stop()));
    this.live = [];
  }

  /** For a crash: nothing this benchmark started may outlive it. */
  kill(): void {
    for (const s of this.live) {
      try {
        if (s.peer?.pid != null) process.kill(s.peer.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  noteFor(slot: PeerSlot & { peer: null }): string {
    if (this.printed.get(slot.name) === slot.detail) return slot.note;
    this.printed.set(slot.name, slot.detail);
    return `${slot.note}: ${slot.detail}`;
  }
}

/** Runs `measure` on fresh instances of `names`, `rounds` times each in alternating order; keeps the best sample. */
async function measureCase<T>(pool: PeerPool, names: PeerName[], rounds: number, measure: (peer: Peer) => Promise<T>, better: (a: T, b: T) => boolean): Promise<Map<PeerName, Outcome<T>>> {
  const slots = await pool.start(names);
  const results = new Map<PeerName, Outcome<T>>();
  try {
    for (const slot of slots) if (slot.peer === null) results.set(slot.name, { ok: false, note: pool.noteFor(slot) });
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so a burst of load from elsewhere hits every peer alike.
      const order = r % 2 ? [...slots].reverse() : slots;
      for (const slot of order) {
        if (slot.peer === null) continue;
        const previous = results.get(slot.name);
        if (previous !== undefined && !previous.ok) continue;
        try {
          const sample = await measure(slot.peer);
          if (previous === undefined || better(sample, previous.value)) results.set(slot.name, { ok: true, value: sample });
        } catch (err) {
          results.set(slot.name, failure(err));
        }
      }
    }
  } finally {
    await pool.stop();
  }
  return results;
}

/** The installed version of a package whose "exports" hide its package.json. */
function describePeers(): void {
  const mockttpMissing = ensureBenchPackage('mockttp');
  const mockttp = mockttpMissing ?? `mockttp ${benchPackageVersion('mockttp')}: getLocal() + forAnyWebSocket().thenPassThrough(), nothing subscribed to its events`;
  const mitm = mitmdumpVersion();
  const about: Record<PeerName, string> = {
    'direct': 'ws client straight to the echo server',
    'framescope explicit': 'Framescope engine, explicit HTTP proxy, recording every frame (the default)',
    'framescope reverse': 'Framescope engine, reverse mode to the echo server, recording every frame',
    'mockttp': mockttp,
    'mitmdump': mitm === null ? 'mitmproxy\'s mitmdump: not installed (Debian: apt-get install mitmproxy), skipped' : `mitmdump ${mitm}, --set flow_detail=0 (it keeps every message of an open connection)`,
  };
  console.log('Peers, each started afresh for every case (a reason one cannot run is given in full where first met):');
  for (const name of PEERS) console.log(`  ${name.padEnd(NAME_WIDTH)}  ${about[name]}`);
}

export async function runProxyBench(): Promise<void> {
  console.log('Proxy benchmark: ws client (this process, the load generator) → proxy (its own process) → ws echo server');
  console.log(`(its own process), all on 127.0.0.1. node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length} | load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`The ${cpus().length} cores are shared: load generator, echo server and proxy compete for them. "cores" columns are each`);
  console.log('process\'s CPU seconds per wall second (from /proc), so columns summing near the core count mean the machine');
  console.log('was the limit. Messages are ASCII text, no compression. msg/s counts echoes; each crosses the proxy twice, and');
  console.log('"proxy µs/msg" is proxy CPU time per relayed message (two per echo). MB/s is echoed payload bytes (10^6).');
  console.log(`Framescope's engine process runs with ${ENGINE_V8_FLAGS.join(' ')}, as its launchers start it (electron/core/v8-flags.ts).`);
  console.log(`Throughput: best of ${ROUNDS} rounds, peers alternating order. Echoes in flight per connection: ${IN_FLIGHT_MAX}, or fewer so`);
  console.log(`that all connections together hold about ${IN_FLIGHT_TOTAL.toLocaleString('en')} messages or ${fmtSize(IN_FLIGHT_BYTES)} (at least 2). Warm-up: ${WARMUP_MS} ms and until the`);
  console.log(`first burst is all back; measured: ${MEASURE_MS} ms and until twice the in-flight count came back (bursty peers).`);
  console.log(`Targets: Framescope/direct throughput >= ${TARGET.throughputVsDirect}, Framescope/mockttp >= ${TARGET.throughputVsMockttp}, proxy CPU per message <= ${TARGET.cpuVsMockttp}`);
  console.log(`of mockttp's, p50 round trip <= ${TARGET.p50VsDirect}x direct, RSS growth over ${RSS_MESSAGES.toLocaleString('en')} messages <= ${TARGET.rssGrowthMiB} MiB.`);
  const [load1] = loadavg();
  if (load1! > cpus().length / 2) console.log(`Warning: the machine is already busy (1-minute load ${load1!.toFixed(2)}): expect low and noisy figures.`);

  describePeers();

  const echo = await startChild('echo', '');
  if ('unavailable' in echo) throw new Error(`The echo server did not start: ${echo.unavailable}`);
  const tally = new Tally();
  const pool = new PeerPool(echo.url);
  const kill = (): void => pool.kill();
  process.once('exit', kill);
  // Proxy CPU per message of each peer in the 1-connection case of each size, for the recording-alone table.
  const cpu1 = new Map<number, Map<PeerName, number | null>>();
  try {
    for (const size of SIZES) {
      for (const connections of CONNECTIONS) {
        const results = await measureCase(pool, PEERS, ROUNDS, (peer) => throughput(peer, echo.pid, size, connections), (a, b) => a.echoesPerSecond > b.echoesPerSecond);
        if (connections === 1) cpu1.set(size, new Map(PEERS.map((name) => [name, value(results, name)?.proxyMicrosPerMessage ?? null])));
        const window = inFlightPerConnection(size, connections);
        printThroughput(`throughput: ${fmtSize(size)} messages, ${connections} connection${connections > 1 ? 's' : ''}, pipelined (${window} in flight per connection)`, size, results, tally);
      }
    }
    printLatency(await measureCase(pool, PEERS, LATENCY_ROUNDS, latency, (a, b) => a.p50 < b.p50), tally);
    // One proxy at a time, so none holds memory or cores while another is measured.
    const rssResults = new Map<PeerName, Outcome<RssSample>>();
    for (const name of PEERS) {
      if (name === 'direct') continue;
      const result = (await measureCase(pool, [name], 1, rssGrowth, () => false)).get(name);
      if (result !== undefined) rssResults.set(name, result);
    }
    printRss(rssResults, tally);
    const floors = new Map<number, FloorSample>();
    for (const size of SIZES) floors.set(size, await recordingFloor(size, floorMessages(size)));
    printFloor(floors, cpu1);
  } finally {
    await pool.stop();
    await echo.stop();
    process.removeListener('exit', kill);
  }
  console.log(`\n${tally.ok} OK, ${tally.below} BELOW target, ${tally.missing} not measured (load now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}
