// `npm run bench [-- FILTER]`: parse and encode throughput of our protocol core against ws, one table;
// then the UI timeline benchmark in Chromium (`npm run bench -- ui` runs it alone), the proxy
// benchmark against direct, mockttp and mitmdump (`npm run bench -- proxy` runs it alone), and the
// recording benchmark, 1M frames into a session file (`npm run bench -- recording` runs it alone).

import { cpus, loadavg } from 'node:os';
import { buildCases, wsBackends, type Case, type Impl } from './cases.ts';
import { runProxyBench } from './proxy.ts';
import { runRecordingBench } from './recording.ts';
import { runUiBench } from './ui-timeline.ts';

const ROUNDS = 6;
const ROUND_NS = 150_000_000n;
/** Each side runs this long before the rounds: long enough for V8 to have optimised the parsers' hot paths. */
const WARMUP_NS = 500_000_000n;

/** Operations per second of `impl` over about `budget` ns of wall time; only `run` is timed. */
function measure(impl: Impl, budget: bigint): number {
  let ops = 0;
  let ns = 0n;
  const stop = process.hrtime.bigint() + budget;
  do {
    impl.prepare();
    const t0 = process.hrtime.bigint();
    ops += impl.run();
    ns += process.hrtime.bigint() - t0;
  } while (process.hrtime.bigint() < stop);
  return ops / (Number(ns) / 1e9);
}

/** Lets ws's deferred stream callbacks and the GC run between measurements. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runCase(c: Case): Promise<{ ours: number; ws: number }> {
  c.verify();
  measure(c.ours, WARMUP_NS);
  measure(c.ws, WARMUP_NS);
  const ours: number[] = [];
  const ws: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate who goes first, so a burst of load from elsewhere hits both sides alike.
    for (const side of r % 2 ? (['ws', 'ours'] as const) : (['ours', 'ws'] as const)) {
      await breathe();
      (side === 'ours' ? ours : ws).push(measure(c[side], ROUND_NS));
    }
  }
  // Best round, not median: on a shared machine other load only ever slows a round down.
  return { ours: Math.max(...ours), ws: Math.max(...ws) };
}

const fmtRate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  if (filter === 'proxy') {
    await runProxyBench();
    return;
  }
  if (filter === 'recording') {
    await runRecordingBench();
    return;
  }
  const ws = wsBackends();
  console.log(`node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length} | load ${loadavg().map((l) => l.toFixed(2)).join(' ')} | ws ${ws.version}`);
  console.log(`ws masking: ${ws.mask}; ws UTF-8 check: ${ws.utf8}`);
  console.log('UTF-8 validation on for both. Parse input: masked client frames in 64 KiB chunks, copied fresh before every');
  console.log('iteration for both sides, outside the timed region (ws unmasks in place). Rates: best of');
  console.log(`${ROUNDS} rounds of ${Number(ROUND_NS) / 1e6} ms per side, sides alternating; MB/s counts payload bytes (10^6).`);
  console.log('Encode rows: "ro:" is Sender.frame\'s readOnly option; false masks the caller\'s buffer in place and returns');
  console.log('[header, payload], true writes one new buffer (the work encodeFrame and Connection.send always do).');
  console.log('Targets: ours/ws >= 1.00 for 20 B and 125 B, >= 0.90 for 64 KiB and up.\n');

  const cases = buildCases().filter((c) => c.name.includes(filter));
  if (cases.length === 0 && 'ui timeline'.includes(filter)) {
    await runUiBench();
    return;
  }
  const widths = [Math.max(...cases.map((c) => c.name.length)), 10, 10, 9, 9, 7, 6, 6];
  console.log(row(['case', 'ours op/s', 'ws op/s', 'ours MB/s', 'ws MB/s', 'ratio', 'target', ''], widths));
  let below = 0;
  for (const c of cases) {
    const r = await runCase(c);
    const ratio = r.ours / r.ws;
    const ok = ratio >= c.target;
    if (!ok) below++;
    const mbs = (ops: number): string => ((ops * c.bytesPerOp) / 1e6).toFixed(0);
    console.log(row([c.name, fmtRate(r.ours), fmtRate(r.ws), mbs(r.ours), mbs(r.ws), ratio.toFixed(2), c.target.toFixed(2), ok ? 'OK' : 'BELOW'], widths));
  }
  console.log(`\n${cases.length - below} OK, ${below} BELOW target`);
  if (filter === '') {
    await runUiBench();
    console.log();
    await runProxyBench();
    console.log();
    await runRecordingBench();
  }
}

await main();
