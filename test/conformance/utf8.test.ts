// Autobahn group 6 (UTF-8 handling): text messages must be UTF-8 (RFC 6455 §8.1, 1007 otherwise) and
// are checked fail-fast, in the receive() call that brings the first impossible byte, across chops and
// fragments. Samples follow Markus Kuhn's "UTF-8 decoder capability and stress test".
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../electron/core/protocol/index.ts';
import {
  closeCodeOf, concat, expectBytes, expectFailed, expectQuietOpen, feed, hex, messagesOf, Opcode, openConnection, Peer, ROLES, runCase,
  runChopped, sentFrames, summarize, utf8, type CaseResult, type Role,
} from './harness.ts';

/**
 * Reference decoder for the fail-fast position, written from RFC 3629 §4's byte ranges: the index
 * of the first byte after which no continuation can make the text valid, `bytes.length` when the
 * text only ends too early, or null when it is valid.
 */
function failIndex(bytes: Uint8Array): number | null {
  let need = 0;
  let lo = 0x80;
  let hi = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (need > 0) {
      if (b < lo || b > hi) return i;
      need--;
      lo = 0x80;
      hi = 0xbf;
    } else if (b <= 0x7f) {
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      return i;
    }
  }
  return need > 0 ? bytes.length : null;
}

interface Sample {
  readonly id: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Kuhn's classification; the reference decoder must agree before the core is judged. */
  readonly valid: boolean;
}

const KOSME = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');
const cp = (n: number): Uint8Array => utf8(String.fromCodePoint(n));
const s = (id: string, name: string, h: string | Uint8Array, valid: boolean): Sample =>
  ({ id, name, bytes: typeof h === 'string' ? hex(h) : h, valid });

