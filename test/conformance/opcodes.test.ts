// Autobahn group 4 (opcodes): the reserved non-control opcodes 3-7 and control opcodes B-F fail the
// connection with 1002 (RFC 6455 §5.2), alone, with a payload, and after valid traffic; what follows
// the bad frame (a ping) is never answered.
import { describe, expect, it } from 'vitest';
import { binaryOfSize, expectFailed, Opcode, Peer, ROLES, runCase, runChopped, summarize, toHex } from './harness.ts';

// Autobahn's pattern per reserved opcode: empty; with payload; after a text message; with payload
// after a text message; with payload after a text message and followed by a ping.
const VARIANTS = [
  { name: 'with an empty payload', payload: 0, textFirst: false },
  { name: 'with a payload', payload: 5, textFirst: false },
  { name: 'after a valid text message', payload: 0, textFirst: true },
  { name: 'with a payload after a valid text message', payload: 5, textFirst: true },
  { name: 'with a payload after a valid text message, before a ping', payload: 5, textFirst: true, pingAfter: true },
] as const;

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  for (const [group, opcodes] of [[1, [3, 4, 5, 6, 7]], [2, [0xb, 0xc, 0xd, 0xe, 0xf]]] as const) {
    opcodes.forEach((opcode, i) => {
      const variant = VARIANTS[i]!;
      it(`4.${group}.${i + 1} rejects reserved opcode 0x${opcode.toString(16)} ${variant.name} with 1002`, () => {
        const pieces = [
          ...(variant.textFirst ? [peer.text('Hello')] : []),
          peer.frame({ opcode, payload: binaryOfSize(variant.payload) }),
          ...('pingAfter' in variant ? [peer.ping()] : []),
        ];
        runChopped(role, pieces, (r) => {
          const err = expectFailed(r, 'WS_ERR_INVALID_OPCODE', 1002);
          expect(summarize(r.events)).toEqual([
            ...(variant.textFirst ? ['frame text fin 5', 'message text 5'] : []),
            'error WS_ERR_INVALID_OPCODE 1002', 'closed 1002 local',
          ]);
          expect(err.frame?.opcode).toBe(opcode);
          expect(err.seq).toBe(variant.textFirst ? 1 : 0);
          expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
        });
      });
    });
  }

  it('4.3.2 reports the bytes of the rejected frame that had arrived, however the header was cut', () => {
    const wire = peer.frame({ opcode: 0x3, payload: 'reserved' });
    const header = wire.length - 8;
    for (const cut of [undefined, 1, header - 1, header, header + 3]) {
      const pieces = cut === undefined ? [wire] : [wire.subarray(0, cut), wire.subarray(cut)];
      const err = expectFailed(runCase(role, pieces), 'WS_ERR_INVALID_OPCODE', 1002);
      const received = err.frame!.received;
      // At least the whole header, and nothing that is not this frame's bytes.
      expect(received.length).toBeGreaterThanOrEqual(header);
      expect(toHex(received)).toBe(toHex(wire.subarray(0, received.length)));
    }
  });

  it('4.3.1 rejects a reserved opcode in the middle of a fragmented message', () => {
    runChopped(role, [peer.text('Hel', false), peer.frame({ opcode: 0x3, payload: 'x' }), peer.continuation('lo')], (r) => {
      expectFailed(r, 'WS_ERR_INVALID_OPCODE', 1002);
      expect(summarize(r.events)).toEqual(['frame text more 3', 'error WS_ERR_INVALID_OPCODE 1002', 'closed 1002 local']);
    });
  });
});
