// The sans-IO connection (RFC 6455 §4-§7, RFC 7692): a client and a server joined in memory, as in
// h11's ConnectionPair, through the handshake, messages, control frames, closing, and every way a
// peer can make it fail the connection.
import { isUtf8 } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { Connection, isValidCloseCode, type ConnectionOptions } from '../../../electron/core/protocol/connection.ts';
import type { DeflateParams } from '../../../electron/core/protocol/deflate-params.ts';
import { PerMessageDeflate } from '../../../electron/core/protocol/deflate.ts';
import { LocalProtocolError, type WsErrorCode } from '../../../electron/core/protocol/errors.ts';
import type { ConnectionEvent, SendEvent } from '../../../electron/core/protocol/events.ts';
import { encodeFrame } from '../../../electron/core/protocol/frame-encoder.ts';
import type { ParsedFrame } from '../../../electron/core/protocol/frame-parser.ts';
import { decodeFrames, hex, toHex } from '../../support/bytes.ts';

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

function latin1(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('latin1');
}

type EventOf<K extends ConnectionEvent['type']> = Extract<ConnectionEvent, { type: K }>;

function ofType<K extends ConnectionEvent['type']>(events: readonly ConnectionEvent[], type: K): EventOf<K>[] {
  return events.filter((e): e is EventOf<K> => e.type === type);
}

