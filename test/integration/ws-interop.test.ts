// Interop over real loopback sockets with the `ws` package as the peer: messages, pings, every close
// path, subprotocols and permessage-deflate, with our Connection as the client and as the server.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type ServerOptions as WsServerOptions } from 'ws';
import type { DeflateParams } from '../../electron/core/protocol/index.ts';
import {
  AsyncQueue, ConnectionServer, closeAllDriverHandles, connectClient, type SocketConnection,
} from './socket-driver.ts';

const MiB = 1024 * 1024;
/** ws's limit must let the 16 MiB messages through; its default is 100 MiB but the tests say what they need. */
const WS_MAX_PAYLOAD = 64 * MiB;

// ---------------------------------------------------------------- the ws side

interface WsMessage { readonly data: Buffer; readonly isBinary: boolean }

/** One ws WebSocket with its events queued, so a test can await what ws saw. */
class WsPeer {
  readonly ws: WebSocket;
  /** Client side: resolves on 'open'. Server side: already open. */
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly errors: Array<Error & { code?: string }> = [];
  private readonly messages = new AsyncQueue<WsMessage>();
  private readonly pings = new AsyncQueue<Buffer>();
  private readonly pongs = new AsyncQueue<Buffer>();

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.opened = ws.readyState === WebSocket.OPEN ? Promise.resolve() : new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('ws closed before it opened')));
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') }));
    });
    // binaryType is 'nodebuffer' by default, so every message arrives as one Buffer.
    ws.on('message', (data, isBinary) => this.messages.push({ data: data as Buffer, isBinary }));
    ws.on('ping', (data) => this.pings.push(data));
    ws.on('pong', (data) => this.pongs.push(data));
    ws.on('error', (err) => this.errors.push(err));
    ws.once('close', () => {
      const ended = new Error('ws closed');
      this.messages.end(ended);
      this.pings.end(ended);
      this.pongs.end(ended);
    });
  }

  nextMessage(): Promise<WsMessage> {
    return this.messages.take(() => true);
  }

  nextPing(): Promise<Buffer> {
    return this.pings.take(() => true);
  }

  nextPong(): Promise<Buffer> {
    return this.pongs.take(() => true);
  }

  /** ws keeps the negotiated permessage-deflate parameters only internally; this is what it will use. */
  deflateParams(): DeflateParams | null {
    const ext = (this.ws as unknown as { _extensions: Record<string, { params: Record<string, number | boolean> } | undefined> })
      ._extensions['permessage-deflate'];
    if (!ext) return null;
    const p = ext.params;
    const bits = (v: number | boolean | undefined) => (typeof v === 'number' ? v : 15);
    return {
      serverNoContextTakeover: p['server_no_context_takeover'] === true,
      clientNoContextTakeover: p['client_no_context_takeover'] === true,
      serverMaxWindowBits: bits(p['server_max_window_bits']),
      clientMaxWindowBits: bits(p['client_max_window_bits']),
    };
  }
}

const wsServers: WebSocketServer[] = [];
const wsClients: WebSocket[] = [];
const rawSockets: net.Socket[] = [];

afterEach(async () => {
  for (const ws of wsClients.splice(0)) ws.terminate();
  for (const s of rawSockets.splice(0)) s.destroy();
  await Promise.all(wsServers.splice(0).map((wss) => new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => resolve());
  })));
  await closeAllDriverHandles();
});

interface WsServerPeer { readonly peer: WsPeer; readonly socket: Duplex }

async function startWsServer(opts: WsServerOptions): Promise<{ port: number; nextPeer(): Promise<WsServerPeer> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, ...opts });
  wsServers.push(wss);
  const peers = new AsyncQueue<WsServerPeer>();
  // The peer wraps ws synchronously so no event is emitted before its listeners exist.
  wss.on('connection', (ws, req) => peers.push({ peer: new WsPeer(ws), socket: req.socket }));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as net.AddressInfo;
  return { port, nextPeer: () => peers.take(() => true) };
}

