// Streaming frame parsing (RFC 6455 §5.2): every header field of the frame event, the three length
// forms at their boundaries, and identical results however the input is chopped.
import { describe, expect, test } from 'vitest';
import { FrameParser, HeaderVerdict, type FrameSink, type ParsedFrame } from '../../../electron/core/protocol/frame-parser.ts';
import { hex, toHex } from '../../support/bytes.ts';

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** What a test compares: every field of a frame event, bytes as hex. */
function describeFrame(f: ParsedFrame) {
  return {
    seq: f.seq, fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked,
    maskKey: toHex(f.maskKey), payloadLength: f.payloadLength, headerLength: f.headerLength,
    wire: toHex(f.wire), payload: toHex(f.payload), nonMinimalLength: f.nonMinimalLength,
  };
}

type Verdict = (f: ParsedFrame) => HeaderVerdict;

/** A sink recording every callback; the header verdict is chosen per test. */
class Recorder implements FrameSink {
  readonly headers: Array<{ seq: number; payloadLength: number; payloadSoFar: number }> = [];
  readonly pieces: Array<{ seq: number; bytes: string; final: boolean }> = [];
  readonly frames: ReturnType<typeof describeFrame>[] = [];
  readonly raw: ParsedFrame[] = [];
  private readonly verdict: Verdict;
  completeResult = true;

  constructor(verdict: Verdict = () => HeaderVerdict.CONTINUE) {
    this.verdict = verdict;
  }

  frameHeader(f: ParsedFrame): HeaderVerdict {
    this.headers.push({ seq: f.seq, payloadLength: f.payloadLength, payloadSoFar: f.payload.length });
    return this.verdict(f);
  }

  framePayload(f: ParsedFrame, unmasked: Uint8Array, final: boolean): boolean {
    this.pieces.push({ seq: f.seq, bytes: Buffer.from(unmasked).toString('hex'), final });
    return true;
  }

  frameComplete(f: ParsedFrame): boolean {
    this.frames.push(describeFrame(f));
    this.raw.push(f);
    return this.completeResult;
  }
}

function parse(chunks: readonly Uint8Array[], verdict?: Verdict): Recorder {
  const sink = new Recorder(verdict);
  const parser = new FrameParser(sink);
  for (const c of chunks) parser.push(c);
  return sink;
}

