// RFC 6455 §5.3 masking: the word-at-a-time XOR must equal a plain byte loop for every alignment.
import { describe, expect, test } from 'vitest';
import { copyMasked, maskInPlace } from '../../../electron/core/protocol/mask.ts';
import { hex, pattern, toHex } from '../../support/bytes.ts';

/** The RFC's definition, byte by byte: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4). */
function referenceMask(data: Uint8Array, key: Uint8Array, keyPos: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[(keyPos + i) % 4]!;
  return out;
}

/** A view of `len` bytes starting `byteOffset` bytes into a fresh ArrayBuffer, with guard bytes around it. */
function viewAt(byteOffset: number, len: number, fill = 0xee): Uint8Array {
  const ab = new ArrayBuffer(byteOffset + len + 8);
  new Uint8Array(ab).fill(fill);
  return new Uint8Array(ab, byteOffset, len);
}

const KEY = hex('37 fa 21 3d');
const LENGTHS = [...Array.from({ length: 201 }, (_, i) => i), 1021, 4096, 65_537, 1_000_003];

describe('maskInPlace', () => {
  test('masks "Hello" with the RFC 6455 §5.7 example key 37 fa 21 3d', () => {
    const buf = new Uint8Array(Buffer.from('Hello'));
    maskInPlace(buf, 0, buf.length, KEY);
    expect(toHex(buf)).toBe('7f 9f 4d 51 58');
  });

  test('equals the byte-loop reference for every keyPos, byteOffset 0-3 and length 0-200 and large', () => {
    for (const len of LENGTHS) {
      const data = pattern(len, len + 1);
      for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
        for (let keyPos = 0; keyPos < 4; keyPos++) {
          const view = viewAt(byteOffset, len);
          view.set(data);
          maskInPlace(view, 0, len, KEY, keyPos);
          const want = referenceMask(data, KEY, keyPos);
          if (toHex(view) !== toHex(want)) {
            expect.fail(`mismatch at len=${len} byteOffset=${byteOffset} keyPos=${keyPos}`);
          }
        }
      }
    }
  });

  test('touches only [offset, offset+len) of the buffer', () => {
    for (const len of [0, 1, 5, 47, 48, 49, 63, 64, 65, 200, 1000]) {
      for (let offset = 0; offset < 8; offset++) {
        const buf = pattern(offset + len + 7, len * 31 + offset);
        const before = buf.slice();
        maskInPlace(buf, offset, len, KEY, 3);
        expect(toHex(buf.subarray(0, offset))).toBe(toHex(before.subarray(0, offset)));
        expect(toHex(buf.subarray(offset + len))).toBe(toHex(before.subarray(offset + len)));
        expect(toHex(buf.subarray(offset, offset + len))).toBe(toHex(referenceMask(before.subarray(offset, offset + len), KEY, 3)));
      }
    }
  });

  test('masks a payload piece by piece when keyPos follows the piece position', () => {
    const data = pattern(1000, 7);
    const whole = referenceMask(data, KEY, 0);
    // Pieces with lengths that leave every possible key phase at a piece boundary.
    const buf = data.slice();
    let pos = 0;
    for (const piece of [1, 2, 3, 50, 49, 51, 333, 511]) {
      maskInPlace(buf, pos, piece, KEY, pos & 3);
      pos += piece;
    }
    expect(pos).toBe(1000);
    expect(toHex(buf)).toBe(toHex(whole));
  });

  test('takes keyPos modulo 4', () => {
    const data = pattern(100, 3);
    const a = data.slice();
    const b = data.slice();
    maskInPlace(a, 0, 100, KEY, 1);
    maskInPlace(b, 0, 100, KEY, 5);
    expect(toHex(a)).toBe(toHex(b));
  });

  test('masking twice gives back the original (XOR is its own inverse)', () => {
    const data = pattern(777, 9);
    const buf = viewAt(1, 777);
    buf.set(data);
    maskInPlace(buf, 0, 777, KEY, 2);
    expect(toHex(buf)).not.toBe(toHex(data));
    maskInPlace(buf, 0, 777, KEY, 2);
    expect(toHex(buf)).toBe(toHex(data));
  });

  test('works on Buffers sliced from the shared pool at odd offsets', () => {
    const data = pattern(300, 11);
    for (let skew = 0; skew < 4; skew++) {
      const big = Buffer.alloc(400);
      const buf = big.subarray(skew + 3, skew + 303);
      buf.set(data);
      maskInPlace(buf, 0, 300, hex('00 ff 7f 80'), 0);
      expect(toHex(buf)).toBe(toHex(referenceMask(data, hex('00 ff 7f 80'), 0)));
    }
  });
});

describe('copyMasked', () => {
  test('equals the byte-loop reference for every keyPos, source and destination alignment, and length', () => {
    for (const len of LENGTHS) {
      const data = pattern(len, len + 101);
      for (let srcAlign = 0; srcAlign < 4; srcAlign++) {
        const src = viewAt(srcAlign, len + 3);
        src.set(data, 3);
        for (let dstAlign = 0; dstAlign < 4; dstAlign++) {
          for (let keyPos = 0; keyPos < 4; keyPos++) {
            const dst = viewAt(dstAlign, len + 2, 0xab);
            copyMasked(src, 3, dst, 2, len, KEY, keyPos);
            const ok =
              toHex(dst.subarray(2)) === toHex(referenceMask(data, KEY, keyPos)) &&
              dst[0] === 0xab && dst[1] === 0xab;
            if (!ok) expect.fail(`mismatch at len=${len} src=${srcAlign} dst=${dstAlign} keyPos=${keyPos}`);
          }
        }
        // The source is read, never written.
        expect(toHex(src.subarray(3))).toBe(toHex(data));
      }
    }
  });

  test('leaves destination bytes outside the copied range alone', () => {
    const src = pattern(120, 5);
    const dst = new Uint8Array(140).fill(0x55);
    copyMasked(src, 10, dst, 7, 100, KEY, 1);
    expect(dst.subarray(0, 7).every((b) => b === 0x55)).toBe(true);
    expect(dst.subarray(107).every((b) => b === 0x55)).toBe(true);
    expect(toHex(dst.subarray(7, 107))).toBe(toHex(referenceMask(src.subarray(10, 110), KEY, 1)));
  });
});
