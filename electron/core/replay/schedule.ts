// When a replay sends each message: offsets from the moment the replay's connection opened, computed
// from the recorded times for the timed modes ('wait-reply' is paced by the server's answers instead).
import type { Micros, ReplayTiming } from '../../../shared/api.ts';

export const DEFAULT_REPLY_TIMEOUT_MS = 10_000;

export type TimedReplay = Exclude<ReplayTiming, { mode: 'wait-reply' }>;

/**
 * Milliseconds after the replay opened at which each message goes out, never decreasing.
 * 'original': each message at its recorded offset after `openedAt` (so the recorded gaps are kept);
 * 'speed': the same divided by the factor; 'fast': all at once, in order.
 */
export function sendOffsets(times: readonly Micros[], openedAt: Micros, timing: TimedReplay): number[] {
  const divisor = timing.mode === 'speed' ? timing.factor : 1;
  const offsets: number[] = [];
  let previous = 0;
  for (const time of times) {
    const offset = timing.mode === 'fast' ? 0 : Math.max(previous, (time - openedAt) / 1000 / divisor);
    offsets.push(offset);
    previous = offset;
  }
  return offsets;
}

export function replyTimeoutMs(timing: Extract<ReplayTiming, { mode: 'wait-reply' }>): number {
  return timing.timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
}
