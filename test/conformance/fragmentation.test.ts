// Autobahn group 5 (fragmentation): messages in several frames, control frames between fragments,
// fragmented control frames (1002), continuations with nothing to continue (1002), a new message
// before the last one ended (1002), and one-byte fragments (RFC 6455 §5.4).
import { describe, expect, it } from 'vitest';
import {
  expectBytes, expectFailed, expectQuietOpen, framesOf, messagesOf, Opcode, Peer, ROLES, runChopped, runCase, summarize, utf8,
  type CaseResult,
} from './harness.ts';

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  function text(r: CaseResult, i = 0): string {
    return Buffer.from(messagesOf(r.events)[i]!.data).toString();
  }

  for (const [n, kind, opcode] of [[1, 'ping', Opcode.PING], [2, 'pong', Opcode.PONG]] as const) {
    it(`5.${n} rejects a ${kind} fragmented into two frames with 1002`, () => {
      // RFC 6455 §5.5: control frames MUST NOT be fragmented; the first frame, FIN clear, is already wrong.
      const pieces = [peer.frame({ opcode, payload: 'fragment1', fin: false }), peer.continuation('fragment2')];
      runChopped(role, pieces, (r) => {
        const err = expectFailed(r, 'WS_ERR_FRAGMENTED_CONTROL_FRAME', 1002);
        expect(summarize(r.events)).toHaveLength(2);
        expect(err.frame).toMatchObject({ opcode, fin: false });
        expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
      });
    });
  }

  const twoFragments = [peer.text('fragment1', false), peer.continuation('fragment2')];
  const deliveries = [[3, 'in one chunk', Infinity], [4, 'frame by frame', undefined], [5, 'one byte at a time', 1]] as const;

  for (const [n, how, chop] of deliveries) {
    it(`5.${n} receives a text message in two fragments delivered ${how}`, () => {
      const r = runCase(role, twoFragments, chop === undefined ? {} : { chop });
      expect(summarize(r.events)).toEqual(['frame text more 9', 'frame continuation fin 9', 'message text 18']);
      expect(text(r)).toBe('fragment1fragment2');
      expect(messagesOf(r.events)[0]).toMatchObject({ frames: 2, firstSeq: 0, lastSeq: 1 });
      if (chop === undefined) expect(r.calls.map(summarize)).toEqual([['frame text more 9'], ['frame continuation fin 9', 'message text 18']]);
      expectQuietOpen(r);
    });
  }

  const withPing = [peer.text('fragment1', false), peer.ping('ping payload'), peer.continuation('fragment2')];
  for (const [n, how, chop] of deliveries) {
    it(`5.${n + 3} answers a ping between two text fragments delivered ${how}, then completes the message`, () => {
      const r = runCase(role, withPing, chop === undefined ? {} : { chop });
      expect(summarize(r.events)).toEqual([
        'frame text more 9', 'frame ping fin 12', 'ping 12', 'frame continuation fin 9', 'message text 18',
      ]);
      expect(text(r)).toBe('fragment1fragment2');
      // The ping is answered as it arrives, not held until the message ends (RFC 6455 §5.4).
      expect(r.sent.map((f) => [f.opcode, Buffer.from(f.payload).toString()])).toEqual([[Opcode.PONG, 'ping payload']]);
      expect(messagesOf(r.events)[0]).toMatchObject({ frames: 2, firstSeq: 0, lastSeq: 2 });
      expect(r.conn.state).toBe('OPEN');
    });
  }

  for (const [n, how, chop] of deliveries) {
    it(`5.${n + 6} rejects a final continuation frame with nothing to continue, delivered ${how}, with 1002`, () => {
      const pieces = [peer.continuation('non-continuation payload'), peer.text('Hello, world!')];
      const r = runCase(role, pieces, chop === undefined ? {} : { chop });
      const err = expectFailed(r, 'WS_ERR_INVALID_CONTINUATION', 1002);
      expect(summarize(r.events)).toHaveLength(2);
      expect(err.frame).toMatchObject({ opcode: Opcode.CONTINUATION, fin: true });
    });
  }

  for (const [n, how, chop] of deliveries) {
    it(`5.${n + 9} rejects a non-final continuation frame with nothing to continue, delivered ${how}, with 1002`, () => {
      const pieces = [peer.continuation('non-continuation payload', false), peer.text('Hello, world!')];
      const r = runCase(role, pieces, chop === undefined ? {} : { chop });
      const err = expectFailed(r, 'WS_ERR_INVALID_CONTINUATION', 1002);
      expect(summarize(r.events)).toHaveLength(2);
      expect(err.frame).toMatchObject({ opcode: Opcode.CONTINUATION, fin: false });
    });
  }

  it('5.15 rejects a continuation after a finished fragmented message with 1002, having delivered that message', () => {
    const pieces = [
      peer.text('fragment1', false), peer.continuation('fragment2'),
      peer.continuation('fragment3', false), peer.text('fragment4'),
    ];
    runChopped(role, pieces, (r) => {
      expectFailed(r, 'WS_ERR_INVALID_CONTINUATION', 1002);
      expect(summarize(r.events)).toEqual([
        'frame text more 9', 'frame continuation fin 9', 'message text 18',
        'error WS_ERR_INVALID_CONTINUATION 1002', 'closed 1002 local',
      ]);
      expect(text(r)).toBe('fragment1fragment2');
    });
  });

  for (const [n, firstFin] of [[16, false], [17, true]] as const) {
    it(`5.${n} rejects a message that starts with a ${firstFin ? 'final' : 'non-final'} continuation frame with 1002`, () => {
      const round = () => [peer.continuation('fragment1', firstFin), peer.text('fragment2', false), peer.continuation('fragment3')];
      runChopped(role, [...round(), ...round()], (r) => {
        const err = expectFailed(r, 'WS_ERR_INVALID_CONTINUATION', 1002);
        expect(summarize(r.events)).toHaveLength(2);
        expect(err.seq).toBe(0);
      });
    });
  }

  it('5.18 rejects a new text message started before the fragmented one ended (FIN never set) with 1002', () => {
    runChopped(role, [peer.text('fragment1', false), peer.text('fragment2')], (r) => {
      const err = expectFailed(r, 'WS_ERR_EXPECTED_CONTINUATION', 1002);
      expect(summarize(r.events)).toEqual(['frame text more 9', 'error WS_ERR_EXPECTED_CONTINUATION 1002', 'closed 1002 local']);
      expect(err.frame).toMatchObject({ opcode: Opcode.TEXT, fin: true });
      expect(messagesOf(r.events)).toEqual([]);
    });
  });

  it('5.18 rejects a binary message started inside a fragmented text message with 1002', () => {
    runChopped(role, [peer.text('fragment1', false), peer.continuation('fragment2', false), peer.binary(utf8('x'), false)], (r) => {
      expectFailed(r, 'WS_ERR_EXPECTED_CONTINUATION', 1002);
      expect(summarize(r.events)).toEqual([
        'frame text more 9', 'frame continuation more 9', 'error WS_ERR_EXPECTED_CONTINUATION 1002', 'closed 1002 local',
      ]);
    });
  });

  const fivePieces = [
    peer.text('fragment1', false), peer.continuation('fragment2', false), peer.ping('pongme 1!'),
    peer.continuation('fragment3', false), peer.ping('pongme 2!'), peer.continuation('fragment4', false),
    peer.ping('pongme 3!'), peer.continuation('fragment5'),
  ];
  for (const [n, how, chops] of [[19, 'frame by frame and in one chunk', [undefined, Infinity]], [20, 'one byte at a time', [1, 7]]] as const) {
    it(`5.${n} receives a text message in 5 fragments with 3 pings between them, delivered ${how}`, () => {
      runChopped(role, fivePieces, (r) => {
        expect(summarize(r.events)).toEqual([
          'frame text more 9', 'frame continuation more 9', 'frame ping fin 9', 'ping 9',
          'frame continuation more 9', 'frame ping fin 9', 'ping 9', 'frame continuation more 9',
          'frame ping fin 9', 'ping 9', 'frame continuation fin 9', 'message text 45',
        ]);
        expect(text(r)).toBe('fragment1fragment2fragment3fragment4fragment5');
        expect(messagesOf(r.events)[0]).toMatchObject({ frames: 5, firstSeq: 0, lastSeq: 7 });
        expect(r.sent.map((f) => Buffer.from(f.payload).toString())).toEqual(['pongme 1!', 'pongme 2!', 'pongme 3!']);
        expect(r.sent.every((f) => f.opcode === Opcode.PONG)).toBe(true);
      }, { chops });
    });
  }

  for (const [kind, opcode, data] of [
    ['text', Opcode.TEXT, utf8('Hello κόσμε ✓ 𐍈!')],
    ['binary', Opcode.BINARY, Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc0, 0x01])],
  ] as const) {
    it(`5.21 receives a ${kind} message sent as one-byte fragments, splitting every character`, () => {
      const pieces = peer.fragments(opcode, data, 1);
      expect(pieces).toHaveLength(data.length);
      runChopped(role, pieces, (r) => {
        expect(summarize(r.events)).toEqual([
          `frame ${kind} more 1`,
          ...Array.from({ length: data.length - 2 }, () => 'frame continuation more 1'),
          'frame continuation fin 1',
          `message ${kind} ${data.length}`,
        ]);
        expectBytes(messagesOf(r.events)[0]!.data, data);
        expect(messagesOf(r.events)[0]!.frames).toBe(data.length);
        expect(framesOf(r.events).map((f) => f.seq)).toEqual(Array.from({ length: data.length }, (_, i) => i));
        expectQuietOpen(r);
      });
    });
  }

  it('5.22 receives a message whose first fragments are empty, and one made only of empty fragments', () => {
    const pieces = [
      peer.text('', false), peer.continuation('', false), peer.continuation('Hello'),
      peer.binary(new Uint8Array(0), false), peer.continuation('', false), peer.continuation(''),
    ];
    runChopped(role, pieces, (r) => {
      expect(summarize(r.events)).toEqual([
        'frame text more 0', 'frame continuation more 0', 'frame continuation fin 5', 'message text 5',
        'frame binary more 0', 'frame continuation more 0', 'frame continuation fin 0', 'message binary 0',
      ]);
      expect(text(r)).toBe('Hello');
      expectQuietOpen(r);
    });
  });
});
