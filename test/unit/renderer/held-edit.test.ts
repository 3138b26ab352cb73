// A held frame's draft: the format it opens in, converting between text/JSON/hex, and the HeldEdit
// Forward sends (none when the bytes are unchanged).
import { describe, expect, test } from 'vitest';
import type { HeldFrame } from '../../../shared/api.ts';
import { convertDraft, draftChanged, draftFor, heldEditFor, type HeldDraft } from '../../../renderer/src/proxy/heldEdit.ts';

function held(payload: Uint8Array, opcode = 1): HeldFrame {
  const text = (() => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(payload);
    } catch {
      return null;
    }
  })();
  return {
    id: 7, connectionId: 1, url: 'ws://127.0.0.1/x', direction: 'client', heldAt: 0, expiresAt: null, opcode,
    frames: 1, size: payload.length, compressed: false, payloadBase64: Buffer.from(payload).toString('base64'), text, rule: null,
  };
}
const textFrame = (text: string) => held(new TextEncoder().encode(text));
const draft = (format: HeldDraft['format'], text: string): HeldDraft => ({ heldId: 7, format, text });

describe('draftFor', () => {
  test('JSON objects open as JSON, other text as text, binary as hex', () => {
    expect(draftFor(textFrame('{"a":1}'))).toEqual(draft('json', '{"a":1}'));
    expect(draftFor(textFrame('hello'))).toEqual(draft('text', 'hello'));
    expect(draftFor(textFrame('{not json'))).toEqual(draft('text', '{not json'));
    expect(draftFor(held(new Uint8Array([0xde, 0xad, 0xff]), 2))).toEqual(draft('hex', 'de ad ff'));
  });

  test('hex puts 16 bytes a line', () => {
    expect(draftFor(held(new Uint8Array(17).fill(0xff), 2)).text).toBe(`${Array(16).fill('ff').join(' ')}\nff`);
  });
});

describe('convertDraft', () => {
  test('text to hex and back', () => {
    const hex = convertDraft(draft('text', 'hé'), 'hex');
    expect(hex).toEqual({ draft: draft('hex', '68 c3 a9') });
    expect(convertDraft(draft('hex', '68c3a9'), 'text')).toEqual({ draft: draft('text', 'hé') });
  });

  test('text and JSON switch without touching the text', () => {
    expect(convertDraft(draft('text', 'not json'), 'json')).toEqual({ draft: draft('json', 'not json') });
  });

  test('refuses bytes that are not UTF-8 as text, and hex that does not parse', () => {
    expect(convertDraft(draft('hex', 'ff fe'), 'text')).toEqual({ problem: expect.stringContaining('not valid UTF-8') });
    expect(convertDraft(draft('hex', 'abc'), 'text')).toEqual({ problem: expect.stringContaining('two digits') });
  });
});

describe('heldEditFor', () => {
  test('no edit when the bytes are the held ones, whatever the format', () => {
    const frame = textFrame('hello');
    expect(heldEditFor(frame, draft('text', 'hello'))).toEqual({ edit: null });
    expect(heldEditFor(frame, draft('hex', '68 65 6c\n6c 6f'))).toEqual({ edit: null });
    expect(draftChanged(frame, draft('text', 'hello'))).toBe(false);
  });

  test('a changed text frame is sent as text, even when edited in hex', () => {
    const frame = textFrame('hello');
    expect(heldEditFor(frame, draft('text', 'HELLO'))).toEqual({ edit: { kind: 'text', text: 'HELLO' } });
    expect(heldEditFor(frame, draft('hex', '68 69'))).toEqual({ edit: { kind: 'text', text: 'hi' } });
    expect(draftChanged(frame, draft('text', 'HELLO'))).toBe(true);
  });

  test('a text frame given bytes that are not UTF-8 goes as binary hex', () => {
    expect(heldEditFor(textFrame('hello'), draft('hex', 'ff 00'))).toEqual({ edit: { kind: 'binary', data: 'ff00', format: 'hex' } });
  });

  test('a binary frame edited as text keeps being binary', () => {
    const frame = held(new Uint8Array([0x61]), 2);
    expect(heldEditFor(frame, draft('text', 'ab'))).toEqual({ edit: { kind: 'binary', data: '6162', format: 'hex' } });
  });

  test('invalid JSON or hex is a problem, not an edit', () => {
    expect(heldEditFor(textFrame('{}'), draft('json', '{'))).toEqual({ problem: expect.stringContaining('not valid JSON') });
    expect(heldEditFor(textFrame('a'), draft('hex', 'zz'))).toEqual({ problem: expect.stringContaining('not a hex digit') });
    expect(draftChanged(textFrame('{}'), draft('json', '{'))).toBe(true);
  });
});
