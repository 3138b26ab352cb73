// The replay plan: which recorded headers a new handshake may carry, subprotocols, deflate, which
// messages go again, from when they are timed, and the connect options built from all of it.
import { describe, expect, test } from 'vitest';
import { FrameFlag, type HttpExchange } from '../../../shared/api.ts';
import {
  buildPlan, offeredSubprotocols, recordedMessages, recordedOpenTime, replayConnectOptions, replayHeaders, usedDeflate,
} from '../../../electron/core/replay/plan.ts';
import { validateArgument } from '../../../electron/core/validation.ts';
import { FakeTimeline, recordMessage, recordNote, recordPing, summary } from './fakes.ts';

const RECORDED_HEADERS: Array<[string, string]> = [
  ['Host', 'api.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ['Sec-WebSocket-Version', '13'],
  ['Sec-WebSocket-Protocol', 'graphql-ws, chat'],
  ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
  ['Origin', 'https://app.example.com'],
  ['Cookie', 'session=abc'],
  ['Proxy-Authorization', 'Basic Zm9vOmJhcg=='],
  ['Proxy-Connection', 'keep-alive'],
  ['Keep-Alive', 'timeout=5'],
  ['Content-Length', '0'],
  ['transfer-encoding', 'chunked'],
  ['Authorization', 'Bearer t0ken'],
  ['User-Agent', 'app/1.0'],
];

const handshake = (requestHeaders: Array<[string, string]>): HttpExchange => ({ requestLine: 'GET /feed HTTP/1.1', requestHeaders });

describe('replayHeaders', () => {
  test('keeps what ConnectOptions accepts, in order; drops handshake and proxy headers; Origin stays a header', () => {
    const kept = replayHeaders(RECORDED_HEADERS);
    expect(kept).toEqual([
      ['Origin', 'https://app.example.com'],
      ['Cookie', 'session=abc'],
      ['Authorization', 'Bearer t0ken'],
      ['User-Agent', 'app/1.0'],
    ]);
    // What is left passes the same check connections.open makes.
    expect(() => validateArgument('connections.open', { url: 'ws://x/', headers: kept })).not.toThrow();
  });
});

describe('offeredSubprotocols', () => {
  test('reads every Sec-WebSocket-Protocol header, comma-separated, each once', () => {
    expect(offeredSubprotocols(RECORDED_HEADERS)).toEqual(['graphql-ws', 'chat']);
    expect(offeredSubprotocols([['sec-websocket-protocol', 'a'], ['Sec-WebSocket-Protocol', ' b , a,']]))
      .toEqual(['a', 'b']);
    expect(offeredSubprotocols([['Cookie', 'x']])).toEqual([]);
  });
});

describe('usedDeflate', () => {
  test('offered in the request or negotiated', () => {
    expect(usedDeflate(summary({ id: 1, handshake: handshake(RECORDED_HEADERS) }))).toBe(true);
    expect(usedDeflate(summary({ id: 1, extensions: 'permessage-deflate; server_no_context_takeover' }))).toBe(true);
    expect(usedDeflate(summary({ id: 1, handshake: handshake([['Sec-WebSocket-Extensions', 'x-webkit-deflate-frame']]) }))).toBe(false);
    expect(usedDeflate(summary({ id: 1 }))).toBe(false);
  });
});

describe('recordedMessages', () => {
  test("the server's view: client data messages, not dropped ones, edits as stored; no control frames or server messages", () => {
    const t = new FakeTimeline();
    t.createTimeline(1);
    recordNote(t, 1, 'connecting', 1);
    recordNote(t, 1, 'open', 2);
    recordMessage(t, 1, 'in', 3, 'welcome');
    recordMessage(t, 1, 'out', 4, 'one');
    recordPing(t, 1, 'out', 5);
    recordMessage(t, 1, 'out', 6, 'dropped', { flags: FrameFlag.DROPPED | FrameFlag.HELD });
    recordMessage(t, 1, 'out', 7, 'edited', { flags: FrameFlag.EDITED });
    recordMessage(t, 1, 'out', 8, Uint8Array.of(1, 2, 3), { compressed: true });
    recordMessage(t, 1, 'out', 9, 'injected', { flags: FrameFlag.INJECTED });
    recordMessage(t, 1, 'out', 10, 'cut', { flags: FrameFlag.CAPPED, fullLength: 5000 });
    const { messages, firstFrameRow } = recordedMessages(t, 1);
    expect(messages.map((m) => [Buffer.from(m.data).toString('latin1'), m.opcode, m.compressed, m.time])).toEqual([
      ['one', 1, false, 4],
      ['edited', 1, false, 7],
      ['\x01\x02\x03', 2, true, 8],
      ['injected', 1, false, 9],
      ['cut', 1, false, 10],
    ]);
    expect(messages.map((m) => m.cutFrom)).toEqual([null, null, null, null, 5000]);
    // Frames: 0 connecting, 1 open, 2 welcome, 3 one.
    expect(firstFrameRow).toBe(3);
  });
});

describe('recordedOpenTime', () => {
  test('the open note of the attempt that sent the first message', () => {
    const t = new FakeTimeline();
    t.createTimeline(1);
    recordNote(t, 1, 'open', 100);
    recordNote(t, 1, 'ended', 200);
    recordNote(t, 1, 'open', 300);
    recordMessage(t, 1, 'out', 450, 'first');
    recordNote(t, 1, 'ended', 500);
    recordNote(t, 1, 'open', 600);
    const { messages, firstFrameRow } = recordedMessages(t, 1);
    expect(recordedOpenTime(t, summary({ id: 1, openedAt: 600 }), firstFrameRow, messages[0]!.time)).toBe(300);
  });

  test('without notes, openedAt when it came before the message, else the message itself', () => {
    const t = new FakeTimeline();
    t.createTimeline(1);
    recordMessage(t, 1, 'out', 450, 'first');
    expect(recordedOpenTime(t, summary({ id: 1, openedAt: 400 }), 0, 450)).toBe(400);
    expect(recordedOpenTime(t, summary({ id: 1, openedAt: 600 }), 0, 450)).toBe(450);
    expect(recordedOpenTime(t, summary({ id: 1, openedAt: null }), 0, 450)).toBe(450);
  });
});

describe('buildPlan', () => {
  test('URL, headers, subprotocols, message count and the time from the first to the last', () => {
    const t = new FakeTimeline();
    t.createTimeline(7);
    recordMessage(t, 7, 'out', 1_000_000, 'a');
    recordMessage(t, 7, 'in', 1_100_000, 'A');
    recordMessage(t, 7, 'out', 3_500_000, 'b');
    const s = summary({ id: 7, origin: 'proxied', url: 'wss://api.example.com/feed?x=1', handshake: handshake(RECORDED_HEADERS) });
    expect(buildPlan(s, recordedMessages(t, 7).messages)).toEqual({
      connectionId: 7,
      url: 'wss://api.example.com/feed?x=1',
      headers: [['Origin', 'https://app.example.com'], ['Cookie', 'session=abc'], ['Authorization', 'Bearer t0ken'], ['User-Agent', 'app/1.0']],
      subprotocols: ['graphql-ws', 'chat'],
      messages: 2,
      durationMs: 2500,
    });
  });

  test('a client connection that never sent its request: headers, Origin and subprotocols from its options', () => {
    const s = summary({ id: 2, handshake: null, options: { url: 'ws://h/', headers: [['X-A', '1']], subprotocols: ['v1'], origin: 'https://o' } });
    expect(buildPlan(s, [])).toMatchObject({ headers: [['Origin', 'https://o'], ['X-A', '1']], subprotocols: ['v1'], messages: 0, durationMs: 0 });
  });
});

describe('replayConnectOptions', () => {
  const plan = { connectionId: 3, url: 'ws://h/p', headers: [['Origin', 'https://o']] as Array<[string, string]>, subprotocols: ['v1'], messages: 0, durationMs: 0 };

  test("a client original keeps its own options but reconnect and origin (the Origin is in the headers)", () => {
    const s = summary({
      id: 3,
      extensions: 'permessage-deflate',
      options: {
        url: 'ws://h/p', origin: 'https://o', connectTimeoutMs: 5000, keepaliveIntervalMs: 1000, label: 'feed',
        tls: { insecure: true }, reconnect: { enabled: true }, deflate: { enabled: true, serverNoContextTakeover: true },
      },
    });
    expect(replayConnectOptions(s, plan, { connectionId: 3, timing: { mode: 'fast' } })).toEqual({
      url: 'ws://h/p', connectTimeoutMs: 5000, keepaliveIntervalMs: 1000, label: 'feed', tls: { insecure: true },
      headers: [['Origin', 'https://o']], subprotocols: ['v1'], deflate: { enabled: true, serverNoContextTakeover: true },
    });
  });

  test('the request overrides URL, headers and subprotocols; deflate is off when the original did not use it', () => {
    const s = summary({ id: 3, origin: 'proxied', options: { url: 'ws://h/p', connectTimeoutMs: 5000 } });
    expect(replayConnectOptions(s, plan, { connectionId: 3, timing: { mode: 'fast' }, url: 'ws://other/', headers: [], subprotocols: ['v2'] })).toEqual({
      url: 'ws://other/', headers: [], subprotocols: ['v2'], deflate: { enabled: false },
    });
  });
});
