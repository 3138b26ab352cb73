// Replay runs as the runs list shows them.
import { describe, expect, test } from 'vitest';
import type { ReplayRun } from '../../../shared/api.ts';
import { runProgress, runsOf, runStateLabel, timingLabel } from '../../../renderer/src/replay/replayRuns.ts';

function run(id: number, originalId: number, change: Partial<ReplayRun> = {}): ReplayRun {
  return { id, originalId, replayId: 100 + id, timing: { mode: 'fast' }, state: 'done', sent: 3, total: 3, timedOut: 0, startedAt: 0, endedAt: 1, error: null, ...change };
}

test('runsOf keeps one connection’s runs, newest first', () => {
  const runs = { 1: run(1, 7), 2: run(2, 8), 3: run(3, 7) };
  expect(runsOf(runs, 7).map((r) => r.id)).toEqual([3, 1]);
  expect(runsOf(runs, 9)).toEqual([]);
});

test('timingLabel names every timing', () => {
  expect(timingLabel({ mode: 'original' })).toBe('original timing');
  expect(timingLabel({ mode: 'speed', factor: 2.5 })).toBe('2.5× speed');
  expect(timingLabel({ mode: 'fast' })).toBe('as fast as possible');
  expect(timingLabel({ mode: 'wait-reply' })).toBe('waiting for replies');
  expect(timingLabel({ mode: 'wait-reply', timeoutMs: 500 })).toBe('waiting for replies (at most 500 ms)');
});

describe('state and progress', () => {
  test('a failed run says why', () => {
    expect(runStateLabel(run(1, 7, { state: 'failed', error: 'TCP_REFUSED: nothing listens on 127.0.0.1:9' }))).toBe('failed: TCP_REFUSED: nothing listens on 127.0.0.1:9');
    expect(runStateLabel(run(1, 7, { state: 'failed' }))).toBe('failed');
    expect(runStateLabel(run(1, 7, { state: 'running' }))).toBe('running');
  });

  test('progress counts sent of total', () => {
    expect(runProgress(run(1, 7, { sent: 2, total: 5 }))).toBe('2 / 5 sent');
    expect(runProgress(run(1, 7, { sent: 4, total: 5, timedOut: 2 }))).toBe('4 / 5 sent, 2 after no reply');
  });
});
