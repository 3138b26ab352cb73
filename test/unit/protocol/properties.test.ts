// Property tests of the protocol core (fast-check): encode→parse identity under any chopping, hostile
// byte streams that can neither crash nor bloat a connection, and message assembly around pings.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Connection } from '../../../electron/core/protocol/connection.ts';
import type { DeflateParams } from '../../../electron/core/protocol/deflate-params.ts';
import { PerMessageDeflate } from '../../../electron/core/protocol/deflate.ts';
import type { ConnectionEvent } from '../../../electron/core/protocol/events.ts';
import type { FrameSpec } from '../../../electron/core/protocol/frame.ts';
import { encodeFrame, headerLength } from '../../../electron/core/protocol/frame-encoder.ts';
import { decodeFrames, pattern, toHex } from '../../support/bytes.ts';

const DEFLATE: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/** Cuts `bytes` at the given points (taken modulo its length). */
function chopAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const cutPoints = fc.array(fc.nat(), { maxLength: 12 });

const payloadLength = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 130 }) },
  { weight: 3, arbitrary: fc.constantFrom(124, 125, 126, 127, 65534, 65535, 65536, 65537) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);

const frameSpec = fc.record({
  opcode: fc.integer({ min: 0, max: 15 }),
  fin: fc.boolean(),
  rsv1: fc.boolean(),
  rsv2: fc.boolean(),
  rsv3: fc.boolean(),
  mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
  length: payloadLength,
  seed: fc.nat(),
});

describe('encodeFrame → FrameParser', () => {
  test('gives back every field of random frames however the bytes are chopped', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { minLength: 1, maxLength: 4 }), cutPoints, (specs, points) => {
        const payloads = specs.map((s) => pattern(s.length, s.seed));
        const wires = specs.map((s, i) => encodeFrame({ ...s, payload: payloads[i]! }));
        const frames = decodeFrames(chopAt(Buffer.concat(wires), points));
        expect(frames).toHaveLength(specs.length);
        frames.forEach((f, i) => {
          const s = specs[i]!;
          expect([f.seq, f.opcode, f.fin, f.rsv1, f.rsv2, f.rsv3, f.masked, f.payloadLength, f.headerLength, f.nonMinimalLength])
            .toEqual([i, s.opcode, s.fin, s.rsv1, s.rsv2, s.rsv3, s.mask !== undefined, s.length, headerLength(s.length, s.mask !== undefined), false]);
          expect(f.maskKey === null ? null : toHex(f.maskKey)).toBe(s.mask === undefined ? null : toHex(s.mask));
          expect(Buffer.compare(f.payload, payloads[i]!)).toBe(0);
          expect(Buffer.compare(f.wire, wires[i]!)).toBe(0);
        });
      }),
      { numRuns: 80 },
    );
  });
});

// Close codes each WS_ERR code must fail the connection with (RFC 6455 §7.4.1), written out independently.
const CLOSE_CODE: Record<string, number> = {
  WS_ERR_INVALID_OPCODE: 1002, WS_ERR_UNEXPECTED_RSV: 1002, WS_ERR_EXPECTED_MASK: 1002, WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_INVALID_LENGTH: 1002, WS_ERR_FRAGMENTED_CONTROL_FRAME: 1002, WS_ERR_CONTROL_FRAME_TOO_LONG: 1002,
  WS_ERR_INVALID_CONTINUATION: 1002, WS_ERR_EXPECTED_CONTINUATION: 1002, WS_ERR_INVALID_CLOSE_PAYLOAD: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002, WS_ERR_INVALID_UTF8: 1007, WS_ERR_INFLATE_FAILED: 1007,
  WS_ERR_FRAME_TOO_LARGE: 1009, WS_ERR_MESSAGE_TOO_LARGE: 1009, WS_ERR_TOO_MANY_FRAGMENTS: 1009,
};

const LIMITS = { maxFrameSize: 200, maxMessageSize: 500, maxFragments: 8 };

/** A header claiming any 64-bit length, with nothing after it. */
const hugeClaim = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([b0, masked, len]) => {
  const h = Buffer.alloc(masked ? 14 : 10);
  h[0] = b0;
  h[1] = (masked ? 0x80 : 0) | 127;
  h.writeBigUInt64BE(len, 2);
  return new Uint8Array(h);
});

/** Usually what the role expects, sometimes not. */
function mostly<T>(usual: T, rare: T): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constant(rare) });
}

