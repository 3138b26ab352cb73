// RFC 6455 frames decoded by the tests' own code, written from the RFC and not with the code under
// test, so a peer in a test can say exactly what went over the wire.

export interface WireFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskKey: Buffer | null;
  /** Unmasked. */
  payload: Buffer;
  /** Header and payload exactly as received. */
  wire: Buffer;
}

/** The frame starting at `bytes[pos]`, or null when it has not fully arrived. */
export function parseWireFrame(bytes: Buffer, pos = 0): WireFrame | null {
  if (bytes.length - pos < 2) return null;
  const b0 = bytes[pos]!;
  const b1 = bytes[pos + 1]!;
  let len = b1 & 0x7f;
  let at = pos + 2;
  if (len === 126) {
    if (bytes.length < at + 2) return null;
    len = bytes.readUInt16BE(at);
    at += 2;
  } else if (len === 127) {
    if (bytes.length < at + 8) return null;
    len = Number(bytes.readBigUInt64BE(at));
    at += 8;
  }
  const masked = (b1 & 0x80) !== 0;
  if (masked) at += 4;
  if (bytes.length < at + len) return null;
  const maskKey = masked ? bytes.subarray(at - 4, at) : null;
  const payload = Buffer.from(bytes.subarray(at, at + len));
  if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i % 4]!;
  return {
    fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f, masked, maskKey, payload, wire: bytes.subarray(pos, at + len),
  };
}

/** Splits complete frames out of `bytes`; throws when the bytes end inside a frame. */
export function splitFrames(bytes: Buffer): WireFrame[] {
  const frames: WireFrame[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const frame = parseWireFrame(bytes, pos);
    if (frame === null) throw new Error(`the bytes end inside a frame at offset ${pos}`);
    frames.push(frame);
    pos += frame.wire.length;
  }
  return frames;
}
