// Autobahn group 2 (pings and pongs): every ping is answered with a pong carrying its payload
// (RFC 6455 §5.5.2), unsolicited pongs are reported and not answered (§5.5.3), and a ping longer
// than 125 bytes fails the connection (§5.5).
import { describe, expect, it } from 'vitest';
import {
  binaryOfSize, expectBytes, expectFailed, hex, Opcode, Peer, ROLES, runChopped, runCase, summarize, utf8,
} from './harness.ts';

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  /** The ping is reported and one pong with the same payload is written, masked as our role must. */
  function expectPongFor(payload: Uint8Array, chops?: readonly (number | undefined)[]): void {
    runChopped(role, peer.ping(payload), (r) => {
      expect(summarize(r.events)).toEqual([`frame ping fin ${payload.length}`, `ping ${payload.length}`]);
      expect(r.sent.map((f) => [f.opcode, f.fin])).toEqual([[Opcode.PONG, true]]);
      expectBytes(r.sent[0]!.payload, payload);
      expect(r.conn.state).toBe('OPEN');
    }, chops ? { chops } : {});
  }

  it('2.1 answers a ping with an empty payload with an empty pong', () => {
    expectPongFor(new Uint8Array(0));
  });

  it('2.2 answers a ping with a small text payload with a pong echoing it', () => {
    expectPongFor(utf8('Hello, world!'));
  });

  it('2.3 answers a ping with a small binary payload with a pong echoing it', () => {
    expectPongFor(hex('00 ff fe fd fc fb 00 ff'));
  });

  it('2.4 answers a ping with a 125-byte binary payload (the largest allowed)', () => {
    expectPongFor(binaryOfSize(125));
  });

  it('2.5 rejects a ping longer than 125 bytes with 1002 and does not answer it', () => {
    const r = runCase(role, peer.ping(binaryOfSize(126)));
    const err = expectFailed(r, 'WS_ERR_CONTROL_FRAME_TOO_LONG', 1002);
    expect(summarize(r.events)).toHaveLength(2);
    expect(err.frame?.opcode).toBe(Opcode.PING);
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
  });

  it('2.5 rejects a ping longer than 125 bytes as soon as its header arrives', () => {
    // Only the header is fed: the length claim alone breaks RFC 6455 §5.5.
    const wire = peer.ping(binaryOfSize(126));
    const r = runCase(role, wire.subarray(0, peer.masks ? 8 : 4));
    expectFailed(r, 'WS_ERR_CONTROL_FRAME_TOO_LONG', 1002);
  });

  it('2.6 answers a 125-byte ping delivered one byte at a time', () => {
    expectPongFor(binaryOfSize(125, 6), [1]);
  });

  it('2.7 reports an unsolicited empty pong and writes nothing', () => {
    runChopped(role, peer.pong(), (r) => {
      expect(summarize(r.events)).toEqual(['frame pong fin 0', 'pong 0']);
      expect(r.sent).toEqual([]);
      expect(r.conn.state).toBe('OPEN');
    });
  });

  it('2.8 reports an unsolicited pong with a payload and writes nothing', () => {
    runChopped(role, peer.pong('unsolicited pong payload'), (r) => {
      expect(summarize(r.events)).toEqual(['frame pong fin 24', 'pong 24']);
      const pong = r.events[1];
      expect(pong?.type === 'pong' && Buffer.from(pong.data).toString()).toBe('unsolicited pong payload');
      expect(r.sent).toEqual([]);
    });
  });

  it('2.9 answers a ping that follows an unsolicited pong, and only the ping', () => {
    runChopped(role, [peer.pong('unsolicited pong payload'), peer.ping('ping payload')], (r) => {
      expect(summarize(r.events)).toEqual(['frame pong fin 24', 'pong 24', 'frame ping fin 12', 'ping 12']);
      expect(r.sent).toHaveLength(1);
      expect(r.sent[0]!.opcode).toBe(Opcode.PONG);
      expect(Buffer.from(r.sent[0]!.payload).toString()).toBe('ping payload');
    });
  });

  it('2.10 answers 10 pings with 10 pongs, in order', () => {
    const pings = Array.from({ length: 10 }, (_, i) => peer.ping(`payload-${i}`));
    runChopped(role, pings, (r) => {
      expect(summarize(r.events)).toEqual(Array.from({ length: 10 }, () => ['frame ping fin 9', 'ping 9']).flat());
      expect(r.sent.map((f) => [f.opcode, Buffer.from(f.payload).toString()])).toEqual(
        Array.from({ length: 10 }, (_, i) => [Opcode.PONG, `payload-${i}`]),
      );
    });
  });

  it('2.11 answers 10 pings delivered one byte at a time with 10 pongs, in order', () => {
    const pings = Array.from({ length: 10 }, (_, i) => peer.ping(binaryOfSize(16 + i, i)));
    const r = runCase(role, pings, { chop: 1 });
    expect(r.sent.map((f) => f.payload.length)).toEqual(Array.from({ length: 10 }, (_, i) => 16 + i));
    r.sent.forEach((f, i) => expectBytes(f.payload, binaryOfSize(16 + i, i)));
  });

  it('2.12 does not answer pings when autoPong is off, and still reports them', () => {
    const r = runCase(role, peer.ping('manual'), { autoPong: false });
    expect(summarize(r.events)).toEqual(['frame ping fin 6', 'ping 6']);
    expect(r.sent).toEqual([]);
  });
});
