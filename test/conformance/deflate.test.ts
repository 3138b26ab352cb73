// Autobahn groups 12 and 13 (permessage-deflate, RFC 7692): every negotiation variant is handshaken in
// memory between our client and our server, then many messages cross both ways and must arrive intact
// with RSV1 only on a compressed message's first frame; a streaming zlib peer interoperates both ways;
// and RSV1 misuse (1002), undecodable data (1007) and decompression bombs (1009) fail the connection.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Connection, headerValue, type ConnectionEvent, type DeflateOptions, type DeflateParams,
} from '../../electron/core/protocol/index.ts';
import {
  binaryOfSize, concat, decodeFrames, expectBytes, expectFailed, expectQuietOpen, feed, framesOf, hex, messagesOf, Opcode,
  openConnection, Peer, ROLES, runCase, summarize, utf8, type Role,
} from './harness.ts';

const TAIL = hex('00 00 ff ff');
const DEFAULT: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/** Text that compresses like real text (about 3/4) and not to nothing, so repetition shows. */
function textContent(size: number, seed: number): Uint8Array {
  return utf8(Buffer.from(binaryOfSize(size, seed)).toString('base64').slice(0, size));
}

// ---------------------------------------------------------------- handshake in memory

interface Variant {
  readonly id: string;
  readonly name: string;
  readonly offers: DeflateOptions[];
  readonly accept: DeflateOptions;
  /** Sec-WebSocket-Extensions the client sends, and the server answers. */
  readonly offerHeader: string;
  readonly responseHeader: string;
  readonly params: DeflateParams;
  /** Rewrites the request on its way to the server, as an intermediary or another client could send it. */
  readonly editOffer?: (header: string) => string;
}

const p = (over: Partial<DeflateParams>): DeflateParams => ({ ...DEFAULT, ...over });
const PMD = 'permessage-deflate';
const BITS = [8, 9, 10, 11, 12, 13, 14, 15];

