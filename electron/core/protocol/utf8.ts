// Streaming UTF-8 validation (RFC 3629) that fails on the first byte that cannot start or continue a
// valid sequence, across chunk and frame boundaries. Whole runs go to Node's native `isUtf8`; only
// the ≤3 bytes of a sequence cut by a boundary go through the byte-level state machine below.

import { isUtf8 } from 'node:buffer';

export class Utf8Validator {
  /** Continuation bytes still expected for the sequence in progress. */
  private need = 0;
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;

  /** True while no sequence is left incomplete. */
  get complete(): boolean {
    return this.need === 0;
  }

  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  /**
   * Feeds the next bytes; `final` marks the end of the text. Returns false as soon as the bytes so
   * far cannot be the start of valid UTF-8 (or, when final, are not valid UTF-8).
   */
  push(bytes: Uint8Array, final: boolean): boolean {
    let start = 0;
    const len = bytes.length;
    while (this.need > 0 && start < len) {
      if (!this.step(bytes[start]!)) return false;
      start++;
    }
    if (start === len) return !final || this.need === 0;
    if (len - start < 24) {
      // Short runs: the byte loop beats the cost of calling into native isUtf8.
      for (let i = start; i < len; i++) if (!this.step(bytes[i]!)) return false;
      return !final || this.need === 0;
    }
    // Find where a sequence cut by the end of the chunk begins; validate everything before it natively.
    let cut = len;
    if (!final) {
      for (let i = len - 1, stop = Math.max(start, len - 3); i >= stop; i--) {
        const b = bytes[i]!;
        if (b < 0x80) break;
        if (b >= 0xc0) {
          const seqLen = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
          if (i + seqLen > len) cut = i;
          break;
        }
      }
    }
    if (cut > start) {
      const run = start === 0 && cut === len ? bytes : bytes.subarray(start, cut);
      if (!isUtf8(run)) return false;
    }
    for (let i = cut; i < len; i++) if (!this.step(bytes[i]!)) return false;
    return !final || this.need === 0;
  }

  private step(b: number): boolean {
    if (this.need === 0) {
      if (b < 0x80) return true;
      if (b >= 0xc2 && b <= 0xdf) { this.need = 1; this.lo = 0x80; this.hi = 0xbf; return true; }
      if (b >= 0xe0 && b <= 0xef) {
        this.need = 2;
        this.lo = b === 0xe0 ? 0xa0 : 0x80; // no overlong 3-byte forms
        this.hi = b === 0xed ? 0x9f : 0xbf; // no UTF-16 surrogates
        return true;
      }
      if (b >= 0xf0 && b <= 0xf4) {
        this.need = 3;
        this.lo = b === 0xf0 ? 0x90 : 0x80; // no overlong 4-byte forms
        this.hi = b === 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        return true;
      }
      return false;
    }
    if (b < this.lo || b > this.hi) return false;
    this.need--;
    this.lo = 0x80;
    this.hi = 0xbf;
    return true;
  }
}

export { isUtf8 };
