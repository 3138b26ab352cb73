// A replay comparison as the aligned columns show it, the difference count, keyboard moves and diff text.
import { describe, expect, test } from 'vitest';
import type { ComparePair, ReplayComparison } from '../../../shared/api.ts';
import {
  comparisonRows, diffLanguage, diffText, differenceSummary, formatSideOffset, nextRow, pairMark,
} from '../../../renderer/src/replay/comparison.ts';

const side = (index: number, preview: string, offset = 1_250_000, opcode = 1, size = preview.length) => ({ index, offset, opcode, size, preview });

const pairs: ComparePair[] = [
  { dir: 'out', original: side(0, 'hello', 0), replay: side(0, 'hello', 1000), equal: true },
  { dir: 'in', original: side(1, 'hello'), replay: side(1, 'HELLO'), equal: false },
  { dir: 'in', original: side(2, 'tick'), replay: null, equal: false },
  { dir: 'in', original: null, replay: side(2, 'extra', 2_000_000, 2, 3), equal: false },
];

test('pairMark tells equal, different and missing on either side apart', () => {
  expect(pairs.map(pairMark)).toEqual(['equal', 'different', 'missing-replay', 'missing-original']);
});

describe('comparisonRows', () => {
  test('shows both sides with offsets, type, size and preview, keeping each pair’s position', () => {
    const rows = comparisonRows(pairs, false);
    expect(rows.map((row) => row.position)).toEqual([0, 1, 2, 3]);
    expect(rows[0]).toEqual({
      position: 0, dir: 'out', mark: 'equal',
      original: { index: 0, offset: '+0.000 s', type: 'text', size: '5 B', preview: 'hello' },
      replay: { index: 0, offset: '+0.001 s', type: 'text', size: '5 B', preview: 'hello' },
    });
    expect(rows[2]!.replay).toBeNull();
    expect(rows[3]).toMatchObject({ original: null, replay: { index: 2, offset: '+2.000 s', type: 'binary', size: '3 B' } });
  });

  test('"only differences" hides equal pairs and keeps the positions of the rest', () => {
    expect(comparisonRows(pairs, true).map((row) => row.position)).toEqual([1, 2, 3]);
  });
});

test('formatSideOffset reads seconds to the millisecond', () => {
  expect(formatSideOffset(0)).toBe('+0.000 s');
  expect(formatSideOffset(61_234_567)).toBe('+61.235 s');
});

test('differenceSummary uses the engine’s count', () => {
  const comparison = (differences: number) => ({ differences }) as ReplayComparison;
  expect(differenceSummary(comparison(0))).toBe('No differences');
  expect(differenceSummary(comparison(1))).toBe('1 difference');
  expect(differenceSummary(comparison(4))).toBe('4 differences');
});

describe('nextRow', () => {
  const rows = comparisonRows(pairs, true);

  test('moves among the rows shown, stopping at the ends', () => {
    expect(nextRow(rows, 1, 1)).toBe(2);
    expect(nextRow(rows, 3, 1)).toBe(3);
    expect(nextRow(rows, 1, -1)).toBe(1);
  });

  test('starts at an end when nothing shown is selected', () => {
    expect(nextRow(rows, null, 1)).toBe(1);
    expect(nextRow(rows, 0, -1)).toBe(3);
    expect(nextRow([], null, 1)).toBeNull();
  });
});

describe('diff text', () => {
  test('is the text, or hex for bytes that are not UTF-8, or empty for a missing side', () => {
    expect(diffText({ text: '{"a":1}', payloadBase64: 'eyJhIjoxfQ==' })).toBe('{"a":1}');
    expect(diffText({ text: null, payloadBase64: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') })).toBe('de ad be ef');
    expect(diffText(null)).toBe('');
  });

  test('is highlighted as JSON when either side is a JSON object or array', () => {
    expect(diffLanguage('{"a":1}', 'oops')).toBe('json');
    expect(diffLanguage('', '[1,2]')).toBe('json');
    expect(diffLanguage('{not json', '42')).toBe('plaintext');
  });
});