const VARIANTS: Variant[] = [
  { id: '13.1.1', name: 'the default offer, accepted as is', offers: [{}], accept: {},
    offerHeader: `${PMD}; client_max_window_bits`, responseHeader: PMD, params: DEFAULT },
  { id: '13.2.1', name: 'client_no_context_takeover offered by the client', offers: [{ clientNoContextTakeover: true }], accept: {},
    offerHeader: `${PMD}; client_no_context_takeover; client_max_window_bits`, responseHeader: `${PMD}; client_no_context_takeover`,
    params: p({ clientNoContextTakeover: true }) },
  { id: '13.2.2', name: 'client_no_context_takeover asked for by the server', offers: [{}], accept: { clientNoContextTakeover: true },
    offerHeader: `${PMD}; client_max_window_bits`, responseHeader: `${PMD}; client_no_context_takeover`,
    params: p({ clientNoContextTakeover: true }) },
  { id: '13.3.1', name: 'server_no_context_takeover asked for by the client', offers: [{ serverNoContextTakeover: true }], accept: {},
    offerHeader: `${PMD}; server_no_context_takeover; client_max_window_bits`, responseHeader: `${PMD}; server_no_context_takeover`,
    params: p({ serverNoContextTakeover: true }) },
  { id: '13.3.2', name: 'server_no_context_takeover chosen by the server', offers: [{}], accept: { serverNoContextTakeover: true },
    offerHeader: `${PMD}; client_max_window_bits`, responseHeader: `${PMD}; server_no_context_takeover`,
    params: p({ serverNoContextTakeover: true }) },
  { id: '13.4.1', name: 'no context takeover in both directions', offers: [{ serverNoContextTakeover: true, clientNoContextTakeover: true }], accept: {},
    offerHeader: `${PMD}; server_no_context_takeover; client_no_context_takeover; client_max_window_bits`,
    responseHeader: `${PMD}; server_no_context_takeover; client_no_context_takeover`,
    params: p({ serverNoContextTakeover: true, clientNoContextTakeover: true }) },
  ...BITS.map((bits, i): Variant => ({
    id: `13.5.${i + 1}`, name: `client_max_window_bits=${bits} offered by the client`, offers: [{ clientMaxWindowBits: bits }], accept: {},
    offerHeader: `${PMD}; client_max_window_bits=${bits}`, responseHeader: `${PMD}; client_max_window_bits=${bits}`,
    params: p({ clientMaxWindowBits: bits }),
  })),
  ...BITS.map((bits, i): Variant => ({
    id: `13.6.${i + 1}`, name: `server_max_window_bits=${bits} asked for by the client`, offers: [{ serverMaxWindowBits: bits }], accept: {},
    offerHeader: `${PMD}; server_max_window_bits=${bits}; client_max_window_bits`, responseHeader: `${PMD}; server_max_window_bits=${bits}`,
    params: p({ serverMaxWindowBits: bits }),
  })),
  { id: '13.7.1', name: 'the server limiting its own window to 10 bits', offers: [{}], accept: { serverMaxWindowBits: 10 },
    offerHeader: `${PMD}; client_max_window_bits`, responseHeader: `${PMD}; server_max_window_bits=10`, params: p({ serverMaxWindowBits: 10 }) },
  { id: '13.7.2', name: 'the server limiting the client\'s window to 9 bits', offers: [{}], accept: { clientMaxWindowBits: 9 },
    offerHeader: `${PMD}; client_max_window_bits`, responseHeader: `${PMD}; client_max_window_bits=9`, params: p({ clientMaxWindowBits: 9 }) },
  { id: '13.7.3', name: 'both windows at 9 bits without context takeover',
    offers: [{ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9 }], accept: {},
    offerHeader: `${PMD}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9`,
    responseHeader: `${PMD}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9`,
    params: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9 } },
  { id: '13.8.1', name: 'an offer list, of which the server takes the first',
    offers: [{ serverNoContextTakeover: true, serverMaxWindowBits: 12 }, { clientMaxWindowBits: 10 }, {}], accept: {},
    offerHeader: `${PMD}; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits, ${PMD}; client_max_window_bits=10, ${PMD}; client_max_window_bits`,
    responseHeader: `${PMD}; server_no_context_takeover; server_max_window_bits=12`, params: p({ serverNoContextTakeover: true, serverMaxWindowBits: 12 }) },
  { id: '13.8.2', name: 'an offer list where the server skips offers it cannot accept (unknown extension, unknown parameter, bad value)',
    offers: [{ serverMaxWindowBits: 11 }], accept: {},
    offerHeader: `${PMD}; server_max_window_bits=11; client_max_window_bits`,
    editOffer: (h) => `x-webkit-deflate-frame, ${PMD}; mystery_param, ${PMD}; server_max_window_bits=16, ${h}`,
    responseHeader: `${PMD}; server_max_window_bits=11`, params: p({ serverMaxWindowBits: 11 }) },
  { id: '13.8.3', name: 'an offer list where the client matches the answer to its second offer',
    // The server never saw the first offer, so its answer lacks server_no_context_takeover, which the
    // first offer demanded; the client must fall back to the second offer (RFC 7692 §5).
    offers: [{ serverNoContextTakeover: true }, { clientMaxWindowBits: 11 }], accept: {},
    offerHeader: `${PMD}; server_no_context_takeover; client_max_window_bits, ${PMD}; client_max_window_bits=11`,
    editOffer: (h) => h.slice(h.indexOf(', ') + 2),
    responseHeader: `${PMD}; client_max_window_bits=11`, params: p({ clientMaxWindowBits: 11 }) },
];

function handshake(v: Variant): { client: Connection; server: Connection } {
  const client = new Connection({ role: 'client' });
  const server = new Connection({ role: 'server' });
  let request = Buffer.from(client.initiate({ host: 'conformance.test', path: '/deflate', deflate: v.offers })).toString('latin1');
  const offered = /^Sec-WebSocket-Extensions: (.*)\r$/m.exec(request)?.[1];
  expect(offered).toBe(v.offerHeader);
  if (v.editOffer) request = request.replace(`Sec-WebSocket-Extensions: ${offered}\r\n`, `Sec-WebSocket-Extensions: ${v.editOffer(offered!)}\r\n`);
  expect(server.receive(Buffer.from(request, 'latin1')).map((e) => e.type)).toEqual(['request']);
  const response = server.accept({ deflate: v.accept });
  // The server may speak right after its 101; the first message shares the client's read with it.
  const greeting = server.send({ type: 'text', data: 'welcome' });
  const accepted = client.receive(concat([response, greeting]));
  expect(summarize(accepted)).toEqual(['accepted', `frame text fin${v.params.serverMaxWindowBits > 8 ? ' rsv1' : ''} ${greeting.length - 2}`, 'message text 7']);
  const ev = accepted[0]!;
  expect(ev.type === 'accepted' && headerValue(ev.head.headers, 'sec-websocket-extensions')).toBe(v.responseHeader);
  expect(client.deflateParams).toEqual(v.params);
  expect(server.deflateParams).toEqual(v.params);
  expect([client.state, server.state]).toEqual(['OPEN', 'OPEN']);
  return { client, server };
}

