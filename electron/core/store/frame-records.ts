// Frames as timeline rows, made the same way for client connections and both directions of
// proxied ones: received or sent frames, and protocol violations with the malformed frame.
import type { Direction, Micros } from '../../../shared/api.ts';
import { headerLengthOf, Opcode, type Frame, type ProtocolError } from '../protocol/index.ts';
import type { FrameRecord } from './records.ts';

/**
 * Records one direction's frames. It remembers whether the data message now going that way is text
 * and compressed, so its continuation frames are shown as what they continue.
 */
export class FrameRecorder {
  readonly dir: Direction;
  private textual = false;
  private compressed = false;

  constructor(dir: Direction) {
    this.dir = dir;
  }

  /** The data message in progress is compressed (its continuations are too). */
  get compressedMessage(): boolean {
    return this.compressed;
  }

  record(f: Frame, time: Micros, flags = 0, rules: readonly string[] | null = null): FrameRecord {
    const op = f.opcode;
    const data = op === Opcode.TEXT || op === Opcode.BINARY;
    if (data) {
      this.textual = op === Opcode.TEXT;
      this.compressed = f.rsv1;
    }
    const inMessage = data || op === Opcode.CONTINUATION;
    const rec: FrameRecord = {
      kind: 'frame',
      dir: this.dir,
      time,
      opcode: op,
      fin: f.fin,
      rsv: (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0),
      maskKey: f.maskKey,
      payloadLength: f.payloadLength,
      headerLength: f.headerLength,
      nonMinimalLength: f.nonMinimalLength,
      wire: f.wire,
      // On a compressed message's FIN frame, the whole message as the application sees it.
      payload: f.inflated ?? f.payload,
      payloadIsWire: f.inflated === null,
      compressed: f.compressed || (inMessage && this.compressed),
      textual: inMessage && this.textual,
      error: null,
      flags,
    };
    return rules !== null && rules.length > 0 ? { ...rec, rules } : rec;
  }
}

export function errorRecord(err: ProtocolError, dir: Direction, time: Micros): FrameRecord {
  const f = err.frame;
  const headerLength = f === null || f.received.length < 2 ? 0 : headerLengthOf(f.received[1]!);
  return {
    kind: 'error',
    dir,
    time,
    opcode: f?.opcode ?? -1,
    fin: f?.fin ?? false,
    rsv: f === null ? 0 : (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0),
    maskKey: f?.masked && f.received.length >= headerLength ? f.received.subarray(headerLength - 4, headerLength) : null,
    payloadLength: f?.payloadLength ?? 0,
    headerLength,
    nonMinimalLength: false,
    wire: f?.received ?? new Uint8Array(0),
    // A masked payload cut short cannot be shown unmasked reliably; the wire bytes are kept.
    payload: f === null || f.masked ? new Uint8Array(0) : f.received.subarray(headerLength),
    compressed: false,
    textual: false,
    error: { code: err.code, closeCode: err.closeCode, reason: err.reason },
  };
}
