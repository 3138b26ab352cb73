// The batch a store hands its writer thread: what of a frame's bytes it carries.
import { expect, test } from 'vitest';
import { decodeFrames, encodeBatch, type FrameInsert } from '../../../electron/core/store/writer-batch.ts';
import type { FrameRecord } from '../../../electron/core/store/records.ts';
import { frameRecord } from '../../support/session-records.ts';
import { pattern } from '../../support/bytes.ts';

const key = Uint8Array.from([1, 2, 3, 4]);
const encode = (recs: FrameRecord[]) => {
  const frames: FrameInsert[] = recs.map((rec, i) => ({ id: i, rec, message: -1 }));
  return encodeBatch(1, frames, [], [], [], () => null).batch;
};

test('a frame whose payload is known to be its wire bytes carries its header and payload once; others carry both', () => {
  const known: FrameRecord = { ...frameRecord({ time: 1, payload: pattern(1000, 1), maskKey: key }), payloadIsWire: true };
  const unknown = frameRecord({ time: 2, payload: pattern(1000, 2), maskKey: key });
  const capped: FrameRecord = { ...known, fullLength: 5000 };
  // Mask key 4 bytes, header 8 bytes (with the key), payload 1000 bytes.
  expect(encode([known]).packLength).toBe(4 + 8 + 1000);
  expect(encode([unknown]).packLength).toBe(4 + 8 + 1000 + 1000);
  expect(encode([capped]).packLength).toBe(4 + 8 + 1000 + 1000);
  const [a, b, c] = [...decodeFrames(encode([known, unknown, capped]))];
  expect(a!.wireIsHeader).toBe(true);
  expect((a!.rec as FrameRecord).wire).toEqual(known.wire.subarray(0, 8));
  expect((a!.rec as FrameRecord).payload).toEqual(known.payload);
  expect(b!.wireIsHeader).toBe(false);
  expect((b!.rec as FrameRecord).wire).toEqual(unknown.wire);
  expect(c!.wireIsHeader).toBe(false);
});