// ---------------------------------------------------------------- exchanging messages

const SIZES = [16, 64, 256, 1024, 4096, 16384, 65536, 131072];

interface Direction {
  readonly from: Connection;
  readonly to: Connection;
  /** The sender compresses (zlib cannot deflate with an 8-bit window; such a sender sends plain). */
  readonly compresses: boolean;
  readonly takeover: boolean;
}

function directions(v: Variant, client: Connection, server: Connection): Direction[] {
  return [
    { from: client, to: server, compresses: v.params.clientMaxWindowBits > 8, takeover: !v.params.clientNoContextTakeover },
    { from: server, to: client, compresses: v.params.serverMaxWindowBits > 8, takeover: !v.params.serverNoContextTakeover },
  ];
}

/**
 * Every message arrives intact; RSV1 is on the first frame of a compressed message only; every frame of
 * it is marked compressed; the FIN frame carries the inflated message and earlier frames do not.
 */
function expectMessages(events: readonly ConnectionEvent[], sent: readonly { kind: 'text' | 'binary'; data: Uint8Array }[], compressed: boolean): void {
  let frames: ConnectionEvent[] = [];
  let n = 0;
  for (const e of events) {
    if (e.type === 'frame') {
      frames.push(e);
      continue;
    }
    expect(e.type).toBe('message');
    if (e.type !== 'message') return;
    const want = sent[n++]!;
    expect(e.opcode).toBe(want.kind === 'text' ? Opcode.TEXT : Opcode.BINARY);
    expectBytes(e.data, want.data);
    expect(e.compressed).toBe(compressed);
    const fs = framesOf(frames);
    expect(e.frames).toBe(fs.length);
    expect(fs.map((f) => f.rsv1)).toEqual(fs.map((_, i) => compressed && i === 0));
    expect(fs.every((f) => f.compressed === compressed)).toBe(true);
    expect(fs.slice(0, -1).every((f) => f.inflated === null)).toBe(true);
    if (compressed) expectBytes(fs.at(-1)!.inflated, want.data);
    else expect(fs.at(-1)!.inflated).toBeNull();
    frames = [];
  }
  expect(n).toBe(sent.length);
  expect(frames).toEqual([]);
}

function exchange(d: Direction): void {
  const sent: { kind: 'text' | 'binary'; data: Uint8Array }[] = [];
  const wire: Uint8Array[] = [];
  for (const size of SIZES) {
    for (const kind of ['text', 'binary'] as const) {
      const data = kind === 'text' ? textContent(size, size) : binaryOfSize(size, size);
      // The same content twice, the second time fragmented: context takeover has history to use.
      for (const fragmentSize of [undefined, size >= 1024 ? 1000 : 8]) {
        const bytes = d.from.send({ type: kind, data, fragmentSize });
        const frames = decodeFrames(bytes, d.from.role);
        expect(frames.map((f) => f.rsv1)).toEqual(frames.map((_, i) => d.compresses && i === 0));
        sent.push({ kind, data });
        wire.push(bytes);
      }
    }
  }
  const delivery = feed(d.to, wire, 1009);
  expectMessages(delivery.events, sent, d.compresses);
  expect(d.to.dataToSend()).toEqual([]);
  expect(d.to.state).toBe('OPEN');
}