function chop(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const HELLO_HEX = '48 65 6c 6c 6f';

describe('FrameParser, RFC 6455 §5.7 examples', () => {
  test('81 05 48 65 6c 6c 6f is an unmasked FIN text frame "Hello"', () => {
    const { frames } = parse([hex(`81 05 ${HELLO_HEX}`)]);
    expect(frames).toEqual([{
      seq: 0, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: false, maskKey: null,
      payloadLength: 5, headerLength: 2, wire: `81 05 ${HELLO_HEX}`, payload: HELLO_HEX, nonMinimalLength: false,
    }]);
  });

  test('81 85 37 fa 21 3d 7f 9f 4d 51 58 is a masked "Hello" with key 37 fa 21 3d', () => {
    const { frames } = parse([hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')]);
    expect(frames).toEqual([{
      seq: 0, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: true, maskKey: '37 fa 21 3d',
      payloadLength: 5, headerLength: 6, wire: '81 85 37 fa 21 3d 7f 9f 4d 51 58', payload: HELLO_HEX, nonMinimalLength: false,
    }]);
  });

  test('01 03 48 65 6c + 80 02 6c 6f are two fragments: text without FIN, then a FIN continuation', () => {
    const { frames } = parse([hex('01 03 48 65 6c 80 02 6c 6f')]);
    expect(frames.map((f) => [f.seq, f.fin, f.opcode, f.payload, f.wire])).toEqual([
      [0, false, 0x1, '48 65 6c', '01 03 48 65 6c'],
      [1, true, 0x0, '6c 6f', '80 02 6c 6f'],
    ]);
  });

  test('89 05 48 65 6c 6c 6f is an unmasked ping; 8a 85 … a masked pong', () => {
    const { frames } = parse([hex(`89 05 ${HELLO_HEX} 8a 85 37 fa 21 3d 7f 9f 4d 51 58`)]);
    expect(frames.map((f) => [f.opcode, f.masked, f.payload])).toEqual([[0x9, false, HELLO_HEX], [0xa, true, HELLO_HEX]]);
  });

  test('82 7e 01 00 + 256 bytes is a binary frame with a 16-bit length', () => {
    const payload = new Uint8Array(256).map((_, i) => i);
    const { frames } = parse([concat(hex('82 7e 01 00'), payload)]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ opcode: 2, payloadLength: 256, headerLength: 4, nonMinimalLength: false, payload: toHex(payload) });
  });

  test('82 7f 00 00 00 00 00 01 00 00 + 65536 bytes is a binary frame with a 64-bit length', () => {
    const payload = new Uint8Array(65536).map((_, i) => i * 13);
    const sink = parse([concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload)]);
    expect(sink.frames).toHaveLength(1);
    const f = sink.raw[0]!;
    expect([f.opcode, f.payloadLength, f.headerLength, f.nonMinimalLength]).toEqual([2, 65536, 10, false]);
    expect(Buffer.compare(f.payload, payload)).toBe(0);
    expect(toHex(f.wire.subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
  });
});

describe('FrameParser length forms', () => {
  // [header without payload, payload length, header length, non-minimal]
  const cases: ReadonlyArray<readonly [string, number, number, boolean]> = [
    ['82 00', 0, 2, false],
    ['82 7d', 125, 2, false],
    ['82 7e 00 7e', 126, 4, false],
    ['82 7e ff ff', 65535, 4, false],
    ['82 7f 00 00 00 00 00 01 00 00', 65536, 10, false],
    ['82 7e 00 7d', 125, 4, true],
    ['82 7e 00 00', 0, 4, true],
    ['82 7f 00 00 00 00 00 00 00 05', 5, 10, true],
    ['82 7f 00 00 00 00 00 00 ff ff', 65535, 10, true],
    ['82 fe 00 7e 01 02 03 04', 126, 8, false],
    ['82 ff 00 00 00 00 00 01 00 00 01 02 03 04', 65536, 14, false],
  ];

  test.each(cases)('%s: %i bytes, header %i bytes, nonMinimalLength %s', (header, len, hlen, nonMinimal) => {
    const payload = new Uint8Array(len).map((_, i) => i ^ 0x5a);
    const bytes = concat(hex(header), payload);
    for (const chunks of [[bytes], chop(bytes, 1), chop(bytes, 3), chop(bytes, 1000)]) {
      const sink = parse(chunks);
      expect(sink.raw).toHaveLength(1);
      const f = sink.raw[0]!;
      expect([f.payloadLength, f.headerLength, f.nonMinimalLength, f.wire.length]).toEqual([len, hlen, nonMinimal, hlen + len]);
      expect(toHex(f.wire.subarray(0, hlen))).toBe(toHex(hex(header)));
    }
  });

  test('reports a 64-bit claim after the 10 header bytes, without waiting for the payload', () => {
    const sink = parse([hex('82 7f 00 00 00 01 00 00 00 00')], () => HeaderVerdict.STOP);
    expect(sink.headers).toEqual([{ seq: 0, payloadLength: 2 ** 32, payloadSoFar: 0 }]);
    expect(sink.frames).toEqual([]);
  });

  test('reads a length with the most significant bit set as at least 2^63 (for the sink to refuse)', () => {
    const sink = parse([hex('82 7f 80 00 00 00 00 00 00 00')], () => HeaderVerdict.STOP);
    expect(sink.headers).toHaveLength(1);
    expect(sink.headers[0]!.payloadLength).toBeGreaterThanOrEqual(2 ** 63);
  });

  test('reads the largest 32-bit-word split exactly: 00 00 00 01 ff ff ff ff is 2^33 - 1', () => {
    const sink = parse([hex('82 7f 00 00 00 01 ff ff ff ff')], () => HeaderVerdict.STOP);
    expect(sink.headers[0]!.payloadLength).toBe(2 ** 33 - 1);
  });
});

describe('FrameParser bits', () => {
  test.each([
    ['c1', { fin: true, rsv1: true, rsv2: false, rsv3: false, opcode: 1 }],
    ['a2', { fin: true, rsv1: false, rsv2: true, rsv3: false, opcode: 2 }],
    ['90', { fin: true, rsv1: false, rsv2: false, rsv3: true, opcode: 0 }],
    ['7f', { fin: false, rsv1: true, rsv2: true, rsv3: true, opcode: 15 }],
    ['03', { fin: false, rsv1: false, rsv2: false, rsv3: false, opcode: 3 }],
  ] as const)('first byte %s', (b0, fields) => {
    const { frames } = parse([hex(`${b0} 00`)]);
    expect(frames[0]).toMatchObject(fields);
  });
});

// A stream exercising every header form, masked and not, with empty frames between.
const STREAM = concat(
  hex(`81 05 ${HELLO_HEX}`),
  hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
  hex('01 03 48 65 6c'),
  hex('89 00'),
  hex('80 02 6c 6f'),
  hex('8a 80 01 02 03 04'),
  hex('82 fe 01 00 a1 b2 c3 d4'), new Uint8Array(256).map((_, i) => i),
  hex('c2 7e 00 05 01 02 03 04 05'),
  hex('82 ff 00 00 00 00 00 01 00 03 de ad be ef'), new Uint8Array(65539).map((_, i) => i * 3),
  hex('88 02 03 e8'),
);

describe('FrameParser chunking', () => {
  const whole = parse([STREAM]);

  test('parses the reference stream into 10 frames', () => {
    expect(whole.frames.map((f) => [f.seq, f.opcode, f.payloadLength])).toEqual([
      [0, 1, 5], [1, 1, 5], [2, 1, 3], [3, 9, 0], [4, 0, 2], [5, 10, 0], [6, 2, 256], [7, 2, 5], [8, 2, 65539], [9, 8, 2],
    ]);
    expect(whole.frames[7]!.nonMinimalLength).toBe(true);
    expect(whole.frames[8]!.nonMinimalLength).toBe(false);
  });

  test('one byte per push gives identical frame events', () => {
    expect(parse(chop(STREAM, 1)).frames).toEqual(whole.frames);
  });

  test.each([2, 3, 5, 7, 13, 64, 4096])('%i bytes per push gives identical frame events', (size) => {
    expect(parse(chop(STREAM, size)).frames).toEqual(whole.frames);
  });

  test('every two-way split of the first 300 bytes gives identical frame events', () => {
    const head = STREAM.subarray(0, 300);
    const ref = parse([head]).frames;
    for (let cut = 0; cut <= head.length; cut++) {
      expect(parse([head.subarray(0, cut), head.subarray(cut)]).frames).toEqual(ref);
    }
  });

  test('empty pushes change nothing', () => {
    const chunks = chop(STREAM, 50).flatMap((c) => [new Uint8Array(0), c]);
    expect(parse(chunks).frames).toEqual(whole.frames);
  });

  test('a frame arriving whole in one chunk is a view of that chunk, not a copy', () => {
    const chunk = hex(`81 05 ${HELLO_HEX}`);
    const sink = parse([chunk]);
    const f = sink.raw[0]!;
    expect(f.wire.buffer).toBe(chunk.buffer);
    expect(f.payload.buffer).toBe(chunk.buffer);
  });
});

describe('FrameParser and its sink', () => {
  test('STREAM hands over the unmasked payload in order, with final on the last piece only', () => {
    const payload = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
    const key = hex('a1 b2 c3 d4');
    const masked = payload.map((b, i) => b ^ key[i % 4]!);
    const bytes = concat(hex('82 fe 01 2c'), key, masked);
    for (const size of [1, 3, 7, 64, 1000]) {
      const sink = parse(chop(bytes, size), () => HeaderVerdict.STREAM);
      expect(sink.pieces.map((p) => p.bytes).join('')).toBe(Buffer.from(payload).toString('hex'));
      expect(sink.pieces.map((p) => p.final).lastIndexOf(true)).toBe(sink.pieces.length - 1);
      expect(sink.pieces.filter((p) => p.final)).toHaveLength(1);
      expect(sink.frames[0]!.payload).toBe(toHex(payload));
    }
  });

  test('STREAM reports an empty frame as one empty final piece', () => {
    const sink = parse([hex('81 00')], () => HeaderVerdict.STREAM);
    expect(sink.pieces).toEqual([{ seq: 0, bytes: '', final: true }]);
  });

  test('STOP ends parsing: later bytes cause no callbacks', () => {
    const sink = new Recorder((f) => (f.seq === 1 ? HeaderVerdict.STOP : HeaderVerdict.CONTINUE));
    const parser = new FrameParser(sink);
    parser.push(hex(`81 05 ${HELLO_HEX} 82 7f 00 00 00 00 ff ff ff ff`));
    parser.push(hex(`81 05 ${HELLO_HEX}`));
    expect(sink.headers.map((h) => h.seq)).toEqual([0, 1]);
    expect(sink.frames.map((f) => f.seq)).toEqual([0]);
  });

  test('a false frameComplete ends parsing', () => {
    const sink = new Recorder();
    sink.completeResult = false;
    const parser = new FrameParser(sink);
    parser.push(hex(`81 05 ${HELLO_HEX} 81 05 ${HELLO_HEX}`));
    expect(sink.frames).toHaveLength(1);
  });

  test('midFrame and framesSeen follow a frame split over pushes; receivedWire holds what has arrived', () => {
    const sink = new Recorder();
    const parser = new FrameParser(sink);
    expect(parser.midFrame).toBe(false);
    parser.push(hex('81'));
    expect(parser.midFrame).toBe(true);
    expect(parser.framesSeen).toBe(0);
    parser.push(hex('85 37 fa 21 3d 7f'));
    expect(parser.framesSeen).toBe(1);
    expect(parser.midFrame).toBe(true);
    parser.push(hex('9f 4d 51 58'));
    expect(parser.midFrame).toBe(false);
    expect(sink.frames[0]!.payload).toBe(HELLO_HEX);
    expect(toHex(parser.receivedWire(sink.raw[0]!))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  test('receivedWire of a frame in progress is its header and the payload so far', () => {
    let seen: ParsedFrame | null = null;
    let atHeader = '';
    const parser: FrameParser = new FrameParser({
      frameHeader: (f) => { seen = f; return HeaderVerdict.STREAM; },
      framePayload: (f) => { atHeader = toHex(parser.receivedWire(f))!; return true; },
      frameComplete: () => true,
    });
    parser.push(hex('81 05 48 65'));
    expect(seen).not.toBeNull();
    expect(atHeader).toBe('81 05 48 65');
  });
});
