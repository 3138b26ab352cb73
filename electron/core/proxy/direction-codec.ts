// permessage-deflate for one direction of a proxied connection (DESIGN.md, "A proxied connection").
// While every compressed message reaches the receiver as the sender compressed it, both share one
// LZ77 history and the proxy only watches. Once the receiver misses one (edited, dropped) or gets
// one the sender never wrote (injected compressed), the sender's later back-references would point
// at history the receiver does not have: with context takeover, the direction then re-encodes
// every later compressed message with the proxy's own deflater, primed with the receiver's history.
import zlib from 'node:zlib';
import type { ProxyDirection } from '../../../shared/api.ts';
import { SlidingWindow, type DeflateParams } from '../protocol/index.ts';

export class DirectionCodec {
  readonly params: DeflateParams | null;
  private readonly contextTakeover: boolean;
  /** The sender's window (the receiver inflates with it). */
  private readonly bits: number;
  /** What the receiver has inflated so far (context takeover only). */
  private readonly history: SlidingWindow | null;
  private diverged = false;

  constructor(params: DeflateParams | null, direction: ProxyDirection) {
    this.params = params;
    const client = direction === 'client';
    this.bits = params === null ? 15 : client ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    this.contextTakeover = params !== null && !(client ? params.clientNoContextTakeover : params.serverNoContextTakeover);
    this.history = this.contextTakeover ? new SlidingWindow(this.bits) : null;
  }

  /** Every later compressed message is re-encoded by the proxy. */
  get reencoding(): boolean {
    return this.diverged;
  }

  /** A compressed message reached the receiver exactly as the sender compressed it. */
  passed(message: Uint8Array): void {
    if (!this.diverged) this.history?.append(message);
  }

  /** The receiver will not see a compressed message the sender wrote (it was edited or dropped). */
  missed(): void {
    if (this.contextTakeover) this.diverged = true;
  }

  /**
   * Compresses a message for the receiver (edited, injected or re-encoded), without the trailing
   * 00 00 ff ff; null when it must go uncompressed (no deflate, or an 8-bit window zlib cannot write).
   */
  compress(message: Uint8Array): Uint8Array | null {
    if (this.params === null || this.bits < 9) return null;
    const out = zlib.deflateRawSync(message, {
      windowBits: this.bits,
      dictionary: this.history?.dictionary,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    if (this.contextTakeover) {
      this.diverged = true;
      this.history!.append(message);
    }
    return out.subarray(0, out.length - 4);
  }
}