function wsClient(url: string, opts: ConstructorParameters<typeof WebSocket>[2] = {}, protocols: string[] = []): WsPeer {
  const ws = new WebSocket(url, protocols, { maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, ...opts });
  wsClients.push(ws);
  return new WsPeer(ws);
}

// ---------------------------------------------------------------- pairings

/** ws's option names for permessage-deflate match ours, so one shape configures either side. */
interface DeflateSide {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
}

interface PairOptions {
  /** What the client offers and what the server accepts with; absent: no compression anywhere. */
  deflate?: { client: DeflateSide; server: DeflateSide };
}

interface Pair {
  readonly ours: SocketConnection;
  readonly theirs: WsPeer;
}

interface Pairing {
  readonly name: string;
  readonly ourRole: 'client' | 'server';
  open(opts?: PairOptions): Promise<Pair>;
}

const ourClient: Pairing = {
  name: 'our client ↔ ws.WebSocketServer',
  ourRole: 'client',
  async open(opts = {}) {
    const server = await startWsServer({ perMessageDeflate: opts.deflate ? { ...opts.deflate.server, threshold: 0 } : false });
    const peer = server.nextPeer();
    const { client } = await connectClient(server.port, { path: '/interop', deflate: opts.deflate ? [opts.deflate.client] : [] });
    return { ours: client, theirs: (await peer).peer };
  },
};

const ourServer: Pairing = {
  name: 'ws client ↔ our server',
  ourRole: 'server',
  async open(opts = {}) {
    const server = await ConnectionServer.listen({ accept: { deflate: opts.deflate?.server ?? null } });
    const theirs = wsClient(`${server.url}/interop`, { perMessageDeflate: opts.deflate ? { ...opts.deflate.client, threshold: 0 } : false });
    const ours = await server.nextConnection();
    await theirs.opened;
    return { ours, theirs };
  },
};

const pairings = [ourClient, ourServer];

// ---------------------------------------------------------------- payloads

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const UNICODE = 'héllo wörld — 你好, мир 🌍🚀 ∑ ﬁ';

let bigBinary: Buffer | null = null;
let bigText: Buffer | null = null;

/** 16 MiB of random bytes: nothing in it compresses or repeats by accident. */
function sixteenMiBBinary(): Buffer {
  bigBinary ??= randomBytes(16 * MiB);
  return bigBinary;
}

