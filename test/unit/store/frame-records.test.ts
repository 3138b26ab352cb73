// Frames as records: which ones the session may store as their header alone without comparing bytes.
import { expect, test } from 'vitest';
import { encodeFrame } from '../../../electron/core/protocol/frame-encoder.ts';
import { FrameRecorder } from '../../../electron/core/store/frame-records.ts';
import { decodeFrames, pattern } from '../../support/bytes.ts';

test('a frame recorded as parsed says its payload is its wire bytes; a compressed FIN frame shown inflated does not', () => {
  const recorder = new FrameRecorder('out');
  const wire = encodeFrame({ opcode: 1, payload: pattern(300, 1), mask: Uint8Array.from([9, 8, 7, 6]) });
  const [parsed] = decodeFrames([wire]);
  const rec = recorder.record(parsed!, 1);
  expect(rec.payloadIsWire).toBe(true);
  // What payloadIsWire promises, for this frame.
  const masked = Buffer.from(rec.payload).map((b, i) => b ^ rec.maskKey![i % 4]!);
  expect(Buffer.from(rec.wire.subarray(rec.headerLength))).toEqual(masked);

  const inflated = recorder.record({ ...parsed!, rsv1: true, compressed: true, inflated: pattern(900, 2) }, 2);
  expect(inflated.payload).toHaveLength(900);
  expect(inflated.payloadIsWire).toBe(false);
});
