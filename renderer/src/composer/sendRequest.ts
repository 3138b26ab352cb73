// Turns the composer's fields into the SendRequest the engine takes, or says what to fix first.
// Pure: no React, no engine.
import type { ByteFormat, SendRequest } from '../../../shared/api.ts';
import { checkBase64, checkHex } from '../format/bytes.ts';
import type { PayloadFormat, RawFrameSettings } from '../store/composer.ts';

export interface ComposerFields {
  format: PayloadFormat;
  draft: string;
  rawEnabled: boolean;
  raw: RawFrameSettings;
  compress: boolean;
}

export type Built = { request: SendRequest } | { problem: string };

function byteFormat(format: PayloadFormat): ByteFormat {
  return format === 'hex' || format === 'base64' ? format : 'text';
}

function payloadProblem(format: PayloadFormat, draft: string): string | null {
  if (format === 'hex') {
    const checked = checkHex(draft);
    return 'problem' in checked ? checked.problem : null;
  }
  if (format === 'base64') {
    const checked = checkBase64(draft);
    return 'problem' in checked ? checked.problem : null;
  }
  return null;
}

/** The data message (or raw frames) for the payload in the editor. */
export function buildDataRequest(fields: ComposerFields): Built {
  const problem = payloadProblem(fields.format, fields.draft);
  if (problem !== null) return { problem };
  if (fields.rawEnabled) {
    const { raw } = fields;
    const fragmentText = raw.fragmentSize.trim();
    const fragmentSize = fragmentText === '' ? undefined : Number(fragmentText);
    if (fragmentSize !== undefined && (!/^\d+$/.test(fragmentText) || fragmentSize < 1)) {
      return { problem: 'Fragment size must be a whole number of bytes, 1 or more — or empty to send one frame.' };
    }
    const request: SendRequest = {
      kind: 'raw',
      opcode: raw.opcode,
      fin: raw.fin,
      rsv1: raw.rsv1,
      rsv2: raw.rsv2,
      rsv3: raw.rsv3,
      data: fields.draft,
      format: byteFormat(fields.format),
      mask: raw.mask,
    };
    if (fragmentSize !== undefined) request.fragmentSize = fragmentSize;
    return { request };
  }
  const compress = fields.compress ? { compress: true } : {};
  switch (fields.format) {
    case 'text':
      return { request: { kind: 'text', text: fields.draft, ...compress } };
    case 'json':
      return { request: { kind: 'json', text: fields.draft, ...compress } };
    case 'hex':
    case 'base64':
      return { request: { kind: 'binary', data: fields.draft, format: fields.format, ...compress } };
  }
}

/** A close frame from the typed code (empty: no code) and reason. */
export function buildCloseRequest(codeText: string, reason: string): Built {
  const trimmed = codeText.trim();
  if (trimmed === '') {
    return reason === '' ? { request: { kind: 'close' } } : { problem: 'A close reason needs a close code too (RFC 6455 §5.5.1) — enter one, e.g. 1000.' };
  }
  const code = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || code > 65535) return { problem: 'The close code must be a whole number, e.g. 1000 (normal) or 4000-4999 (private use).' };
  return { request: { kind: 'close', code, ...(reason === '' ? {} : { reason }) } };
}

/** A label for the send button that says what it will send. */
export function sendLabel(fields: ComposerFields): string {
  if (fields.rawEnabled) return `Send raw frame (0x${fields.raw.opcode.toString(16)})`;
  switch (fields.format) {
    case 'text':
      return 'Send text';
    case 'json':
      return 'Send JSON';
    case 'hex':
    case 'base64':
      return 'Send binary';
  }
}
