// permessage-deflate data path (RFC 7692 §7.2), synchronous so the sans-IO core stays synchronous.
// Node has no public synchronous zlib stream, so context takeover is carried explicitly: each
// message is (de)compressed one-shot with the previous window of uncompressed data as the zlib
// preset dictionary, which is exactly the history an LZ77 back-reference may reach.

import zlib from 'node:zlib';
import type { DeflateParams } from './deflate-params.ts';

/** RFC 7692 §7.2.2: the empty stored block a sender strips and a receiver appends. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export class InflateLimitError extends Error {
  override name = 'InflateLimitError';
}

export class InflateDataError extends Error {
  override name = 'InflateDataError';
}

/**
 * The last `size` bytes of uncompressed history, updated after each message. Kept in a buffer of
 * twice the window, so appending a small message copies that message, not the whole window.
 */
export class SlidingWindow {
  private buf: Buffer;
  private end = 0;
  private readonly size: number;

  constructor(bits: number) {
    this.size = 1 << bits;
    this.buf = Buffer.allocUnsafe(0);
  }

  /** The history (a view, valid until the next append), or undefined while empty. */
  get dictionary(): Uint8Array | undefined {
    if (this.end === 0) return undefined;
    return this.buf.subarray(Math.max(0, this.end - this.size), this.end);
  }

  append(message: Uint8Array): void {
    const len = message.length;
    if (len === 0) return;
    if (len >= this.size) {
      if (this.buf.length < this.size) this.buf = Buffer.allocUnsafe(2 * this.size);
      this.buf.set(message.subarray(len - this.size), 0);
      this.end = this.size;
      return;
    }
    if (this.end + len > this.buf.length) {
      const keep = Math.min(this.end, this.size - len);
      if (this.buf.length < 2 * this.size) {
        const grown = Buffer.allocUnsafe(2 * this.size);
        grown.set(this.buf.subarray(this.end - keep, this.end), 0);
        this.buf = grown;
      } else {
        this.buf.copy(this.buf, 0, this.end - keep, this.end);
      }
      this.end = keep;
    }
    this.buf.set(message, this.end);
    this.end += len;
  }
}

/** Compression for one connection, from one side's point of view. */
export class PerMessageDeflate {
  readonly params: DeflateParams;
  private readonly ownWindowBits: number;
  /** Null when that direction uses no context takeover. */
  private readonly sent: SlidingWindow | null;
  private readonly received: SlidingWindow | null;
  private readonly level: number;

  constructor(params: DeflateParams, role: 'client' | 'server', level = zlib.constants.Z_DEFAULT_COMPRESSION) {
    this.params = params;
    const client = role === 'client';
    const ownNoContext = client ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    const peerNoContext = client ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.ownWindowBits = client ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    const peerWindowBits = client ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.sent = ownNoContext ? null : new SlidingWindow(this.ownWindowBits);
    this.received = peerNoContext ? null : new SlidingWindow(peerWindowBits);
    this.level = level;
  }

  /**
   * False when outgoing messages must go uncompressed: zlib cannot deflate with an 8-bit window
   * (it silently uses 9), and RFC 7692 lets any message be sent uncompressed.
   */
  get canCompress(): boolean {
    return this.ownWindowBits > 8;
  }

  /** Inflates a whole compressed message (the frames' payloads joined); past `maxOutput`, InflateLimitError. */
  inflate(compressed: Uint8Array, maxOutput: number): Uint8Array {
    let out: Uint8Array;
    try {
      out = zlib.inflateRawSync(Buffer.concat([compressed, TAIL]), {
        // The largest window decodes anything a smaller window produced.
        windowBits: 15,
        dictionary: this.received?.dictionary,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, maxOutput),
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InflateLimitError(`the message inflates past ${maxOutput} bytes`);
      }
      throw new InflateDataError((err as Error).message);
    }
    if (out.length > maxOutput) throw new InflateLimitError(`the message inflates past ${maxOutput} bytes`);
    this.received?.append(out);
    return out;
  }

  /** Compresses a whole message, without the trailing 00 00 ff ff (RFC 7692 §7.2.1). */
  deflate(message: Uint8Array): Uint8Array {
    const out = zlib.deflateRawSync(message, {
      windowBits: this.ownWindowBits,
      level: this.level,
      dictionary: this.sent?.dictionary,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    this.sent?.append(message);
    // A sync flush always ends with the empty stored block.
    return out.subarray(0, out.length - 4);
  }
}
