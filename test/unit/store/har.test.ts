// HAR export and import: Chrome DevTools', HTTP Toolkit's and mitmproxy's files read into rows, a
// Framescope export read back exactly, exports that pass the HAR 1.2 spec and Chrome's importer, and
// malformed files refused with the entry and field named.
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { FrameFlag, type ConnectionSummary } from '../../../shared/api.ts';
import type { Har } from '../../../shared/har.ts';
import {
  exportHar, HarFormatError, importHar, type HarConnection, type ImportedConnection, type ImportedSummary,
} from '../../../electron/core/store/har.ts';
import type { FrameRecord, MessageRecord, StoredFrame, StoredMessage } from '../../../electron/core/store/records.ts';
import { chromeImportProblems, harProblems } from '../../support/har-schema.ts';

const CREATOR = { name: 'Framescope', version: '0.1.0' };
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/har/${name}`, import.meta.url), 'utf8');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const EMPTY = new Uint8Array(0);

/** Seconds as HAR files write them, to the engine's epoch microseconds. */
const us = (seconds: number): number => Math.round(seconds * 1e6);

function only(text: string): ImportedConnection {
  const { connections } = importHar(text);
  expect(connections).toHaveLength(1);
  return connections[0]!;
}

/** The frame record a foreign file's message becomes. */
function importedFrame(dir: 'in' | 'out', seconds: number, opcode: number, payload: Uint8Array): FrameRecord {
  return {
    kind: 'frame', dir, time: us(seconds), opcode, fin: true, rsv: 0, maskKey: null,
    payloadLength: payload.length, headerLength: 0, nonMinimalLength: false, wire: EMPTY, payload,
    compressed: false, textual: opcode === 1, error: null, flags: FrameFlag.IMPORTED,
  };
}

function importedMessage(dir: 'in' | 'out', seconds: number, opcode: number, data: Uint8Array): MessageRecord {
  return { kind: 'message', dir, time: us(seconds), opcode, data, compressed: false, flags: FrameFlag.IMPORTED };
}

// ------------------------------------------------------------------------------------ foreign files

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('importing Chrome DevTools', () => {
  const text = fixture('chrome-devtools.har');

  test('reads the WebSocket entry into one frame row per message, data messages as message rows, close frames standing alone', () => {
    const c = only(text);
    const join = utf8('{"type":"join","room":"lobby"}');
    const welcome = utf8('{"type":"welcome","users":3,"note":"héllo ✓"}');
    expect(c.frames).toStrictEqual([
      { index: 0, rec: importedFrame('out', 1709630102.164512, 1, join), message: 0 },
      { index: 1, rec: importedFrame('in', 1709630102.201877, 1, welcome), message: 1 },
      { index: 2, rec: importedFrame('out', 1709630103.5, 2, bytes(0x00, 0x01, 0x02, 0xff, 0xfe, 0x80)), message: 2 },
      { index: 3, rec: importedFrame('in', 1709630103.533921, 2, bytes(0xde, 0xad, 0xbe, 0xef)), message: 3 },
      { index: 4, rec: importedFrame('out', 1709630110.000113, 8, bytes(0x03, 0xe8, 0x62, 0x79, 0x65)), message: -1 },
      { index: 5, rec: importedFrame('in', 1709630110.031, 8, bytes(0x03, 0xe8)), message: -1 },
    ]);
    expect(c.messages).toStrictEqual([
      { index: 0, rec: importedMessage('out', 1709630102.164512, 1, join), first: 0, last: 0 },
      { index: 1, rec: importedMessage('in', 1709630102.201877, 1, welcome), first: 1, last: 1 },
      { index: 2, rec: importedMessage('out', 1709630103.5, 2, bytes(0x00, 0x01, 0x02, 0xff, 0xfe, 0x80)), first: 2, last: 2 },
      { index: 3, rec: importedMessage('in', 1709630103.533921, 2, bytes(0xde, 0xad, 0xbe, 0xef)), first: 3, last: 3 },
      { index: 4, frameRow: 4 },
      { index: 5, frameRow: 5 },
    ]);
  });

  test('builds the summary from the entry: URL, handshake, subprotocol, counts, and the close from the close frames', () => {
    const { summary } = only(text);
    const createdAt = Date.parse('2024-03-05T09:15:02.120Z') * 1000;
    expect(summary).toStrictEqual({
      origin: 'client',
      proxied: null,
      url: 'wss://chat.example.test/socket?room=lobby&v=2',
      label: null,
      state: 'closed',
      createdAt,
      // blocked + send + wait: the response head arrived 43.218 ms in.
      openedAt: createdAt + 43_218,
      endedAt: us(1709630110.031),
      attempt: 1,
      reconnectAt: null,
      protocol: 'chat.v2',
      extensions: 'permessage-deflate',
      framesIn: 3,
      framesOut: 3,
      messagesIn: 2,
      messagesOut: 2,
      bytesIn: 48 + 4 + 2,
      bytesOut: 30 + 6 + 5,
      handshake: {
        requestLine: 'GET /socket?room=lobby&v=2 HTTP/1.1',
        requestHeaders: expect.arrayContaining([['Sec-WebSocket-Protocol', 'chat.v2, chat.v1'], ['Cookie', 'session=abc123; theme=dark']]),
        status: 101,
        statusText: 'Switching Protocols',
        responseHeaders: [
          ['Connection', 'Upgrade'],
          ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
          ['Sec-WebSocket-Extensions', 'permessage-deflate'],
          ['Sec-WebSocket-Protocol', 'chat.v2'],
          ['Upgrade', 'websocket'],
        ],
      },
      close: { code: 1000, reason: 'bye', by: 'local', clean: true },
      error: null,
      options: { url: 'wss://chat.example.test/socket?room=lobby&v=2' },
    } satisfies ImportedSummary);
    expect(summary.handshake!.requestHeaders).toHaveLength(13);
  });

  test('skips the page document with one warning that counts it', () => {
    expect(importHar(text).warnings).toEqual(['Skipped 1 entry that is not a WebSocket connection (a plain HTTP request)']);
  });

  test('imports nothing from a file of plain HTTP requests, and says so', () => {
    const plain = JSON.parse(text) as Har;
    plain.log.entries = [plain.log.entries[0]!, plain.log.entries[0]!];
    expect(importHar(JSON.stringify(plain))).toStrictEqual({
      connections: [],
      warnings: [
        'Skipped 2 entries that are not WebSocket connections (plain HTTP requests)',
        'The file has no WebSocket connections: nothing was imported',
      ],
    });
  });

  test('leaves out an "error" message Chrome recorded, with a warning naming it', () => {
    const har = foreignHar([
      { type: 'send', time: 1709630000.5, opcode: 1, data: 'hi' },
      { type: 'error', time: 1709630000.6, opcode: -1, data: 'Could not decode a text frame as UTF-8.' },
    ]);
    const result = importHar(har);
    expect(result.connections[0]!.frames).toHaveLength(1);
    expect(result.warnings).toEqual([
      'log.entries[0]._webSocketMessages[1]: skipped an error the browser recorded instead of a frame ("Could not decode a text frame as UTF-8.")',
    ]);
  });

  test('a rejected upgrade keeps its status and body (base64 or not) and never opened', () => {
    const rejected = (content: Record<string, unknown>): string => foreignHar([], {
      response: {
        status: 401, statusText: 'Unauthorized', httpVersion: 'HTTP/1.1', cookies: [], content, redirectURL: 'https://example.test/login',
        headers: [{ name: 'Content-Type', value: 'text/plain' }], headersSize: -1, bodySize: 12,
      },
    });
    for (const content of [{ size: 12, mimeType: 'text/plain', text: 'who are you?' }, { size: 12, mimeType: 'text/plain', text: 'd2hvIGFyZSB5b3U/', encoding: 'base64' }]) {
      const { summary } = only(rejected(content));
      expect(summary.handshake).toStrictEqual({
        requestLine: 'GET / HTTP/1.1',
        requestHeaders: [],
        status: 401,
        statusText: 'Unauthorized',
        responseHeaders: [['Content-Type', 'text/plain']],
        body: 'who are you?',
        location: 'https://example.test/login',
      });
      expect(summary.openedAt).toBeNull();
      expect(summary.close).toBeNull();
    }
  });
});

describe('importing HTTP Toolkit', () => {
  const text = fixture('httptoolkit.har');

  test('reads both WebSocket entries, text and base64 binary, and skips the plain request', () => {
    const result = importHar(text);
    expect(result.connections).toHaveLength(2);
    expect(result.warnings).toEqual(['Skipped 1 entry that is not a WebSocket connection (a plain HTTP request)']);
    const [live] = result.connections;
    const subscribe = utf8('{"subscribe":"prices"}');
    const price = utf8('{"symbol":"BTC","price":64210.5}');
    const protoIn = b64('CJYBEgNCVEM=');
    const protoOut = b64('CgJoaQ==');
    expect(live!.frames).toStrictEqual([
      { index: 0, rec: importedFrame('out', 1709630401.2641, 1, subscribe), message: 0 },
      { index: 1, rec: importedFrame('in', 1709630401.3017, 1, price), message: 1 },
      { index: 2, rec: importedFrame('in', 1709630402.0007, 2, protoIn), message: 2 },
      { index: 3, rec: importedFrame('out', 1709630402.1183, 2, protoOut), message: 3 },
    ]);
    expect(live!.messages).toStrictEqual([
      { index: 0, rec: importedMessage('out', 1709630401.2641, 1, subscribe), first: 0, last: 0 },
      { index: 1, rec: importedMessage('in', 1709630401.3017, 1, price), first: 1, last: 1 },
      { index: 2, rec: importedMessage('in', 1709630402.0007, 2, protoIn), first: 2, last: 2 },
      { index: 3, rec: importedMessage('out', 1709630402.1183, 2, protoOut), first: 3, last: 3 },
    ]);
  });

  test('takes the close code and reason from _webSocketClose, and its timestamp as the end', () => {
    const [live, aborted] = importHar(text).connections;
    // A +01:00 offset: 10:20:01.250 there is 09:20:01.250 UTC.
    expect(live!.summary.createdAt).toBe(Date.parse('2024-03-05T09:20:01.250Z') * 1000);
    expect(live!.summary.close).toStrictEqual({ code: 1001, reason: 'server restart', by: 'abnormal', clean: false });
    expect(live!.summary.endedAt).toBe(us(1709630416.5925));
    expect(live!.summary.state).toBe('closed');
    expect(live!.summary.url).toBe('wss://feed.example.test/live');
    expect(live!.summary.handshake!.requestLine).toBe('GET /live HTTP/1.1');
    expect(live!.summary.protocol).toBeNull();
    expect([live!.summary.messagesIn, live!.summary.messagesOut, live!.summary.bytesIn, live!.summary.bytesOut]).toEqual([2, 2, 32 + 8, 22 + 4]);
    expect(aborted!.summary.close).toStrictEqual({ code: null, reason: '', by: 'abnormal', clean: false });
    expect(aborted!.summary.url).toBe('ws://feed.example.test/echo');
    expect(aborted!.summary.endedAt).toBe(Date.parse('2024-03-05T09:21:30.000Z') * 1000 + 2_500_750);
  });
});

describe('importing mitmproxy', () => {
  const text = fixture('mitmproxy.har');

  test('turns the upgrade request\'s https:// URL into wss:// and keeps the microseconds of startedDateTime', () => {
    const { summary } = only(text);
    const createdAt = Date.parse('2024-03-05T09:30:00.101Z') * 1000 + 234;
    expect(summary.url).toBe('wss://stream.example.test/ws/v1?token=t0k3n');
    expect(summary.options).toStrictEqual({ url: 'wss://stream.example.test/ws/v1?token=t0k3n' });
    expect(summary.createdAt).toBe(createdAt);
    // connect + send + wait (ssl is part of connect); a null timing counts as nothing.
    expect(summary.openedAt).toBe(createdAt + 20_360);
    expect(summary.endedAt).toBe(us(1709631001.25));
    expect(summary.protocol).toBe('mqtt');
    expect(summary.close).toBeNull();
    expect(summary.handshake).toMatchObject({ requestLine: 'GET /ws/v1?token=t0k3n HTTP/1.1', status: 101 });
  });

  test('reads binary messages from base64 and text as UTF-8', () => {
    const c = only(text);
    const subscribe = utf8('{"op":"subscribe","topic":"alerts/#"}');
    const alert = utf8('{"topic":"alerts/disk","level":"warn"}');
    expect(c.frames.map((f) => f.rec)).toStrictEqual([
      importedFrame('out', 1709631000.15, 2, bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)),
      importedFrame('in', 1709631000.187301, 2, bytes(0, 0, 0, 0x2a)),
      importedFrame('out', 1709631001.002, 1, subscribe),
      importedFrame('in', 1709631001.25, 1, alert),
    ]);
    expect(c.messages.map((m) => ('rec' in m ? [m.rec.opcode, m.first, m.last] : m.frameRow))).toEqual([[2, 0, 0], [2, 1, 1], [1, 2, 2], [1, 3, 3]]);
  });
});

// ------------------------------------------------------------------------------------ round trip

const T0 = 1_709_630_000_000_000;

/** RFC 6455 §5.2 framing, masked when a key is given; `wide` writes a small length in 16 bits. */
function encode(first: number, payload: Uint8Array, maskKey: Uint8Array | null, wide = false): { wire: Uint8Array; headerLength: number } {
  const len = payload.length;
  const lenBytes = len < 126 && !wide ? [len] : len < 65536 ? [126, len >> 8, len & 0xff] : [127, 0, 0, 0, 0, 0, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
  if (maskKey !== null) lenBytes[0]! |= 0x80;
  const header = [first, ...lenBytes, ...(maskKey ?? [])];
  const wire = new Uint8Array(header.length + len);
  wire.set(header);
  for (let i = 0; i < len; i++) wire[header.length + i] = payload[i]! ^ (maskKey === null ? 0 : maskKey[i % 4]!);
  return { wire, headerLength: header.length };
}

interface FrameSpec {
  dir: 'in' | 'out';
  at: number;
  opcode: number;
  fin?: boolean;
  rsv?: number;
  maskKey?: Uint8Array | null;
  /** On the wire (compressed bytes for a compressed frame). */
  sent: Uint8Array;
  /** As the application sees it, when it differs from `sent`. */
  shown?: Uint8Array;
  compressed?: boolean;
  textual?: boolean;
  wide?: boolean;
  extra?: Partial<FrameRecord>;
}

function frame(s: FrameSpec): FrameRecord {
  const fin = s.fin ?? true;
  const rsv = s.rsv ?? 0;
  const maskKey = s.maskKey ?? null;
  const { wire, headerLength } = encode((fin ? 0x80 : 0) | (rsv << 4) | s.opcode, s.sent, maskKey, s.wide);
  return {
    kind: 'frame', dir: s.dir, time: T0 + s.at, opcode: s.opcode, fin, rsv, maskKey,
    payloadLength: s.sent.length, headerLength, nonMinimalLength: s.wide ?? false, wire, payload: s.shown ?? s.sent,
    compressed: s.compressed ?? false, textual: s.textual ?? s.opcode === 1, error: null, flags: 0, ...s.extra,
  };
}

/**
 * A proxied connection with every kind of row: notes, a fragmented compressed message around a ping,
 * a capped binary message, edited, dropped and injected messages, a keepalive pong with a non-minimal
 * length, a malformed frame, close frames both ways, and a fragment left by the end of the connection.
 */
function richConnection(): { summary: ConnectionSummary; frames: StoredFrame[]; messages: StoredMessage[] } {
  const story = utf8('{"op":"publish","body":"a message long enough to be worth compressing, compressing, compressing"}');
  const deflated = deflateRawSync(story, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  // RFC 7692 §7.2.1: the sender drops the trailing 00 00 ff ff.
  const compressed = new Uint8Array(deflated.subarray(0, deflated.length - 4));
  const half = compressed.length >> 1;
  const keyA = bytes(0x37, 0xfa, 0x21, 0x3d);
  const keyB = bytes(0x9b, 0x04, 0x77, 0xe1);
  const capped = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
  const capWire = encode(0x82, new Uint8Array(70_000), null).wire.slice(0, 64);
  capWire.set(capped.subarray(0, 64 - 10), 10);
  const edited = utf8('hello, server (edited)');
  const dropped = utf8('secret=hunter2');
  const injected = utf8('notice: injected by Framescope');

  const note = (at: number, event: 'open' | 'ended', text: string): StoredFrame['rec'] => ({ kind: 'note', time: T0 + at, event, text });
  const recs: Array<[StoredFrame['rec'], number]> = [
    [note(0, 'open', 'Opened through the proxy'), -1],
    [frame({ dir: 'out', at: 10, opcode: 1, fin: false, rsv: 4, maskKey: keyA, sent: compressed.slice(0, half), compressed: true }), 2],
    [frame({ dir: 'in', at: 11, opcode: 9, sent: utf8('hb') }), -1],
    [frame({ dir: 'out', at: 12, opcode: 0, maskKey: keyB, sent: compressed.slice(half), shown: story, compressed: true, textual: true }), 2],
    [{ ...frame({ dir: 'in', at: 20, opcode: 2, sent: capped }), payloadLength: 70_000, headerLength: 10, wire: capWire, flags: FrameFlag.CAPPED, fullLength: 70_000 }, 3],
    [frame({ dir: 'out', at: 30, opcode: 1, maskKey: keyA, sent: edited, extra: { flags: FrameFlag.EDITED | FrameFlag.HELD, rules: ['rewrite greeting'], original: utf8('hello, server'), heldMs: 1520.25 } }), 4],
    [frame({ dir: 'out', at: 40, opcode: 1, maskKey: keyB, sent: dropped, extra: { flags: FrameFlag.DROPPED | FrameFlag.HELD, rules: ['drop secrets', 'log'], heldMs: 88 } }), 5],
    [frame({ dir: 'in', at: 50, opcode: 1, sent: injected, extra: { flags: FrameFlag.INJECTED } }), 6],
    [frame({ dir: 'in', at: 60, opcode: 10, sent: bytes(1, 2, 3, 4), wide: true, extra: { flags: FrameFlag.KEEPALIVE } }), -1],
    [{
      kind: 'error', dir: 'in', time: T0 + 70, opcode: 3, fin: true, rsv: 0, maskKey: null, payloadLength: 5, headerLength: 2,
      nonMinimalLength: false, wire: bytes(0x83, 0x05, 0x41, 0x42), payload: bytes(0x41, 0x42), compressed: false, textual: false,
      error: { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: 'opcode 3 is reserved' },
    }, -1],
    [frame({ dir: 'in', at: 80, opcode: 1, fin: false, sent: utf8('partial mess') }), -1],
    [frame({ dir: 'out', at: 90, opcode: 8, maskKey: keyA, sent: bytes(0x03, 0xe8, 0x62, 0x79, 0x65), extra: { original: null, heldMs: null, fullLength: null } }), -1],
    [frame({ dir: 'in', at: 95, opcode: 8, sent: bytes(0x03, 0xe8) }), -1],
    [note(100, 'ended', 'Closed by the app: 1000 bye'), -1],
  ];
  const frames: StoredFrame[] = recs.map(([rec, message], index) => ({ index, rec, message }));
  const message = (at: number, dir: 'in' | 'out', opcode: number, data: Uint8Array, extra: Partial<MessageRecord> = {}): MessageRecord =>
    ({ kind: 'message', dir, time: T0 + at, opcode, data, compressed: false, flags: 0, ...extra });
  const messages: StoredMessage[] = [
    { index: 0, frameRow: 0 },
    { index: 1, frameRow: 2 },
    { index: 2, rec: message(12, 'out', 1, story, { compressed: true }), first: 1, last: 3 },
    { index: 3, rec: message(20, 'in', 2, capped, { flags: FrameFlag.CAPPED, fullLength: 70_000 }), first: 4, last: 4 },
    { index: 4, rec: message(30, 'out', 1, edited, { flags: FrameFlag.EDITED | FrameFlag.HELD, rules: ['rewrite greeting'] }), first: 5, last: 5 },
    { index: 5, rec: message(40, 'out', 1, dropped, { flags: FrameFlag.DROPPED | FrameFlag.HELD, rules: ['drop secrets', 'log'] }), first: 6, last: 6 },
    { index: 6, rec: message(50, 'in', 1, injected, { flags: FrameFlag.INJECTED, fullLength: null }), first: 7, last: 7 },
    { index: 7, frameRow: 8 },
    { index: 8, frameRow: 9 },
    { index: 9, frameRow: 11 },
    { index: 10, frameRow: 12 },
    // The fragment the connection's end abandoned joins the messages view as itself.
    { index: 11, frameRow: 10 },
    { index: 12, frameRow: 13 },
  ];
  const summary: ConnectionSummary = {
    id: 7,
    origin: 'proxied',
    proxied: { mode: 'explicit', clientAddress: '127.0.0.1:51234', clientTls: true, strippedExtensions: false, reencoding: ['client'], held: { client: 0, server: 0 } },
    url: 'wss://api.example.test/stream?x=1&y=%20z#top',
    label: 'stream',
    state: 'closed',
    createdAt: T0 - 35_000,
    openedAt: T0,
    endedAt: T0 + 100,
    attempt: 2,
    reconnectAt: null,
    protocol: 'v2.stream',
    extensions: 'permessage-deflate; client_max_window_bits=15',
    framesIn: 7,
    framesOut: 5,
    messagesIn: 2,
    messagesOut: 3,
    bytesIn: 70_123,
    bytesOut: 321,
    frameRows: frames.length,
    messageRows: messages.length,
    handshake: {
      requestLine: 'GET /stream?x=1&y=%20z HTTP/1.1',
      requestHeaders: [['Host', 'api.example.test'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Cookie', 'a=1; b=two'], ['Sec-WebSocket-Protocol', 'v2.stream']],
      status: 101,
      statusText: 'Switching Protocols',
      responseHeaders: [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Protocol', 'v2.stream'], ['Set-Cookie', 'sid=42; Path=/; HttpOnly']],
    },
    close: { code: 1000, reason: 'bye', by: 'app', clean: true },
    error: null,
    options: { url: 'wss://api.example.test/stream?x=1&y=%20z#top', headers: [['Authorization', 'Bearer t']], subprotocols: ['v2.stream'], deflate: { enabled: true, clientMaxWindowBits: true } },
    live: false,
    replayOf: { runId: 3, connectionId: 2 },
  };
  return { summary, frames, messages };
}

function rejectedConnection(): HarConnection {
  const summary: ConnectionSummary = {
    ...richConnection().summary,
    id: 8,
    origin: 'client',
    proxied: null,
    url: 'ws://127.0.0.1:9/private',
    label: null,
    state: 'error',
    openedAt: null,
    endedAt: T0 + 5_000,
    attempt: 1,
    protocol: null,
    extensions: null,
    framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, frameRows: 1, messageRows: 1,
    handshake: {
      requestLine: 'GET /private HTTP/1.1',
      requestHeaders: [['Host', '127.0.0.1:9']],
      status: 403,
      statusText: 'Forbidden',
      responseHeaders: [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', '24']],
      body: 'forbidden: missing token',
    },
    close: null,
    error: { code: 'HANDSHAKE_REJECTED', message: 'The server refused the WebSocket upgrade with 403 Forbidden — check the URL and credentials' },
    options: { url: 'ws://127.0.0.1:9/private' },
    replayOf: null,
  };
  const frames: StoredFrame[] = [{ index: 0, rec: { kind: 'note', time: T0 + 5_000, event: 'gave-up', text: 'Rejected with 403' }, message: -1 }];
  return { summary, frames, messages: [{ index: 0, frameRow: 0 }] };
}

function refusedConnection(): HarConnection {
  return {
    summary: {
      ...rejectedConnection().summary,
      id: 9,
      url: 'ws://127.0.0.1:1/',
      createdAt: T0,
      endedAt: T0 + 1_200,
      frameRows: 0,
      messageRows: 0,
      handshake: null,
      error: { code: 'TCP_REFUSED', message: 'Nothing listens on 127.0.0.1:1 — is the server running?', cause: 'ECONNREFUSED' },
    },
    frames: [],
    messages: [],
  };
}

function withoutSessionFields(s: ConnectionSummary): ImportedSummary {
  const { id: _id, frameRows: _f, messageRows: _m, live: _l, replayOf: _r, ...rest } = s;
  return rest;
}

const roundTrip = (connections: HarConnection[]): ImportedConnection[] =>
  importHar(JSON.stringify(exportHar(connections, CREATOR, { sensitive: true }))).connections;

describe('an export without credentials (the default)', () => {
  const kept = exportHar([richConnection()], CREATOR, { sensitive: true }).log.entries[0]!;
  const har = exportHar([richConnection()], CREATOR);
  const entry = har.log.entries[0]!;

  test('leaves out Cookie, Set-Cookie and Authorization wherever they were, and names them', () => {
    const text = JSON.stringify(har);
    for (const secret of ['a=1; b=two', 'sid=42', 'Bearer t']) {
      expect(JSON.stringify(kept)).toContain(secret);
      expect(text).not.toContain(secret);
    }
    expect(entry.request.headers.map((h) => h.name)).toEqual(['Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Protocol']);
    expect(entry.request.cookies).toEqual([]);
    expect(entry.response.cookies).toEqual([]);
    expect(entry.response.headers.map((h) => h.name)).toEqual(kept.response.headers.map((h) => h.name).filter((n) => n !== 'Set-Cookie'));
    expect(entry._framescope!.summary.options.headers).toEqual([]);
    expect(entry._framescope!.leftOut).toEqual(['Cookie', 'Set-Cookie', 'Authorization']);
    expect(kept._framescope!.leftOut).toBeUndefined();
    // Everything else is as in the full export.
    expect(entry._webSocketMessages).toStrictEqual(kept._webSocketMessages);
    expect(entry._framescope!.frames).toStrictEqual(kept._framescope!.frames);
  });

  test('imports with a warning that a replay will not send them', () => {
    const { connections, warnings } = importHar(JSON.stringify(har));
    expect(warnings).toEqual(['log.entries[0]: exported without its Cookie, Set-Cookie, Authorization headers; a replay will not send them']);
    expect(connections[0]!.summary.options.headers).toEqual([]);
    expect(connections[0]!.summary.handshake!.requestHeaders.some(([name]) => name === 'Cookie')).toBe(false);
  });
});

describe('Framescope export → import', () => {
  test('gives back every frames-view and messages-view row and the summary exactly', () => {
    const rich = richConnection();
    const [back] = roundTrip([rich]);
    expect(back!.frames).toStrictEqual(rich.frames);
    expect(back!.messages).toStrictEqual(rich.messages);
    expect(back!.summary).toStrictEqual(withoutSessionFields(rich.summary));
  });

  test('gives back a rejected handshake and a connection that never got a response', () => {
    const connections = [rejectedConnection(), refusedConnection()];
    const back = roundTrip(connections);
    expect(back.map((c) => c.summary)).toStrictEqual(connections.map((c) => withoutSessionFields(c.summary)));
    expect(back[0]!.frames).toStrictEqual(connections[0]!.frames);
    expect(back[0]!.messages).toStrictEqual(connections[0]!.messages);
  });

  test('reads a newer Framescope format from the standard fields, with a warning', () => {
    const har = exportHar([richConnection()], CREATOR);
    (har.log.entries[0]!._framescope as { format: number }).format = 2;
    const { connections, warnings } = importHar(JSON.stringify(har));
    expect(warnings).toEqual(['log.entries[0]: written by a newer Framescope (format 2); read from its standard HAR fields only, without frame-level details']);
    expect(connections[0]!.frames.every((f) => f.rec.kind === 'frame' && f.rec.flags === FrameFlag.IMPORTED)).toBe(true);
    expect(connections[0]!.messages).toHaveLength(5);
  });
});

describe('the exported entry', () => {
  const har = exportHar([richConnection(), rejectedConnection(), refusedConnection()], CREATOR, { sensitive: true });
  const [rich, rejected, refused] = har.log.entries;

  test('lists data messages as Chrome does: send/receive, epoch seconds, opcode, text or base64; dropped ones marked', () => {
    const { messages } = richConnection();
    const data = (i: number): MessageRecord => (messages[i] as { rec: MessageRecord }).rec;
    expect(rich!._resourceType).toBe('websocket');
    expect(rich!._webSocketMessages).toStrictEqual([
      { type: 'send', time: (T0 + 12) / 1e6, opcode: 1, data: new TextDecoder().decode(data(2).data) },
      { type: 'receive', time: (T0 + 20) / 1e6, opcode: 2, data: Buffer.from(data(3).data).toString('base64'), _framescope: { flags: FrameFlag.CAPPED } },
      { type: 'send', time: (T0 + 30) / 1e6, opcode: 1, data: 'hello, server (edited)', _framescope: { flags: FrameFlag.EDITED | FrameFlag.HELD } },
      { type: 'send', time: (T0 + 40) / 1e6, opcode: 1, data: 'secret=hunter2', _framescope: { flags: FrameFlag.DROPPED | FrameFlag.HELD, dropped: true } },
      { type: 'receive', time: (T0 + 50) / 1e6, opcode: 1, data: 'notice: injected by Framescope', _framescope: { flags: FrameFlag.INJECTED } },
    ]);
    expect(JSON.stringify(rich!._webSocketMessages![0]!.time)).toBe('1709630000.000012');
    expect(rich!._webSocketClose).toStrictEqual({ code: 1000, reason: 'bye', timestamp: (T0 + 100) / 1e6 });
  });

  test('carries the upgrade request and the 101 response as HAR request and response', () => {
    expect(rich!.startedDateTime).toBe('2024-03-05T09:13:19.965000Z');
    expect(rich!.request).toStrictEqual({
      method: 'GET',
      url: 'wss://api.example.test/stream?x=1&y=%20z',
      httpVersion: 'HTTP/1.1',
      cookies: [{ name: 'a', value: '1' }, { name: 'b', value: 'two' }],
      headers: [
        { name: 'Host', value: 'api.example.test' },
        { name: 'Upgrade', value: 'websocket' },
        { name: 'Connection', value: 'Upgrade' },
        { name: 'Cookie', value: 'a=1; b=two' },
        { name: 'Sec-WebSocket-Protocol', value: 'v2.stream' },
      ],
      queryString: [{ name: 'x', value: '1' }, { name: 'y', value: ' z' }],
      headersSize: Buffer.byteLength('GET /stream?x=1&y=%20z HTTP/1.1\r\nHost: api.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nCookie: a=1; b=two\r\nSec-WebSocket-Protocol: v2.stream\r\n\r\n'),
      bodySize: 0,
    });
    expect(rich!.response).toMatchObject({
      status: 101,
      statusText: 'Switching Protocols',
      httpVersion: 'HTTP/1.1',
      cookies: [{ name: 'sid', value: '42' }],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      bodySize: 0,
      headersSize: Buffer.byteLength('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v2.stream\r\nSet-Cookie: sid=42; Path=/; HttpOnly\r\n\r\n'),
    });
    // The handshake is the wait, the open connection the receive.
    expect(rich!.timings).toStrictEqual({ blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 35, receive: 0.1 });
    expect(rich!.time).toBeCloseTo(35.1, 9);
  });

  test('writes a rejected handshake with its real status and body, and a missing response as status 0', () => {
    expect(rejected!.response).toStrictEqual({
      status: 403,
      statusText: 'Forbidden',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [{ name: 'Content-Type', value: 'text/plain; charset=utf-8' }, { name: 'Content-Length', value: '24' }],
      content: { size: 24, mimeType: 'text/plain; charset=utf-8', text: 'forbidden: missing token' },
      redirectURL: '',
      headersSize: Buffer.byteLength('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n\r\n'),
      bodySize: 24,
      _error: 'The server refused the WebSocket upgrade with 403 Forbidden — check the URL and credentials',
    });
    expect(rejected!._webSocketMessages).toEqual([]);
    expect(rejected!._webSocketClose).toBeUndefined();
    expect(refused!.request).toMatchObject({ method: 'GET', url: 'ws://127.0.0.1:1/', httpVersion: 'HTTP/1.1', headers: [], headersSize: -1 });
    expect(refused!.response).toMatchObject({ status: 0, statusText: '', httpVersion: '', headersSize: -1, bodySize: -1 });
  });

  test('keeps the summary in _framescope with the original id and without the session\'s own fields', () => {
    const s = rich!._framescope!.summary;
    expect(s.originalId).toBe(7);
    for (const k of ['id', 'frameRows', 'messageRows', 'live', 'replayOf']) expect(s).not.toHaveProperty(k);
    expect(rich!._framescope!.frames).toHaveLength(14);
    expect(rich!._framescope!.messages).toHaveLength(13);
  });
});

// ------------------------------------------------------------------------------------ validity

describe('HAR validity', () => {
  const exported = JSON.parse(JSON.stringify(exportHar([richConnection(), rejectedConnection(), refusedConnection()], CREATOR))) as Har;

  test('our export meets the HAR 1.2 spec and Chrome DevTools\' importer, and Chrome would show every message', () => {
    expect(harProblems(exported)).toEqual([]);
    expect(chromeImportProblems(exported)).toEqual([]);
  });

  test('an empty export is a valid HAR too', () => {
    const empty = exportHar([], CREATOR);
    expect(empty).toStrictEqual({ log: { version: '1.2', creator: CREATOR, entries: [] } });
    expect(harProblems(empty)).toEqual([]);
  });

  test('the golden files are files Chrome would import, and Chrome\'s own meets the spec', () => {
    for (const name of ['chrome-devtools.har', 'httptoolkit.har', 'mitmproxy.har']) {
      expect(chromeImportProblems(JSON.parse(fixture(name))), name).toEqual([]);
    }
    expect(harProblems(JSON.parse(fixture('chrome-devtools.har')))).toEqual([]);
  });

  test('the validators name what is wrong (so passing means something)', () => {
    const broken = structuredClone(exported);
    const e = broken.log.entries[0]! as unknown as Record<string, unknown> & { request: Record<string, unknown>; timings: Record<string, unknown> };
    delete e.request.url;
    e.startedDateTime = 'yesterday';
    e.timings.send = -1;
    e._webSocketMessages = [{ type: 'sent', time: 1, opcode: 1, data: 'x' }];
    expect(harProblems(broken)).toEqual(expect.arrayContaining([
      'log.entries[0].request.url: must be an absolute URL, is undefined',
      'log.entries[0].startedDateTime: must be an ISO 8601 date with a time zone, is "yesterday"',
      'log.entries[0].timings.send: must be at least 0, is -1',
    ]));
    expect(chromeImportProblems(broken)).toEqual([
      'log.entries[0].startedDateTime: Chrome refuses the file: not a date',
      'log.entries[0].request.url: Chrome shows no URL: must be a non-empty string',
      'log.entries[0]._webSocketMessages[0].type: Chrome leaves the message out: must be "send", "receive" or "error", is "sent"',
    ]);
  });
});

// ------------------------------------------------------------------------------------ malformed files

/** A Chrome-style file with one WebSocket entry holding `messages`. */
function foreignHar(messages: unknown[], entry: Record<string, unknown> = {}): string {
  return JSON.stringify({
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      entries: [{
        startedDateTime: '2024-03-05T09:00:00.000Z',
        time: 10,
        request: { method: 'GET', url: 'wss://example.test/', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: 0 },
        cache: {},
        timings: { send: 0, wait: 10, receive: 0 },
        _resourceType: 'websocket',
        _webSocketMessages: messages,
        ...entry,
      }],
    },
  });
}

function formatError(text: string): string {
  try {
    importHar(text);
  } catch (e) {
    expect(e).toBeInstanceOf(HarFormatError);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

const ok = { type: 'send', time: 1709629200.5, opcode: 1, data: 'fine' };

describe('a malformed file', () => {
  test('that is not JSON is refused with the line and column where it breaks', () => {
    expect(formatError('{\n  "log": {\n    "entries": [x]\n  }\n}')).toMatch(/^The file is not valid JSON: Unexpected token 'x'.* at position 29 \(line 3 column 17\)$/s);
    expect(formatError('{"log": tru}')).toMatch(/at position 11 \(line 1 column 12\)$/);
    expect(formatError('{"log": {"entries": [1,]}}')).toMatch(/position 23/);
    expect(formatError('')).toMatch(/^The file is not valid JSON: .* at position 0 \(line 1 column 1\)$/);
  });

  test('without log.entries is refused', () => {
    expect(formatError('{"log": {"version": "1.2"}}')).toBe('log.entries: expected an array, got nothing');
    expect(formatError('[]')).toBe('the file: expected a JSON object with a "log" field, got an array');
    expect(formatError('{"log": {"entries": [1]}}')).toBe('log.entries[0]: expected an object, got 1');
  });

  test('with a message time, opcode or data of the wrong type is refused, naming entry, message and field', () => {
    expect(formatError(foreignHar([ok, { ...ok, time: 'x' }]))).toBe('log.entries[0]._webSocketMessages[1].time: expected a number, got "x"');
    expect(formatError(foreignHar([ok, ok, { ...ok, opcode: 'x' }]))).toBe('log.entries[0]._webSocketMessages[2].opcode: expected a number, got "x"');
    expect(formatError(foreignHar([{ ...ok, opcode: 16 }]))).toBe('log.entries[0]._webSocketMessages[0].opcode: expected an opcode from 0 to 15, got 16');
    expect(formatError(foreignHar([{ ...ok, data: 5 }]))).toBe('log.entries[0]._webSocketMessages[0].data: expected a string, got 5');
    expect(formatError(foreignHar([{ ...ok, type: 'sent' }]))).toBe('log.entries[0]._webSocketMessages[0].type: expected "send" or "receive", got "sent"');
    expect(formatError(foreignHar([ok], { _webSocketMessages: { 0: ok } }))).toBe('log.entries[0]._webSocketMessages: expected an array, got an object');
  });

  test('with binary data that is not base64 is refused', () => {
    expect(formatError(foreignHar([ok, { ...ok, opcode: 2, data: 'not base64!' }]))).toBe('log.entries[0]._webSocketMessages[1].data: expected base64, got "not base64!"');
    expect(formatError(foreignHar([{ ...ok, opcode: 2, data: 'AAE' }]))).toBe('log.entries[0]._webSocketMessages[0].data: expected base64, got "AAE"');
  });

  test('with a bad date, URL or status is refused', () => {
    expect(formatError(foreignHar([ok], { startedDateTime: 'yesterday' }))).toBe('log.entries[0].startedDateTime: expected an ISO 8601 date, got "yesterday"');
    expect(formatError(foreignHar([ok], { request: { url: 'not a url' } }))).toBe('log.entries[0].request.url: expected a URL, got "not a url"');
    expect(formatError(foreignHar([ok], { response: { status: '101' } }))).toBe('log.entries[0].response.status: expected a number, got "101"');
  });

  test('with a broken _framescope field is refused, naming the row and field', () => {
    const har = exportHar([richConnection()], CREATOR);
    const fs = har.log.entries[0]!._framescope!;
    (fs.frames[2] as { payload: string }).payload = '%%%';
    expect(formatError(JSON.stringify(har))).toBe('log.entries[0]._framescope.frames[2].payload: expected base64, got "%%%"');
    const again = exportHar([richConnection()], CREATOR);
    (again.log.entries[0]!._framescope!.messages[3] as { last: number }).last = 99;
    expect(formatError(JSON.stringify(again))).toBe('log.entries[0]._framescope.messages[3].last: expected a frames row below 14, got 99');
    (again.log.entries[0]!._framescope!.messages[3] as { last: number }).last = 3;
    expect(formatError(JSON.stringify(again))).toBe('log.entries[0]._framescope.messages[3].last: expected a row from 4 on, got 3');
    const noFormat = exportHar([richConnection()], CREATOR);
    delete (noFormat.log.entries[0]!._framescope as { format?: number }).format;
    expect(formatError(JSON.stringify(noFormat))).toBe('log.entries[0]._framescope.format: expected an integer, got nothing');
    const third = exportHar([richConnection()], CREATOR);
    (third.log.entries[0]!._framescope!.summary as { state: string }).state = 'gone';
    expect(formatError(JSON.stringify(third))).toBe('log.entries[0]._framescope.summary.state: expected one of connecting, open, closing, closed, error, got "gone"');
  });

  test('with connection options a replay could not open is refused, naming the option', () => {
    const withOptions = (options: unknown): string => {
      const har = exportHar([richConnection()], CREATOR);
      (har.log.entries[0]!._framescope!.summary as { options: unknown }).options = options;
      return formatError(JSON.stringify(har));
    };
    const at = 'log.entries[0]._framescope.summary.options';
    expect(withOptions({ url: 'ws://x.test/', headers: [['X-Ok', 'fine'], ['Bad Name', 'v']] })).toMatch(new RegExp(`^${escape(at)}\\.headers\\[1\\]`));
    expect(withOptions({ url: 'ws://x.test/', subprotocols: ['a b'] })).toBe(`${at}.subprotocols[0]: a subprotocol is a token: no spaces, commas or quotes`);
    expect(withOptions({ url: 'ws://x.test/', keepaliveIntervalMs: 5 })).toBe(`${at}.keepaliveIntervalMs: a keepalive interval is 0 (off) or at least 100 ms`);
    expect(withOptions({ url: 'ws://x.test/', surprise: true })).toMatch(new RegExp(`^${escape(at)}: .*surprise`));
    expect(withOptions({ headers: [] })).toMatch(new RegExp(`^${escape(at)}\\.url: `));
    expect(withOptions('ws://x.test/')).toBe(`${at}: expected an object, got "ws://x.test/"`);
  });
});
