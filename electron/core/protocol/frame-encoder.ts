// Frame serialisation (RFC 6455 §5.2). It writes whatever it is given, invalid combinations
// included, because the debugger's raw mode sends them on purpose; the Connection validates first.

import { randomFillSync } from 'node:crypto';
import type { FrameSpec } from './frame.ts';
import { copyMasked } from './mask.ts';

/** Returns a fresh 4-byte masking key. */
export type MaskSource = () => Uint8Array;

// RFC 6455 §5.3: the key must be unpredictable; one randomFillSync call serves 2048 keys.
const POOL_SIZE = 8192;
let pool = Buffer.allocUnsafe(POOL_SIZE);
let poolPos = POOL_SIZE;

/** Position of the next 4 random bytes. A spent pool is replaced, not refilled: keys handed out view it. */
function takeFromPool(): number {
  if (poolPos === POOL_SIZE) {
    pool = Buffer.allocUnsafe(POOL_SIZE);
    randomFillSync(pool);
    poolPos = 0;
  }
  const at = poolPos;
  poolPos += 4;
  return at;
}

export const randomMask: MaskSource = () => new Uint8Array(pool.buffer, pool.byteOffset + takeFromPool(), 4);

// The default key for encoding: copied into one reused array, so no view is built per frame sent.
const keyScratch = new Uint8Array(4);

/** A key from `source`; for the default source, valid only until the next call. */
export function keyFrom(source: MaskSource): Uint8Array {
  if (source !== randomMask) return source();
  const at = takeFromPool();
  keyScratch[0] = pool[at]!;
  keyScratch[1] = pool[at + 1]!;
  keyScratch[2] = pool[at + 2]!;
  keyScratch[3] = pool[at + 3]!;
  return keyScratch;
}

/** Header length for a payload of `len` bytes, masked or not. */
export function headerLength(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/** Encodes one frame, header and (masked) payload in a single buffer. */
export function encodeFrame(spec: FrameSpec, maskSource: MaskSource = randomMask): Uint8Array {
  const key = spec.mask === true ? keyFrom(maskSource) : spec.mask instanceof Uint8Array ? spec.mask : null;
  const b0 =
    ((spec.fin ?? true) ? 0x80 : 0) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  return writeFrame(b0, spec.payload, key);
}

/** Writes a frame whose first header byte is `b0`; positional so hot callers build no spec object. */
export function writeFrame(b0: number, payload: Uint8Array, key: Uint8Array | null): Uint8Array {
  const len = payload.length;
  const hlen = headerLength(len, key !== null);
  const out = Buffer.allocUnsafe(hlen + len);
  out[0] = b0;
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
    copyMasked(payload, 0, out, pos, len, key);
  } else {
    out.set(payload, pos);
  }
  return out;
}
