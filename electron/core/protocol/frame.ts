// Frame-level vocabulary of RFC 6455 §5.2: opcodes and the shape of a frame as the debugger shows it.

export { Opcode, opcodeName, type DataOpcode } from '../../../shared/websocket.ts';

/** RFC 6455 §5.5: opcodes with the high bit set are control frames. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Opcodes RFC 6455 defines; 0x3-0x7 and 0xB-0xF are reserved. */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

/** The first two header bytes, decoded, and the length the header claims. */
export interface FrameHeaderFields {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  /** A number even for a 64-bit claim (exact up to 2^53). */
  readonly payloadLength: number;
}

/** A complete frame as received, with everything a debugger shows. */
export interface Frame extends FrameHeaderFields {
  readonly type: 'frame';
  /** 0-based count of frames received on this connection. */
  readonly seq: number;
  /** The 4-byte masking key, or null for an unmasked frame. */
  readonly maskKey: Uint8Array | null;
  readonly headerLength: number;
  /** Header and payload exactly as on the wire (header bytes are `wire.subarray(0, headerLength)`). */
  readonly wire: Uint8Array;
  /** The payload unmasked; still compressed when the message is compressed. */
  readonly payload: Uint8Array;
  /** True for the frames of a permessage-deflate compressed message. */
  readonly compressed: boolean;
  /** On the FIN frame of a compressed message, the whole message decompressed; otherwise null. */
  readonly inflated: Uint8Array | null;
  /** True when the length used a longer form than needed (allowed by ws and browsers, noted here). */
  readonly nonMinimalLength: boolean;
}

/** What an encoder needs to write any frame, valid or not (raw mode sends invalid ones on purpose). */
export interface FrameSpec {
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  readonly rsv2?: boolean;
  readonly rsv3?: boolean;
  /** A mask key to use; `true` picks a random one; false or absent sends unmasked. */
  readonly mask?: Uint8Array | boolean;
}
