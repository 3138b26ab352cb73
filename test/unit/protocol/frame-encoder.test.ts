// Frame serialisation (RFC 6455 §5.2): byte-exact headers for every length form, bits and masking.
import { describe, expect, test } from 'vitest';
import { encodeFrame, headerLength, randomMask } from '../../../electron/core/protocol/frame-encoder.ts';
import { hex, toHex } from '../../support/bytes.ts';

const HELLO = new Uint8Array(Buffer.from('Hello'));
const KEY = hex('37 fa 21 3d');

describe('encodeFrame, RFC 6455 §5.7 examples', () => {
  test('a single-frame unmasked text message "Hello" is 81 05 48 65 6c 6c 6f', () => {
    expect(toHex(encodeFrame({ opcode: 0x1, payload: HELLO }))).toBe('81 05 48 65 6c 6c 6f');
  });

  test('a single-frame masked text message "Hello" is 81 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    expect(toHex(encodeFrame({ opcode: 0x1, payload: HELLO, mask: KEY }))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('a fragmented unmasked text message is 01 03 48 65 6c then 80 02 6c 6f', () => {
    expect(toHex(encodeFrame({ opcode: 0x1, fin: false, payload: HELLO.subarray(0, 3) }))).toBe('01 03 48 65 6c');
    expect(toHex(encodeFrame({ opcode: 0x0, payload: HELLO.subarray(3) }))).toBe('80 02 6c 6f');
  });

  test('an unmasked ping is 89 05 48 65 6c 6c 6f and a masked pong 8a 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    expect(toHex(encodeFrame({ opcode: 0x9, payload: HELLO }))).toBe('89 05 48 65 6c 6c 6f');
    expect(toHex(encodeFrame({ opcode: 0xa, payload: HELLO, mask: KEY }))).toBe('8a 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('256 bytes of binary data use the 16-bit length: 82 7e 01 00', () => {
    const payload = new Uint8Array(256).map((_, i) => i);
    const out = encodeFrame({ opcode: 0x2, payload });
    expect(out.length).toBe(4 + 256);
    expect(toHex(out.subarray(0, 4))).toBe('82 7e 01 00');
    expect(toHex(out.subarray(4))).toBe(toHex(payload));
  });

  test('64 KiB of binary data use the 64-bit length: 82 7f 00 00 00 00 00 01 00 00', () => {
    const payload = new Uint8Array(65536).map((_, i) => i * 7);
    const out = encodeFrame({ opcode: 0x2, payload });
    expect(out.length).toBe(10 + 65536);
    expect(toHex(out.subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
    expect(Buffer.compare(out.subarray(10), payload)).toBe(0);
  });
});

describe('encodeFrame length forms at their boundaries', () => {
  // [payload length, unmasked header]
  const cases: ReadonlyArray<readonly [number, string]> = [
    [0, '82 00'],
    [1, '82 01'],
    [125, '82 7d'],
    [126, '82 7e 00 7e'],
    [127, '82 7e 00 7f'],
    [65535, '82 7e ff ff'],
    [65536, '82 7f 00 00 00 00 00 01 00 00'],
    [70000, '82 7f 00 00 00 00 00 01 11 70'],
  ];

  test.each(cases)('%i bytes: header %s', (len, header) => {
    const payload = new Uint8Array(len).fill(0x61);
    const out = encodeFrame({ opcode: 0x2, payload });
    const h = hex(header);
    expect(toHex(out.subarray(0, h.length))).toBe(header);
    expect(out.length).toBe(h.length + len);
    expect(headerLength(len, false)).toBe(h.length);
  });

  test.each(cases)('%i bytes masked: the mask bit is set and the key follows the length', (len, header) => {
    const payload = new Uint8Array(len).fill(0x61);
    const out = encodeFrame({ opcode: 0x2, payload, mask: KEY });
    const h = hex(header);
    h[1] = h[1]! | 0x80;
    expect(toHex(out.subarray(0, h.length + 4))).toBe(`${toHex(h)} 37 fa 21 3d`);
    expect(headerLength(len, true)).toBe(h.length + 4);
    // Every payload byte is 0x61 XOR the key byte for its position.
    for (let i = 0; i < len; i++) {
      if (out[h.length + 4 + i] !== (0x61 ^ KEY[i % 4]!)) expect.fail(`byte ${i} is masked wrongly`);
    }
  });
});

describe('encodeFrame bits and masking', () => {
  test('sets FIN, RSV1, RSV2, RSV3 and the opcode as asked', () => {
    const p = new Uint8Array(0);
    expect(toHex(encodeFrame({ opcode: 0x1, payload: p, rsv1: true }))).toBe('c1 00');
    expect(toHex(encodeFrame({ opcode: 0x1, payload: p, rsv2: true }))).toBe('a1 00');
    expect(toHex(encodeFrame({ opcode: 0x1, payload: p, rsv3: true }))).toBe('91 00');
    expect(toHex(encodeFrame({ opcode: 0x2, payload: p, fin: false, rsv1: true, rsv2: true, rsv3: true }))).toBe('72 00');
    expect(toHex(encodeFrame({ opcode: 0xf, payload: p, fin: false }))).toBe('0f 00');
  });

  test('FIN defaults to set', () => {
    expect(toHex(encodeFrame({ opcode: 0x0, payload: new Uint8Array(0) }))).toBe('80 00');
  });

  test('writes frames the protocol forbids, for raw mode: a 200-byte fragmented ping and a reserved opcode', () => {
    const out = encodeFrame({ opcode: 0x9, fin: false, payload: new Uint8Array(200) });
    expect(toHex(out.subarray(0, 4))).toBe('09 7e 00 c8');
    expect(toHex(encodeFrame({ opcode: 0xb, payload: hex('01 02') }))).toBe('8b 02 01 02');
  });

  test('mask: true takes one key from the mask source', () => {
    let calls = 0;
    const out = encodeFrame({ opcode: 0x1, payload: HELLO, mask: true }, () => {
      calls++;
      return KEY;
    });
    expect(calls).toBe(1);
    expect(toHex(out)).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('mask: false or absent sends unmasked and asks the source for nothing', () => {
    const never = () => expect.fail('the mask source was called');
    expect(toHex(encodeFrame({ opcode: 0x1, payload: HELLO, mask: false }, never))).toBe('81 05 48 65 6c 6c 6f');
    expect(toHex(encodeFrame({ opcode: 0x1, payload: HELLO }, never))).toBe('81 05 48 65 6c 6c 6f');
  });

  test('masks a copy: the caller\'s payload is left as it was', () => {
    const payload = new Uint8Array(Buffer.from('x'.repeat(300)));
    encodeFrame({ opcode: 0x1, payload, mask: KEY });
    expect(Buffer.from(payload).toString()).toBe('x'.repeat(300));
  });

  test('an empty masked frame carries the key and no payload', () => {
    expect(toHex(encodeFrame({ opcode: 0x8, payload: new Uint8Array(0), mask: KEY }))).toBe('88 80 37 fa 21 3d');
  });
});

describe('randomMask', () => {
  test('returns 4-byte keys that differ and stay valid after the key pool is refilled', () => {
    const first = randomMask();
    const firstCopy = Uint8Array.from(first);
    expect(first.length).toBe(4);
    const seen = new Set<string>();
    // More keys than one pool holds, so the pool is refilled at least once.
    for (let i = 0; i < 5000; i++) seen.add(toHex(randomMask()));
    // Random 32-bit keys: repeats are possible but thousands of them are not.
    expect(seen.size).toBeGreaterThan(4900);
    expect(toHex(first)).toBe(toHex(firstCopy));
  });
});
