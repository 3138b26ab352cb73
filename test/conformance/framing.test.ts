// Autobahn group 1 (framing): text and binary messages at every length-encoding boundary, whole and
// chopped, for our server role (masked client frames) and our client role (unmasked server frames).
import { describe, expect, it } from 'vitest';
import {
  binaryOfSize, expectBytes, expectFailed, expectQuietOpen, framesOf, hex, messagesOf, Opcode, openConnection, Peer, rawFrame, ROLES,
  runChopped, runCase, summarize, textOfSize,
} from './harness.ts';

// 0 and 125 fit the 7-bit length, 126 is the first 16-bit one, 65535 the last, 65536 the first 64-bit one.
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

function headerLengthFor(len: number, masked: boolean): number {
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  for (const [group, kind] of [[1, 'text'], [2, 'binary']] as const) {
    const opcode = kind === 'text' ? Opcode.TEXT : Opcode.BINARY;
    const make = kind === 'text' ? textOfSize : binaryOfSize;

    LENGTHS.forEach((len, i) => {
      it(`1.${group}.${i + 1} receives a ${len}-byte ${kind} message in one frame, whole and chopped`, () => {
        const data = make(len);
        const wire = peer.frame({ opcode, payload: data });
        // One-byte chops of a 64 KiB frame add nothing the 7-byte chops do not already split.
        const chops = len > 128 ? [undefined, 7] : [undefined, 1, 7];
        runChopped(role, wire, (r) => {
          expect(summarize(r.events)).toEqual([`frame ${kind} fin ${len}`, `message ${kind} ${len}`]);
          const [frame] = framesOf(r.events);
          expect(frame!.masked).toBe(peer.masks);
          expect(frame!.headerLength).toBe(headerLengthFor(len, peer.masks));
          expect(frame!.nonMinimalLength).toBe(false);
          expectBytes(frame!.wire, wire);
          expectBytes(frame!.payload, data);
          const [msg] = messagesOf(r.events);
          expectBytes(msg!.data, data);
          expect([msg!.frames, msg!.firstSeq, msg!.lastSeq, msg!.compressed]).toEqual([1, 0, 0, false]);
          expectQuietOpen(r);
        }, { chops });
      });
    });

    it(`1.${group}.8 receives a 65536-byte ${kind} message delivered in 997-byte chops`, () => {
      const data = make(65536);
      const r = runCase(role, peer.frame({ opcode, payload: data }), { chop: 997 });
      expect(summarize(r.events)).toEqual([`frame ${kind} fin 65536`, `message ${kind} 65536`]);
      // The message completes in the receive() call that brings its last byte, not before.
      expect(r.calls.slice(0, -1).flat()).toEqual([]);
      expectBytes(messagesOf(r.events)[0]!.data, data);
      expectQuietOpen(r);
    });
  }

  it('1.3.1 receives two messages that arrive in one chunk, and numbers their frames in order', () => {
    const r = runCase(role, Buffer.concat([peer.text('Hello'), peer.binary(hex('00 ff 10'))]));
    expect(summarize(r.events)).toEqual(['frame text fin 5', 'message text 5', 'frame binary fin 3', 'message binary 3']);
    expect(framesOf(r.events).map((f) => f.seq)).toEqual([0, 1]);
    expect(Buffer.from(messagesOf(r.events)[0]!.data).toString()).toBe('Hello');
    expectQuietOpen(r);
  });

  it('1.3.2 fails with 1002 when a data frame uses the masking the peer must not use', () => {
    const r = runCase(role, peer.wronglyMasked({ opcode: Opcode.TEXT, payload: 'Hello' }));
    const err = expectFailed(r, role === 'server' ? 'WS_ERR_EXPECTED_MASK' : 'WS_ERR_UNEXPECTED_MASK', 1002);
    expect(summarize(r.events)).toHaveLength(2);
    expect(err.frame?.masked).toBe(!peer.masks);
  });

  it('1.3.3 fails with 1002 when a control frame uses the masking the peer must not use', () => {
    const r = runCase(role, [peer.text('ok'), peer.wronglyMasked({ opcode: Opcode.PING, payload: 'x' })]);
    expectFailed(r, role === 'server' ? 'WS_ERR_EXPECTED_MASK' : 'WS_ERR_UNEXPECTED_MASK', 1002);
    expect(summarize(r.events).slice(0, 2)).toEqual(['frame text fin 2', 'message text 2']);
    // The ping was refused, so it is not answered.
    expect(r.sent.filter((f) => f.opcode === Opcode.PONG)).toEqual([]);
  });

  it('1.3.4 accepts a length written in a longer form than needed and flags it', () => {
    const mask = peer.masks ? hex('37 fa 21 3d') : null;
    for (const lengthForm of [16, 64] as const) {
      const wire = rawFrame({ opcode: Opcode.TEXT, payload: 'Hello', mask, lengthForm });
      const r = runCase(role, wire);
      expect(summarize(r.events)).toEqual(['frame text fin 5', 'message text 5']);
      expect(framesOf(r.events)[0]!.nonMinimalLength).toBe(true);
      expectQuietOpen(r);
    }
  });

  it('1.3.5 fails with 1002 when the 64-bit length has its most significant bit set', () => {
    // RFC 6455 §5.2: "the most significant bit MUST be 0".
    const header = peer.masks ? '82 ff 80 00 00 00 00 00 00 05 01 02 03 04' : '82 7f 80 00 00 00 00 00 00 05';
    const wire = hex(`${header} 00 00 00 00 00`);
    const r = runCase(role, wire);
    expectFailed(r, 'WS_ERR_INVALID_LENGTH', 1002);
    expect(summarize(r.events)).toHaveLength(2);
  });

  it('1.3.6 receives the RFC 6455 §5.7 single-frame "Hello" fixtures', () => {
    const wire = peer.masks ? hex('81 85 37 fa 21 3d 7f 9f 4d 51 58') : hex('81 05 48 65 6c 6c 6f');
    runChopped(role, wire, (r) => {
      expect(summarize(r.events)).toEqual(['frame text fin 5', 'message text 5']);
      expect(Buffer.from(messagesOf(r.events)[0]!.data).toString()).toBe('Hello');
      expectQuietOpen(r);
    });
  });

  it('1.3.7 leaves the event and output arrays it returned untouched by later calls', () => {
    // A driver may keep what receive() and dataToSend() returned; later calls must not write into them.
    const conn = openConnection(role);
    const wire = peer.ping('Hello');
    const before = conn.receive(wire.subarray(0, 3));
    const outBefore = conn.dataToSend();
    expect(before).toEqual([]);
    expect(outBefore).toEqual([]);
    const rest = conn.receive(wire.subarray(3));
    expect(summarize(rest)).toEqual(['frame ping fin 5', 'ping 5']);
    expect(conn.dataToSend()).toHaveLength(1);
    expect(before, 'the events of the first call').toEqual([]);
    expect(outBefore, 'the output of the first call').toEqual([]);
  });
});
