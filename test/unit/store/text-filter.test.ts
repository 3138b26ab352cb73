// The text filter's SQL fast path against the store's JS test: the same verdict on every row (random rows
// and needles heavy in case-folding, NUL, wildcard and invalid UTF-8 traps), and no JS call on plain rows.
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ASCII_LOWERCASE_SOURCES, textFilterSql, textTest } from '../../../electron/core/store/text-filter.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// As the session store sets it up: one matcher per filter key, fs_match defined over it.
const decoder = new TextDecoder('utf-8');
const matchers = new Map<string, (s: string) => boolean>();
let jsCalls = 0;
const db = new DatabaseSync(':memory:');
db.function('fs_match', { deterministic: true }, (key, preview, blob) => {
  jsCalls++;
  const test = matchers.get(String(key));
  if (test === undefined) return 0;
  if (typeof preview === 'string' && test(preview)) return 1;
  return blob instanceof Uint8Array && test(decoder.decode(blob)) ? 1 : 0;
});
db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, preview TEXT, text_blob BLOB)');
// A value wrapped in { castText } is written as those bytes CAST to TEXT: unchecked UTF-8, which node:sqlite
// never writes but a file could hold. A Uint8Array is a BLOB even in the TEXT column, as SQLite keeps it.
const insert = db.prepare('INSERT INTO t (preview, text_blob) VALUES (iif(?, CAST(? AS TEXT), ?), iif(?, CAST(? AS TEXT), ?))');

type Cell = string | Uint8Array | number | null | { castText: Uint8Array };

/** A row as stored; the store writes preview as a string and text_blob as bytes or NULL. */
interface Row {
  preview: Cell;
  blob: Cell;
}

function load(rows: readonly Row[]): void {
  db.exec('DELETE FROM t');
  const bind = (c: Cell): [number, Uint8Array | null, string | Uint8Array | number | null] =>
    c !== null && typeof c === 'object' && 'castText' in c ? [1, c.castText, null] : [0, null, c];
  for (const r of rows) insert.run(...bind(r.preview), ...bind(r.blob));
}

interface Filter {
  text: string;
  caseSensitive?: boolean;
  regex?: boolean;
}

let keys = 0;

/** Per row in id order: [fs_match, the fast path], each 1 or 0. */
function verdicts(filter: Filter): Array<[number, number]> {
  const key = `k${++keys}`;
  matchers.set(key, textTest(filter));
  const { sql, params } = textFilterSql(filter, key);
  const rows = db.prepare(`SELECT fs_match(?, preview, text_blob) AS js, ${sql} AS fast FROM t ORDER BY id`).all(key, ...params);
  matchers.delete(key);
  return rows.map((r) => [Number(r.js), Number(r.fast)]);
}

/** Ids of the rows `WHERE <sql>` keeps, and how many times it called JS doing so. */
function selected(filter: Filter): { ids: number[]; calls: number } {
  const key = `k${++keys}`;
  matchers.set(key, textTest(filter));
  const { sql, params } = textFilterSql(filter, key);
  jsCalls = 0;
  const ids = db.prepare(`SELECT id FROM t WHERE ${sql} ORDER BY id`).all(...params).map((r) => Number(r.id));
  matchers.delete(key);
  return { ids, calls: jsCalls };
}

/** Ids of the rows today's clause, fs_match alone, keeps. */
function selectedInJs(filter: Filter): number[] {
  const key = `k${++keys}`;
  matchers.set(key, textTest(filter));
  const ids = db.prepare('SELECT id FROM t WHERE fs_match(?, preview, text_blob) ORDER BY id').all(key).map((r) => Number(r.id));
  matchers.delete(key);
  return ids;
}

// Characters that make toLowerCase, LIKE, CAST or instr disagree, and plain ones to match around them.
const TRICKY = ['\u0130', '\u212A', '\u0131', 'ß', '\u1E9E', '\u03A3', '\u03C3', '\uFFFD', '\uFEFF', '\0', '%', '_', '\\',
  'i', 'I', 'k', 'K', 's', 'S', 'a', 'A', 'é', 'É', '😀', '\u0307', '"', ':'];
const INVALID_UTF8 = [[0xc4], [0xb0], [0x80], [0xbf], [0xff], [0xc0, 0xaf], [0xe2, 0x84], [0xf0, 0x9f], [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xef, 0xbf]].map((b) => Uint8Array.from(b));

const trickyText = fc.array(fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 4 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 2 }), weight: 1 },
), { maxLength: 12 }).map((parts) => parts.join(''));

const trickyBytes = fc.array(fc.oneof(
  { arbitrary: trickyText.map(utf8), weight: 4 },
  { arbitrary: fc.constantFrom(...INVALID_UTF8), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 3 }), weight: 1 },
), { maxLength: 6 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

const oddCell: fc.Arbitrary<Cell> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  trickyBytes.map((castText) => ({ castText })),
);

const row: fc.Arbitrary<Row> = fc.record({
  preview: fc.oneof({ arbitrary: trickyText, weight: 8 }, { arbitrary: oddCell, weight: 2 }, { arbitrary: trickyBytes, weight: 1 }),
  blob: fc.oneof({ arbitrary: trickyBytes, weight: 8 }, { arbitrary: oddCell, weight: 2 }, { arbitrary: trickyText, weight: 1 }),
});

/** A needle from the tricky alphabet, or where to slice one from a row's text and which ASCII letters to flip. */
type NeedleSpec = { text: string } | { row: number; from: number; length: number; flips: number };

const needleSpec: fc.Arbitrary<NeedleSpec> = fc.oneof(
  trickyText.map((text) => ({ text })),
  fc.record({ row: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 6 }), flips: fc.nat() }),
);

