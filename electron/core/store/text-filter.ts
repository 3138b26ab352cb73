// The timeline's text filter: the JS test that defines a match, and the same test written with SQLite
// built-ins so filtering a large connection calls JS only for the rare rows the built-ins cannot decide.
import type { SQLInputValue } from 'node:sqlite';
import type { TimelineFilter } from '../../../shared/api.ts';

export function textTest(filter: Pick<TimelineFilter, 'text' | 'regex' | 'caseSensitive'>): (s: string) => boolean {
  const text = filter.text ?? '';
  if (filter.regex) {
    const re = new RegExp(text, filter.caseSensitive ? 'u' : 'iu');
    return (s) => re.test(s);
  }
  if (filter.caseSensitive) return (s) => s.includes(text);
  const lower = text.toLowerCase();
  return (s) => s.toLowerCase().includes(lower);
}

/**
 * The only code points whose toLowerCase() holds ASCII: U+0130 'İ' → "i\u0307" and U+212A KELVIN SIGN → "k"
 * (text-filter.test.ts scans every code point to keep this list honest). Each is paired with the SQL that
 * finds it in the preview (TEXT) and in the blob (its UTF-8 bytes).
 */
export const ASCII_LOWERCASE_SOURCES = [
  { char: '\u0130', letter: 'i', inPreview: 'instr(preview, char(304))', inBlob: "instr(text_blob, x'C4B0')" },
  { char: '\u212A', letter: 'k', inPreview: 'instr(preview, char(8490))', inBlob: "instr(text_blob, x'E284AA')" },
] as const;

const utf8 = new TextEncoder();

/**
 * A SQL expression over `preview` and `text_blob` with the value of `fs_match(key, preview, text_blob)`
 * (1 or 0) on every row of a UTF-8 database (what node:sqlite creates), when the store's matcher for `key`
 * is `textTest(filter)`.
 *
 * fs_match is 1 when preview is TEXT and test(preview), or text_blob is a BLOB and test(decode(text_blob)):
 * the typeof() guards. node:sqlite hands preview to JS with its full byte length (NULs kept) and both it and
 * TextDecoder replace each invalid UTF-8 subpart with U+FFFD; TextDecoder also drops a leading BOM. instr()
 * compares bytes, NULs included (TEXT with TEXT, BLOB with BLOB: no conversion; on TEXT it skips starts at
 * continuation bytes, where no needle below begins); lower() folds bytes A-Z only (no ICU in node:sqlite).
 * Why the fast paths are exact, for a needle N:
 * - Case-sensitive, N well-formed without U+FFFD or U+FEFF: a decoder never reads an ASCII or lead byte as
 *   a continuation, and emits a code point other than U+FFFD only from its own UTF-8 bytes, so the decoded
 *   text holds N exactly where the bytes hold utf8(N); the dropped BOM could only matter if N held U+FEFF.
 * - Case-insensitive, N ASCII: ASCII bytes decode to themselves, adjacent ones to adjacent characters, and
 *   every non-ASCII character lowercases to non-ASCII except İ and K, so toLowerCase(text) holds lower(N)
 *   exactly where lower(bytes) does, unless the row holds İ (N has 'i') or K (N has 'k'): those go to JS.
 * Other needles (regex, case-insensitive non-ASCII, U+FFFD, U+FEFF, lone surrogates) go to JS for every row.
 */
export function textFilterSql(filter: { text: string; caseSensitive?: boolean; regex?: boolean }, key: string): { sql: string; params: SQLInputValue[] } {
  const text = filter.text;
  const inJs = { sql: 'fs_match(?, preview, text_blob)', params: [key] };
  if (filter.regex) return inJs;
  // Every string includes '', and fs_match tests a string exactly when the column has the tested type.
  if (text === '') return { sql: "(typeof(preview) = 'text' OR typeof(text_blob) = 'blob')", params: [] };
  if (filter.caseSensitive) {
    if (/[\p{Cs}\uFFFD\uFEFF]/u.test(text)) return inJs;
    return {
      sql: "CASE WHEN typeof(preview) = 'text' AND instr(preview, ?) > 0 THEN 1 WHEN typeof(text_blob) = 'blob' AND instr(text_blob, ?) > 0 THEN 1 ELSE 0 END",
      params: [text, utf8.encode(text)],
    };
  }
  if (!/^[\x00-\x7F]*$/.test(text)) return inJs;
  const lower = text.toLowerCase();
  const found = "CASE WHEN typeof(preview) = 'text' AND instr(lower(preview), ?) > 0 THEN 1 "
    + "WHEN typeof(text_blob) = 'blob' AND instr(lower(text_blob), ?) > 0 THEN 1 ELSE 0 END";
  const sources = ASCII_LOWERCASE_SOURCES.filter((s) => lower.includes(s.letter));
  if (sources.length === 0) return { sql: found, params: [lower, lower] };
  const absent = sources.flatMap((s) => [`ifnull(${s.inPreview}, 0) = 0`, `ifnull(${s.inBlob}, 0) = 0`]).join(' AND ');
  return { sql: `CASE WHEN ${absent} THEN ${found} ELSE ${inJs.sql} END`, params: [lower, lower, key] };
}
