// A replay comparison as the two aligned columns show it: each pair's direction, its mark (equal,
// different, or missing on one side), both sides' offset, type, size and preview; which pairs the
// "only differences" switch keeps; and a message's payload as the text the diff editor compares.
// Pure: no React, no engine.
import type { ComparePair, CompareSide, Direction, ReplayComparison, RowDetail } from '../../../shared/api.ts';
import { opcodeName } from '../../../shared/websocket.ts';
import { base64ToBytes, bytesToHex, formatSize } from '../format/bytes.ts';

export type PairMark = 'equal' | 'different' | 'missing-original' | 'missing-replay';

export interface SideView {
  /** Index in the messages view of its connection. */
  index: number;
  offset: string;
  type: string;
  size: string;
  preview: string;
}

export interface PairRow {
  /** Position in `ReplayComparison.pairs`: stable while the run grows. */
  position: number;
  dir: Direction;
  mark: PairMark;
  original: SideView | null;
  replay: SideView | null;
}

export const MARK_SYMBOLS: Record<PairMark, string> = { equal: '=', different: '≠', 'missing-original': '∅', 'missing-replay': '∅' };
export const MARK_TITLES: Record<PairMark, string> = {
  equal: 'Equal: same opcode and the same bytes',
  different: 'Different: the opcode or the bytes differ',
  'missing-original': 'Only in the replay',
  'missing-replay': 'Missing from the replay',
};

export function pairMark(pair: ComparePair): PairMark {
  if (pair.original === null) return 'missing-original';
  if (pair.replay === null) return 'missing-replay';
  return pair.equal ? 'equal' : 'different';
}

/** Seconds since the connection opened, to the millisecond: +1.250 s */
export function formatSideOffset(offset: number): string {
  return `+${(offset / 1_000_000).toFixed(3)} s`;
}

function sideView(side: CompareSide | null): SideView | null {
  if (side === null) return null;
  return { index: side.index, offset: formatSideOffset(side.offset), type: opcodeName(side.opcode), size: formatSize(side.size), preview: side.preview };
}

export function comparisonRows(pairs: readonly ComparePair[], onlyDifferences: boolean): PairRow[] {
  const rows: PairRow[] = [];
  for (const [position, pair] of pairs.entries()) {
    const mark = pairMark(pair);
    if (onlyDifferences && mark === 'equal') continue;
    rows.push({ position, dir: pair.dir, mark, original: sideView(pair.original), replay: sideView(pair.replay) });
  }
  return rows;
}

/** "No differences", "1 difference", "3 differences" (the engine counts server messages). */
export function differenceSummary(comparison: ReplayComparison): string {
  if (comparison.differences === 0) return 'No differences';
  return comparison.differences === 1 ? '1 difference' : `${comparison.differences} differences`;
}

/** The row after (or before) the selected one among those shown, for arrow keys; stays put at the ends. */
export function nextRow(rows: readonly PairRow[], selected: number | null, step: 1 | -1): number | null {
  if (rows.length === 0) return null;
  const at = rows.findIndex((row) => row.position === selected);
  if (at === -1) return rows[step === 1 ? 0 : rows.length - 1]!.position;
  return rows[Math.max(0, Math.min(rows.length - 1, at + step))]!.position;
}

/** A message as the diff compares it: its text, or its bytes as hex when they are not UTF-8. */
export function diffText(detail: Pick<RowDetail, 'text' | 'payloadBase64'> | null): string {
  if (detail === null) return '';
  return detail.text ?? bytesToHex(base64ToBytes(detail.payloadBase64));
}

/** JSON highlighting when either side is a JSON object or array. */
export function diffLanguage(...texts: string[]): 'json' | 'plaintext' {
  return texts.some((text) => {
    const start = text.trimStart()[0];
    if (start !== '{' && start !== '[') return false;
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  })
    ? 'json'
    : 'plaintext';
}
