// The batch a store hands its writer thread: what of a frame's bytes it carries.
import { expect, test } from 'vitest';
import { decodeFrames, decodeMessages, encodeBatch, type FrameInsert } from '../../../electron/core/store/writer-batch.ts';
import type { FrameRecord } from '../../../electron/core/store/records.ts';
import { frameRecord, utf8 } from '../../support/session-records.ts';
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

test('every field of notes, frames, errors and messages comes out as it went in', () => {
  const frame = { ...frameRecord({ time: 5, payload: 'hi', maskKey: key, rules: ['r1'], heldMs: 12, original: Uint8Array.from([7]) }), payloadIsWire: true };
  const error = frameRecord({ time: 6, dir: 'in', opcode: 2, payload: pattern(3, 1), error: { code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, reason: 'bad' } });
  const frames: FrameInsert[] = [
    { id: 2 ** 32 + 0, message: -1, rec: { kind: 'note', time: 4, event: 'open', text: 'Opened' } },
    { id: 2 ** 32 + 1, message: 0, rec: frame },
    { id: 2 ** 32 + 2, message: 3, rec: { ...error, fullLength: 99, nonMinimalLength: true, compressed: true, fin: false, rsv: 4 } },
  ];
  const messages = [
    { id: 2 ** 32 + 0, rec: { kind: 'message' as const, dir: 'out' as const, time: 5, opcode: 1, data: frame.payload, compressed: false, flags: 3, rules: ['r1'] }, frameRow: null, first: 1, last: 1, dataInFrame: true },
    { id: 2 ** 32 + 1, rec: null, frameRow: 0, first: 0, last: 0, dataInFrame: false },
    { id: 2 ** 32 + 2, rec: { kind: 'message' as const, dir: 'in' as const, time: 7, opcode: 2, data: pattern(5, 2), compressed: true, flags: 0, fullLength: 50 }, frameRow: null, first: 2, last: 2, dataInFrame: false },
  ];
  const { batch } = encodeBatch(9, frames, messages, [], [], () => null);
  // The message sharing its frame's payload adds no bytes of its own.
  expect(batch.packLength).toBe(4 + 1 + 6 + 2 + error.wire.length + 3 + 5);
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (v instanceof Uint8Array ? [...v] : v)));
  const [note, f, e] = [...decodeFrames(batch)];
  expect(note).toEqual({ id: 2 ** 32, message: -1, rec: frames[0]!.rec });
  expect(f!.wireIsHeader).toBe(true);
  expect(plain({ ...f!.rec, wire: undefined })).toEqual(plain({ ...frame, wire: undefined, payloadIsWire: undefined, fullLength: undefined }));
  expect(plain(e!.rec)).toEqual(plain({ ...frames[2]!.rec, original: null }));
  expect(e!.wireIsHeader).toBe(false);
  expect(plain([...decodeMessages(batch)])).toEqual(plain(messages));
});

test('a batch lives in the region it is placed in, fields first, and a later batch reads none of an earlier one\'s fields', () => {
  const ring = new SharedArrayBuffer(1 << 16);
  const first = encodeBatch(1, [{ id: 1, message: 0, rec: { ...frameRecord({ time: 1, payload: 'abc', flags: 7 }), payloadIsWire: true } }], [
    { id: 1, rec: { kind: 'message', dir: 'in', time: 2, opcode: 1, data: utf8('abc'), compressed: true, flags: 7 }, frameRow: null, first: 1, last: 1, dataInFrame: true },
  ], [], [], (size) => {
    expect(size % 8).toBe(0);
    return { buffer: ring, offset: 8 };
  });
  expect(first.transfer).toEqual([]);
  expect(first.batch.pack).toBe(ring);
  expect([first.batch.frames.buffer, first.batch.frames.byteOffset, first.batch.messages.byteOffset]).toEqual([ring, 8, 8 + 19 * 8]);
  expect(first.batch.packOffset).toBe(8 + (19 + 14) * 8);

  const note: FrameInsert = { id: 2, message: -1, rec: { kind: 'note', time: 3, event: 'open', text: 'Opened' } };
  const standalone = { id: 2, rec: null, frameRow: 2, first: 2, last: 2, dataInFrame: false };
  // Its own data, uncompressed, no flags: where the first batch had a shared, compressed, flagged one.
  const own = { id: 3, rec: { kind: 'message' as const, dir: 'in' as const, time: 4, opcode: 1, data: utf8('xyz'), compressed: false, flags: 0 }, frameRow: null, first: 1, last: 1, dataInFrame: false };
  const second = encodeBatch(2, [note], [own, standalone], [], [], () => null);
  expect(second.transfer).toEqual([second.batch.pack]);
  expect([...decodeFrames(second.batch)]).toEqual([note]);
  expect([...decodeMessages(second.batch)].map((m) => ({ ...m, rec: m.rec && { ...m.rec, data: Buffer.from(m.rec.data).toString() } })))
    .toEqual([{ ...own, rec: { ...own.rec, data: 'xyz' } }, standalone]);
});