/** 16 MiB of UTF-8 mixing 1- to 4-byte sequences, built from a 64-byte unit so it is exactly 16 MiB. */
function sixteenMiBText(): Buffer {
  if (!bigText) {
    const base = utf8('größe 鍵 🔑 ключ ');
    const unit = Buffer.concat([base, Buffer.alloc(64 - base.length, 'x')]);
    bigText = Buffer.alloc(16 * MiB);
    for (let off = 0; off < bigText.length; off += unit.length) unit.copy(bigText, off);
  }
  return bigText;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

// ---------------------------------------------------------------- messages, pings, closes

describe.each(pairings)('$name', (pairing) => {
  const peerMasks = pairing.ourRole === 'server';

  it('carries text, binary and empty messages both ways with the right opcodes', async () => {
    const { ours, theirs } = await pairing.open();
    const sent = [
      { binary: false, data: utf8('Hello, ws') },
      { binary: true, data: Buffer.from('00ff7f80010203', 'hex') },
      { binary: false, data: Buffer.alloc(0) },
      { binary: true, data: Buffer.alloc(0) },
    ];

    for (const m of sent) ours.send({ type: m.binary ? 'binary' : 'text', data: m.data });
    for (const m of sent) {
      const got = await theirs.nextMessage();
      expect(got.isBinary).toBe(m.binary);
      expect(got.data.toString('hex')).toBe(m.data.toString('hex'));
    }

    for (const m of sent) theirs.ws.send(m.data, { binary: m.binary });
    for (const m of sent) {
      const got = await ours.nextMessage();
      expect(got.opcode).toBe(m.binary ? 0x2 : 0x1);
      expect(Buffer.from(got.data).toString('hex')).toBe(m.data.toString('hex'));
      expect(got.compressed).toBe(false);
      const [frame] = ours.frames(got.firstSeq, got.lastSeq);
      expect(frame).toMatchObject({ fin: true, rsv1: false, masked: peerMasks, payloadLength: m.data.length });
    }
  });

  it('carries unicode text intact both ways', async () => {
    const { ours, theirs } = await pairing.open();
    ours.send({ type: 'text', data: UNICODE });
    const atWs = await theirs.nextMessage();
    expect(atWs.isBinary).toBe(false);
    expect(atWs.data.toString('utf8')).toBe(UNICODE);

    theirs.ws.send(UNICODE);
    const atOurs = await ours.nextMessage();
    expect(atOurs.opcode).toBe(0x1);
    expect(Buffer.from(atOurs.data).toString('utf8')).toBe(UNICODE);
  });

  it('ws reassembles messages we send in fragments, a UTF-8 sequence split across frames included', async () => {
    const { ours, theirs } = await pairing.open();
    const text = ours.send({ type: 'text', data: UNICODE, fragmentSize: 3 });
    // First frame: FIN clear, opcode text.
    expect(text[0]).toBe(0x01);
    const binary = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 31) & 0xff));
    const bin = ours.send({ type: 'binary', data: binary, fragmentSize: 4096 });
    expect(bin[0]).toBe(0x02);

    const atWsText = await theirs.nextMessage();
    expect(atWsText.isBinary).toBe(false);
    expect(atWsText.data.toString('utf8')).toBe(UNICODE);
    const atWsBinary = await theirs.nextMessage();
    expect(atWsBinary.isBinary).toBe(true);
    expect(atWsBinary.data.equals(binary)).toBe(true);
  });

  it('reassembles a message ws sends with fin:false, with a ping between the fragments', async () => {
    const { ours, theirs } = await pairing.open();
    const whole = utf8(UNICODE);
    // Cut inside the 4-byte 🌍 so the UTF-8 check has to carry a partial sequence over a frame boundary.
    const cut = whole.indexOf(utf8('🌍')) + 2;
    theirs.ws.send(whole.subarray(0, 5), { binary: false, fin: false });
    theirs.ws.send(whole.subarray(5, cut), { fin: false });
    theirs.ws.ping(utf8('between fragments'));
    theirs.ws.send(whole.subarray(cut), { fin: true });

    const ping = await ours.next('ping');
    expect(Buffer.from(ping.data).toString('utf8')).toBe('between fragments');
    const msg = await ours.nextMessage();
    expect(msg.opcode).toBe(0x1);
    expect(msg.frames).toBe(3);
    expect(Buffer.from(msg.data).toString('utf8')).toBe(UNICODE);
    const frames = ours.frames(msg.firstSeq, msg.lastSeq).map((f) => [f.opcode, f.fin]);
    expect(frames).toEqual([[0x1, false], [0x0, false], [0x9, true], [0x0, true]]);
    // The ping was answered on its own while the message was still open.
    expect((await theirs.nextPong()).toString('utf8')).toBe('between fragments');
  });

  it('carries a 16 MiB binary and a 16 MiB text message each way', async () => {
    const { ours, theirs } = await pairing.open();
    const binary = sixteenMiBBinary();
    const text = sixteenMiBText();

    ours.send({ type: 'binary', data: binary });
    ours.send({ type: 'text', data: text });
    const b1 = await theirs.nextMessage();
    expect(b1.isBinary).toBe(true);
    expect(b1.data.length).toBe(16 * MiB);
    expect(b1.data.equals(binary)).toBe(true);
    const t1 = await theirs.nextMessage();
    expect(t1.isBinary).toBe(false);
    expect(t1.data.equals(text)).toBe(true);

    theirs.ws.send(binary, { binary: true });
    theirs.ws.send(text, { binary: false });
    const b2 = await ours.nextMessage();
    expect(b2.opcode).toBe(0x2);
    expect(b2.data.length).toBe(16 * MiB);
    expect(sameBytes(b2.data, binary)).toBe(true);
    const t2 = await ours.nextMessage();
    expect(t2.opcode).toBe(0x1);
    expect(sameBytes(t2.data, text)).toBe(true);
  });

  it('ws answers our ping with a pong carrying the same payload', async () => {
    const { ours, theirs } = await pairing.open();
    // 125 bytes: the largest payload a control frame may carry (RFC 6455 §5.5).
    const payload = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 7 + 1) & 0xff));
    ours.send({ type: 'ping', data: payload });
    expect((await theirs.nextPing()).equals(payload)).toBe(true);
    const pong = await ours.next('pong');
    expect(sameBytes(pong.data, payload)).toBe(true);
  });

  it('answers ws\'s ping with a pong carrying the same payload', async () => {
    const { ours, theirs } = await pairing.open();
    theirs.ws.ping(utf8('marco'));
    const ping = await ours.next('ping');
    expect(Buffer.from(ping.data).toString('utf8')).toBe('marco');
    expect((await theirs.nextPong()).toString('utf8')).toBe('marco');

    theirs.ws.ping();
    expect((await ours.next('ping')).data.length).toBe(0);
    expect((await theirs.nextPong()).length).toBe(0);
  });

  it('closes cleanly when we close with a code and reason: ws sees both, our closed event is by local', async () => {
    const { ours, theirs } = await pairing.open();
    const bytes = ours.send({ type: 'close', code: 4000, reason: 'done here' });
    expect(Buffer.from(bytes.subarray(0, 2)).toString('hex')).toBe(peerMasks ? '880b' : '888b');
    expect(ours.conn.state).toBe('LOCAL_CLOSING');

    expect(await theirs.closed).toEqual({ code: 4000, reason: 'done here' });
    const closed = await ours.closed;
    expect(closed).toMatchObject({ code: 4000, by: 'local', clean: true });
    const reply = await ours.next('close');
    expect(reply.code).toBe(4000);
    await ours.socketClosed;
  });

  it('echoes ws\'s close and closes cleanly by remote', async () => {
    const { ours, theirs } = await pairing.open();
    theirs.ws.close(4001, 'ws is done');

    const close = await ours.next('close');
    expect(close).toMatchObject({ code: 4001, reason: 'ws is done' });
    expect(await ours.closed).toEqual({ type: 'closed', code: 4001, reason: 'ws is done', by: 'remote', clean: true });
    // RFC 6455 §5.5.1: the reply echoes the status code.
    expect((await theirs.closed).code).toBe(4001);
    await ours.socketClosed;
  });

  it('reports 1006, abnormal and not clean, when ws terminates the connection', async () => {
    const { ours, theirs } = await pairing.open();
    theirs.ws.terminate();
    expect(await ours.closed).toMatchObject({ code: 1006, by: 'abnormal', clean: false });
    expect(ours.log.some((ev) => ev.type === 'close')).toBe(false);
    await ours.socketClosed;
  });
});

