// Comparing a run with its original: n-th message each way with the n-th, leftovers, binary, previews.
import { describe, expect, test } from 'vitest';
import type { Direction } from '../../../shared/api.ts';
import { alignMessages, payloadPreview, type CompareMessage } from '../../../electron/core/replay/compare.ts';
import { utf8 } from './fakes.ts';

let index = 0;
function msg(dir: Direction, data: string | Uint8Array, time = 0, opcode = typeof data === 'string' ? 1 : 2): CompareMessage {
  return { index: index++, dir, time, opcode, data: typeof data === 'string' ? utf8(data) : data };
}

const summarize = (r: ReturnType<typeof alignMessages>): string[] =>
  r.pairs.map((p) => `${p.dir} ${p.original?.preview ?? '-'} | ${p.replay?.preview ?? '-'} ${p.equal ? '=' : '≠'}`);

describe('alignMessages', () => {
  test('an identical exchange has no differences, pairs in the original order', () => {
    const original = [msg('out', 'a'), msg('in', 'A'), msg('out', 'b'), msg('in', 'B')];
    const replay = [msg('out', 'a'), msg('out', 'b'), msg('in', 'A'), msg('in', 'B')];
    const r = alignMessages(original, 0, replay, 0);
    expect(summarize(r)).toEqual(['out a | a =', 'in A | A =', 'out b | b =', 'in B | B =']);
    expect(r.differences).toBe(0);
  });

  test('a different server answer counts; a different client message does not', () => {
    const r = alignMessages([msg('out', 'a'), msg('in', 'A'), msg('out', 'b')], 0, [msg('out', 'x'), msg('in', 'Z'), msg('out', 'b')], 0);
    expect(summarize(r)).toEqual(['out a | x ≠', 'in A | Z ≠', 'out b | b =']);
    expect(r.differences).toBe(1);
  });

  test('a server message missing from the replay is a difference with no replay side', () => {
    const r = alignMessages([msg('out', 'a'), msg('in', 'A'), msg('in', 'A2')], 0, [msg('out', 'a'), msg('in', 'A')], 0);
    expect(summarize(r)).toEqual(['out a | a =', 'in A | A =', 'in A2 | - ≠']);
    expect(r.pairs[2]!.replay).toBeNull();
    expect(r.differences).toBe(1);
  });

  test("the replay's extra messages come last, in its order, and extra server messages count", () => {
    const r = alignMessages([msg('out', 'a'), msg('in', 'A')], 0, [msg('in', 'hello'), msg('out', 'a'), msg('in', 'A'), msg('out', 'again')], 0);
    expect(summarize(r)).toEqual(['out a | a =', 'in A | hello ≠', 'in - | A ≠', 'out - | again ≠']);
    expect(r.differences).toBe(2);
  });

  test('binary messages are equal only with the same opcode and the same bytes', () => {
    const bytes = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    const r = alignMessages(
      [msg('in', bytes), msg('in', bytes), msg('in', Uint8Array.of(1, 2))], 0,
      [msg('in', Uint8Array.of(0xde, 0xad, 0xbe, 0xef)), msg('in', bytes, 0, 1), msg('in', Uint8Array.of(1, 3))], 0,
    );
    expect(r.pairs.map((p) => p.equal)).toEqual([true, false, false]);
    expect(r.pairs[0]!.original).toMatchObject({ opcode: 2, size: 4, preview: 'de ad be ef' });
    expect(r.differences).toBe(2);
  });

  test('offsets count from each connection opening; indexes are the messages-view rows', () => {
    const o = msg('out', 'a', 5_000_000);
    const p = msg('out', 'a', 9_250_000);
    const r = alignMessages([o], 4_000_000, [p], 9_000_000);
    expect(r.pairs[0]!.original).toMatchObject({ index: o.index, offset: 1_000_000 });
    expect(r.pairs[0]!.replay).toMatchObject({ index: p.index, offset: 250_000 });
  });

  test('nothing on either side gives no pairs', () => {
    expect(alignMessages([], 0, [], 0)).toEqual({ pairs: [], differences: 0 });
  });
});

describe('payloadPreview', () => {
  test('text up to 200 characters', () => {
    expect(payloadPreview(utf8('héllo'), 1)).toBe('héllo');
    expect(payloadPreview(utf8('x'.repeat(500)), 1)).toBe('x'.repeat(200));
  });

  test('binary, or text that is not UTF-8, as hex of the first 64 bytes', () => {
    expect(payloadPreview(Uint8Array.of(0, 1, 255), 2)).toBe('00 01 ff');
    expect(payloadPreview(Uint8Array.of(0xc3), 1)).toBe('c3');
    expect(payloadPreview(new Uint8Array(65), 2)).toBe(`${Array(64).fill('00').join(' ')} …`);
  });
});