const SAMPLES: Sample[] = [
  s('6.2.1', 'Latin text "Hello-µ@ßöäüàá-UTF-8!!"', utf8('Hello-µ@ßöäüàá-UTF-8!!'), true),
  s('6.3.1', '"κόσμε" with a UTF-16 surrogate (ED A0 80) before "-edited"', concat([KOSME, hex('ed a0 80'), utf8('-edited')]), false),
  // Kuhn 1: correct text.
  s('6.5.1', 'the Greek word "κόσμε"', KOSME, true),
  // Kuhn 1, every prefix of "κόσμε": prefixes that cut a character end too early.
  ...Array.from({ length: KOSME.length }, (_, i) => {
    const prefix = KOSME.subarray(0, i + 1);
    return s(`6.6.${i + 1}`, `the first ${i + 1} bytes of "κόσμε"`, prefix, [2, 5, 7, 9, 11].includes(i + 1));
  }),
  // Kuhn 2.1: first possible sequence of each length.
  s('6.7.1', 'U+0000, the first 1-byte sequence', '00', true),
  s('6.7.2', 'U+0080, the first 2-byte sequence', 'c2 80', true),
  s('6.7.3', 'U+0800, the first 3-byte sequence', 'e0 a0 80', true),
  s('6.7.4', 'U+10000, the first 4-byte sequence', 'f0 90 80 80', true),
  s('6.8.1', 'the first 5-byte sequence (U+200000)', 'f8 88 80 80 80', false),
  s('6.8.2', 'the first 6-byte sequence (U+4000000)', 'fc 84 80 80 80 80', false),
  // Kuhn 2.2: last possible sequence of each length.
  s('6.9.1', 'U+007F, the last 1-byte sequence', '7f', true),
  s('6.9.2', 'U+07FF, the last 2-byte sequence', 'df bf', true),
  s('6.9.3', 'U+FFFF, the last 3-byte sequence', 'ef bf bf', true),
  s('6.9.4', 'U+10FFFF, the last code point', 'f4 8f bf bf', true),
  s('6.10.1', 'the last 4-byte form (U+1FFFFF)', 'f7 bf bf bf', false),
  s('6.10.2', 'the last 5-byte sequence (U+3FFFFFF)', 'fb bf bf bf bf', false),
  s('6.10.3', 'the last 6-byte sequence (U+7FFFFFFF)', 'fd bf bf bf bf bf', false),
  // Kuhn 2.3: other boundaries.
  s('6.11.1', 'U+D7FF, just below the surrogates', 'ed 9f bf', true),
  s('6.11.2', 'U+E000, just above the surrogates', 'ee 80 80', true),
  s('6.11.3', 'U+FFFD, the replacement character', 'ef bf bd', true),
  s('6.11.4', 'U+10FFFF', 'f4 8f bf bf', true),
  s('6.11.5', 'U+110000, past the last code point', 'f4 90 80 80', false),
  // Kuhn 3.1: unexpected continuation bytes.
  s('6.12.1', 'a lone first continuation byte (80)', '80', false),
  s('6.12.2', 'a lone last continuation byte (BF)', 'bf', false),
  s('6.12.3', '2 continuation bytes', '80 bf', false),
  s('6.12.4', '3 continuation bytes', '80 bf 80', false),
  s('6.12.5', '4 continuation bytes', '80 bf 80 bf', false),
  s('6.12.6', '5 continuation bytes', '80 bf 80 bf 80', false),
  s('6.12.7', '6 continuation bytes', '80 bf 80 bf 80 bf', false),
  s('6.12.8', 'all 64 continuation bytes 80-BF', Uint8Array.from({ length: 64 }, (_, i) => 0x80 + i), false),
  // Kuhn 3.2: lonely start characters, each followed by a space.
  ...([['6.13.1', 0xc0, 0xdf, '2-byte'], ['6.13.2', 0xe0, 0xef, '3-byte'], ['6.13.3', 0xf0, 0xf7, '4-byte'],
    ['6.13.4', 0xf8, 0xfb, '5-byte'], ['6.13.5', 0xfc, 0xfd, '6-byte']] as const).map(([id, from, to, what]) =>
    s(id, `every ${what} start byte (${from.toString(16)}-${to.toString(16)}) followed by a space`,
      Uint8Array.from({ length: (to - from + 1) * 2 }, (_, i) => (i % 2 ? 0x20 : from + i / 2)), false)),
  // Kuhn 3.3: sequences with the last continuation byte missing.
  s('6.14.1', '2-byte U+0000 without its last byte', 'c0', false),
  s('6.14.2', '3-byte U+0000 without its last byte', 'e0 80', false),
  s('6.14.3', '4-byte U+0000 without its last byte', 'f0 80 80', false),
  s('6.14.4', '5-byte U+0000 without its last byte', 'f8 80 80 80', false),
  s('6.14.5', '6-byte U+0000 without its last byte', 'fc 80 80 80 80', false),
  s('6.14.6', '2-byte U+07FF without its last byte', 'df', false),
  s('6.14.7', '3-byte U+FFFF without its last byte', 'ef bf', false),
  s('6.14.8', '4-byte U+1FFFFF without its last byte', 'f7 bf bf', false),
  s('6.14.9', '5-byte U+3FFFFFF without its last byte', 'fb bf bf bf', false),
  s('6.14.10', '6-byte U+7FFFFFFF without its last byte', 'fd bf bf bf bf', false),
  // Kuhn 3.4: all of 3.3 concatenated.
  s('6.15.1', 'the ten truncated sequences concatenated', 'c0 e0 80 f0 80 80 f8 80 80 80 fc 80 80 80 80 df ef bf f7 bf bf fb bf bf bf fd bf bf bf bf', false),
  // Kuhn 3.5: bytes that never appear in UTF-8.
  s('6.16.1', 'the impossible byte FE', 'fe', false),
  s('6.16.2', 'the impossible byte FF', 'ff', false),
  s('6.16.3', 'FE FE FF FF', 'fe fe ff ff', false),
  // Kuhn 4.1: overlong forms of "/".
  s('6.17.1', '"/" as an overlong 2-byte sequence', 'c0 af', false),
  s('6.17.2', '"/" as an overlong 3-byte sequence', 'e0 80 af', false),
  s('6.17.3', '"/" as an overlong 4-byte sequence', 'f0 80 80 af', false),
  s('6.17.4', '"/" as an overlong 5-byte sequence', 'f8 80 80 80 af', false),
  s('6.17.5', '"/" as an overlong 6-byte sequence', 'fc 80 80 80 80 af', false),
  // Kuhn 4.2: maximum overlong sequences.
  s('6.18.1', 'U+007F as a 2-byte sequence (maximum overlong)', 'c1 bf', false),
  s('6.18.2', 'U+07FF as a 3-byte sequence (maximum overlong)', 'e0 9f bf', false),
  s('6.18.3', 'U+FFFF as a 4-byte sequence (maximum overlong)', 'f0 8f bf bf', false),
  s('6.18.4', 'U+1FFFFF as a 5-byte sequence (maximum overlong)', 'f8 87 bf bf bf', false),
  s('6.18.5', 'U+3FFFFFF as a 6-byte sequence (maximum overlong)', 'fc 83 bf bf bf bf', false),
  // Kuhn 4.3: overlong NUL.
  s('6.19.1', 'NUL as an overlong 2-byte sequence', 'c0 80', false),
  s('6.19.2', 'NUL as an overlong 3-byte sequence', 'e0 80 80', false),
  s('6.19.3', 'NUL as an overlong 4-byte sequence', 'f0 80 80 80', false),
  s('6.19.4', 'NUL as an overlong 5-byte sequence', 'f8 80 80 80 80', false),
  s('6.19.5', 'NUL as an overlong 6-byte sequence', 'fc 80 80 80 80 80', false),
  // Kuhn 5.1: single UTF-16 surrogates.
  ...['ed a0 80', 'ed ad bf', 'ed ae 80', 'ed af bf', 'ed b0 80', 'ed be 80', 'ed bf bf'].map((h, i) =>
    s(`6.20.${i + 1}`, `the single surrogate ${h.toUpperCase()}`, h, false)),
  // Kuhn 5.2: paired UTF-16 surrogates (CESU-8), still not UTF-8.
  ...[['ed a0 80', 'ed b0 80'], ['ed a0 80', 'ed bf bf'], ['ed ad bf', 'ed b0 80'], ['ed ad bf', 'ed bf bf'],
    ['ed ae 80', 'ed b0 80'], ['ed ae 80', 'ed bf bf'], ['ed af bf', 'ed b0 80'], ['ed af bf', 'ed bf bf']].map(([a, b], i) =>
    s(`6.21.${i + 1}`, `the surrogate pair ${a!.toUpperCase()} ${b!.toUpperCase()}`, `${a} ${b}`, false)),
  // Kuhn 5.3: noncharacters are valid UTF-8 (Unicode Corrigendum #9).
  ...[0xfffe, 0xffff, 0xfdd0, 0xfdef, 0x1fffe, 0x1ffff, 0x10fffe, 0x10ffff].map((n, i) =>
    s(`6.22.${i + 1}`, `the noncharacter U+${n.toString(16).toUpperCase()}`, cp(n), true)),
  s('6.23.1', 'U+FEFF, a byte order mark, inside text', concat([utf8('a'), cp(0xfeff), utf8('b')]), true),
  s('6.23.2', 'U+FFFD after ASCII, then a lone continuation byte', concat([utf8('ok '), cp(0xfffd), hex('80')]), false),
];