// ---------------------------------------------------------------- failing the connection

describe('failing the connection (RFC 6455 §7.1.7)', () => {
  it('our client fails with 1002 on a masked frame from the ws server, and ws sees 1002', async () => {
    const server = await startWsServer({ perMessageDeflate: false });
    const peer = server.nextPeer();
    const { client } = await connectClient(server.port);
    const { peer: theirs, socket } = await peer;
    // Written under ws: a text frame "Hi" with the MASK bit set (mask key 00000000), which a server must not send.
    socket.write(Buffer.from('818200000000' + '4869', 'hex'));

    const err = await client.next('error');
    expect(err).toMatchObject({ code: 'WS_ERR_UNEXPECTED_MASK', closeCode: 1002 });
    expect(await client.closed).toMatchObject({ code: 1002, by: 'local', clean: false });
    expect((await theirs.closed).code).toBe(1002);
    await client.socketClosed;
  });

  it('our server fails with 1002 on an unmasked frame from a raw client after a real handshake', async () => {
    const server = await ConnectionServer.listen();
    const raw = net.connect({ host: '127.0.0.1', port: server.port });
    rawSockets.push(raw);
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => undefined);
    raw.write(
      'GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const ours = await server.nextConnection();
    await ours.next('request');

    // RFC 6455 §5.7: a masked "Hello" is a valid client frame...
    raw.write(Buffer.from('818537fa213d7f9f4d5158', 'hex'));
    expect(Buffer.from((await ours.nextMessage()).data).toString('utf8')).toBe('Hello');
    // ...the same frame unmasked is not (§5.1: a server MUST close on an unmasked client frame).
    raw.write(Buffer.from('810548656c6c6f', 'hex'));

    const err = await ours.next('error');
    expect(err).toMatchObject({ code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002, seq: 1 });
    expect(await ours.closed).toMatchObject({ code: 1002, by: 'local', clean: false });
    await rawClosed;

    const received = Buffer.concat(chunks);
    const headEnd = received.indexOf('\r\n\r\n') + 4;
    const head = received.subarray(0, headEnd).toString('latin1');
    expect(head.startsWith('HTTP/1.1 101 ')).toBe(true);
    // The accept value RFC 6455 §1.3 gives for this key.
    expect(head).toMatch(/\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
    const close = received.subarray(headEnd);
    // One unmasked close frame whose payload starts with 1002 (03 ea), and nothing after it.
    expect(close[0]).toBe(0x88);
    expect(close[1]).toBe(close.length - 2);
    expect(close.subarray(2, 4).toString('hex')).toBe('03ea');
    expect(close.subarray(4).toString('utf8')).toBe(err.reason);
  });

  it('ws fails with 1002 on a reserved-opcode frame our server sends raw', async () => {
    const server = await ConnectionServer.listen();
    const theirs = wsClient(server.url);
    const ours = await server.nextConnection();
    await theirs.opened;

    const bytes = ours.send({ type: 'raw', frame: { opcode: 0x3, payload: new Uint8Array(0) } });
    expect(Buffer.from(bytes).toString('hex')).toBe('8300');

    const close = await ours.next('close');
    expect(close.code).toBe(1002);
    expect(theirs.errors.map((e) => e.code)).toEqual(['WS_ERR_INVALID_OPCODE']);
    expect(await ours.closed).toMatchObject({ code: 1002, by: 'remote' });
    await theirs.closed;
    await ours.socketClosed;
  });
});

// ---------------------------------------------------------------- subprotocols

describe('subprotocol negotiation', () => {
  it('our client gets the subprotocol ws\'s handleProtocols picks from our offer', async () => {
    let offered: string[] = [];
    const server = await startWsServer({
      perMessageDeflate: false,
      handleProtocols: (protocols) => {
        offered = [...protocols];
        return 'chat.v2';
      },
    });
    const peer = server.nextPeer();
    const { client, accepted } = await connectClient(server.port, { subprotocols: ['chat.v1', 'chat.v2'] });
    const { peer: theirs } = await peer;

    expect(offered).toEqual(['chat.v1', 'chat.v2']);
    expect(accepted.protocol).toBe('chat.v2');
    expect(theirs.ws.protocol).toBe('chat.v2');
    client.send({ type: 'text', data: 'on chat.v2' });
    expect((await theirs.nextMessage()).data.toString()).toBe('on chat.v2');
  });

  it('the ws client gets the subprotocol our server picks from its offer', async () => {
    const server = await ConnectionServer.listen({ accept: (req) => ({ protocol: req.request.subprotocols[1] ?? null }) });
    const theirs = wsClient(server.url, {}, ['chat.v1', 'chat.v2']);
    const ours = await server.nextConnection();
    const request = await ours.next('request');
    await theirs.opened;

    expect(request.request.subprotocols).toEqual(['chat.v1', 'chat.v2']);
    expect(theirs.ws.protocol).toBe('chat.v2');
    theirs.ws.send('on chat.v2');
    expect(Buffer.from((await ours.nextMessage()).data).toString()).toBe('on chat.v2');
  });
});

// ---------------------------------------------------------------- permessage-deflate

interface DeflateVariant {
  readonly name: string;
  readonly client: DeflateSide;
  readonly server: DeflateSide;
  readonly expected: DeflateParams;
}

const DEFAULT_PARAMS: DeflateParams = {
  serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15,
};

// RFC 7692 allows 8-15 and ws accepts 8. zlib cannot deflate with an 8-bit window (it uses 9, whose
// matches still reach at most 250 bytes back), so ws compresses anyway while our side, when its own
// window is 8, sends uncompressed.
const WINDOW_BITS = [8, 9, 10, 12, 15];

const variants: DeflateVariant[] = [
  { name: 'default parameters', client: {}, server: {}, expected: DEFAULT_PARAMS },
  {
    name: 'client_no_context_takeover offered by the client',
    client: { clientNoContextTakeover: true }, server: {},
    expected: { ...DEFAULT_PARAMS, clientNoContextTakeover: true },
  },
  {
    name: 'server_no_context_takeover requested by the client',
    client: { serverNoContextTakeover: true }, server: {},
    expected: { ...DEFAULT_PARAMS, serverNoContextTakeover: true },
  },
  {
    name: 'both no_context_takeover, requested by the client',
    client: { serverNoContextTakeover: true, clientNoContextTakeover: true }, server: {},
    expected: { ...DEFAULT_PARAMS, serverNoContextTakeover: true, clientNoContextTakeover: true },
  },
  {
    name: 'both no_context_takeover, imposed by the server',
    client: {}, server: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    expected: { ...DEFAULT_PARAMS, serverNoContextTakeover: true, clientNoContextTakeover: true },
  },
  ...WINDOW_BITS.map((bits): DeflateVariant => ({
    name: `server_max_window_bits=${bits} requested by the client`,
    client: { serverMaxWindowBits: bits }, server: {},
    expected: { ...DEFAULT_PARAMS, serverMaxWindowBits: bits },
  })),
  ...WINDOW_BITS.map((bits): DeflateVariant => ({
    name: `client_max_window_bits=${bits} chosen by the server`,
    client: {}, server: { clientMaxWindowBits: bits },
    expected: { ...DEFAULT_PARAMS, clientMaxWindowBits: bits },
  })),
  {
    name: 'server_max_window_bits=10 set by the server alone',
    client: {}, server: { serverMaxWindowBits: 10 },
    expected: { ...DEFAULT_PARAMS, serverMaxWindowBits: 10 },
  },
  {
    name: 'client_max_window_bits=10 offered by the client',
    client: { clientMaxWindowBits: 10 }, server: {},
    expected: { ...DEFAULT_PARAMS, clientMaxWindowBits: 10 },
  },
];

/**
 * A few dozen messages whose content repeats within and across messages, so context takeover and
 * the window size both matter: back-references reach into earlier messages at every distance.
 */
function deflateCorpus(): Array<{ binary: boolean; data: Buffer }> {
  const phrases = [
    'the quick brown fox jumps over the lazy dog; ',
    'Framescope shows every frame on the timeline. ',
    'Grüße aus dem Protokoll, 世界 🌍 ',
    '{"op":"update","id":12345,"fields":["a","b","c"]} ',
  ];
  const out: Array<{ binary: boolean; data: Buffer }> = [];
  for (let i = 0; i < 30; i++) {
    if (i === 7) {
      out.push({ binary: false, data: Buffer.alloc(0) });
    } else if (i === 15) {
      // Whole units only, then ASCII padding: cutting a multi-byte character would make it invalid UTF-8.
      const unit = utf8(phrases.join(''));
      const big = Buffer.alloc(MiB, '.');
      for (let off = 0; off + unit.length <= big.length; off += unit.length) unit.copy(big, off);
      out.push({ binary: false, data: big });
    } else if (i % 3 === 2) {
      const bytes = Buffer.alloc(200 + i * 37);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (j % (13 + i)) * 17 & 0xff;
      out.push({ binary: true, data: bytes });
    } else {
      const parts: string[] = [];
      for (let j = 0; j < 2 + (i % 9); j++) parts.push(`${i}.${j} ${phrases[(i + j) % phrases.length]}`);
      out.push({ binary: false, data: utf8(parts.join('')) });
    }
  }
  return out;
}

describe.each(pairings)('permessage-deflate, $name', (pairing) => {
  it.each(variants)('$name', async (variant) => {
    const { ours, theirs } = await pairing.open({ deflate: { client: variant.client, server: variant.server } });

    expect(ours.conn.deflateParams).toEqual(variant.expected);
    expect(theirs.deflateParams()).toEqual(variant.expected);

    const ownBits = pairing.ourRole === 'client' ? variant.expected.clientMaxWindowBits : variant.expected.serverMaxWindowBits;
    const weCompress = ownBits > 8;
    const corpus = deflateCorpus();

    for (const m of corpus) {
      const bytes = ours.send({ type: m.binary ? 'binary' : 'text', data: m.data });
      // RSV1 on the first frame marks a compressed message (RFC 7692 §6).
      expect(bytes[0]! & 0x40).toBe(weCompress ? 0x40 : 0);
    }
    // Fresh random content repeated within the message: it compresses, but never below the 64-byte fragments.
    const unit = randomBytes(1000);
    const fragmented = Buffer.concat([unit, unit, unit]);
    const fragBytes = ours.send({ type: 'binary', data: fragmented, fragmentSize: 64 });
    expect(fragBytes[0]).toBe(weCompress ? 0x42 : 0x02);
    for (const m of corpus) {
      const got = await theirs.nextMessage();
      expect(got.isBinary).toBe(m.binary);
      expect(got.data.equals(m.data)).toBe(true);
    }
    expect((await theirs.nextMessage()).data.equals(fragmented)).toBe(true);

    for (const m of corpus) theirs.ws.send(m.data, { binary: m.binary });
    theirs.ws.send(fragmented.subarray(0, 100), { binary: true, fin: false });
    theirs.ws.send(fragmented.subarray(100, 300), { fin: false });
    theirs.ws.send(fragmented.subarray(300), { fin: true });
    for (const m of corpus) {
      const got = await ours.nextMessage();
      expect(got.opcode).toBe(m.binary ? 0x2 : 0x1);
      expect(sameBytes(got.data, m.data)).toBe(true);
      expect(got.compressed).toBe(true);
      const [first] = ours.frames(got.firstSeq, got.firstSeq);
      expect(first).toMatchObject({ rsv1: true, compressed: true, fin: true });
    }
    const frag = await ours.nextMessage();
    expect(sameBytes(frag.data, fragmented)).toBe(true);
    expect(frag.frames).toBe(3);
    // Only the first frame of a compressed message carries RSV1 (RFC 7692 §6.1).
    expect(ours.frames(frag.firstSeq, frag.lastSeq).map((f) => [f.opcode, f.rsv1, f.compressed])).toEqual([
      [0x2, true, true], [0x0, false, true], [0x0, false, true],
    ]);

    expect(ours.log.filter((ev) => ev.type === 'error')).toEqual([]);
    expect(ours.conn.state).toBe('OPEN');
  });
});