/** Bytes a hostile or broken peer of a `role` connection might send: noise, frames of any kind, wild length claims. */
function hostileStream(role: 'client' | 'server'): fc.Arbitrary<Uint8Array> {
  const fromClient = role === 'server';
  return fc.array(
    fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) },
      { weight: 5, arbitrary: fc.record({
        opcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1, 2, 8, 9, 10) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
        fin: mostly(true, false),
        rsv1: mostly(false, true),
        rsv2: mostly(false, true),
        rsv3: fc.constant(false),
        mask: mostly(fromClient, !fromClient),
        payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 120, max: 260 }).map((n) => pattern(n, n))),
      }).map((s: FrameSpec) => encodeFrame(s)) },
      { weight: 2, arbitrary: fc.constantFrom('88 00', '88 02 03 e8', '88 82 00 00 00 00 03 e8', '89 00', '89 80 00 00 00 00', '01 01 41', '81 02 c0 80', '88 02 03 ed')
        .map((h) => new Uint8Array(Buffer.from(h.replace(/ /g, ''), 'hex'))) },
      { weight: 1, arbitrary: hugeClaim },
    ),
    { maxLength: 12 },
  ).map((parts) => new Uint8Array(Buffer.concat(parts)));
}

function checkInvariants(conn: Connection, events: readonly ConnectionEvent[], output: readonly Uint8Array[]): void {
  const closedAt = events.findIndex((e) => e.type === 'closed');
  if (closedAt >= 0) {
    // CLOSED is final: frames after a close frame are still shown, but nothing else happens.
    expect(events.slice(closedAt + 1).filter((e) => e.type !== 'frame')).toEqual([]);
    expect(conn.state).toBe('CLOSED');
  }
  const closeAt = events.findIndex((e) => e.type === 'close');
  events.forEach((e, i) => {
    if (e.type === 'frame') {
      expect(e.payloadLength).toBeLessThanOrEqual(LIMITS.maxFrameSize);
      if (closeAt < 0 || i < closeAt) {
        if (e.opcode >= 8) expect(e.payloadLength).toBeLessThanOrEqual(125);
        expect(e.rsv2 || e.rsv3).toBe(false);
      }
    } else if (e.type === 'message') {
      expect(e.data.length).toBeLessThanOrEqual(LIMITS.maxMessageSize);
      expect(e.frames).toBeLessThanOrEqual(LIMITS.maxFragments);
    } else if (e.type === 'error') {
      expect(e.closeCode).toBe(CLOSE_CODE[e.code]);
      expect(events[i + 1]).toMatchObject({ type: 'closed', code: e.closeCode, by: 'local', clean: false });
      const closes = decodeFrames(output).filter((f) => f.opcode === 8);
      expect(closes).toHaveLength(1);
      expect((closes[0]!.payload[0]! << 8) | closes[0]!.payload[1]!).toBe(e.closeCode);
    }
  });
  expect(events.filter((e) => e.type === 'error').length).toBeLessThanOrEqual(1);
}

describe('a Connection fed hostile bytes', () => {
  test.each([
    ['server', false], ['server', true], ['client', false], ['client', true],
  ] as const)('as %s (deflate %s) never throws, stays within its limits, and fails with the right close code', (role, deflate) => {
    fc.assert(
      fc.property(hostileStream(role), cutPoints, (bytes, points) => {
        const conn = new Connection({ role, open: { deflate: deflate ? DEFLATE : null }, ...LIMITS });
        const events: ConnectionEvent[] = [];
        const output: Uint8Array[] = [];
        for (const chunk of chopAt(bytes, points)) {
          events.push(...conn.receive(chunk));
          output.push(...conn.dataToSend());
        }
        checkInvariants(conn, events, output);
        const end = conn.receive(null);
        if (conn.state === 'CLOSED' && events.some((e) => e.type === 'closed')) expect(end).toEqual([]);
        else expect(end.map((e) => e.type)).toEqual(['closed']);
        expect(conn.state).toBe('CLOSED');
      }),
      { numRuns: 250 },
    );
  });

  test('fails a frame claiming more than maxFrameSize as soon as its header arrives, after delivering what came before', () => {
    const small = fc.record({
      opcode: fc.constantFrom(1, 2, 9),
      length: fc.integer({ min: 0, max: 125 }),
    });
    const claim = fc.oneof(
      fc.integer({ min: LIMITS.maxFrameSize + 1, max: 65535 }).map(BigInt),
      fc.bigInt({ min: 65536n, max: 2n ** 63n - 1n }),
    );
    fc.assert(
      fc.property(fc.constantFrom('client', 'server'), fc.array(small, { maxLength: 6 }), fc.boolean(), fc.constantFrom(1, 2), claim, cutPoints,
        (role, before, asContinuation, opcode, length, points) => {
          const mask = role === 'server' ? new Uint8Array([1, 2, 3, 4]) : false;
          const parts = before.map((f, i) => encodeFrame({ opcode: f.opcode, payload: new Uint8Array(f.length).fill(0x61 + (i % 26)), mask }));
          if (asContinuation) parts.push(encodeFrame({ opcode, fin: false, payload: new Uint8Array([0x41]), mask }));
          // The big frame's header, and not one payload byte.
          const header = Buffer.alloc(length < 65536n ? 4 : 10);
          header[0] = 0x80 | (asContinuation ? 0 : opcode);
          if (length < 65536n) {
            header[1] = 126;
            header.writeUInt16BE(Number(length), 2);
          } else {
            header[1] = 127;
            header.writeBigUInt64BE(length, 2);
          }
          header[1] = header[1]! | (mask ? 0x80 : 0);
          parts.push(mask ? Buffer.concat([header, mask]) : header);

          const conn = new Connection({ role, open: {}, ...LIMITS });
          const events = chopAt(Buffer.concat(parts), points).flatMap((c) => conn.receive(c));
          expect(events.filter((e) => e.type === 'message')).toHaveLength(before.filter((f) => f.opcode !== 9).length);
          const errors = events.filter((e) => e.type === 'error');
          expect(errors.map((e) => [e.code, e.closeCode, e.seq])).toEqual([['WS_ERR_FRAME_TOO_LARGE', 1009, parts.length - 1]]);
          expect(errors[0]!.frame!.payloadLength).toBe(Number(length));
          expect(conn.state).toBe('CLOSED');
        }),
      { numRuns: 200 },
    );
  });
});

