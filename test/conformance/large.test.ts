// Autobahn group 9 (limits/performance): large text and binary messages in one frame, in many
// fragments, and chopped into small reads, arrive intact in both roles (default 64 MiB limits).
import { describe, expect, it } from 'vitest';
import {
  binaryOfSize, expectBytes, expectQuietOpen, framesOf, messagesOf, Opcode, Peer, ROLES, runCase, summarize, textOfSize,
  type CaseResult,
} from './harness.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

// The same payloads serve every case, so generating them costs once per file.
const payloads = new Map<string, Uint8Array>();
function payload(kind: 'text' | 'binary', size: number): Uint8Array {
  const key = `${kind}:${size}`;
  let p = payloads.get(key);
  if (!p) {
    p = kind === 'text' ? textOfSize(size) : binaryOfSize(size, 9);
    payloads.set(key, p);
  }
  return p;
}

function expectDelivered(r: CaseResult, kind: 'text' | 'binary', data: Uint8Array, frames: number): void {
  const msgs = messagesOf(r.events);
  expect(msgs).toHaveLength(1);
  expect(msgs[0]!.opcode).toBe(kind === 'text' ? Opcode.TEXT : Opcode.BINARY);
  expectBytes(msgs[0]!.data, data);
  expect(msgs[0]!.frames).toBe(frames);
  const fs = framesOf(r.events);
  expect(fs).toHaveLength(frames);
  expect(fs.at(-1)!.fin).toBe(true);
  expect(r.events).toHaveLength(frames + 1);
  expectQuietOpen(r);
}

// Autobahn's own sizes: they stay fast in memory, so none is left out.
const SIZES = [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const FRAGMENTS = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
const CHOPS = [64, 128, 256, 512, 1024, 2048];

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  for (const [group, kind] of [[1, 'text'], [2, 'binary']] as const) {
    const opcode = kind === 'text' ? Opcode.TEXT : Opcode.BINARY;
    SIZES.forEach((size, i) => {
      it(`9.${group}.${i + 1} receives a ${size / KiB} KiB ${kind} message in one frame`, () => {
        const data = payload(kind, size);
        const r = runCase(role, peer.frame({ opcode, payload: data }));
        expect(summarize(r.events)).toEqual([`frame ${kind} fin ${size}`, `message ${kind} ${size}`]);
        expectDelivered(r, kind, data, 1);
      });
    });
  }

  for (const [group, kind] of [[3, 'text'], [4, 'binary']] as const) {
    const opcode = kind === 'text' ? Opcode.TEXT : Opcode.BINARY;
    FRAGMENTS.forEach((fragment, i) => {
      it(`9.${group}.${i + 1} receives a 4 MiB ${kind} message in ${fragment}-byte fragments`, () => {
        const data = payload(kind, 4 * MiB);
        const frames = peer.fragments(opcode, data, fragment);
        // The fragments arrive back to back in 1 MiB reads, as from a fast socket.
        const r = runCase(role, frames, { chop: MiB });
        expectDelivered(r, kind, data, Math.ceil(data.length / fragment));
        const fs = framesOf(r.events);
        expect(fs[0]!.opcode).toBe(opcode);
        expect(fs.slice(1).every((f) => f.opcode === Opcode.CONTINUATION)).toBe(true);
        expect(fs.slice(0, -1).every((f) => !f.fin && f.payloadLength === fragment)).toBe(true);
      });
    });
  }

  for (const [group, kind] of [[5, 'text'], [6, 'binary']] as const) {
    const opcode = kind === 'text' ? Opcode.TEXT : Opcode.BINARY;
    CHOPS.forEach((chop, i) => {
      it(`9.${group}.${i + 1} receives a 1 MiB ${kind} message in one frame read ${chop} bytes at a time`, () => {
        const data = payload(kind, MiB);
        const r = runCase(role, peer.frame({ opcode, payload: data }), { chop });
        expectDelivered(r, kind, data, 1);
        // Nothing is reported until the last read completes the frame.
        expect(r.calls.slice(0, -1).every((c) => c.length === 0)).toBe(true);
      });
    });
  }

  it('9.7.1 receives 1000 small text messages read in one chunk, in order', () => {
    const msgs = Array.from({ length: 1000 }, (_, i) => `message ${i} κόσμε`);
    const r = runCase(role, msgs.map((m) => peer.text(m)), { chop: Infinity });
    expect(messagesOf(r.events).map((m) => Buffer.from(m.data).toString())).toEqual(msgs);
    expect(framesOf(r.events).map((f) => f.seq)).toEqual(msgs.map((_, i) => i));
    expectQuietOpen(r);
  });
});
