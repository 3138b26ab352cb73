// Replay runs as the runs list and the comparison's heading show them: a connection's runs newest
// first, their timing and their state in words. Pure.
import type { ReplayRun, ReplayTiming } from '../../../shared/api.ts';

/** The runs that replayed this connection, newest first. */
export function runsOf(runs: Readonly<Record<number, ReplayRun>>, connectionId: number): ReplayRun[] {
  return Object.values(runs).filter((run) => run.originalId === connectionId).sort((a, b) => b.id - a.id);
}

export function timingLabel(timing: ReplayTiming): string {
  switch (timing.mode) {
    case 'original':
      return 'original timing';
    case 'speed':
      return `${timing.factor}× speed`;
    case 'fast':
      return 'as fast as possible';
    case 'wait-reply':
      return timing.timeoutMs === undefined ? 'waiting for replies' : `waiting for replies (at most ${timing.timeoutMs} ms)`;
  }
}

/** "3 / 10 sent", and in 'wait-reply' runs how many went without an answer: "3 / 10 sent, 2 after no reply" */
export function runProgress(run: ReplayRun): string {
  const progress = `${run.sent} / ${run.total} sent`;
  return run.timedOut > 0 ? `${progress}, ${run.timedOut} after no reply` : progress;
}

/** The run's state for a person: what it is doing, or how it ended. */
export function runStateLabel(run: ReplayRun): string {
  switch (run.state) {
    case 'running':
      return 'running';
    case 'done':
      return 'done';
    case 'stopped':
      return 'stopped';
    case 'failed':
      return run.error === null ? 'failed' : `failed: ${run.error}`;
  }
}
