// Autobahn group 10 (auto-fragmentation) and the receive limits: messages our side splits with
// `fragmentSize` reach our other role intact, and a message, frame or fragment count past the
// configured limit fails the connection with 1009 as soon as the offending header is read.
import { describe, expect, it } from 'vitest';
import { LocalProtocolError } from '../../electron/core/protocol/index.ts';
import {
  binaryOfSize, decodeFrames, errorsOf, expectBytes, expectFailed, expectQuietOpen, feed, framesOf, hex, messagesOf, Opcode, openConnection,
  Peer, ROLES, runCase, summarize, textOfSize, type CaseResult, type Role,
} from './harness.ts';

const other = (role: Role): Role => (role === 'client' ? 'server' : 'client');

/** The failure came in the receive() call for piece `index` and nothing else was reported after it. */
function expectFailedAt(r: CaseResult, index: number, code: 'WS_ERR_MESSAGE_TOO_LARGE' | 'WS_ERR_FRAME_TOO_LARGE' | 'WS_ERR_TOO_MANY_FRAGMENTS'): void {
  expect(r.calls.findIndex((c) => c.some((e) => e.type === 'error'))).toBe(index);
  expect(messagesOf(r.events)).toEqual([]);
  expectFailed(r, code, 1009);
}

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  describe('sending auto-fragmented messages to our other role', () => {
    for (const [id, kind, size, fragmentSize] of [
      ['10.1.1', 'text', 65536, 1300],
      ['10.1.2', 'binary', 65536, 1300],
      ['10.1.3', 'text', 1000, 1],
      ['10.1.4', 'binary', 4096, 4095],
    ] as const) {
      it(`${id} splits a ${size}-byte ${kind} message into ${fragmentSize}-byte frames that arrive as one message`, () => {
        const data = kind === 'text' ? textOfSize(size) : binaryOfSize(size);
        const sender = openConnection(role);
        const wire = sender.send({ type: kind, data, fragmentSize });
        const frames = decodeFrames(wire, role);
        const count = Math.ceil(size / fragmentSize);
        expect(frames).toHaveLength(count);
        expect(frames[0]!.opcode).toBe(kind === 'text' ? Opcode.TEXT : Opcode.BINARY);
        expect(frames.slice(1).every((f) => f.opcode === Opcode.CONTINUATION)).toBe(true);
        expect(frames.map((f) => f.fin)).toEqual(frames.map((_, i) => i === count - 1));
        expect(frames.every((f) => f.payload.length <= fragmentSize && !f.rsv1 && !f.rsv2 && !f.rsv3)).toBe(true);
        expectBytes(Buffer.concat(frames.map((f) => f.payload)), data);
        const r = runCase(other(role), wire, { chop: 4093 });
        expect(messagesOf(r.events)).toHaveLength(1);
        expectBytes(messagesOf(r.events)[0]!.data, data);
        expect(messagesOf(r.events)[0]!.frames).toBe(count);
        expectQuietOpen(r);
      });
    }

    it('10.1.5 sends a message no larger than the fragment size, and an empty one, as single frames', () => {
      const sender = openConnection(role);
      const frames = decodeFrames(Buffer.concat([
        sender.send({ type: 'text', data: 'exactly 16 bytes', fragmentSize: 16 }),
        sender.send({ type: 'binary', data: new Uint8Array(0), fragmentSize: 16 }),
      ]), role);
      expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([[Opcode.TEXT, true, 16], [Opcode.BINARY, true, 0]]);
    });

    it('10.1.6 refuses a fragment size that is not a positive integer', () => {
      const sender = openConnection(role);
      for (const fragmentSize of [0, -1, 1.5]) {
        expect(() => sender.send({ type: 'text', data: 'Hello', fragmentSize })).toThrow(LocalProtocolError);
      }
    });

    it('10.1.7 keeps a ping sent between two auto-fragmented messages whole, in order', () => {
      const sender = openConnection(role);
      const wire = Buffer.concat([
        sender.send({ type: 'text', data: 'first message', fragmentSize: 5 }),
        sender.send({ type: 'ping', data: 'p' }),
        sender.send({ type: 'binary', data: binaryOfSize(11), fragmentSize: 5 }),
      ]);
      const r = runCase(other(role), wire, { chop: 1 });
      expect(summarize(r.events)).toEqual([
        'frame text more 5', 'frame continuation more 5', 'frame continuation fin 3', 'message text 13',
        'frame ping fin 1', 'ping 1',
        'frame binary more 5', 'frame continuation more 5', 'frame continuation fin 1', 'message binary 11',
      ]);
    });
  });

  it('10.2.1 fails with 1009 when a single frame claims more than maxMessageSize, on its header alone', () => {
    const wire = peer.text(textOfSize(1001));
    const header = wire.length - 1001;
    const r = runCase(role, [wire.subarray(0, header), wire.subarray(header)], { maxMessageSize: 1000 });
    expectFailedAt(r, 0, 'WS_ERR_MESSAGE_TOO_LARGE');
    expect(summarize(r.events)).toHaveLength(2);
  });

  it('10.2.2 accepts a message of exactly maxMessageSize bytes, in one frame and in fragments', () => {
    const data = binaryOfSize(1000);
    for (const pieces of [[peer.binary(data)], peer.fragments(Opcode.BINARY, data, 300)]) {
      const r = runCase(role, pieces, { maxMessageSize: 1000 });
      expectBytes(messagesOf(r.events)[0]?.data, data);
      expectQuietOpen(r);
    }
  });

  it('10.2.3 fails with 1009 at the header of the fragment that takes a message past maxMessageSize', () => {
    const frames = peer.fragments(Opcode.TEXT, textOfSize(1200), 400);
    const r = runCase(role, frames, { maxMessageSize: 1000 });
    expectFailedAt(r, 2, 'WS_ERR_MESSAGE_TOO_LARGE');
    expect(summarize(r.events)).toEqual([
      'frame text more 400', 'frame continuation more 400', 'error WS_ERR_MESSAGE_TOO_LARGE 1009', 'closed 1009 local',
    ]);
  });

  it('10.2.4 applies maxMessageSize to each message, not to the connection', () => {
    const r = runCase(role, [peer.binary(binaryOfSize(600)), peer.binary(binaryOfSize(600)), peer.binary(binaryOfSize(1000))], { maxMessageSize: 1000 });
    expect(messagesOf(r.events).map((m) => m.data.length)).toEqual([600, 600, 1000]);
    expectQuietOpen(r);
  });

  it('10.3.1 fails with 1009 when a frame claims more than maxFrameSize, on its header alone', () => {
    const wire = peer.binary(binaryOfSize(513));
    const header = wire.length - 513;
    const r = runCase(role, [wire.subarray(0, header), wire.subarray(header)], { maxFrameSize: 512 });
    expectFailedAt(r, 0, 'WS_ERR_FRAME_TOO_LARGE');
    const err = r.events[0]!;
    expect(err.type === 'error' && err.frame?.payloadLength).toBe(513);
  });

  it('10.3.2 accepts frames of exactly maxFrameSize, and a message of many such frames', () => {
    const data = textOfSize(2048);
    const r = runCase(role, peer.fragments(Opcode.TEXT, data, 512), { maxFrameSize: 512 });
    expectBytes(messagesOf(r.events)[0]?.data, data);
    expect(messagesOf(r.events)[0]!.frames).toBe(4);
    expectQuietOpen(r);
  });

  it('10.3.3 fails with 1009 on a 1 TiB length claim before any payload arrives (default limits)', () => {
    const header = peer.masks ? '82 ff 00 00 01 00 00 00 00 00 11 22 33 44' : '82 7f 00 00 01 00 00 00 00 00';
    const conn = openConnection(role);
    const d = feed(conn, hex(header));
    expect(summarize(d.events)).toEqual(['error WS_ERR_FRAME_TOO_LARGE 1009', 'closed 1009 local']);
    expect(conn.state).toBe('CLOSED');
  });

  it('10.4.1 accepts maxFragments fragments and fails with 1009 at the header of one more', () => {
    const ok = runCase(role, peer.fragments(Opcode.TEXT, textOfSize(4), 1), { maxFragments: 4 });
    expect(messagesOf(ok.events)[0]!.frames).toBe(4);
    expectQuietOpen(ok);
    const r = runCase(role, peer.fragments(Opcode.TEXT, textOfSize(5), 1), { maxFragments: 4 });
    expectFailedAt(r, 4, 'WS_ERR_TOO_MANY_FRAGMENTS');
    expect(framesOf(r.events)).toHaveLength(4);
  });

  it('10.4.2 counts fragments per message and does not count control frames between them', () => {
    const pieces = [
      peer.text('a', false), peer.ping('1'), peer.pong('2'), peer.continuation('b'),
      peer.binary(binaryOfSize(1), false), peer.continuation(binaryOfSize(1)),
    ];
    const r = runCase(role, pieces, { maxFragments: 2 });
    expect(messagesOf(r.events).map((m) => m.frames)).toEqual([2, 2]);
    expect(errorsOf(r.events)).toEqual([]);
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.PONG]);
    expect(r.conn.state).toBe('OPEN');
  });
});