/** The payload byte whose arrival must trigger the error (an early end is only known at the last byte). */
function triggerIndex(bytes: Uint8Array): number {
  return Math.min(failIndex(bytes)!, bytes.length - 1);
}

/** Asserts the call that brought `trigger` failed the connection with 1007, and nothing else happened. */
function expectFailedAtCall(r: CaseResult, callIndex: number): void {
  expect(messagesOf(r.events)).toEqual([]);
  const failing = r.calls.findIndex((c) => c.some((e) => e.type === 'error'));
  expect(failing, 'the receive() call that reports the error').toBe(callIndex);
  expect(r.calls.slice(callIndex + 1).flat(), 'nothing after the failure').toEqual([]);
  expectFailed(r, 'WS_ERR_INVALID_UTF8', 1007);
}

function expectMessage(r: CaseResult, bytes: Uint8Array, frames: number): void {
  const msgs = messagesOf(r.events);
  expect(msgs).toHaveLength(1);
  expectBytes(msgs[0]!.data, bytes);
  expect(msgs[0]!.frames).toBe(frames);
  expect(r.calls.at(-1)!.at(-1)?.type, 'the message completes with the last byte').toBe('message');
  expectQuietOpen(r);
}

describe('the reference decoder agrees with the sample classification', () => {
  it.each(SAMPLES.map((x) => [x.id, x]))('%s is classified by the reference decoder as Kuhn classifies it', (_id, sample) => {
    expect(failIndex(sample.bytes) === null).toBe(sample.valid);
  });
});