describe('message assembly', () => {
  const message = fc.oneof(
    fc.record({ opcode: fc.constant(1 as const), data: fc.string({ unit: 'binary', maxLength: 400 }).map((s) => new Uint8Array(Buffer.from(s))) }),
    fc.record({ opcode: fc.constant(2 as const), data: fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 5000 }).map((n) => pattern(n, n))) }),
  );
  const plan = fc.record({
    message,
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    // Pings go before the fragment with the index given (modulo the fragment count).
    pings: fc.array(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 125 })), { maxLength: 3 }),
  });

  test('a message split into random fragments with pings between them comes back whole, with every frame event', () => {
    fc.assert(
      fc.property(fc.constantFrom('client', 'server'), fc.boolean(), fc.array(plan, { minLength: 1, maxLength: 3 }), cutPoints,
        (sender, compressed, plans, points) => {
          const receiverRole = sender === 'client' ? 'server' : 'client';
          const receiver = new Connection({ role: receiverRole, open: { deflate: compressed ? DEFLATE : null } });
          const deflater = new PerMessageDeflate(DEFLATE, sender);
          const mask = sender === 'client';
          const parts: Uint8Array[] = [];
          const expected: Array<Record<string, unknown>> = [];
          const pongs: string[] = [];
          let seq = 0;
          for (const p of plans) {
            const body = compressed ? deflater.deflate(p.message.data) : p.message.data;
            const fragments = chopAt(body, p.cuts).filter((f, i, all) => f.length > 0 || all.length === 1 || i === 0);
            const firstSeq = seq;
            fragments.forEach((fragment, i) => {
              for (const [at, data] of p.pings) {
                if (at % fragments.length !== i || i === 0) continue;
                parts.push(encodeFrame({ opcode: 9, payload: data, mask }));
                expected.push({ type: 'frame', seq: seq, opcode: 9, payload: toHex(data) }, { type: 'ping', seq: seq, data: toHex(data) });
                pongs.push(toHex(data));
                seq++;
              }
              const fin = i === fragments.length - 1;
              const spec = { opcode: i === 0 ? p.message.opcode : 0, fin, rsv1: compressed && i === 0, payload: fragment, mask };
              parts.push(encodeFrame(spec));
              expected.push({ type: 'frame', seq, opcode: spec.opcode, payload: toHex(fragment), fin, rsv1: spec.rsv1, masked: mask, compressed });
              seq++;
            });
            expected.push({ type: 'message', opcode: p.message.opcode, data: toHex(p.message.data), compressed, frames: fragments.length, firstSeq, lastSeq: seq - 1 });
          }
          const events = chopAt(Buffer.concat(parts), points).flatMap((c) => receiver.receive(c));
          const seen = events.map((e) => {
            switch (e.type) {
              case 'frame':
                return e.opcode === 9
                  ? { type: 'frame', seq: e.seq, opcode: 9, payload: toHex(e.payload) }
                  : { type: 'frame', seq: e.seq, opcode: e.opcode, payload: toHex(e.payload), fin: e.fin, rsv1: e.rsv1, masked: e.masked, compressed: e.compressed };
              case 'ping':
                return { type: 'ping', seq: e.seq, data: toHex(e.data) };
              case 'message':
                return { type: 'message', opcode: e.opcode, data: toHex(e.data), compressed: e.compressed, frames: e.frames, firstSeq: e.firstSeq, lastSeq: e.lastSeq };
              default:
                return { type: e.type, detail: e };
            }
          });
          expect(seen).toEqual(expected);
          expect(decodeFrames(receiver.dataToSend()).map((f) => [f.opcode, toHex(f.payload)])).toEqual(pongs.map((d) => [10, d]));
          expect(receiver.state).toBe('OPEN');
        }),
      { numRuns: 150 },
    );
  });
});
