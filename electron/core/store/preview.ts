// How the timeline shows a payload in one line, for the store's rows and the replay comparison.
import { isUtf8 } from 'node:buffer';

export const PREVIEW_CHARS = 200;
/** Text filters and the search index look at whole payloads up to this size, and at the preview beyond it. */
export const SEARCH_BYTES = 1024 * 1024;

const decoder = new TextDecoder('utf-8');

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
  for (const b of shown) hex += (hex === '' ? '' : ' ') + b.toString(16).padStart(2, '0');
  return data.length > shown.length ? `${hex} …` : hex;
}
