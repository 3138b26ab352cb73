// Autobahn group 3 (reserved bits): with no extension negotiated, any of RSV1-3 set fails the
// connection with 1002 (RFC 6455 §5.2), on data and control frames, after valid traffic, and
// nothing behind the offending frame is acted on.
import { describe, expect, it } from 'vitest';
import { expectFailed, Opcode, Peer, ROLES, runChopped, summarize, type CaseResult } from './harness.ts';

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  /** The valid traffic before the bad frame is delivered; the bad frame fails the connection. */
  function expectRejected(r: CaseResult, before: string[], bits: { rsv1: boolean; rsv2: boolean; rsv3: boolean }, opcode: number): void {
    const err = expectFailed(r, 'WS_ERR_UNEXPECTED_RSV', 1002);
    expect(summarize(r.events)).toEqual([...before, 'error WS_ERR_UNEXPECTED_RSV 1002', 'closed 1002 local']);
    expect(err.frame).toMatchObject({ ...bits, opcode });
    // A ping queued behind the bad frame is never answered.
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
  }

  it('3.1 rejects a text frame with RSV3 set (RSV = 1)', () => {
    const bits = { rsv1: false, rsv2: false, rsv3: true };
    runChopped(role, peer.frame({ opcode: Opcode.TEXT, payload: 'Hello', ...bits }), (r) => expectRejected(r, [], bits, Opcode.TEXT));
  });

  it('3.2 rejects a text frame with RSV2 set (RSV = 2) that follows a valid text message', () => {
    const bits = { rsv1: false, rsv2: true, rsv3: false };
    runChopped(role, [peer.text('Hello'), peer.frame({ opcode: Opcode.TEXT, payload: 'Hello', ...bits }), peer.ping()], (r) =>
      expectRejected(r, ['frame text fin 5', 'message text 5'], bits, Opcode.TEXT));
  });

  it('3.3 rejects a text frame with RSV2 and RSV3 set (RSV = 3) between a text message and a ping', () => {
    const bits = { rsv1: false, rsv2: true, rsv3: true };
    runChopped(role, [peer.text('Hello'), peer.frame({ opcode: Opcode.TEXT, payload: 'Hello', ...bits }), peer.ping()], (r) =>
      expectRejected(r, ['frame text fin 5', 'message text 5'], bits, Opcode.TEXT));
  });

  it('3.4 rejects a text frame with RSV1 set (RSV = 4) when no extension was negotiated', () => {
    const bits = { rsv1: true, rsv2: false, rsv3: false };
    runChopped(role, [peer.text('Hello'), peer.frame({ opcode: Opcode.TEXT, payload: 'Hello', ...bits }), peer.ping()], (r) =>
      expectRejected(r, ['frame text fin 5', 'message text 5'], bits, Opcode.TEXT));
  });

  it('3.5 rejects a binary frame with RSV1 and RSV3 set (RSV = 5)', () => {
    const bits = { rsv1: true, rsv2: false, rsv3: true };
    runChopped(role, peer.frame({ opcode: Opcode.BINARY, payload: Buffer.from([0, 1, 2, 0xff]), ...bits }), (r) =>
      expectRejected(r, [], bits, Opcode.BINARY));
  });

  it('3.6 rejects a ping with RSV1 and RSV2 set (RSV = 6) and does not answer it', () => {
    const bits = { rsv1: true, rsv2: true, rsv3: false };
    runChopped(role, peer.frame({ opcode: Opcode.PING, payload: 'Hello', ...bits }), (r) => expectRejected(r, [], bits, Opcode.PING));
  });

  it('3.7 rejects a close frame with all reserved bits set (RSV = 7) and fails with 1002, not the echo', () => {
    const bits = { rsv1: true, rsv2: true, rsv3: true };
    runChopped(role, peer.frame({ opcode: Opcode.CLOSE, payload: Buffer.from([0x03, 0xe8]), ...bits }), (r) =>
      expectRejected(r, [], bits, Opcode.CLOSE));
  });

  it('3.8 rejects a continuation frame with RSV2 set inside a fragmented message', () => {
    const bits = { rsv1: false, rsv2: true, rsv3: false };
    runChopped(role, [peer.text('Hel', false), peer.frame({ opcode: Opcode.CONTINUATION, payload: 'lo', ...bits })], (r) =>
      expectRejected(r, ['frame text more 3'], bits, Opcode.CONTINUATION));
  });
});
