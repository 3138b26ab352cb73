// Streaming UTF-8 validation (RFC 3629): verdicts on the classic vectors, and fail-fast at the push
// holding the first byte that cannot be part of valid UTF-8, however the bytes are split.
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Utf8Validator } from '../../../electron/core/protocol/utf8.ts';
import { hex } from '../../support/bytes.ts';

/**
 * The WHATWG Encoding Standard's UTF-8 decoder run to its first error: the index of the first byte
 * that cannot continue valid UTF-8, `bytes.length` when the text ends inside a sequence, -1 when valid.
 */
function firstBadIndex(bytes: Uint8Array): number {
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b <= 0x7f) continue;
      if (b >= 0xc2 && b <= 0xdf) needed = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
      } else return i;
    } else {
      if (b < lower || b > upper) return i;
      lower = 0x80;
      upper = 0xbf;
      needed--;
    }
  }
  return needed > 0 ? bytes.length : -1;
}

/** Feeds `bytes` cut at `cuts`; returns the pieces and the index of the first push answering false (-1: none). */
function firstFalsePush(bytes: Uint8Array, cuts: readonly number[]): { push: number; pieces: Uint8Array[] } {
  const points = [0, ...cuts, bytes.length];
  const pieces: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length; i++) pieces.push(bytes.subarray(points[i], points[i + 1]));
  const v = new Utf8Validator();
  for (let i = 0; i < pieces.length; i++) {
    if (!v.push(pieces[i]!, i === pieces.length - 1)) return { push: i, pieces };
  }
  return { push: -1, pieces };
}

/** Which piece holds byte `index` (a truncation, index = length, is reported by the last piece). */
function pieceHolding(pieces: readonly Uint8Array[], index: number): number {
  let start = 0;
  for (let i = 0; i < pieces.length; i++) {
    const end = start + pieces[i]!.length;
    if (index < end) return i;
    start = end;
  }
  return pieces.length - 1;
}

// [what, bytes, index of the first bad byte (length: truncated; -1: valid)]
const VECTORS: ReadonlyArray<readonly [string, string, number]> = [
  ['empty', '', -1],
  ['ASCII', '48 65 6c 6c 6f', -1],
  ['"κόσμε"', 'ce ba e1 bd b9 cf 83 ce bc ce b5', -1],
  ['U+0080, the first 2-byte code point', 'c2 80', -1],
  ['U+07FF, the last 2-byte code point', 'df bf', -1],
  ['U+0800, the first 3-byte code point', 'e0 a0 80', -1],
  ['U+D7FF, just below the surrogates', 'ed 9f bf', -1],
  ['U+E000, just above the surrogates', 'ee 80 80', -1],
  ['U+FFFF', 'ef bf bf', -1],
  ['U+10000, the first 4-byte code point', 'f0 90 80 80', -1],
  ['U+10FFFF, the last code point', 'f4 8f bf bf', -1],
  ['overlong "/" in 2 bytes (C0 AF)', 'c0 af', 0],
  ['overlong NUL in 2 bytes (C0 80)', 'c0 80', 0],
  ['overlong U+007F (C1 BF)', 'c1 bf', 0],
  ['overlong NUL in 3 bytes (E0 80 80)', 'e0 80 80', 1],
  ['overlong U+07FF in 3 bytes (E0 9F BF)', 'e0 9f bf', 1],
  ['overlong NUL in 4 bytes (F0 80 80 80)', 'f0 80 80 80', 1],
  ['overlong U+FFFF in 4 bytes (F0 8F BF BF)', 'f0 8f bf bf', 1],
  ['surrogate U+D800 (ED A0 80)', 'ed a0 80', 1],
  ['surrogate U+DFFF (ED BF BF)', 'ed bf bf', 1],
  ['U+110000, above the last code point (F4 90 80 80)', 'f4 90 80 80', 1],
  ['lead byte F5', 'f5 80 80 80', 0],
  ['lead byte F8 (old 5-byte form)', 'f8 88 80 80 80', 0],
  ['lead byte FC (old 6-byte form)', 'fc 84 80 80 80 80', 0],
  ['byte FE', 'fe', 0],
  ['byte FF', '41 ff', 1],
  ['a lone continuation byte', '80', 0],
  ['a continuation byte after a complete sequence', 'c2 80 80', 2],
  ['a 2-byte lead followed by ASCII', 'c2 41', 1],
  ['a 3-byte lead cut by a new lead', 'e1 80 c2 80', 2],
  ['text ending after a 2-byte lead', '41 c2', 2],
  ['text ending inside a 3-byte sequence', 'e0 a0', 2],
  ['text ending inside a 4-byte sequence', 'f0 90 80', 3],
  ['"κόσμε" cut inside its second character', 'ce ba e1 bd', 4],
  ['valid text then a surrogate', 'ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64', 12],
];

