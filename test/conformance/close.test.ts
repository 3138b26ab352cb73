// Autobahn group 7 (close handling): the closing handshake (RFC 6455 §5.5.1, §7), what is read after a
// close, close payload rules (empty, 1 byte, reason length, UTF-8 reason) and the status codes a
// close frame may carry (§7.4): valid ones are echoed, the others fail the connection with 1002.
import { describe, expect, it } from 'vitest';
import {
  closeCodeOf, closePayload, concat, decodeFrames, expectFailed, hex, messagesOf, Opcode, openConnection, Peer, ROLES, runCase,
  runChopped, sentFrames, summarize, textOfSize, utf8, type CaseResult,
} from './harness.ts';

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999];

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  /** The peer's close was answered with exactly one close frame echoing `code`, and the connection is CLOSED cleanly. */
  function expectEchoed(r: CaseResult, code: number | null): void {
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
    expect(closeCodeOf(r.sent[0])).toBe(code);
    if (code === null) expect(r.sent[0]!.payload.length).toBe(0);
    expect(r.conn.state).toBe('CLOSED');
    expect(r.events.filter((e) => e.type === 'closed')).toMatchObject([{ code: code ?? 1005, by: 'remote', clean: true }]);
  }

  it('7.1.1 delivers a message, then echoes the close that follows it', () => {
    runChopped(role, [peer.text('Hello World!'), peer.close(1000)], (r) => {
      expect(summarize(r.events)).toEqual(['frame text fin 12', 'message text 12', 'frame close fin 2', 'close 1000', 'closed 1000 remote clean']);
      expectEchoed(r, 1000);
    });
  });

  it('7.1.2 reports a second close frame as a frame only and does not answer it', () => {
    runChopped(role, [peer.close(1000), peer.close(1001)], (r) => {
      expect(summarize(r.events)).toEqual(['frame close fin 2', 'close 1000', 'closed 1000 remote clean', 'frame close fin 2']);
      expectEchoed(r, 1000);
    });
  });

  it('7.1.3 ignores a ping after the close: no ping event and no pong', () => {
    runChopped(role, [peer.close(1000), peer.ping('Hello World!')], (r) => {
      expect(summarize(r.events)).toEqual(['frame close fin 2', 'close 1000', 'closed 1000 remote clean', 'frame ping fin 12']);
      expectEchoed(r, 1000);
    });
  });

  it('7.1.4 ignores a text message after the close: no message event', () => {
    runChopped(role, [peer.close(1000), peer.text('Hello World!')], (r) => {
      expect(summarize(r.events)).toEqual(['frame close fin 2', 'close 1000', 'closed 1000 remote clean', 'frame text fin 12']);
      expectEchoed(r, 1000);
    });
  });

  it('7.1.5 honours a close between two fragments and ignores the fragment after it', () => {
    runChopped(role, [peer.text('fragment1', false), peer.close(1000), peer.continuation('fragment2')], (r) => {
      expect(summarize(r.events)).toEqual([
        'frame text more 9', 'frame close fin 2', 'close 1000', 'closed 1000 remote clean', 'frame continuation fin 9',
      ]);
      expect(messagesOf(r.events)).toEqual([]);
      expectEchoed(r, 1000);
    });
  });

  it('7.1.6 delivers large messages and a ping queued before the close, in order, then echoes the close', () => {
    const big = textOfSize(256 * 1024);
    const r = runCase(role, [peer.text(big), peer.text(big), peer.ping('Hello!'), peer.close(1000)], { chop: 65_537 });
    expect(summarize(r.events)).toEqual([
      'frame text fin 262144', 'message text 262144', 'frame text fin 262144', 'message text 262144',
      'frame ping fin 6', 'ping 6', 'frame close fin 2', 'close 1000', 'closed 1000 remote clean',
    ]);
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.PONG, Opcode.CLOSE]);
    expect(closeCodeOf(r.sent[1])).toBe(1000);
  });

  it('7.2.1 completes a close we started when the peer echoes it, writing nothing more', () => {
    const conn = openConnection(role);
    const ours = decodeFrames(conn.send({ type: 'close', code: 1000, reason: 'bye' }), role);
    expect(ours.map((f) => [f.opcode, closeCodeOf(f), Buffer.from(f.payload.subarray(2)).toString()])).toEqual([[Opcode.CLOSE, 1000, 'bye']]);
    expect(conn.state).toBe('LOCAL_CLOSING');
    // Data the peer sent before it saw our close is still delivered (RFC 6455 §1.4).
    const data = conn.receive(peer.text('late'));
    expect(summarize(data)).toEqual(['frame text fin 4', 'message text 4']);
    const reply = conn.receive(peer.close(1000));
    expect(summarize(reply)).toEqual(['frame close fin 2', 'close 1000', 'closed 1000 local clean']);
    expect(sentFrames(conn)).toEqual([]);
    expect(conn.state).toBe('CLOSED');
  });

  it('7.2.2 answers a ping that arrives after our close frame and before the peer\'s (RFC 6455 §5.5.2)', () => {
    // "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response, unless it already
    // received a Close frame"; a pong is a control frame, which §5.5.1 still allows after our close.
    const conn = openConnection(role);
    conn.send({ type: 'close', code: 1000 });
    expect(summarize(conn.receive(peer.ping('still there?')))).toEqual(['frame ping fin 12', 'ping 12']);
    const sent = sentFrames(conn);
    expect(sent.map((f) => [f.opcode, Buffer.from(f.payload).toString()])).toEqual([[Opcode.PONG, 'still there?']]);
  });

  it('7.2.3 leaves the reply to the application when autoCloseReply is off', () => {
    const conn = openConnection(role, { autoCloseReply: false });
    expect(summarize(conn.receive(peer.close(1001, 'going')))).toEqual(['frame close fin 7', 'close 1001']);
    expect(conn.state).toBe('REMOTE_CLOSING');
    expect(sentFrames(conn)).toEqual([]);
    const reply = decodeFrames(conn.send({ type: 'close', code: 1001 }), role);
    expect(closeCodeOf(reply[0])).toBe(1001);
    expect(conn.state).toBe('CLOSED');
    expect(summarize(conn.pollEvents())).toEqual(['closed 1001 remote clean']);
  });

  it('7.3.1 echoes a close frame with an empty payload with an empty close, and reports 1005', () => {
    runChopped(role, peer.close(), (r) => {
      expect(summarize(r.events)).toEqual(['frame close fin 0', 'close none', 'closed 1005 remote clean']);
      expectEchoed(r, null);
    });
  });

  it('7.3.2 rejects a close frame with a 1-byte payload with 1002', () => {
    runChopped(role, peer.frame({ opcode: Opcode.CLOSE, payload: hex('03') }), (r) => {
      const err = expectFailed(r, 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002);
      expect(summarize(r.events)).toHaveLength(2);
      expect(err.frame?.opcode).toBe(Opcode.CLOSE);
    });
  });

  it('7.3.3 echoes a close frame with code 1000 and no reason', () => {
    runChopped(role, peer.close(1000), (r) => {
      expect(r.events).toContainEqual({ type: 'close', code: 1000, reason: '', seq: 0 });
      expectEchoed(r, 1000);
    });
  });

  it('7.3.4 echoes the code of a close frame with code 1000 and a reason, and reports the reason', () => {
    runChopped(role, peer.close(1000, 'Hello World!'), (r) => {
      expect(r.events).toContainEqual({ type: 'close', code: 1000, reason: 'Hello World!', seq: 0 });
      expectEchoed(r, 1000);
    });
  });

  it('7.3.5 accepts a close reason of 123 bytes (a 125-byte payload)', () => {
    const reason = 'κόσμε' + '*'.repeat(113);
    expect(utf8(reason).length).toBe(123);
    runChopped(role, peer.close(1000, reason), (r) => {
      expect(r.events).toContainEqual({ type: 'close', code: 1000, reason, seq: 0 });
      expectEchoed(r, 1000);
    });
  });

  it('7.3.6 rejects a close reason of 124 bytes (a control frame over 125 bytes) with 1002', () => {
    runChopped(role, peer.close(1000, '*'.repeat(124)), (r) => {
      expectFailed(r, 'WS_ERR_CONTROL_FRAME_TOO_LONG', 1002);
      expect(summarize(r.events)).toHaveLength(2);
    });
  });

  it('7.4.1 reports an abnormal closure (1006) when the transport ends without a close', () => {
    const conn = openConnection(role);
    expect(summarize(conn.receive(null))).toEqual(['closed 1006 abnormal']);
    expect(sentFrames(conn)).toEqual([]);
    expect(conn.state).toBe('CLOSED');
  });

  it('7.4.2 reports an abnormal closure (1006) when the transport ends in the middle of a frame', () => {
    const conn = openConnection(role);
    const wire = peer.text('Hello World!');
    expect(conn.receive(wire.subarray(0, 5))).toEqual([]);
    const end = conn.receive(null);
    expect(end).toMatchObject([{ type: 'closed', code: 1006, by: 'abnormal', clean: false }]);
  });

  it('7.4.3 keeps the peer\'s close code when the transport ends before the application replied', () => {
    const conn = openConnection(role, { autoCloseReply: false });
    conn.receive(peer.close(1001, 'going'));
    expect(conn.receive(null)).toMatchObject([{ type: 'closed', code: 1001, reason: 'going', by: 'remote', clean: false }]);
  });

  it('7.5.1 rejects a close reason that is not UTF-8 with 1007', () => {
    const reason = concat([hex('ce ba e1 bd b9 cf 83 ce bc ce b5'), hex('ed a0 80'), utf8('edited')]);
    runChopped(role, peer.frame({ opcode: Opcode.CLOSE, payload: closePayload(1000, reason) }), (r) => {
      expectFailed(r, 'WS_ERR_INVALID_UTF8', 1007);
      expect(summarize(r.events)).toHaveLength(2);
    });
  });

  VALID_CODES.forEach((code, i) => {
    it(`7.7.${i + 1} echoes a close frame with the valid code ${code}`, () => {
      runChopped(role, peer.close(code), (r) => {
        expect(summarize(r.events)).toEqual(['frame close fin 2', `close ${code}`, `closed ${code} remote clean`]);
        expectEchoed(r, code);
      }, { chops: [undefined, 1] });
    });
  });

  for (const [group, codes] of [[9, INVALID_CODES], [13, [5000, 65535]]] as const) {
    codes.forEach((code, i) => {
      it(`7.${group}.${i + 1} rejects a close frame with the invalid code ${code} with 1002`, () => {
        runChopped(role, peer.close(code), (r) => {
          const err = expectFailed(r, 'WS_ERR_INVALID_CLOSE_CODE', 1002);
          expect(summarize(r.events)).toHaveLength(2);
          expect(err.frame?.opcode).toBe(Opcode.CLOSE);
          expect(r.events.some((e) => e.type === 'close')).toBe(false);
        }, { chops: [undefined, 1] });
      });
    });
  }
});
