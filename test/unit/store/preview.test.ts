// The preview a frames row stores (session format 5): '' stands for a line that is the payload's
// ASCII head. storedFramePreview tells that from the bytes when it can; it must agree with making the
// line and comparing it, for every kind of payload.
import { describe, expect, test } from 'vitest';
import { Opcode } from '../../../shared/websocket.ts';
import { framePreview, PREVIEW_CHARS, previewIsPayloadHead, storedFramePreview } from '../../../electron/core/store/preview.ts';
import type { FrameRecord } from '../../../electron/core/store/records.ts';
import { frameRecord, utf8, type FrameInit } from '../../support/session-records.ts';

const slow = (rec: FrameRecord): string => {
  const shown = framePreview(rec);
  return previewIsPayloadHead(rec, shown) ? '' : shown;
};

const rec = (init: Omit<FrameInit, 'time'>): FrameRecord => frameRecord({ time: 1, ...init });

describe('storedFramePreview', () => {
  test('an ASCII text payload is stored as its head; one with NUL, non-ASCII or binary keeps its line', () => {
    expect(storedFramePreview(rec({ payload: 'hello' }))).toBe('');
    expect(storedFramePreview(rec({ payload: '' }))).toBe('');
    expect(storedFramePreview(rec({ payload: 'a\0b' }))).toBe('a\0b');
    expect(storedFramePreview(rec({ payload: 'café' }))).toBe('café');
    expect(storedFramePreview(rec({ opcode: Opcode.BINARY, payload: Uint8Array.of(1, 2, 255) }))).toBe('01 02 ff');
    expect(storedFramePreview(rec({ opcode: Opcode.PING, payload: 'are you there' }))).toBe('');
    expect(storedFramePreview(rec({ opcode: Opcode.CLOSE, payload: Uint8Array.of(0x03, 0xe8) }))).toMatch(/^1000 /);
    expect(storedFramePreview(rec({ payload: 'x'.repeat(40), compressed: true, fin: false }))).toBe('(compressed fragment, 40 bytes)');
  });

  test('agrees with making the line and comparing it, for text, ping, pong, binary, close and errors of every length around the cut', () => {
    const bytes = (n: number, at: number, insert: number[]): Uint8Array => {
      const b = new Uint8Array(n).fill(0x61);
      b.set(insert.slice(0, Math.max(0, n - at)), at);
      return b;
    };
    // Bytes that are not plain ASCII, placed before, at and after the preview's cut and past what preview() decodes.
    const oddities = [[], [0], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xff], [0xc3], [0x0a], [0x7f]];
    const lengths = [0, 1, 2, 199, 200, 201, 598, 599, 600, 601, 1000];
    let checked = 0;
    for (const n of lengths) {
      for (const odd of oddities) {
        for (const at of [0, 1, PREVIEW_CHARS - 1, PREVIEW_CHARS, PREVIEW_CHARS * 3 - 1, PREVIEW_CHARS * 3, n - 1]) {
          if (at < 0 || at > n || (at === n && odd.length > 0)) continue;
          const payload = bytes(n, at, odd);
          for (const init of [
            { payload },
            { payload, opcode: Opcode.CONTINUATION, fin: false },
            { payload, opcode: Opcode.PING },
            { payload, opcode: Opcode.PONG },
            { payload, opcode: Opcode.BINARY },
            { payload, opcode: Opcode.CLOSE },
            { payload, compressed: true },
            { payload, error: { code: 'x', reason: 'bad frame', closeCode: 1002 } as unknown as FrameRecord['error'] },
          ]) {
            const r = rec(init);
            expect(storedFramePreview(r), `${n} bytes, ${JSON.stringify(odd)} at ${at}, ${JSON.stringify({ ...init, payload: undefined })}`).toBe(slow(r));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
    // Sanity: the table has both outcomes.
    expect(storedFramePreview(rec({ payload: utf8('a'.repeat(300)) }))).toBe('');
    expect(storedFramePreview(rec({ payload: bytes(300, 250, [0xff]) }))).not.toBe('');
  });
});