describe.each(ROLES)('our %s role', (role: Role) => {
  const peer = new Peer(role);

  it('6.1.1 receives an empty text message', () => {
    runChopped(role, peer.text(''), (r) => {
      expect(summarize(r.events)).toEqual(['frame text fin 0', 'message text 0']);
      expectQuietOpen(r);
    });
  });

  it('6.1.2 receives a text message of three empty fragments', () => {
    runChopped(role, [peer.text('', false), peer.continuation('', false), peer.continuation('')], (r) => {
      expect(summarize(r.events)).toEqual(['frame text more 0', 'frame continuation more 0', 'frame continuation fin 0', 'message text 0']);
      expectQuietOpen(r);
    });
  });

  it('6.1.3 receives a text message of an empty, a non-empty and an empty fragment', () => {
    runChopped(role, [peer.text('', false), peer.continuation('middle frame payload', false), peer.continuation('')], (r) => {
      expect(summarize(r.events)).toEqual(['frame text more 0', 'frame continuation more 20', 'frame continuation fin 0', 'message text 20']);
      expect(Buffer.from(messagesOf(r.events)[0]!.data).toString()).toBe('middle frame payload');
    });
  });

  it('6.2.2 receives valid text fragmented at a code point boundary', () => {
    const r = runCase(role, [peer.text('Hello-µ@ßöä', false), peer.continuation('üàá-UTF-8!!')]);
    expect(Buffer.from(messagesOf(r.events)[0]!.data).toString()).toBe('Hello-µ@ßöäüàá-UTF-8!!');
    expectQuietOpen(r);
  });

  it('6.2.5 keeps a character split across fragments whole when a ping arrives between the halves', () => {
    const r = runCase(role, [peer.text(hex('ce'), false), peer.ping('between'), peer.continuation(hex('ba ce bc'))], { chop: 1 });
    expect(summarize(r.events)).toEqual(['frame text more 1', 'frame ping fin 7', 'ping 7', 'frame continuation fin 3', 'message text 4']);
    expect(Buffer.from(messagesOf(r.events)[0]!.data).toString()).toBe('κμ');
    expect(r.conn.state).toBe('OPEN');
  });

  // --- 6.4: fail fast, inside the fragment or the partial frame where the bad byte arrives.

  const edited = utf8('edited');
  it('6.4.1 fails fast on an invalid second fragment (F4 90 80 80) before the third fragment arrives', () => {
    const conn = openConnection(role);
    const first = feed(conn, peer.text(KOSME, false));
    expect(summarize(first.events)).toEqual(['frame text more 11']);
    const second = feed(conn, peer.continuation(hex('f4 90 80 80'), false));
    expect(summarize(second.events)).toEqual(['error WS_ERR_INVALID_UTF8 1007', 'closed 1007 local']);
    expect(closeCode(conn)).toBe(1007);
    expect(conn.state).toBe('CLOSED');
    expect(feed(conn, peer.continuation(edited)).events).toEqual([]);
  });

  it('6.4.2 fails fast when the byte after a fragment ending in F4 arrives in the next fragment (90)', () => {
    const conn = openConnection(role);
    expect(summarize(feed(conn, peer.text(concat([KOSME, hex('f4')]), false)).events)).toEqual(['frame text more 12']);
    const second = feed(conn, peer.continuation(hex('90'), false));
    expect(summarize(second.events)).toEqual(['error WS_ERR_INVALID_UTF8 1007', 'closed 1007 local']);
    expect(closeCode(conn)).toBe(1007);
    expect(feed(conn, peer.continuation(concat([hex('80 80'), edited]))).events).toEqual([]);
  });

  for (const [id, cut1, cut2] of [['6.4.3', 0, 4], ['6.4.4', 1, 1]] as const) {
    const payload = concat([KOSME, hex('f4 90 80 80'), edited]);
    it(`${id} fails fast inside a single frame when the chop holding the bad byte arrives (chops end ${cut1 ? 'after F4' : 'before F4'})`, () => {
      const wire = peer.text(payload);
      const header = wire.length - payload.length;
      // Chop 1: header and "κόσμε" (plus F4 for 6.4.4); chop 2: the bad bytes; chop 3: the rest.
      const end1 = header + KOSME.length + cut1;
      const end2 = end1 + cut2;
      const conn = openConnection(role);
      expect(conn.receive(wire.subarray(0, end1))).toEqual([]);
      const failing = [...conn.receive(wire.subarray(end1, end2))];
      expect(summarize(failing)).toEqual(['error WS_ERR_INVALID_UTF8 1007', 'closed 1007 local']);
      const err = failing[0]!;
      // The malformed frame holds what had arrived: the header and payload up to the failing chop.
      expect(err.type === 'error' && err.frame?.received.length).toBe(end2);
      expect(closeCode(conn)).toBe(1007);
      expect(conn.receive(wire.subarray(end2))).toEqual([]);
    });
  }

  it('6.4.5 fails fast when a fragmented message ends inside a character (CE, then an empty final fragment)', () => {
    const conn = openConnection(role);
    expect(summarize(feed(conn, peer.text(hex('41 ce'), false)).events)).toEqual(['frame text more 2']);
    const last = feed(conn, peer.continuation(''));
    expect(summarize(last.events)).toEqual(['error WS_ERR_INVALID_UTF8 1007', 'closed 1007 local']);
    expect(closeCode(conn)).toBe(1007);
  });

  // --- Kuhn's samples, each as one frame and as fragments cut at every byte.

  for (const sample of SAMPLES) {
    const { bytes } = sample;
    it(`${sample.id} ${sample.valid ? 'accepts' : 'rejects with 1007'} ${sample.name} (one frame, chopped, one-byte and every two-frame split)`, () => {
      const single = peer.text(bytes);
      const header = single.length - bytes.length;
      // One frame, in one call.
      const whole = runCase(role, single);
      if (sample.valid) expectMessage(whole, bytes, 1);
      else expectFailedAtCall(whole, 0);
      // One frame, one byte per call: the failing call is the one with the trigger byte.
      const chopped = runCase(role, single, { chop: 1 });
      if (sample.valid) expectMessage(chopped, bytes, 1);
      else expectFailedAtCall(chopped, header + triggerIndex(bytes));
      // One-byte fragments, one frame per call.
      if (bytes.length > 1) {
        const oneByte = runCase(role, peer.fragments(Opcode.TEXT, bytes, 1));
        if (sample.valid) expectMessage(oneByte, bytes, bytes.length);
        else expectFailedAtCall(oneByte, triggerIndex(bytes));
      }
      // Two fragments cut at every position, one frame per call.
      for (let k = 1; k < bytes.length; k++) {
        const r = runCase(role, [peer.text(bytes.subarray(0, k), false), peer.continuation(bytes.subarray(k))]);
        if (sample.valid) expectMessage(r, bytes, 2);
        else expectFailedAtCall(r, triggerIndex(bytes) < k ? 0 : 1);
      }
    });
  }

  it('6.3.2 rejects invalid text fragmented one byte per frame, with 1007 at the first impossible byte', () => {
    const bytes = concat([KOSME, hex('ed a0 80'), utf8('-edited')]);
    const r = runCase(role, peer.fragments(Opcode.TEXT, bytes, 1), { chop: 3 });
    expect(messagesOf(r.events)).toEqual([]);
    expectFailed(r, 'WS_ERR_INVALID_UTF8', 1007);
    // Frames up to the surrogate's lead byte (ED) were accepted; its second byte (A0) fails.
    expect(summarize(r.events).filter((x) => x.startsWith('frame'))).toHaveLength(KOSME.length + 1);
  });

  it('6.3.3 delivers invalid UTF-8 as a text message when validation is switched off', () => {
    const bytes = hex('ce ba ed a0 80 ff');
    const r = runCase(role, [peer.text(bytes.subarray(0, 3), false), peer.continuation(bytes.subarray(3))], { validateUtf8: false });
    expect(summarize(r.events)).toEqual(['frame text more 3', 'frame continuation fin 3', 'message text 6']);
    expectBytes(messagesOf(r.events)[0]!.data, bytes);
    expectQuietOpen(r);
  });
});

/** The close code of the one frame `conn` wrote, which must be a close frame. */
function closeCode(conn: Connection): number | null {
  const frames = sentFrames(conn);
  expect(frames.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
  return closeCodeOf(frames[0]);
}
