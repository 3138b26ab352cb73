// The reconnect backoff: doubling from the first delay, capped, with ±20% jitter.
import { describe, expect, test } from 'vitest';
import { reconnectDelay } from '../../../electron/core/live-connection.ts';

const middle = () => 0.5;

describe('reconnectDelay', () => {
  test('doubles after each failure from the first delay', () => {
    expect([1, 2, 3, 4, 5].map((n) => reconnectDelay(n, 100, 100_000, middle))).toEqual([100, 200, 400, 800, 1600]);
  });

  test('stops growing at the largest delay', () => {
    expect([5, 6, 7].map((n) => reconnectDelay(n, 1000, 10_000, middle))).toEqual([10_000, 10_000, 10_000]);
  });

  test('jitter stays within 20% either side', () => {
    expect(reconnectDelay(1, 1000, 30_000, () => 0)).toBe(800);
    expect(reconnectDelay(1, 1000, 30_000, () => 0.999_999)).toBe(1200);
    expect(reconnectDelay(10, 1000, 30_000, () => 0)).toBe(24_000);
  });

  test('a long run of failures stays a finite number at the cap', () => {
    expect(reconnectDelay(10_000, 1000, 30_000, middle)).toBe(30_000);
  });
});
