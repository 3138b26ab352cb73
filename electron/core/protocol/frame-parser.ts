// Streaming frame parser (RFC 6455 §5.2). Accepts input split at any byte, never copies a frame
// that arrives whole in one chunk (its wire bytes are a view of that chunk), and lets its sink
// vet each header before a single payload byte is buffered, so a hostile length claim costs nothing.

import type { Frame } from './frame.ts';
import { copyMasked, UnmaskPool } from './mask.ts';

export type ParsedFrame = { -readonly [K in keyof Frame]: Frame[K] };

/** The sink's verdict on a header: stop parsing, go on, or go on and see the payload as it arrives. */
export const HeaderVerdict = { STOP: 0, CONTINUE: 1, STREAM: 2 } as const;
export type HeaderVerdict = (typeof HeaderVerdict)[keyof typeof HeaderVerdict];

export interface FrameSink {
  /** Header complete; `wire` and `payload` are still empty. */
  frameHeader(frame: ParsedFrame): HeaderVerdict;
  /** For STREAM frames: the next unmasked payload bytes, in order, as they arrive. False stops. */
  framePayload(frame: ParsedFrame, unmasked: Uint8Array, final: boolean): boolean;
  /** Frame complete, `wire` and `payload` filled in. False stops. */
  frameComplete(frame: ParsedFrame): boolean;
}

const EMPTY: Uint8Array = new Uint8Array(0);
const MAX_HEADER = 14;

export class FrameParser {
  private readonly sink: FrameSink;
  private seq = 0;
  private stopped = false;
  // Header bytes when a header is split across chunks.
  private readonly hdr = new Uint8Array(MAX_HEADER);
  private hdrFill = 0;
  // The frame whose payload is arriving, with its pieces so far.
  private cur: ParsedFrame | null = null;
  private streaming = false;
  private wirePieces: Uint8Array[] = [];
  private payloadPieces: Uint8Array[] = [];
  private received = 0;
  private readonly pool = new UnmaskPool();

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  /** Number of frames whose header has been read. */
  get framesSeen(): number {
    return this.seq;
  }

  /** True while a frame has been started but not completed (or a header is half read). */
  get midFrame(): boolean {
    return this.cur !== null || this.hdrFill > 0;
  }

  /** Stops parsing for good; later input is ignored. */
  stop(): void {
    this.stopped = true;
    this.cur = null;
    this.wirePieces = [];
    this.payloadPieces = [];
  }

  /** The bytes of `frame` received so far (all of it once complete), for reporting a malformed frame. */
  receivedWire(frame: ParsedFrame): Uint8Array {
    return this.cur === frame ? Buffer.concat(this.wirePieces) : frame.wire;
  }

  push(data: Uint8Array): void {
    const len = data.length;
    let pos = 0;
    while (pos < len && !this.stopped) {
      if (this.cur !== null) {
        pos = this.continuePayload(data, pos);
        continue;
      }
      if (this.hdrFill === 0 && len - pos >= 2) {
        const hlen = headerLengthOf(data[pos + 1]!);
        if (len - pos >= hlen) {
          pos = this.startFrame(data, pos, data, pos, hlen);
          continue;
        }
      }
      // A header split across chunks: gather it in `hdr`.
      this.hdr[this.hdrFill++] = data[pos++]!;
      if (this.hdrFill >= 2 && this.hdrFill === headerLengthOf(this.hdr[1]!)) {
        const hlen = this.hdrFill;
        this.hdrFill = 0;
        pos = this.startFrame(this.hdr, 0, data, pos, hlen);
      }
    }
  }

