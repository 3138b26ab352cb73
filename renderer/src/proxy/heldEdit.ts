// A held frame's payload as the person edits it (text, JSON or hex), and the HeldEdit it becomes on
// Forward — none at all when the bytes did not change, so an untouched frame keeps its wire bytes.
// Pure: no React, no engine.
import type { HeldEdit, HeldFrame } from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { base64ToBytes, bytesEqual, bytesToHex, checkHex, hexToBytes, utf8Bytes, utf8Text } from '../format/bytes.ts';

export type HeldFormat = 'text' | 'json' | 'hex';

export interface HeldDraft {
  /** The held frame this draft belongs to. */
  heldId: number;
  format: HeldFormat;
  text: string;
}

/** JSON objects and arrays open in JSON mode; other text in text mode; the rest in hex. */
export function draftFor(frame: HeldFrame): HeldDraft {
  if (frame.text === null) return { heldId: frame.id, format: 'hex', text: bytesToHex(base64ToBytes(frame.payloadBase64)) };
  return { heldId: frame.id, format: looksLikeJson(frame.text) ? 'json' : 'text', text: frame.text };
}

function looksLikeJson(text: string): boolean {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The bytes the draft stands for, or what is wrong with it. */
export function draftBytes(draft: HeldDraft): { bytes: Uint8Array } | { problem: string } {
  if (draft.format === 'hex') {
    const checked = checkHex(draft.text);
    return 'problem' in checked ? checked : { bytes: hexToBytes(draft.text) };
  }
  if (draft.format === 'json') {
    try {
      JSON.parse(draft.text);
    } catch (error) {
      return { problem: `This is not valid JSON (${(error as Error).message}) — fix it, or switch to Text to forward it anyway.` };
    }
  }
  return { bytes: utf8Bytes(draft.text) };
}

/** The same payload shown in another format, or why it cannot be. */
export function convertDraft(draft: HeldDraft, format: HeldFormat): { draft: HeldDraft } | { problem: string } {
  if (format === draft.format) return { draft };
  if (draft.format !== 'hex' && format !== 'hex') return { draft: { ...draft, format } };
  const checked = draftBytes(draft);
  if ('problem' in checked) return checked;
  if (format === 'hex') return { draft: { ...draft, format, text: bytesToHex(checked.bytes) } };
  const text = utf8Text(checked.bytes);
  if (text === null) return { problem: 'These bytes are not valid UTF-8, so they cannot be shown as text — keep editing them in Hex.' };
  return { draft: { ...draft, format, text } };
}

/** Whether the draft's bytes differ from the held payload (a draft that does not parse counts as changed). */
export function draftChanged(frame: HeldFrame, draft: HeldDraft): boolean {
  const checked = draftBytes(draft);
  return 'problem' in checked || !bytesEqual(checked.bytes, base64ToBytes(frame.payloadBase64));
}

/**
 * What Forward sends: no edit when the bytes are the held ones; a text edit for a text frame whose
 * new bytes are UTF-8 (it stays a text frame); otherwise the bytes as hex.
 */
export function heldEditFor(frame: HeldFrame, draft: HeldDraft): { edit: HeldEdit | null } | { problem: string } {
  const checked = draftBytes(draft);
  if ('problem' in checked) return checked;
  if (bytesEqual(checked.bytes, base64ToBytes(frame.payloadBase64))) return { edit: null };
  if (frame.opcode === Opcode.TEXT) {
    const text = draft.format === 'hex' ? utf8Text(checked.bytes) : draft.text;
    if (text !== null) return { edit: { kind: 'text', text } };
  }
  return { edit: { kind: 'binary', data: bytesToHex(checked.bytes).replace(/\s+/g, ''), format: 'hex' } };
}