function one<K extends ConnectionEvent['type']>(events: readonly ConnectionEvent[], type: K): EventOf<K> {
  const found = ofType(events, type);
  expect(found, `exactly one ${type} event in ${events.map((e) => e.type).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

function types(events: readonly ConnectionEvent[]): string[] {
  return events.map((e) => (e.type === 'frame' ? `frame:${e.opcode}` : e.type));
}

function closeCodeOf(f: ParsedFrame): number | null {
  return f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : null;
}

const KEY = hex('37 fa 21 3d');
const fixedMask = () => KEY;
const HELLO = new Uint8Array(Buffer.from('Hello'));
/** "κόσμε" as in the UTF-8 stress tests: ce ba e1 bd b9 cf 83 ce bc ce b5. */
const KOSME = '\u03ba\u1f79\u03c3\u03bc\u03b5';
const DEFLATE: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

type Side = 'client' | 'server';

/** Two connections joined in memory: what one side writes goes straight into the other. */
class ConnectionPair {
  readonly client: Connection;
  readonly server: Connection;

  constructor(client: Connection, server: Connection) {
    this.client = client;
    this.server = server;
  }

  /** Both sides OPEN from the start, as after a handshake done elsewhere. */
  static open(opts: { client?: Partial<ConnectionOptions>; server?: Partial<ConnectionOptions>; deflate?: DeflateParams | null } = {}): ConnectionPair {
    const deflate = opts.deflate ?? null;
    return new ConnectionPair(
      new Connection({ role: 'client', open: { deflate }, maskSource: fixedMask, ...opts.client }),
      new Connection({ role: 'server', open: { deflate }, ...opts.server }),
    );
  }

  peer(side: Side): Connection {
    return side === 'client' ? this.server : this.client;
  }

  /** `side` sends `ev`; returns what its peer makes of the bytes. */
  send(side: Side, ev: SendEvent): ConnectionEvent[] {
    return this.peer(side).receive(this[side].send(ev));
  }

  /** Delivers what `side` wrote on its own (pongs, close replies, failure closes); returns the peer's events. */
  flush(side: Side): ConnectionEvent[] {
    return this[side].dataToSend().flatMap((chunk) => this.peer(side).receive(chunk));
  }
}

/** A full opening handshake in memory; returns the pair and the events of each step. */
function handshake(
  initiate: Parameters<Connection['initiate']>[0] = { host: 'example.com', path: '/chat' },
  accept: Parameters<Connection['accept']>[0] = {},
  opts: { client?: Partial<ConnectionOptions>; server?: Partial<ConnectionOptions> } = {},
) {
  const client = new Connection({ role: 'client', maskSource: fixedMask, ...opts.client });
  const server = new Connection({ role: 'server', ...opts.server });
  const requestEvents = server.receive(client.initiate(initiate));
  const response = server.accept(accept);
  const responseEvents = client.receive(response);
  return { pair: new ConnectionPair(client, server), requestEvents, responseEvents, response };
}

describe('opening handshake', () => {
  test('client and server complete the handshake in memory and are both OPEN', () => {
    const client = new Connection({ role: 'client', maskSource: fixedMask });
    const server = new Connection({ role: 'server' });
    expect([client.state, server.state]).toEqual(['CONNECTING', 'CONNECTING']);
    const request = client.initiate({ host: 'example.com', path: '/chat?room=1', subprotocols: ['chat', 'superchat'], origin: 'http://example.com' });
    const req = one(server.receive(request), 'request');
    expect(req.request).toMatchObject({ path: '/chat?room=1', host: 'example.com', subprotocols: ['chat', 'superchat'], origin: 'http://example.com' });
    expect(server.state).toBe('CONNECTING');
    const response = server.accept({ protocol: 'superchat' });
    expect(server.state).toBe('OPEN');
    expect(latin1([response])).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    const accepted = one(client.receive(response), 'accepted');
    expect([accepted.protocol, accepted.deflate, accepted.extensions]).toEqual(['superchat', null, null]);
    expect(client.state).toBe('OPEN');
  });

  test('completes when every byte of the request and the response arrives separately', () => {
    const client = new Connection({ role: 'client', maskSource: fixedMask });
    const server = new Connection({ role: 'server' });
    const request = client.initiate({ host: 'h', path: '/' });
    const serverEvents = Array.from(request).flatMap((b) => server.receive(Uint8Array.of(b)));
    expect(types(serverEvents)).toEqual(['request']);
    const response = server.accept();
    const clientEvents = Array.from(response).flatMap((b) => client.receive(Uint8Array.of(b)));
    expect(types(clientEvents)).toEqual(['accepted']);
  });

  test('negotiates permessage-deflate and compresses messages both ways', () => {
    const { pair, responseEvents } = handshake({ host: 'h', path: '/', deflate: [{}] }, { deflate: {} });
    const accepted = one(responseEvents, 'accepted');
    expect(accepted.extensions).toBe('permessage-deflate');
    expect(pair.client.deflateParams).toEqual(DEFLATE);
    expect(pair.server.deflateParams).toEqual(DEFLATE);
    for (const side of ['client', 'server'] as const) {
      const text = 'compress me '.repeat(50);
      const events = pair.send(side, { type: 'text', data: text });
      const [frame] = ofType(events, 'frame');
      expect(frame).toMatchObject({ rsv1: true, compressed: true });
      expect(frame!.payloadLength).toBeLessThan(100);
      expect(utf8(frame!.inflated!)).toBe(text);
      const message = one(events, 'message');
      expect([message.compressed, utf8(message.data)]).toEqual([true, text]);
    }
  });

  test('a client offering the default deflate accepts a server that limits the client window (client_max_window_bits=10)', () => {
    const { pair, responseEvents } = handshake({ host: 'h', path: '/', deflate: [{}] }, { deflate: { clientMaxWindowBits: 10 } });
    expect(types(responseEvents)).toEqual(['accepted']);
    expect(pair.client.deflateParams?.clientMaxWindowBits).toBe(10);
    const message = one(pair.send('client', { type: 'text', data: 'x'.repeat(5000) }), 'message');
    expect(utf8(message.data)).toBe('x'.repeat(5000));
  });

  test('keeps frames a client sent right behind its request until accept(), then reports them', () => {
    const client = new Connection({ role: 'client', maskSource: fixedMask });
    const server = new Connection({ role: 'server' });
    const request = client.initiate({ host: 'h', path: '/' });
    const events = server.receive(Buffer.concat([request, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')]));
    expect(types(events)).toEqual(['request']);
    expect(server.receive(hex('81 80 00 00 00 00'))).toEqual([]);
    server.accept();
    const later = server.pollEvents();
    expect(types(later)).toEqual(['frame:1', 'message', 'frame:1', 'message']);
    expect(utf8(ofType(later, 'message')[0]!.data)).toBe('Hello');
  });

  test('reports a frame that arrives in the same chunk as the 101 response', () => {
    const client = new Connection({ role: 'client', maskSource: fixedMask });
    const server = new Connection({ role: 'server' });
    server.receive(client.initiate({ host: 'h', path: '/' }));
    const response = server.accept();
    const events = client.receive(Buffer.concat([response, hex('81 05 48 65 6c 6c 6f')]));
    expect(types(events)).toEqual(['accepted', 'frame:1', 'message']);
  });

  test('a bad Sec-WebSocket-Accept fails the client handshake with WS_ERR_BAD_ACCEPT and CLOSED', () => {
    const client = new Connection({ role: 'client' });
    client.initiate({ host: 'h', path: '/', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
    const events = client.receive(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n'));
    expect(types(events)).toEqual(['handshake-failed', 'closed']);
    expect(one(events, 'handshake-failed').code).toBe('WS_ERR_BAD_ACCEPT');
    expect(one(events, 'closed')).toMatchObject({ code: 1006, clean: false });
    expect(client.state).toBe('CLOSED');
    expect(client.receive(hex('81 05 48 65 6c 6c 6f'))).toEqual([]);
  });

  test('a request with Sec-WebSocket-Version 8 fails the server handshake and queues a 426 naming version 13', () => {
    const server = new Connection({ role: 'server' });
    const events = server.receive(Buffer.from(
      'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n'));
    expect(types(events)).toEqual(['handshake-failed', 'closed']);
    expect(one(events, 'handshake-failed').code).toBe('WS_ERR_BAD_VERSION');
    const reply = latin1(server.dataToSend());
    expect(reply).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    expect(reply).toContain('\r\nSec-WebSocket-Version: 13\r\n');
    expect(server.state).toBe('CLOSED');
  });

  test('a rejection reaches the client as rejected, then body events, then closed 1006 at end of stream', () => {
    const client = new Connection({ role: 'client' });
    const server = new Connection({ role: 'server' });
    server.receive(client.initiate({ host: 'h', path: '/' }));
    const bytes = server.reject(403, 'Forbidden', [['X-Why', 'origin']], 'not allowed');
    expect(server.state).toBe('CLOSED');
    const events = client.receive(bytes);
    expect(types(events)).toEqual(['rejected', 'body']);
    const rejected = one(events, 'rejected');
    expect(rejected.status).toBe(403);
    expect(rejected.head.headers).toContainEqual(['X-Why', 'origin']);
    expect(utf8(one(events, 'body').data)).toBe('not allowed');
    expect(types(client.receive(Buffer.from(' more')))).toEqual(['body']);
    const closed = one(client.receive(null), 'closed');
    expect(closed).toMatchObject({ code: 1006, clean: false });
    expect(client.state).toBe('CLOSED');
  });

  test('refuses handshake calls made in the wrong role or state with LocalProtocolError', () => {
    const client = new Connection({ role: 'client' });
    const server = new Connection({ role: 'server' });
    expect(() => server.initiate({ host: 'h', path: '/' })).toThrow(LocalProtocolError);
    expect(() => client.accept()).toThrow(LocalProtocolError);
    expect(() => server.accept()).toThrow(LocalProtocolError);
    expect(() => client.reject()).toThrow(LocalProtocolError);
    expect(() => client.receive(Buffer.from('HTTP/1.1 101 OK\r\n\r\n'))).toThrow(LocalProtocolError);
    expect(() => client.send({ type: 'text', data: 'too early' })).toThrow(LocalProtocolError);
    expect(() => client.send({ type: 'raw', frame: { opcode: 1, payload: HELLO } })).toThrow(LocalProtocolError);
    client.initiate({ host: 'h', path: '/' });
    expect(() => client.initiate({ host: 'h', path: '/' })).toThrow(LocalProtocolError);
  });
});

describe('messages', () => {
  test('text and binary messages travel both ways with their frame events', () => {
    const pair = ConnectionPair.open();
    const toServer = pair.send('client', { type: 'text', data: 'héllo' });
    expect(types(toServer)).toEqual(['frame:1', 'message']);
    const frame = one(toServer, 'frame');
    expect(frame).toMatchObject({ seq: 0, fin: true, masked: true, opcode: 1, payloadLength: 6, headerLength: 6, compressed: false, inflated: null });
    expect(toHex(frame.maskKey!)).toBe('37 fa 21 3d');
    expect(utf8(frame.payload)).toBe('héllo');
    const message = one(toServer, 'message');
    expect(message).toMatchObject({ opcode: 1, compressed: false, frames: 1, firstSeq: 0, lastSeq: 0 });
    expect(utf8(message.data)).toBe('héllo');

    const toClient = pair.send('server', { type: 'binary', data: hex('00 ff 10') });
    expect(one(toClient, 'frame')).toMatchObject({ masked: false, maskKey: null, opcode: 2 });
    expect(toHex(one(toClient, 'frame').wire)).toBe('82 03 00 ff 10');
    expect(toHex(one(toClient, 'message').data)).toBe('00 ff 10');
  });

  test('the client writes the RFC 6455 §5.7 masked "Hello" byte for byte', () => {
    const pair = ConnectionPair.open();
    expect(toHex(pair.client.send({ type: 'text', data: 'Hello' }))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(toHex(pair.server.send({ type: 'text', data: 'Hello' }))).toBe('81 05 48 65 6c 6c 6f');
  });

  test('fragmentSize splits a message into a first frame and continuations, assembled back into one message', () => {
    const pair = ConnectionPair.open();
    const events = pair.send('client', { type: 'text', data: KOSME, fragmentSize: 3 });
    const frames = ofType(events, 'frame');
    expect(frames.map((f) => [f.seq, f.opcode, f.fin, f.payloadLength])).toEqual([[0, 1, false, 3], [1, 0, false, 3], [2, 0, false, 3], [3, 0, true, 2]]);
    const message = one(events, 'message');
    expect(message).toMatchObject({ frames: 4, firstSeq: 0, lastSeq: 3 });
    expect(utf8(message.data)).toBe(KOSME);
  });

  test('an empty text message is one empty frame and one empty message', () => {
    const pair = ConnectionPair.open();
    const events = pair.send('server', { type: 'text', data: '' });
    expect(types(events)).toEqual(['frame:1', 'message']);
    expect(one(events, 'message').data.length).toBe(0);
  });

  test('a ping between the fragments of a message is reported in place and the message still assembles', () => {
    const pair = ConnectionPair.open();
    const events = pair.client.receive(hex('01 03 48 65 6c 89 02 68 69 80 02 6c 6f'));
    expect(types(events)).toEqual(['frame:1', 'frame:9', 'ping', 'frame:0', 'message']);
    expect(one(events, 'message')).toMatchObject({ frames: 2, firstSeq: 0, lastSeq: 2 });
    expect(utf8(one(events, 'message').data)).toBe('Hello');
  });

  test('inflates the RFC 7692 §7.2.3.1 fragmented compressed message on its FIN frame', () => {
    const pair = ConnectionPair.open({ deflate: DEFLATE });
    const events = pair.client.receive(hex('41 03 f2 48 cd 80 04 c9 c9 07 00'));
    const frames = ofType(events, 'frame');
    expect(frames.map((f) => [f.compressed, f.inflated === null ? null : utf8(f.inflated)])).toEqual([[true, null], [true, 'Hello']]);
    expect(one(events, 'message')).toMatchObject({ compressed: true, frames: 2 });
  });

  test('inflates the RFC 7692 §7.2.3.2 pair c1 07 f2 48 cd c9 c9 07 00, c1 05 f2 00 11 00 00 with context takeover', () => {
    const pair = ConnectionPair.open({ deflate: DEFLATE });
    const events = pair.client.receive(hex('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00'));
    expect(ofType(events, 'message').map((m) => utf8(m.data))).toEqual(['Hello', 'Hello']);
  });

  test('compress: false sends an uncompressed message on a deflate connection', () => {
    const pair = ConnectionPair.open({ deflate: DEFLATE });
    const events = pair.send('server', { type: 'text', data: 'plain', compress: false });
    expect(one(events, 'frame').rsv1).toBe(false);
    expect(one(events, 'message')).toMatchObject({ compressed: false });
  });

  test('a compressed message split with fragmentSize sets RSV1 on its first frame only', () => {
    const pair = ConnectionPair.open({ deflate: DEFLATE });
    const data = Array.from({ length: 400 }, (_, i) => `${i * 7919}`).join(',');
    const events = pair.send('client', { type: 'text', data, fragmentSize: 16 });
    const frames = ofType(events, 'frame');
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.map((f) => f.rsv1)).toEqual(frames.map((_, i) => i === 0));
    expect(utf8(one(events, 'message').data)).toBe(data);
  });

  test('validateUtf8: false delivers invalid text as it came', () => {
    const pair = ConnectionPair.open({ client: { validateUtf8: false } });
    const events = pair.client.receive(hex('81 02 c0 80'));
    expect(toHex(one(events, 'message').data)).toBe('c0 80');
    expect(pair.client.state).toBe('OPEN');
  });

  test('refuses a fragment size that is not a positive integer', () => {
    const pair = ConnectionPair.open();
    expect(() => pair.client.send({ type: 'binary', data: HELLO, fragmentSize: 0 })).toThrow(LocalProtocolError);
    expect(() => pair.client.send({ type: 'binary', data: HELLO, fragmentSize: 1.5 })).toThrow(LocalProtocolError);
  });
});

describe('ping and pong', () => {
  test('answers a ping with a pong carrying the same data, queued in dataToSend()', () => {
    const pair = ConnectionPair.open();
    const events = pair.send('client', { type: 'ping', data: 'are you there' });
    expect(types(events)).toEqual(['frame:9', 'ping']);
    expect(utf8(one(events, 'ping').data)).toBe('are you there');
    const out = pair.server.dataToSend();
    expect(decodeFrames(out).map((f) => [f.opcode, f.masked, utf8(f.payload)])).toEqual([[0xa, false, 'are you there']]);
    const back = pair.client.receive(out[0]!);
    expect(types(back)).toEqual(['frame:10', 'pong']);
    expect(utf8(one(back, 'pong').data)).toBe('are you there');
    expect(pair.server.dataToSend()).toEqual([]);
  });

  test('the client\'s automatic pong is masked', () => {
    const pair = ConnectionPair.open();
    pair.send('server', { type: 'ping', data: hex('01 02') });
    expect(decodeFrames(pair.client.dataToSend()).map((f) => [f.opcode, f.masked, toHex(f.payload)])).toEqual([[0xa, true, '01 02']]);
  });

  test('with autoPong off a ping is reported and left for the application to answer', () => {
    const pair = ConnectionPair.open({ server: { autoPong: false } });
    expect(types(pair.send('client', { type: 'ping' }))).toEqual(['frame:9', 'ping']);
    expect(pair.server.dataToSend()).toEqual([]);
    expect(types(pair.send('server', { type: 'pong', data: 'manual' }))).toEqual(['frame:10', 'pong']);
  });

  test('an unsolicited pong is reported and not answered', () => {
    const pair = ConnectionPair.open();
    expect(types(pair.send('server', { type: 'pong', data: 'heartbeat' }))).toEqual(['frame:10', 'pong']);
    expect(pair.client.dataToSend()).toEqual([]);
  });

  test('refuses to send a ping or pong longer than 125 bytes', () => {
    const pair = ConnectionPair.open();
    expect(() => pair.client.send({ type: 'ping', data: new Uint8Array(126) })).toThrow(LocalProtocolError);
    expect(() => pair.client.send({ type: 'pong', data: 'x'.repeat(126) })).toThrow(LocalProtocolError);
    expect(pair.client.send({ type: 'ping', data: new Uint8Array(125) }).length).toBe(2 + 4 + 125);
  });
});

describe('closing handshake', () => {
  test.each(['client', 'server'] as const)('started by the %s: both sides end CLOSED, clean, with the code sent', (starter) => {
    const pair = ConnectionPair.open();
    const other = starter === 'client' ? 'server' : 'client';
    const events = pair.send(starter, { type: 'close', code: 1000, reason: 'done' });
    expect(pair[starter].state).toBe('LOCAL_CLOSING');
    expect(types(events)).toEqual(['frame:8', 'close', 'closed']);
    expect(one(events, 'close')).toMatchObject({ code: 1000, reason: 'done' });
    expect(one(events, 'closed')).toEqual({ type: 'closed', code: 1000, reason: 'done', by: 'remote', clean: true });
    expect(pair[other].state).toBe('CLOSED');
    const reply = pair[other].dataToSend();
    expect(decodeFrames(reply).map((f) => [f.opcode, closeCodeOf(f), f.masked])).toEqual([[8, 1000, other === 'client']]);
    const back = reply.flatMap((c) => pair[starter].receive(c));
    expect(types(back)).toEqual(['frame:8', 'close', 'closed']);
    expect(one(back, 'closed')).toMatchObject({ code: 1000, by: 'local', clean: true });
    expect(pair[starter].state).toBe('CLOSED');
  });

  test('a close without a code is answered with an empty close and reported as 1005', () => {
    const pair = ConnectionPair.open();
    const events = pair.send('client', { type: 'close' });
    expect(one(events, 'close').code).toBeNull();
    expect(one(events, 'closed').code).toBe(1005);
    const reply = decodeFrames(pair.server.dataToSend());
    expect(reply.map((f) => [f.opcode, f.payloadLength])).toEqual([[8, 0]]);
  });

  test('with autoCloseReply off the peer\'s close leaves REMOTE_CLOSING; the application may still send, then closes', () => {
    const pair = ConnectionPair.open({ server: { autoCloseReply: false } });
    const events = pair.send('client', { type: 'close', code: 1001, reason: 'going' });
    expect(types(events)).toEqual(['frame:8', 'close']);
    expect(pair.server.state).toBe('REMOTE_CLOSING');
    expect(pair.server.dataToSend()).toEqual([]);
    // The client still reads after sending its close (RFC 6455 §7.1.2 waits for the peer's close).
    expect(utf8(one(pair.send('server', { type: 'text', data: 'last words' }), 'message').data)).toBe('last words');
    const bytes = pair.server.send({ type: 'close', code: 1000 });
    expect(pair.server.state).toBe('CLOSED');
    expect(one(pair.server.pollEvents(), 'closed')).toMatchObject({ code: 1001, reason: 'going', by: 'remote', clean: true });
    expect(one(pair.client.receive(bytes), 'closed')).toMatchObject({ code: 1000, by: 'local', clean: true });
    expect(() => pair.server.send({ type: 'close' })).toThrow(LocalProtocolError);
  });

  test('frames after a close frame are shown but start no message', () => {
    const pair = ConnectionPair.open({ client: { autoCloseReply: false } });
    const events = pair.client.receive(hex('88 02 03 e8 81 05 48 65 6c 6c 6f'));
    expect(types(events)).toEqual(['frame:8', 'close', 'frame:1']);
  });

  test('closes crossing in flight end both sides CLOSED and clean', () => {
    const pair = ConnectionPair.open();
    const fromClient = pair.client.send({ type: 'close', code: 1000 });
    const fromServer = pair.server.send({ type: 'close', code: 1001 });
    expect(one(pair.server.receive(fromClient), 'closed')).toMatchObject({ code: 1000, clean: true, by: 'local' });
    expect(one(pair.client.receive(fromServer), 'closed')).toMatchObject({ code: 1001, clean: true, by: 'local' });
    expect(pair.client.dataToSend()).toEqual([]);
    expect(pair.server.dataToSend()).toEqual([]);
  });

  test('receive(null) while OPEN reports closed 1006, abnormal', () => {
    const pair = ConnectionPair.open();
    expect(pair.client.receive(null)).toEqual([{ type: 'closed', code: 1006, reason: expect.any(String), by: 'abnormal', clean: false }]);
    expect(pair.client.state).toBe('CLOSED');
    expect(pair.client.receive(null)).toEqual([]);
  });

  test('receive(null) in the middle of a frame, or after sending a close, reports closed 1006', () => {
    const mid = ConnectionPair.open();
    mid.client.receive(hex('81 05 48 65'));
    expect(one(mid.client.receive(null), 'closed')).toMatchObject({ code: 1006, by: 'abnormal', clean: false });
    const closing = ConnectionPair.open();
    closing.client.send({ type: 'close', code: 1000 });
    expect(one(closing.client.receive(null), 'closed')).toMatchObject({ code: 1006, clean: false });
  });

  test('receive(null) after the peer\'s close, with the reply not sent, reports the peer\'s code, unclean', () => {
    const pair = ConnectionPair.open({ server: { autoCloseReply: false } });
    pair.send('client', { type: 'close', code: 4000, reason: 'bye' });
    expect(one(pair.server.receive(null), 'closed')).toMatchObject({ code: 4000, reason: 'bye', clean: false });
  });

  test.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])('refuses to send close code %i', (code) => {
    const pair = ConnectionPair.open();
    expect(() => pair.client.send({ type: 'close', code })).toThrow(LocalProtocolError);
    expect(pair.client.state).toBe('OPEN');
  });

  test('refuses a close reason longer than 123 bytes or without a code', () => {
    const pair = ConnectionPair.open();
    expect(() => pair.client.send({ type: 'close', code: 1000, reason: 'é'.repeat(62) })).toThrow(LocalProtocolError);
    expect(() => pair.client.send({ type: 'close', reason: 'why' })).toThrow(LocalProtocolError);
    expect(pair.client.send({ type: 'close', code: 4999, reason: 'x'.repeat(123) }).length).toBe(2 + 4 + 125);
  });

  test('after its own close refuses data frames and a second close but still sends pings and pongs (RFC 6455 §5.5.1)', () => {
    const pair = ConnectionPair.open();
    pair.client.send({ type: 'close', code: 1000 });
    const refused: SendEvent[] = [{ type: 'text', data: 'x' }, { type: 'binary', data: HELLO }, { type: 'close', code: 1000 }];
    for (const ev of refused) expect(() => pair.client.send(ev), `${ev.type} in LOCAL_CLOSING`).toThrow(LocalProtocolError);
    expect(decodeFrames([pair.client.send({ type: 'ping', data: 'p' }), pair.client.send({ type: 'pong' })]).map((f) => f.opcode)).toEqual([9, 10]);
  });

  test('answers a ping that arrives after its own close', () => {
    const pair = ConnectionPair.open();
    pair.client.send({ type: 'close', code: 1000 });
    expect(types(pair.client.receive(hex('89 01 7a')))).toEqual(['frame:9', 'ping']);
    expect(decodeFrames(pair.client.dataToSend()).map((f) => [f.opcode, toHex(f.payload)])).toEqual([[10, '7a']]);
  });

  test('refuses every send once CLOSED', () => {
    const pair = ConnectionPair.open();
    pair.client.receive(null);
    expect(pair.client.state).toBe('CLOSED');
    const sends: SendEvent[] = [
      { type: 'text', data: 'x' }, { type: 'binary', data: HELLO }, { type: 'ping' }, { type: 'pong' }, { type: 'close', code: 1000 },
    ];
    for (const ev of sends) expect(() => pair.client.send(ev), `${ev.type} in CLOSED`).toThrow(LocalProtocolError);
  });
});

describe('isValidCloseCode', () => {
  test('follows RFC 6455 §7.4: 1000-1003, 1007-1014 and 3000-4999 only', () => {
    const valid = [];
    for (let code = 0; code < 70000; code++) if (isValidCloseCode(code)) valid.push(code);
    const expected = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
    for (let code = 3000; code <= 4999; code++) expected.push(code);
    expect(valid).toEqual(expected);
  });
});

interface FailureCase {
  readonly name: string;
  /** The role of the connection receiving the bytes. */
  readonly role: Side;
  readonly chunks: readonly string[];
  readonly code: WsErrorCode;
  readonly closeCode: number;
  /** Sequence number of the offending frame. */
  readonly seq: number;
  readonly options?: Partial<ConnectionOptions>;
  readonly deflate?: boolean;
}

/** Compressed by a server, for the client-role cases. */
function serverDeflated(data: Uint8Array): string {
  return toHex(new PerMessageDeflate(DEFLATE, 'server').deflate(data));
}

const BIG_COMPRESSED = serverDeflated(new Uint8Array(100_000));
const INVALID_UTF8_COMPRESSED = serverDeflated(hex('48 69 c0 80'));

function lenHex(n: number): string {
  return n < 126 ? n.toString(16).padStart(2, '0') : n < 65536 ? `7e ${n.toString(16).padStart(4, '0')}` : `7f ${n.toString(16).padStart(16, '0')}`;
}

const FAILURES: readonly FailureCase[] = [
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op): FailureCase => ({
    name: `reserved opcode 0x${op.toString(16)}`, role: 'client', chunks: [`8${op.toString(16)} 00`], code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, seq: 0,
  })),
  { name: 'RSV1 without a negotiated extension', role: 'client', chunks: ['c1 05 48 65 6c 6c 6f'], code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, seq: 0 },
  { name: 'RSV2', role: 'client', chunks: ['a1 00'], code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, seq: 0, deflate: true },
  { name: 'RSV3', role: 'client', chunks: ['91 00'], code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, seq: 0, deflate: true },
  { name: 'RSV1 on a ping with deflate', role: 'client', chunks: ['c9 00'], code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, seq: 0, deflate: true },
  { name: 'RSV1 on a continuation with deflate', role: 'client', chunks: ['01 01 41 c0 01 42'], code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, seq: 1, deflate: true },
  { name: 'an unmasked frame from a client', role: 'server', chunks: ['81 05 48 65 6c 6c 6f'], code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002, seq: 0 },
  { name: 'a masked frame from a server', role: 'client', chunks: ['81 85 37 fa 21 3d 7f 9f 4d 51 58'], code: 'WS_ERR_UNEXPECTED_MASK', closeCode: 1002, seq: 0 },
  { name: 'a ping with FIN clear', role: 'client', chunks: ['09 00'], code: 'WS_ERR_FRAGMENTED_CONTROL_FRAME', closeCode: 1002, seq: 0 },
  { name: 'a close with FIN clear', role: 'server', chunks: ['08 80 00 00 00 00'], code: 'WS_ERR_FRAGMENTED_CONTROL_FRAME', closeCode: 1002, seq: 0 },
  { name: 'a 126-byte ping (header only)', role: 'client', chunks: ['89 7e 00 7e'], code: 'WS_ERR_CONTROL_FRAME_TOO_LONG', closeCode: 1002, seq: 0 },
  { name: 'a 126-byte pong', role: 'client', chunks: [`8a 7e 00 7e ${'00 '.repeat(126)}`], code: 'WS_ERR_CONTROL_FRAME_TOO_LONG', closeCode: 1002, seq: 0 },
  { name: 'a close with a 1-byte payload', role: 'client', chunks: ['88 01 03'], code: 'WS_ERR_INVALID_CLOSE_PAYLOAD', closeCode: 1002, seq: 0 },
  { name: 'a 64-bit length of 2^63 (header only)', role: 'client', chunks: ['82 7f 80 00 00 00 00 00 00 00'], code: 'WS_ERR_INVALID_LENGTH', closeCode: 1002, seq: 0 },
  { name: 'a 64-bit length of 2^64-1 (header only)', role: 'server', chunks: ['82 ff ff ff ff ff ff ff ff ff 00 00 00 00'], code: 'WS_ERR_INVALID_LENGTH', closeCode: 1002, seq: 0 },
  { name: 'a 64-bit length of 2^63-1, legal but past the limit (header only)', role: 'client', chunks: ['82 7f 7f ff ff ff ff ff ff ff'], code: 'WS_ERR_FRAME_TOO_LARGE', closeCode: 1009, seq: 0 },
  { name: 'a 4 GiB frame past the default 64 MiB limit (header only)', role: 'client', chunks: ['82 7f 00 00 00 01 00 00 00 00'], code: 'WS_ERR_FRAME_TOO_LARGE', closeCode: 1009, seq: 0 },
  { name: 'a frame one byte past maxFrameSize (header only)', role: 'client', chunks: ['82 7e 03 e9'], code: 'WS_ERR_FRAME_TOO_LARGE', closeCode: 1009, seq: 0, options: { maxFrameSize: 1000 } },
  { name: 'a continuation with no message started', role: 'client', chunks: ['80 01 41'], code: 'WS_ERR_INVALID_CONTINUATION', closeCode: 1002, seq: 0 },
  { name: 'a new message inside a fragmented one', role: 'client', chunks: ['01 01 41 81 01 42'], code: 'WS_ERR_EXPECTED_CONTINUATION', closeCode: 1002, seq: 1 },
  { name: 'a binary frame inside a fragmented text message, after a ping', role: 'client', chunks: ['01 01 41 89 00 02 01 42'], code: 'WS_ERR_EXPECTED_CONTINUATION', closeCode: 1002, seq: 2 },
  { name: 'a fourth fragment with maxFragments 3', role: 'client', chunks: ['01 01 41 00 01 42 00 01 43 80 01 44'], code: 'WS_ERR_TOO_MANY_FRAGMENTS', closeCode: 1009, seq: 3, options: { maxFragments: 3 } },
  { name: 'fragments adding up past maxMessageSize', role: 'client', chunks: ['02 06 01 02 03 04 05 06 80 06'], code: 'WS_ERR_MESSAGE_TOO_LARGE', closeCode: 1009, seq: 1, options: { maxMessageSize: 10 } },
  { name: 'a compressed message inflating past maxMessageSize', role: 'client', chunks: [`c2 ${lenHex(hex(BIG_COMPRESSED).length)} ${BIG_COMPRESSED}`], code: 'WS_ERR_MESSAGE_TOO_LARGE', closeCode: 1009, seq: 0, deflate: true, options: { maxMessageSize: 50_000 } },
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code): FailureCase => ({
    name: `close code ${code}`, role: 'client', chunks: [`88 02 ${code.toString(16).padStart(4, '0')}`], code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002, seq: 0,
  })),
  { name: 'a close reason that is not UTF-8', role: 'client', chunks: ['88 04 03 e8 c0 80'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 0 },
  { name: 'an overlong in a text frame', role: 'client', chunks: ['81 02 c0 80'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 0 },
  { name: 'a surrogate in a masked text frame', role: 'server', chunks: ['81 83 00 00 00 00 ed a0 80'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 0 },
  { name: 'text ending inside a UTF-8 sequence', role: 'client', chunks: ['81 03 41 ce ba 01 01 ce 80 00'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 2 },
  { name: 'a surrogate split across fragments', role: 'client', chunks: ['01 02 41 ed 80 01 a0'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 1 },
  { name: 'a bad byte inside a partly received text frame (rest never sent)', role: 'client', chunks: ['81 0a 48 65 6c f8'], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 0 },
  { name: 'compressed text that is not UTF-8 once inflated', role: 'client', chunks: [`c1 ${lenHex(hex(INVALID_UTF8_COMPRESSED).length)} ${INVALID_UTF8_COMPRESSED}`], code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, seq: 0, deflate: true },
  { name: 'compressed bytes that are not DEFLATE data', role: 'client', chunks: ['c2 04 07 ff ff ff'], code: 'WS_ERR_INFLATE_FAILED', closeCode: 1007, seq: 0, deflate: true },
];

describe('failing the connection (RFC 6455 §7.1.7)', () => {
  test.each(FAILURES)('$name: $code, close $closeCode', (c) => {
    const make = () => new Connection({ role: c.role, open: { deflate: c.deflate ? DEFLATE : null }, maskSource: fixedMask, ...c.options });
    const bystander = make();
    const conn = make();
    const events = c.chunks.flatMap((chunk) => conn.receive(hex(chunk)));

    const errors = ofType(events, 'error');
    expect(errors.map((e) => [e.code, e.closeCode, e.seq])).toEqual([[c.code, c.closeCode, c.seq]]);
    const err = errors[0]!;
    expect(err.reason.length).toBeGreaterThan(0);
    expect(err.frame).not.toBeNull();
    // The offending frame's bytes as received start with its header.
    const all = Buffer.concat(c.chunks.map(hex));
    expect(err.frame!.received.length).toBeGreaterThanOrEqual(2);
    expect(all.includes(Buffer.from(err.frame!.received))).toBe(true);

    expect(events.at(-1)).toEqual({ type: 'closed', code: c.closeCode, reason: err.reason, by: 'local', clean: false });
    expect(conn.state).toBe('CLOSED');

    // Exactly one close frame is queued, last, with the error's close code, masked iff the connection is a
    // client (a pong for a ping that came before the bad frame may precede it).
    const out = decodeFrames(conn.dataToSend());
    const closes = out.filter((f) => f.opcode === 8);
    expect(closes.map((f) => [closeCodeOf(f), f.masked])).toEqual([[c.closeCode, c.role === 'client']]);
    expect(out.at(-1)).toBe(closes[0]);
    expect(closes[0]!.payloadLength).toBeLessThanOrEqual(125);
    expect(isUtf8(closes[0]!.payload.subarray(2))).toBe(true);

    // Nothing more is read.
    const valid = c.role === 'client' ? '81 05 48 65 6c 6c 6f' : '81 85 37 fa 21 3d 7f 9f 4d 51 58';
    expect(conn.receive(hex(valid))).toEqual([]);
    expect(conn.receive(null)).toEqual([]);
    expect(conn.dataToSend()).toEqual([]);

    // Another connection is not affected.
    expect(types(bystander.receive(hex(valid)))).toEqual(['frame:1', 'message']);
    expect(bystander.state).toBe('OPEN');
  });

  test('a huge length claim fails as soon as its header has arrived, with nothing after it', () => {
    for (const [header, code] of [['82 7f 80 00 00 00 00 00 00 00', 'WS_ERR_INVALID_LENGTH'], ['82 7f 00 00 10 00 00 00 00 00', 'WS_ERR_FRAME_TOO_LARGE']] as const) {
      const conn = new Connection({ role: 'client', open: {} });
      const bytes = hex(header);
      // Every byte but the last changes nothing yet.
      for (let i = 0; i < bytes.length - 1; i++) expect(conn.receive(bytes.subarray(i, i + 1))).toEqual([]);
      const events = conn.receive(bytes.subarray(bytes.length - 1));
      const err = one(events, 'error');
      expect([err.code, err.closeCode]).toEqual([code, code === 'WS_ERR_INVALID_LENGTH' ? 1002 : 1009]);
      expect(err.frame).toMatchObject({ opcode: 2, fin: true, masked: false });
      expect(toHex(err.frame!.received)).toBe(toHex(bytes));
    }
  });

  test('a frame of exactly maxFrameSize is accepted', () => {
    const conn = new Connection({ role: 'client', open: {}, maxFrameSize: 1000 });
    const events = conn.receive(Buffer.concat([hex('82 7e 03 e8'), new Uint8Array(1000)]));
    expect(one(events, 'message').data.length).toBe(1000);
  });

  test('three fragments with maxFragments 3 and a message of exactly maxMessageSize are accepted', () => {
    const conn = new Connection({ role: 'client', open: {}, maxFragments: 3, maxMessageSize: 3 });
    expect(utf8(one(conn.receive(hex('01 01 41 00 01 42 80 01 43')), 'message').data)).toBe('ABC');
  });

  test('reports invalid UTF-8 inside a frame before the rest of the frame arrives', () => {
    const conn = new Connection({ role: 'client', open: {} });
    expect(conn.receive(hex('81 7e 01 00 48 65'))).toEqual([]);
    const events = conn.receive(hex('6c ed a0'));
    expect(one(events, 'error').code).toBe('WS_ERR_INVALID_UTF8');
    expect(toHex(one(events, 'error').frame!.received)).toBe('81 7e 01 00 48 65 6c ed a0');
  });

  test('accepts a UTF-8 sequence split across fragments and across chunks', () => {
    const conn = new Connection({ role: 'client', open: {} });
    const bytes = hex('01 03 ce ba e1 80 08 bd b9 cf 83 ce bc ce b5');
    const events = Array.from(bytes).flatMap((b) => conn.receive(Uint8Array.of(b)));
    expect(utf8(one(events, 'message').data)).toBe(KOSME);
  });

  test('does not send a second close frame when it fails after sending its own close', () => {
    const pair = ConnectionPair.open();
    pair.client.send({ type: 'close', code: 1000 });
    const events = pair.client.receive(hex('83 00'));
    expect(one(events, 'error').code).toBe('WS_ERR_INVALID_OPCODE');
    expect(one(events, 'closed')).toMatchObject({ code: 1002, clean: false });
    expect(pair.client.dataToSend()).toEqual([]);
  });

  test('the failure close reaches the peer, which ends CLOSED with the same code', () => {
    const pair = ConnectionPair.open();
    pair.server.receive(hex('81 05 48 65 6c 6c 6f'));
    const events = pair.flush('server');
    expect(one(events, 'close').code).toBe(1002);
    expect(one(events, 'closed')).toMatchObject({ code: 1002, by: 'remote' });
  });
});

describe('raw frames', () => {
  test('are sent unchecked, masked by default from a client, and the peer fails on them', () => {
    const cases: ReadonlyArray<readonly [SendEvent & { type: 'raw' }, WsErrorCode]> = [
      [{ type: 'raw', frame: { opcode: 0x3, payload: HELLO } }, 'WS_ERR_INVALID_OPCODE'],
      [{ type: 'raw', frame: { opcode: 0x1, payload: HELLO, mask: false } }, 'WS_ERR_EXPECTED_MASK'],
      [{ type: 'raw', frame: { opcode: 0x9, payload: new Uint8Array(126) } }, 'WS_ERR_CONTROL_FRAME_TOO_LONG'],
      [{ type: 'raw', frame: { opcode: 0x8, payload: hex('03 ed') } }, 'WS_ERR_INVALID_CLOSE_CODE'],
      [{ type: 'raw', frame: { opcode: 0x1, payload: hex('ed a0 80') } }, 'WS_ERR_INVALID_UTF8'],
      [{ type: 'raw', frame: { opcode: 0x1, payload: HELLO, rsv2: true } }, 'WS_ERR_UNEXPECTED_RSV'],
      [{ type: 'raw', frame: { opcode: 0x0, payload: HELLO } }, 'WS_ERR_INVALID_CONTINUATION'],
    ];
    for (const [ev, code] of cases) {
      const pair = ConnectionPair.open();
      expect(one(pair.send('client', ev), 'error').code).toBe(code);
    }
  });

  test('use the given mask key, or none from a server', () => {
    const pair = ConnectionPair.open();
    expect(toHex(pair.client.send({ type: 'raw', frame: { opcode: 1, payload: HELLO, mask: hex('00 00 00 00') } }))).toBe('81 85 00 00 00 00 48 65 6c 6c 6f');
    expect(toHex(pair.server.send({ type: 'raw', frame: { opcode: 1, payload: HELLO } }))).toBe('81 05 48 65 6c 6c 6f');
    expect(one(pair.send('server', { type: 'raw', frame: { opcode: 1, payload: HELLO, mask: KEY } }), 'error').code).toBe('WS_ERR_UNEXPECTED_MASK');
  });

  test('a raw frame is encoded exactly as encodeFrame would', () => {
    const pair = ConnectionPair.open();
    const spec = { opcode: 0x2, payload: new Uint8Array(300).fill(9), fin: false, rsv3: true, mask: KEY };
    expect(toHex(pair.client.send({ type: 'raw', frame: spec }))).toBe(toHex(encodeFrame(spec)));
  });
});