describe('Utf8Validator verdicts', () => {
  test.each(VECTORS)('%s', (_what, bytesHex, bad) => {
    const bytes = hex(bytesHex);
    // The table itself agrees with Node's validator.
    expect(isUtf8(bytes)).toBe(bad === -1);
    expect(firstBadIndex(bytes)).toBe(bad);
    expect(new Utf8Validator().push(bytes, true)).toBe(bad === -1);
  });

  test.each(['f5', 'f6', 'f7', 'f8', 'f9', 'fa', 'fb', 'fc', 'fd', 'fe', 'ff', 'c0', 'c1'])('rejects byte %s wherever it appears', (b) => {
    for (const around of [['', ''], ['41', ''], ['', '80'], ['ce ba', '41']] as const) {
      expect(new Utf8Validator().push(hex(`${around[0]} ${b} ${around[1]}`), true)).toBe(false);
      expect(new Utf8Validator().push(hex(`${around[0]} ${b} ${around[1]}`), false)).toBe(false);
    }
  });
});

describe('Utf8Validator fails fast', () => {
  test('answers false at the push containing the bad byte of a split sequence (CE | BA E1 BD B9 CE BC CE B5 ED A0)', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('ce'), false)).toBe(true);
    expect(v.complete).toBe(false);
    expect(v.push(hex('ba e1 bd b9 ce bc ce b5 ed a0'), false)).toBe(false);
  });

  test('does not wait for the end of the text to reject an overlong, surrogate or out-of-range start', () => {
    for (const [first, second] of [['e0', '80'], ['ed', 'a0'], ['f0', '80'], ['f4', '90'], ['c2', 'c2']] as const) {
      const v = new Utf8Validator();
      expect(v.push(hex(first), false)).toBe(true);
      expect(v.push(hex(second), false)).toBe(false);
    }
  });

  test('accepts an incomplete sequence when more may follow, and rejects it at the final push', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('41 f0 90'), false)).toBe(true);
    expect(v.complete).toBe(false);
    expect(v.push(hex('80'), false)).toBe(true);
    expect(v.push(new Uint8Array(0), true)).toBe(false);
  });

  test('completes a 4-byte sequence spread over four pushes', () => {
    const v = new Utf8Validator();
    for (const b of ['f0', '9f', '98']) expect(v.push(hex(b), false)).toBe(true);
    expect(v.push(hex('80'), true)).toBe(true);
    expect(v.complete).toBe(true);
  });

  test.each(VECTORS)('%s: one byte per push fails at the bad byte', (_what, bytesHex, bad) => {
    const bytes = hex(bytesHex);
    const cuts = Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1);
    const { push, pieces } = firstFalsePush(bytes, cuts);
    expect(push).toBe(bad === -1 ? -1 : pieceHolding(pieces, bad));
  });

  test.each(VECTORS)('%s: every two-way split fails at the push holding the bad byte', (_what, bytesHex, bad) => {
    const bytes = hex(bytesHex);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { push, pieces } = firstFalsePush(bytes, [cut]);
      expect(push, `cut at ${cut}`).toBe(bad === -1 ? -1 : pieceHolding(pieces, bad));
    }
  });

  test('reset() forgets a sequence in progress', () => {
    const v = new Utf8Validator();
    expect(v.push(hex('e2 82'), false)).toBe(true);
    v.reset();
    expect(v.complete).toBe(true);
    expect(v.push(hex('41'), true)).toBe(true);
  });

  test('finds a bad byte deep inside a long valid run', () => {
    const bytes = Buffer.alloc(10_000, 0x61);
    bytes[7_777] = 0x80;
    expect(new Utf8Validator().push(bytes, false)).toBe(false);
  });
});

// Pieces that, strung together, hit every boundary of the state machine.
const ATOMS = ['41', '7f', '80', '8f', '90', '9f', 'a0', 'bf', 'c0', 'c1', 'c2', 'df', 'e0', 'e1', 'ed', 'ee', 'ef', 'f0', 'f1', 'f4', 'f5', 'ff', 'ce ba', 'e2 82 ac', 'f0 9f 98 80'];

const utf8Bytes = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  fc.string({ unit: 'binary', maxLength: 24 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
  fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, at, b]) => {
    const bytes = new Uint8Array(Buffer.from(s, 'utf8'));
    bytes[at % bytes.length] = b;
    return bytes;
  }),
  fc.array(fc.constantFrom(...ATOMS), { maxLength: 24 }).map((atoms) => hex(atoms.join(' '))),
);

const splitBytes = utf8Bytes.chain((bytes) =>
  fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }).map((c) => c.sort((a, b) => a - b))),
);

describe('Utf8Validator properties', () => {
  test('the streaming verdict over random splits equals isUtf8 of the whole', () => {
    fc.assert(
      fc.property(splitBytes, ([bytes, cuts]) => {
        const { push } = firstFalsePush(bytes, cuts);
        expect(push === -1).toBe(isUtf8(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  test('the first push answering false is the one holding the first bad byte', () => {
    fc.assert(
      fc.property(splitBytes, ([bytes, cuts]) => {
        const bad = firstBadIndex(bytes);
        expect(bad === -1).toBe(isUtf8(bytes));
        const { push, pieces } = firstFalsePush(bytes, cuts);
        expect(push).toBe(bad === -1 ? -1 : pieceHolding(pieces, bad));
      }),
      { numRuns: 1500 },
    );
  });
});
