// How the timeline shows a payload in one line, for the store's rows and the replay comparison.
import { isAscii, isUtf8 } from 'node:buffer';
import { closeCodeMeaning, Opcode } from '../../../shared/websocket.ts';
import type { FrameRecord } from './records.ts';

export const PREVIEW_CHARS = 200;
/** Text filters and the search index look at whole payloads up to this size, and at the preview beyond it. */
export const SEARCH_BYTES = 1024 * 1024;

const decoder = new TextDecoder('utf-8');
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Text when the bytes read as UTF-8 (a cut character at the end is fine), hex otherwise. */
export function preview(data: Uint8Array, textual: boolean): string {
  const head = data.subarray(0, PREVIEW_CHARS * 3);
  if (textual) {
    const text = decoder.decode(head);
    if (!text.includes('\uFFFD') || isUtf8(data.length <= SEARCH_BYTES ? data : head)) {
      return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
    }
  }
  const shown = data.subarray(0, 64);
  let hex = '';
  for (let i = 0; i < shown.length; i++) hex += i === 0 ? HEX[shown[i]!] : ` ${HEX[shown[i]!]}`;
  return data.length > shown.length ? `${hex} …` : hex;
}

/** A frame's line in the frames view: its error, its close code and reason, or its payload. */
export function framePreview(rec: FrameRecord): string {
  if (rec.error) return rec.error.reason;
  if (rec.opcode === Opcode.CLOSE) return closePreview(rec.payload);
  if (rec.compressed && !rec.fin) return `(compressed fragment, ${rec.payload.length} bytes)`;
  return preview(rec.payload, rec.textual || rec.opcode === Opcode.PING || rec.opcode === Opcode.PONG);
}

/**
 * `shown` (framePreview's line for `rec`) is the payload's first PREVIEW_CHARS bytes read as text: ASCII
 * without NUL, so the session can store no copy of it and read it back from the payload (format 5).
 */
export function previewIsPayloadHead(rec: FrameRecord, shown: string): boolean {
  // A hex line is never as long as its bytes; a text line of as many characters as ASCII bytes is them.
  if (shown.length !== Math.min(PREVIEW_CHARS, rec.payload.length)) return false;
  if (rec.kind !== 'frame' || rec.opcode === Opcode.CLOSE || (rec.compressed && !rec.fin)) return false;
  const head = rec.payload.subarray(0, shown.length);
  return isAscii(head) && head.indexOf(0) < 0;
}

/**
 * What a frames row stores as its preview (session format 5): '' when framePreview's line is the
 * payload's head (previewIsPayloadHead), the line otherwise. Runs per recorded frame: a text, ping or
 * pong payload whose first bytes are ASCII is told from its bytes, without making the line.
 */
export function storedFramePreview(rec: FrameRecord): string {
  if (rec.kind === 'frame' && rec.opcode !== Opcode.CLOSE && !(rec.compressed && !rec.fin)
    && (rec.textual || rec.opcode === Opcode.PING || rec.opcode === Opcode.PONG)) {
    const p = rec.payload;
    // The bytes preview() reads as text, all ASCII: its line is the first PREVIEW_CHARS of them.
    if (isAscii(p.length <= PREVIEW_CHARS * 3 ? p : p.subarray(0, PREVIEW_CHARS * 3)) && p.subarray(0, PREVIEW_CHARS).indexOf(0) < 0) return '';
  }
  const shown = framePreview(rec);
  return previewIsPayloadHead(rec, shown) ? '' : shown;
}

/** A close frame's status code (null when it has none) and reason. */
export function closeOf(payload: Uint8Array): { code: number | null; reason: string } {
  if (payload.length < 2) return { code: null, reason: '' };
  return { code: (payload[0]! << 8) | payload[1]!, reason: decoder.decode(payload.subarray(2)) };
}

function closePreview(payload: Uint8Array): string {
  const { code, reason } = closeOf(payload);
  if (code === null) return payload.length === 1 ? 'close (1-byte payload: invalid)' : 'close (no status code)';
  return `${code} ${closeCodeMeaning(code)}${reason === '' ? '' : `: ${reason}`}`;
}
