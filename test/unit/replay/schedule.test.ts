// Replay timing: when each message goes out after the replay opened, per mode.
import { describe, expect, test } from 'vitest';
import { DEFAULT_REPLY_TIMEOUT_MS, replyTimeoutMs, sendOffsets } from '../../../electron/core/replay/schedule.ts';

const MS = 1000;
/** Recorded: opened at 10 s, messages 500 ms, 800 ms and 2 s after. */
const OPENED = 10_000 * MS;
const TIMES = [10_500 * MS, 10_800 * MS, 12_000 * MS];

describe('sendOffsets', () => {
  test("'original' sends the first at its recorded offset after the open, then keeps the recorded gaps", () => {
    expect(sendOffsets(TIMES, OPENED, { mode: 'original' })).toEqual([500, 800, 2000]);
  });

  test("'speed' divides every offset by the factor", () => {
    expect(sendOffsets(TIMES, OPENED, { mode: 'speed', factor: 2 })).toEqual([250, 400, 1000]);
    expect(sendOffsets(TIMES, OPENED, { mode: 'speed', factor: 0.5 })).toEqual([1000, 1600, 4000]);
  });

  test("'fast' sends everything at once", () => {
    expect(sendOffsets(TIMES, OPENED, { mode: 'fast' })).toEqual([0, 0, 0]);
  });

  test('offsets never go backwards or before the open, even when recorded times do', () => {
    expect(sendOffsets([9_000 * MS, 10_300 * MS, 10_200 * MS, 10_400 * MS], OPENED, { mode: 'original' })).toEqual([0, 300, 300, 400]);
  });

  test('nothing to send, nothing scheduled', () => {
    expect(sendOffsets([], OPENED, { mode: 'original' })).toEqual([]);
  });
});

describe('replyTimeoutMs', () => {
  test('waits 10 s for a reply unless told otherwise', () => {
    expect(DEFAULT_REPLY_TIMEOUT_MS).toBe(10_000);
    expect(replyTimeoutMs({ mode: 'wait-reply' })).toBe(10_000);
    expect(replyTimeoutMs({ mode: 'wait-reply', timeoutMs: 250 })).toBe(250);
  });
});
