// Lines up a recorded connection's messages with its replay's: the n-th message each way with the
// n-th the same way, in the original's order, then whatever the replay had in excess.
import type { ComparePair, CompareSide, Direction, Micros } from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { preview } from '../store/preview.ts';

/** A data message of one side, with its row in that connection's messages view. */
export interface CompareMessage {
  readonly index: number;
  readonly dir: Direction;
  readonly time: Micros;
  readonly opcode: number;
  readonly data: Uint8Array;
}

/** As the timeline shows a payload: up to 200 characters of text, or the first bytes in hex. */
export function payloadPreview(data: Uint8Array, opcode: number): string {
  return preview(data, opcode === Opcode.TEXT);
}

function side(m: CompareMessage, openedAt: Micros): CompareSide {
  return { index: m.index, offset: m.time - openedAt, opcode: m.opcode, size: m.data.length, preview: payloadPreview(m.data, m.opcode) };
}

function sameMessage(a: CompareMessage, b: CompareMessage): boolean {
  return a.opcode === b.opcode && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length).equals(b.data);
}

/**
 * Pairs in the original's order (so server messages follow the client message they followed), then
 * the replay's unmatched messages in its order. `differences` counts server → client pairs that are
 * not equal, a message missing on either side included.
 */
export function alignMessages(
  original: readonly CompareMessage[], originalOpenedAt: Micros,
  replay: readonly CompareMessage[], replayOpenedAt: Micros,
): { pairs: ComparePair[]; differences: number } {
  const replayByDir: Record<Direction, CompareMessage[]> = { in: [], out: [] };
  for (const m of replay) replayByDir[m.dir].push(m);
  const used: Record<Direction, number> = { in: 0, out: 0 };
  const pairs: ComparePair[] = [];
  for (const o of original) {
    const r = replayByDir[o.dir][used[o.dir]++];
    pairs.push({ dir: o.dir, original: side(o, originalOpenedAt), replay: r === undefined ? null : side(r, replayOpenedAt), equal: r !== undefined && sameMessage(o, r) });
  }
  const unmatched = new Set([...replayByDir.in.slice(used.in), ...replayByDir.out.slice(used.out)]);
  for (const r of replay) {
    if (!unmatched.has(r)) continue;
    pairs.push({ dir: r.dir, original: null, replay: side(r, replayOpenedAt), equal: false });
  }
  const differences = pairs.filter((p) => p.dir === 'in' && !p.equal).length;
  return { pairs, differences };
}
