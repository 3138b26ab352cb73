// A protocol violation as a timeline row: the malformed frame as far as it had arrived, and what
// was wrong with it. Client connections and both directions of proxied ones record it the same way.
import type { Direction, Micros } from '../../../shared/api.ts';
import { headerLengthOf, type ProtocolError } from '../protocol/index.ts';
import type { FrameRecord } from './records.ts';

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