  /**
   * Reads the header at `h[hp, hp+hlen)`; the payload starts at `data[pos]` (after the header when
   * both are the same buffer). Returns the new position in `data`.
   */
  private startFrame(h: Uint8Array, hp: number, data: Uint8Array, pos: number, hlen: number): number {
    const b0 = h[hp]!;
    const b1 = h[hp + 1]!;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    let plen: number;
    let nonMinimal = false;
    if (len7 < 126) {
      plen = len7;
    } else if (len7 === 126) {
      plen = (h[hp + 2]! << 8) | h[hp + 3]!;
      nonMinimal = plen < 126;
    } else {
      const hi = ((h[hp + 2]! << 24) | (h[hp + 3]! << 16) | (h[hp + 4]! << 8) | h[hp + 5]!) >>> 0;
      const lo = ((h[hp + 6]! << 24) | (h[hp + 7]! << 16) | (h[hp + 8]! << 8) | h[hp + 9]!) >>> 0;
      plen = hi * 0x100000000 + lo;
      nonMinimal = plen < 0x10000;
    }
    const sameBuffer = h === data;
    const payloadStart = sameBuffer ? pos + hlen : pos;
    const headerBytes = sameBuffer ? null : h.slice(hp, hp + hlen);
    const hb = headerBytes ?? data;
    const ho = headerBytes ? 0 : pos;
    const whole = headerBytes === null && data.length - payloadStart >= plen;
    const frame: ParsedFrame = {
      type: 'frame',
      seq: this.seq++,
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode: b0 & 0x0f,
      masked,
      maskKey: masked ? view(hb, ho + hlen - 4, 4) : null,
      payloadLength: plen,
      headerLength: hlen,
      wire: whole ? view(data, pos, hlen + plen) : view(hb, ho, hlen),
      payload: EMPTY,
      compressed: false,
      inflated: null,
      nonMinimalLength: nonMinimal,
    };
    const verdict = this.sink.frameHeader(frame);
    if (verdict === HeaderVerdict.STOP) {
      this.stop();
      return data.length;
    }
    this.streaming = verdict === HeaderVerdict.STREAM;
    if (whole) {
      // The whole frame is in this chunk: views, no copies (but the unmasked payload).
      const end = payloadStart + plen;
      frame.payload = this.unmask(frame, data, payloadStart, plen, 0);
      if (this.streaming && !this.sink.framePayload(frame, frame.payload, true)) {
        this.stop();
        return data.length;
      }
      if (!this.sink.frameComplete(frame)) this.stop();
      return end;
    }
    this.cur = frame;
    this.received = 0;
    this.wirePieces = [frame.wire];
    this.payloadPieces = [];
    return this.continuePayload(data, payloadStart);
  }

  private continuePayload(data: Uint8Array, pos: number): number {
    const frame = this.cur!;
    const take = Math.min(frame.payloadLength - this.received, data.length - pos);
    const final = this.received + take === frame.payloadLength;
    if (take > 0 || final) {
      this.wirePieces.push(data.subarray(pos, pos + take));
      if (this.streaming) {
        const piece = this.unmask(frame, data, pos, take, this.received);
        if (frame.masked) this.payloadPieces.push(piece);
        if (!this.sink.framePayload(frame, piece, final)) {
          this.stop();
          return data.length;
        }
      }
      this.received += take;
    }
    if (!final) return data.length;
    const hlen = frame.headerLength;
    frame.wire = concat(this.wirePieces, hlen + frame.payloadLength);
    // Unmasked, the payload is the rest of the wire bytes; masked, it is unmasked from them in one pass
    // (a streamed frame's pieces were unmasked as they came).
    frame.payload = !frame.masked
      ? view(frame.wire, hlen, frame.payloadLength)
      : this.streaming
        ? concat(this.payloadPieces, frame.payloadLength)
        : this.unmask(frame, frame.wire, hlen, frame.payloadLength, 0);
    this.cur = null;
    this.wirePieces = [];
    this.payloadPieces = [];
    if (!this.sink.frameComplete(frame)) this.stop();
    return pos + take;
  }

  private unmask(frame: ParsedFrame, data: Uint8Array, start: number, len: number, offset: number): Uint8Array {
    if (!frame.masked) return view(data, start, len);
    if (len === 0) return EMPTY;
    if (len <= UnmaskPool.MAX) return this.pool.unmask(data, start, len, frame.maskKey!, offset);
    const out = Buffer.allocUnsafe(len);
    copyMasked(data, start, out, 0, len, frame.maskKey!, offset & 3);
    return out;
  }
}

/** A view without Buffer#subarray's argument handling and Buffer subclass construction. */
function view(buf: Uint8Array, start: number, len: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, len);
}

/** Header length from the second header byte: 2, plus 2 or 8 for extended lengths, plus 4 if masked. */
export function headerLengthOf(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  return Buffer.concat(pieces, total);
}
