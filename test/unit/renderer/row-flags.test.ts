// FrameFlag bits as the timeline's badges and data-flags names, and direction words.
import { describe, expect, test } from 'vitest';
import { FrameFlag } from '../../../shared/api.ts';
import { directionLabel, flagBadges, flagNames } from '../../../renderer/src/timeline/rowFlags.ts';

describe('row flags', () => {
  test('every FrameFlag bit has a badge', () => {
    const all = Object.values(FrameFlag).reduce((bits, bit) => bits | bit, 0);
    expect(flagBadges(all).map((badge) => badge.bit).sort((a, b) => a - b)).toEqual(Object.values(FrameFlag).sort((a, b) => a - b));
  });

  test('names the bits set, in a fixed order', () => {
    expect(flagNames(0)).toBe('');
    expect(flagNames(FrameFlag.HELD | FrameFlag.EDITED)).toBe('edited held');
    expect(flagNames(FrameFlag.DROPPED)).toBe('dropped');
    expect(flagNames(FrameFlag.KEEPALIVE | FrameFlag.REENCODED | FrameFlag.INJECTED | FrameFlag.DELAYED)).toBe('injected delayed keepalive reencoded');
  });

  test('directions read app/server on proxied connections', () => {
    expect(directionLabel('out', true)).toBe('app → server');
    expect(directionLabel('in', true)).toBe('server → app');
    expect(directionLabel('out', false)).toBe('sent');
    expect(directionLabel('in', false)).toBe('received');
  });
});
