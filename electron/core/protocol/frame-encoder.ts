// Frame serialisation (RFC 6455 §5.2). It writes whatever it is given, invalid combinations
// included, because the debugger's raw mode sends them on purpose; the Connection validates first.

import { randomFillSync } from 'node:crypto';
import type { FrameSpec } from './frame.ts';
import { maskInPlace } from './mask.ts';

/** Returns a fresh 4-byte masking key. */
export type MaskSource = () => Uint8Array;

// RFC 6455 §5.3: the key must be unpredictable; one randomFillSync call serves 2048 keys.
const POOL_SIZE = 8192;
let pool = Buffer.allocUnsafe(POOL_SIZE);
let poolPos = POOL_SIZE;

export const randomMask: MaskSource = () => {
  if (poolPos === POOL_SIZE) {
    pool = Buffer.allocUnsafe(POOL_SIZE);
    randomFillSync(pool);
    poolPos = 0;
  }
  const key = pool.subarray(poolPos, poolPos + 4);
  poolPos += 4;
  return key;
};

/** Header length for a payload of `len` bytes, masked or not. */
export function headerLength(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/** Encodes one frame, header and (masked) payload in a single buffer. */
export function encodeFrame(spec: FrameSpec, maskSource: MaskSource = randomMask): Uint8Array {
  const payload = spec.payload;
  const len = payload.length;
  const key = spec.mask === true ? maskSource() : spec.mask instanceof Uint8Array ? spec.mask : null;
  const hlen = headerLength(len, key !== null);
  const out = Buffer.allocUnsafe(hlen + len);
  out[0] =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  const maskBit = key ? 0x80 : 0;
  let pos: number;
  if (len < 126) {
    out[1] = maskBit | len;
    pos = 2;
  } else if (len < 0x10000) {
    out[1] = maskBit | 126;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
    pos = 4;
  } else {
    out[1] = maskBit | 127;
    // RFC 6455 §5.2: 64-bit length, most significant bit 0. Lengths above 2^32 split in two words.
    out.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    out.writeUInt32BE(len >>> 0, 6);
    pos = 10;
  }
  if (key) {
    out[pos] = key[0]!;
    out[pos + 1] = key[1]!;
    out[pos + 2] = key[2]!;
    out[pos + 3] = key[3]!;
    pos += 4;
  }
  out.set(payload, pos);
  if (key && len > 0) maskInPlace(out, pos, len, key);
  return out;
}