/** Wire payload bytes of the same 180-byte text sent twice; it fits even a 9-bit window's reach. */
function repeatSizes(d: Direction): [number, number] {
  const data = textContent(180, 77);
  const sizes = [0, 1].map(() => {
    const bytes = d.from.send({ type: 'text', data });
    expect(messagesOf(d.to.receive(bytes)).map((m) => Buffer.from(m.data).equals(data))).toEqual([true]);
    return decodeFrames(bytes, d.from.role)[0]!.payload.length;
  });
  return [sizes[0]!, sizes[1]!];
}

describe('13 permessage-deflate negotiated between our client and our server', () => {
  for (const v of VARIANTS) {
    it(`${v.id} ${v.name}: every message arrives intact both ways`, () => {
      const { client, server } = handshake(v);
      for (const d of directions(v, client, server)) {
        const [first, second] = repeatSizes(d);
        if (!d.compresses) {
          expect([first, second]).toEqual([180, 180]);
        } else if (d.takeover) {
          // The repeat is a back-reference into the previous message.
          expect(second).toBeLessThan(first / 4);
        } else {
          expect(second).toBe(first);
        }
        exchange(d);
      }
    });
  }
});

// ---------------------------------------------------------------- a streaming zlib peer

/** Compresses messages one after another on one zlib stream, as ws and browsers do (RFC 7692 §7.2.1). */
async function streamingDeflate(messages: readonly Uint8Array[], windowBits: number): Promise<Uint8Array[]> {
  const deflater = zlib.createDeflateRaw({ windowBits });
  const out: Uint8Array[] = [];
  for (const m of messages) out.push(await flushed(deflater, m));
  deflater.close();
  return out.map((c) => {
    expect(c.subarray(-4)).toEqual(TAIL);
    return c.subarray(0, c.length - 4);
  });
}

/** Inflates messages one after another on one zlib stream, appending the stripped tail (RFC 7692 §7.2.2). */
async function streamingInflate(payloads: readonly Uint8Array[], windowBits: number): Promise<Uint8Array[]> {
  const inflater = zlib.createInflateRaw({ windowBits });
  const out: Uint8Array[] = [];
  for (const c of payloads) out.push(await flushed(inflater, concat([c, TAIL])));
  inflater.close();
  return out;
}

