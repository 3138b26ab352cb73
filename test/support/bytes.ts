// Byte helpers shared by the unit and conformance tests: hex in and out, deterministic filler, frame and error readers.
import { expect } from 'vitest';
import { HandshakeError } from '../../electron/core/protocol/errors.ts';
import { FrameParser, HeaderVerdict, type ParsedFrame } from '../../electron/core/protocol/frame-parser.ts';

/** Bytes from hex digits; whitespace between them is ignored ('81 05 48 65'). */
export function hex(s: string): Uint8Array {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

const DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Lower-case hex, one space between bytes ('81 05 48 65'); null stays null. */
export function toHex(b: Uint8Array): string;
export function toHex(b: Uint8Array | null): string | null;
export function toHex(b: Uint8Array | null): string | null {
  if (b === null) return null;
  if (b.length === 0) return '';
  // Written through a table rather than a regex over toString('hex'): tests compare megabyte buffers this way.
  const out = Buffer.alloc(b.length * 3 - 1, 0x20);
  for (let i = 0, j = 0; i < b.length; i++, j += 3) {
    const x = b[i]!;
    out[j] = DIGITS[x >> 4]!;
    out[j + 1] = DIGITS[x & 0x0f]!;
  }
  return out.toString('latin1');
}

/** `len` deterministic bytes (xorshift32 from `seed`), so a failure names the same data every run. */
export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The code of the HandshakeError `fn` throws; fails the test on any other error, 'no error' when none. */
export function handshakeErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HandshakeError);
    return (err as HandshakeError).code;
  }
  return 'no error';
}

/** Every complete frame in `chunks`, parsed by the core's FrameParser with no limits or checks of its own. */
export function decodeFrames(chunks: readonly Uint8Array[]): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  const parser = new FrameParser({
    frameHeader: () => HeaderVerdict.CONTINUE,
    framePayload: () => true,
    frameComplete: (f) => { out.push(f); return true; },
  });
  for (const c of chunks) parser.push(c);
  return out;
}
