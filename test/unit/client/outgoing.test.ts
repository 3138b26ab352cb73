// Turning what a person asked to send into the protocol core's send events: byte formats, JSON,
// control frames, closes, and raw frames cut into fragments exactly as asked.
import { describe, expect, test } from 'vitest';
import { decodeBytes, planSend, SendRequestError } from '../../../electron/core/client/outgoing.ts';
import type { SendEvent } from '../../../electron/core/protocol/index.ts';
import { toHex } from '../../support/bytes.ts';

describe('decodeBytes', () => {
  test.each([
    ['de ad be ef', 'de ad be ef'],
    ['DEADBEEF', 'de ad be ef'],
    ['0xde 0xad', 'de ad'],
    ['de:ad-be,ef', 'de ad be ef'],
    ['de\n\tad', 'de ad'],
    ['', ''],
  ])('hex %j is %s', (input, bytes) => {
    expect(toHex(decodeBytes(input, 'hex'))).toBe(bytes);
  });

  test('hex with a character that is not a digit names it', () => {
    expect(() => decodeBytes('de ag', 'hex')).toThrow(SendRequestError);
    expect(() => decodeBytes('de ag', 'hex')).toThrow('contains "g", which is not a hex digit');
  });

  test('hex with an odd number of digits says how many', () => {
    expect(() => decodeBytes('a b c', 'hex')).toThrow('odd number of digits (3)');
  });

  test.each([
    ['3q2+7w==', 'de ad be ef'],
    ['3q2+7w', 'de ad be ef'],
    ['3q2-7w', 'de ad be ef'],
    ['__8=', 'ff ff'],
    ['//8=', 'ff ff'],
    ['3q2+\n7w==', 'de ad be ef'],
    ['', ''],
  ])('base64 %j is %s', (input, bytes) => {
    expect(toHex(decodeBytes(input, 'base64'))).toBe(bytes);
  });

  test.each(['3q2+7w=@', 'abcde', '3q2=7w==', '===', 'ab*d'])('base64 %j is refused', (input) => {
    expect(() => decodeBytes(input, 'base64')).toThrow('not valid base64');
  });

  test('text is UTF-8', () => {
    expect(toHex(decodeBytes('é€', 'text'))).toBe('c3 a9 e2 82 ac');
  });
});

describe('planSend: messages and control frames', () => {
  test('text becomes one text event and a text message', () => {
    const plan = planSend({ kind: 'text', text: 'hé' });
    expect(plan.raw).toBe(false);
    expect(plan.events).toEqual([{ type: 'text', data: new TextEncoder().encode('hé') }]);
    expect(plan.message).toEqual({ opcode: 1, data: new TextEncoder().encode('hé') });
  });

  test('fragmentSize and compress pass through only when given', () => {
    expect(planSend({ kind: 'text', text: 'x', fragmentSize: 3, compress: false }).events[0]).toMatchObject({ fragmentSize: 3, compress: false });
    expect(Object.keys(planSend({ kind: 'text', text: 'x' }).events[0]!)).toEqual(['type', 'data']);
  });

  test('JSON is checked and then sent exactly as typed', () => {
    const text = '{ "a" : 1 }\n';
    expect(planSend({ kind: 'json', text }).events).toEqual([{ type: 'text', data: new TextEncoder().encode(text) }]);
    expect(() => planSend({ kind: 'json', text: "{'a': 1}" })).toThrow(/not valid JSON .* send it as text/);
  });

  test('binary decodes its format and is a binary message', () => {
    const plan = planSend({ kind: 'binary', data: 'AAEC', format: 'base64', fragmentSize: 1 });
    expect(plan.events).toEqual([{ type: 'binary', data: Buffer.from([0, 1, 2]), fragmentSize: 1 }]);
    expect(plan.message?.opcode).toBe(2);
  });

  test('ping and pong default to an empty text payload and are not messages', () => {
    expect(planSend({ kind: 'ping' })).toEqual({ events: [{ type: 'ping', data: new Uint8Array(0) }], message: null, raw: false });
    expect(planSend({ kind: 'pong', data: '0a0b', format: 'hex' }).events).toEqual([{ type: 'pong', data: Buffer.from([10, 11]) }]);
  });

  test('close passes on the code and reason as given', () => {
    expect(planSend({ kind: 'close' }).events).toEqual([{ type: 'close' }]);
    expect(planSend({ kind: 'close', code: 4000 }).events).toEqual([{ type: 'close', code: 4000 }]);
    expect(planSend({ kind: 'close', code: 4000, reason: 'bye' }).events).toEqual([{ type: 'close', code: 4000, reason: 'bye' }]);
    // The core refuses a reason without a code; it is not dropped on the way.
    expect(planSend({ kind: 'close', reason: 'bye' }).events).toEqual([{ type: 'close', reason: 'bye' }]);
  });
});

describe('planSend: raw frames', () => {
  const base = { kind: 'raw', opcode: 0x1, fin: true, rsv1: false, rsv2: false, rsv3: false, format: 'text' } as const;
  const frames = (events: SendEvent[]) => events.map((e) => {
    if (e.type !== 'raw') throw new Error(`expected a raw event, got ${e.type}`);
    const f = e.frame;
    return [f.opcode, f.fin, f.rsv1, f.rsv2, f.rsv3, new TextDecoder().decode(f.payload), f.mask];
  });

  test('one frame as asked, masked by the connection unless mask is false', () => {
    const plan = planSend({ ...base, opcode: 0xb, fin: false, rsv2: true, data: 'abc' });
    expect(plan.raw).toBe(true);
    expect(plan.message).toBeNull();
    expect(frames(plan.events)).toEqual([[0xb, false, false, true, false, 'abc', undefined]]);
    expect(frames(planSend({ ...base, data: 'abc', mask: false }).events)).toEqual([[1, true, false, false, false, 'abc', false]]);
  });

  test('fragmentSize cuts the payload: opcode and RSV bits on the first frame, continuations after, FIN on the last', () => {
    const plan = planSend({ ...base, rsv1: true, rsv3: true, data: 'abcdefg', fragmentSize: 3, mask: false });
    expect(frames(plan.events)).toEqual([
      [1, false, true, false, true, 'abc', false],
      [0, false, false, false, false, 'def', false],
      [0, true, false, false, false, 'g', false],
    ]);
  });

  test('with fin false, no fragment has FIN', () => {
    expect(frames(planSend({ ...base, fin: false, data: 'abcd', fragmentSize: 2 }).events).map((f) => f[1])).toEqual([false, false]);
  });

  test('a payload no larger than fragmentSize, or empty, stays one frame', () => {
    expect(planSend({ ...base, data: 'abc', fragmentSize: 3 }).events).toHaveLength(1);
    expect(frames(planSend({ ...base, data: '', fragmentSize: 3 }).events)).toEqual([[1, true, false, false, false, '', undefined]]);
  });

  test('the payload is decoded in its format first', () => {
    expect(() => planSend({ ...base, data: 'xyz', format: 'hex' })).toThrow(SendRequestError);
  });
});