function flushed(stream: zlib.DeflateRaw | zlib.InflateRaw, input: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(input);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * Messages built from three texts that all fit in the window's reach, so a streaming deflater encodes
 * later messages as back-references into earlier ones.
 */
function conversation(windowBits: number): Uint8Array[] {
  const len = (1 << windowBits) / 8;
  const texts = [0, 1, 2].map((k) => textContent(len, 100 + k));
  return Array.from({ length: 24 }, (_, i) => concat([utf8(`#${i} `), texts[i % 3]!, binaryOfSize(i % 5, i)]));
}

describe.each(ROLES)('our %s role', (role) => {
  const peer = new Peer(role);

  for (const [id, windowBits] of [['12.1.1', 15], ['12.1.2', 11], ['12.1.3', 9]] as const) {
    it(`${id} receives messages a streaming ${windowBits}-bit zlib peer compressed with context takeover`, async () => {
      const messages = conversation(windowBits);
      const payloads = await streamingDeflate(messages, windowBits);
      // Later messages must be mostly back-references, or this case would not test context takeover.
      expect(payloads.at(-1)!.length).toBeLessThan(messages.at(-1)!.length / 4);
      const params = role === 'server' ? p({ clientMaxWindowBits: windowBits }) : p({ serverMaxWindowBits: windowBits });
      const frames = payloads.map((c, i) => i % 3 === 2 && c.length > 3
        ? [peer.frame({ opcode: Opcode.BINARY, payload: c.subarray(0, 3), rsv1: true, fin: false }), peer.continuation(c.subarray(3))]
        : [peer.frame({ opcode: Opcode.BINARY, payload: c, rsv1: true })]).flat();
      const r = runCase(role, frames, { deflate: params, chop: 777 });
      const got = messagesOf(r.events);
      expect(got).toHaveLength(messages.length);
      got.forEach((m, i) => {
        expectBytes(m.data, messages[i]!);
        expect(m.compressed).toBe(true);
      });
      expectQuietOpen(r);
    });
  }

  it('12.1.4 receives 100 KiB messages whose back-references reach across message boundaries (15-bit window)', async () => {
    const big = textContent(160 * 1024, 44);
    // Each message starts with the last 20 KiB of the one before, so matches reach up to 32 KiB back.
    const messages = [0, 1, 2].map((k) => big.subarray(k * 80 * 1024, k * 80 * 1024 + 100 * 1024));
    const payloads = await streamingDeflate(messages, 15);
    const r = runCase(role, payloads.map((c) => peer.frame({ opcode: Opcode.TEXT, payload: c, rsv1: true })), { deflate: DEFAULT, chop: 8191 });
    const got = messagesOf(r.events);
    expect(got).toHaveLength(3);
    got.forEach((m, i) => expectBytes(m.data, messages[i]!));
    expectQuietOpen(r);
  });

  for (const [id, windowBits] of [['12.2.1', 15], ['12.2.2', 9]] as const) {
    it(`${id} compresses with a ${windowBits}-bit window what a streaming ${windowBits}-bit zlib inflater (a real peer) decodes`, async () => {
      const params = role === 'client' ? p({ clientMaxWindowBits: windowBits }) : p({ serverMaxWindowBits: windowBits });
      const conn = openConnection(role, { deflate: params });
      const messages = conversation(windowBits);
      const payloads = messages.map((m) => {
        const frames = decodeFrames(conn.send({ type: 'binary', data: m }), role);
        expect(frames.map((f) => [f.rsv1, f.fin])).toEqual([[true, true]]);
        return frames[0]!.payload;
      });
      expect(payloads.at(-1)!.length).toBeLessThan(messages.at(-1)!.length / 4);
      const inflated = await streamingInflate(payloads, windowBits);
      inflated.forEach((m, i) => expectBytes(m, messages[i]!));
    });
  }

  // ---------------------------------------------------------------- violations

  const compressed = (data: Uint8Array): Uint8Array => {
    const c = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return c.subarray(0, c.length - 4);
  };

  it('13.9.1 rejects a compressed frame (RSV1) when no permessage-deflate was negotiated, with 1002', () => {
    const r = runCase(role, peer.frame({ opcode: Opcode.TEXT, payload: compressed(utf8('Hello')), rsv1: true }));
    const err = expectFailed(r, 'WS_ERR_UNEXPECTED_RSV', 1002);
    expect(err.frame?.rsv1).toBe(true);
    expect(summarize(r.events)).toHaveLength(2);
  });

  it('13.9.2 rejects RSV1 on a continuation frame with 1002', () => {
    const c = compressed(textContent(300, 1));
    const pieces = [
      peer.frame({ opcode: Opcode.TEXT, payload: c.subarray(0, 10), rsv1: true, fin: false }),
      peer.frame({ opcode: Opcode.CONTINUATION, payload: c.subarray(10), rsv1: true }),
    ];
    const r = runCase(role, pieces, { deflate: DEFAULT });
    expectFailed(r, 'WS_ERR_UNEXPECTED_RSV', 1002);
    expect(summarize(r.events)).toEqual(['frame text more rsv1 10', 'error WS_ERR_UNEXPECTED_RSV 1002', 'closed 1002 local']);
  });

  it('13.9.3 rejects RSV1 on a control frame with 1002, even with permessage-deflate', () => {
    const r = runCase(role, peer.frame({ opcode: Opcode.PING, payload: 'x', rsv1: true }), { deflate: DEFAULT });
    expectFailed(r, 'WS_ERR_UNEXPECTED_RSV', 1002);
    expect(r.sent.map((f) => f.opcode)).toEqual([Opcode.CLOSE]);
  });

  it('13.9.4 fails with 1007 on compressed data that does not inflate, at the message\'s last frame', () => {
    // BTYPE 11 is reserved in DEFLATE (RFC 1951 §3.2.3): no decoder accepts it.
    const pieces = [
      peer.frame({ opcode: Opcode.BINARY, payload: hex('ff ff'), rsv1: true, fin: false }),
      peer.continuation(hex('ff ff ff')),
    ];
    const r = runCase(role, pieces, { deflate: DEFAULT });
    expectFailed(r, 'WS_ERR_INFLATE_FAILED', 1007);
    expect(r.calls.map(summarize)).toEqual([['frame binary more rsv1 2'], ['error WS_ERR_INFLATE_FAILED 1007', 'closed 1007 local']]);
  });

  it('13.9.5 fails with 1009 on a decompression bomb that inflates past maxMessageSize', () => {
    const bomb = compressed(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const r = runCase(role, peer.frame({ opcode: Opcode.BINARY, payload: bomb, rsv1: true }), { deflate: DEFAULT, maxMessageSize: 1024 * 1024 });
    expectFailed(r, 'WS_ERR_MESSAGE_TOO_LARGE', 1009);
    expect(messagesOf(r.events)).toEqual([]);
  });

  it('13.9.6 accepts a compressed message that inflates to exactly maxMessageSize', () => {
    const data = binaryOfSize(4096, 3).fill(0x41, 1000, 3000);
    const r = runCase(role, peer.frame({ opcode: Opcode.BINARY, payload: compressed(data), rsv1: true }), { deflate: DEFAULT, maxMessageSize: 4096 });
    expectBytes(messagesOf(r.events)[0]?.data, data);
    expectQuietOpen(r);
  });

  it('13.9.7 fails with 1007 on a compressed text message that inflates to invalid UTF-8', () => {
    const r = runCase(role, peer.frame({ opcode: Opcode.TEXT, payload: compressed(hex('ce ba ed a0 80')), rsv1: true }), { deflate: DEFAULT });
    expectFailed(r, 'WS_ERR_INVALID_UTF8', 1007);
    expect(messagesOf(r.events)).toEqual([]);
  });

  it('13.9.8 accepts an uncompressed message (RSV1 clear) on a connection that negotiated permessage-deflate', () => {
    const r = runCase(role, [peer.text('plain'), peer.frame({ opcode: Opcode.TEXT, payload: compressed(utf8('squeezed')), rsv1: true })], { deflate: DEFAULT });
    expect(messagesOf(r.events).map((m) => [Buffer.from(m.data).toString(), m.compressed])).toEqual([['plain', false], ['squeezed', true]]);
    expect(framesOf(r.events).map((f) => f.inflated === null)).toEqual([true, false]);
    expectQuietOpen(r);
  });

  it('13.9.10 answers a ping between the fragments of a compressed message and completes the message', () => {
    const data = textContent(2000, 8);
    const c = compressed(data);
    const r = runCase(role, [
      peer.frame({ opcode: Opcode.TEXT, payload: c.subarray(0, 100), rsv1: true, fin: false }),
      peer.ping('mid'),
      peer.continuation(c.subarray(100)),
    ], { deflate: DEFAULT, chop: 7 });
    expect(summarize(r.events)).toEqual([
      'frame text more rsv1 100', 'frame ping fin 3', 'ping 3', `frame continuation fin ${c.length - 100}`, 'message text 2000',
    ]);
    expectBytes(messagesOf(r.events)[0]!.data, data);
    expect(r.sent.map((f) => [f.opcode, f.rsv1])).toEqual([[Opcode.PONG, false]]);
  });

  it('13.9.9 accepts empty compressed messages (an empty payload, and an empty fixed block 02 00)', () => {
    const r = runCase(role, [
      peer.frame({ opcode: Opcode.TEXT, payload: new Uint8Array(0), rsv1: true }),
      peer.frame({ opcode: Opcode.BINARY, payload: hex('02 00'), rsv1: true }),
    ], { deflate: DEFAULT });
    expect(summarize(r.events)).toEqual(['frame text fin rsv1 0', 'message text 0', 'frame binary fin rsv1 2', 'message binary 0']);
    expectQuietOpen(r);
  });
});

describe('13.10 refusing to compress', () => {
  it.each(ROLES.map((r) => [r]))('13.10.1 our %s role sends a message uncompressed when asked, on a deflate connection', (role: Role) => {
    const conn = openConnection(role, { deflate: DEFAULT });
    const frames = decodeFrames(conn.send({ type: 'text', data: 'as is', compress: false }), role);
    expect(frames.map((f) => [f.rsv1, Buffer.from(f.payload).toString()])).toEqual([[false, 'as is']]);
  });
});