function needle(spec: NeedleSpec, rows: readonly Row[]): string {
  if ('text' in spec) return spec.text;
  if (rows.length === 0) return 'a';
  const r = rows[spec.row % rows.length]!;
  const source = [r.preview, r.blob].find((v) => v !== null && typeof v !== 'number') ?? 'a';
  const text = typeof source === 'string' ? source : decoder.decode(source instanceof Uint8Array ? source : source.castText);
  const chars = [...text];
  const from = chars.length === 0 ? 0 : spec.from % chars.length;
  return chars.slice(from, from + spec.length).map((c, i) => ((spec.flips >> i) & 1 ? flipAsciiCase(c) : c)).join('') || 'a';
}

function flipAsciiCase(c: string): string {
  if (c >= 'a' && c <= 'z') return c.toUpperCase();
  if (c >= 'A' && c <= 'Z') return c.toLowerCase();
  return c;
}

describe('textFilterSql', () => {
  test('gives the fs_match verdict on every row, case-sensitive and not, for random rows and needles', () => {
    fc.assert(fc.property(fc.array(row, { minLength: 10, maxLength: 40 }), fc.array(needleSpec, { minLength: 1, maxLength: 4 }), (rows, specs) => {
      load(rows);
      for (const spec of specs) {
        const text = needle(spec, rows);
        for (const caseSensitive of [true, false]) {
          const got = verdicts({ text, caseSensitive });
          expect(got.map(([, fast]) => fast), `needle ${JSON.stringify(text)} caseSensitive ${caseSensitive}`)
            .toEqual(got.map(([js]) => js));
        }
      }
    }), { numRuns: 1000 });
  });

  test('keeps exactly the rows fs_match keeps when used as a WHERE clause', () => {
    fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), needleSpec, fc.boolean(), (rows, spec, caseSensitive) => {
      load(rows);
      const filter = { text: needle(spec, rows), caseSensitive };
      expect(selected(filter).ids).toEqual(selectedInJs(filter));
    }), { numRuns: 200 });
  });

  test.each([
    ['a wildcard-looking needle literally', '50%_\\', false, ['x 50%_\\ y', '50%_\\'], ['50 percent', '5000_\\']],
    ['across NUL bytes', 'a\0B', false, ['xA\0bx'], ['ab', 'a']],
    ['KELVIN SIGN as k', 'ok', false, ['O\u212A'], ['o\u212B']],
    ['İ as i followed by a dot', 'i', false, ['\u0130'], ['\u0131']],
    ['a non-ASCII needle case-sensitively', 'ß', true, ['Straße'], ['STRASSE', '\u1E9E']],
    ['a non-ASCII needle case-insensitively', '\u1E9E', false, ['straße', '\u1E9E'], ['strasse']],
  ])('matches %s', (_name, text, caseSensitive, matching, other) => {
    load([...matching, ...other].map((s) => ({ preview: null, blob: utf8(s) })));
    expect(selectedInJs({ text, caseSensitive })).toEqual(matching.map((_, i) => i + 1));
    expect(selected({ text, caseSensitive }).ids).toEqual(matching.map((_, i) => i + 1));
  });

  test('matches every string with the empty needle, and leaves a regex to fs_match', () => {
    load([{ preview: 'x', blob: null }, { preview: null, blob: new Uint8Array() }, { preview: null, blob: null }, { preview: null, blob: 'text' }]);
    expect(selected({ text: '' }).ids).toEqual(selectedInJs({ text: '' }));
    expect(selected({ text: '' }).ids).toEqual([1, 2]);
    expect(textFilterSql({ text: 'a+', regex: true }, 'key')).toEqual({ sql: 'fs_match(?, preview, text_blob)', params: ['key'] });
  });
});

describe('JS calls', () => {
  const plainText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !ASCII_LOWERCASE_SOURCES.some((c) => s.includes(c.char)));
  const plainRow: fc.Arbitrary<Row> = fc.record({
    preview: plainText,
    blob: fc.option(plainText.map(utf8), { nil: null }),
  });

  test('none for an ASCII needle over valid UTF-8 rows, in either case mode', () => {
    fc.assert(fc.property(fc.array(plainRow, { maxLength: 30 }), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 }), fc.boolean(),
      (rows, text, caseSensitive) => {
        load(rows);
        expect(selected({ text, caseSensitive }).calls).toBe(0);
      }), { numRuns: 300 });
  });

  test('one per row holding İ or K, only when the needle has i or k', () => {
    const json = (s: string): Row => ({ preview: s.slice(0, 10), blob: utf8(`{"type":"event","name":${JSON.stringify(s)},"seq":1}`) });
    load([json('Ping'), json('İstanbul'), json('5 \u212A'), json('pong')]);
    expect(selected({ text: 'PING', caseSensitive: false })).toEqual({ ids: [1], calls: 1 });
    expect(selected({ text: 'k', caseSensitive: false })).toEqual({ ids: [3], calls: 1 });
    expect(selected({ text: 'pong', caseSensitive: false })).toEqual({ ids: [4], calls: 0 });
    expect(selected({ text: 'Ping', caseSensitive: true })).toEqual({ ids: [1], calls: 0 });
  });
});

test('only U+0130 and U+212A lowercase to strings holding ASCII, as ASCII_LOWERCASE_SOURCES says', () => {
  const found: Array<{ char: string; letter: string }> = [];
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const char = String.fromCodePoint(cp);
    const ascii = char.toLowerCase().replace(/[^\x00-\x7F]/g, '');
    if (ascii !== '') found.push({ char, letter: ascii });
  }
  expect(found).toEqual(ASCII_LOWERCASE_SOURCES.map(({ char, letter }) => ({ char, letter })));
});
