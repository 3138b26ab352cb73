// The proxy changing traffic on purpose, verified at real `ws` peers: permessage-deflate kept
// through edits, injects, replaces and drops (with and without context takeover, and stripped);
// the hold queue (per-direction holding, keepalive while holding, forward, edit, drop, forward all,
// timeouts, intercept off); automatic rules; and the flags, rule names and originals recorded.
import { afterEach, describe, expect, test } from 'vitest';
import type { ClientOptions, PerMessageDeflateOptions } from 'ws';
import { FrameFlag, type InterceptSettings, type ProxyDirection, type TimelineRow } from '../../shared/api.ts';
import {
  appThrough, cleanupAll, ProxyRig, startUpstream, waitFor,
  type App, type Upstream, type UpstreamSession,
} from './proxy-harness.ts';

afterEach(cleanupAll);

interface Wired {
  rig: ProxyRig;
  upstream: Upstream;
  app: App;
  session: UpstreamSession;
  id: number;
}

/** An explicit proxy between a `ws` app and a `ws` server, with the intercept set up before the app connects. */
async function wire(opts: {
  deflate?: PerMessageDeflateOptions;
  intercept?: Partial<InterceptSettings>;
  stripExtensions?: boolean;
  rig?: ProxyRig;
  path?: string;
  echo?: boolean;
} = {}): Promise<Wired> {
  const upstream = await startUpstream({ perMessageDeflate: opts.deflate ?? false, echo: opts.echo ?? false });
  const rig = opts.rig ?? new ProxyRig();
  if (rig.address === '') await rig.start({ stripExtensions: opts.stripExtensions ?? false });
  if (opts.intercept) rig.engine.call('intercept.configure', opts.intercept);
  const appOptions: ClientOptions = { perMessageDeflate: opts.deflate ?? false };
  const app = appThrough('explicit', rig.address, upstream.url, opts.path ?? '/feed', appOptions);
  await app.opened;
  const session = await upstream.next();
  const ids = rig.list().filter((c) => c.origin === 'proxied').map((c) => c.id);
  const id = ids.at(-1)!;
  await rig.waitSummary(id, (s) => s.state === 'open', 'open');
  return { rig, upstream, app, session, id };
}

const bit = (row: TimelineRow | undefined, flag: number): boolean => ((row?.flags ?? 0) & flag) !== 0;

/** Frame rows of data messages going one way, as text. */
function dataRows(w: Wired, dir: 'in' | 'out'): TimelineRow[] {
  return w.rig.rows(w.id).filter((r) => r.kind === 'frame' && r.dir === dir && (r.opcode === 1 || r.opcode === 2));
}

function rowWith(w: Wired, dir: 'in' | 'out', text: string): TimelineRow {
  const row = dataRows(w, dir).find((r) => r.preview.includes(text));
  if (row === undefined) throw new Error(`no ${dir} row shows "${text}": ${JSON.stringify(dataRows(w, dir).map((r) => r.preview))}`);
  return row;
}

const FILLER = 'the quick brown fox jumps over the lazy dog, again and again and again';

// ---------------------------------------------------------------- permessage-deflate

describe('permessage-deflate through modifications', () => {
  test.each([
    { what: 'context takeover on both sides', deflate: { threshold: 0 }, reencodes: ['client', 'server'] as ProxyDirection[] },
    {
      what: 'no context takeover negotiated',
      deflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
      reencodes: [] as ProxyDirection[],
    },
    { what: '10-bit windows and context takeover', deflate: { threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 10 }, reencodes: ['client', 'server'] as ProxyDirection[] },
  ])('with $what: an edit, injects both ways, a replace and a drop mid-stream, and every later message decodes right at both peers', async ({ deflate, reencodes }) => {
    const rig = new ProxyRig();
    await rig.start({});
    rig.rules([
      { name: 'hold marked', match: { direction: 'client', payload: 'HOLD' }, action: { kind: 'hold' } },
      { name: 'redact', match: { direction: 'server' }, action: { kind: 'replace', find: 'secret', replace: 'REDACTED' } },
      { name: 'drop noise', match: { direction: 'client', payload: 'noise' }, action: { kind: 'drop' } },
    ]);
    const w = await wire({ rig, deflate });
    const { app, session } = w;
    expect(rig.summary(w.id).extensions).toMatch(/permessage-deflate/);
    expect(app.ws.extensions).toMatch(/permessage-deflate/);

    const toServer: string[] = [];
    const toApp: string[] = [];
    const appSends = (text: string, arrives: string | null = text): void => {
      app.ws.send(text);
      if (arrives !== null) toServer.push(arrives);
    };
    const serverSends = (text: string, arrives: string = text): void => {
      session.ws.send(text);
      toApp.push(arrives);
    };

    for (let i = 0; i < 5; i++) appSends(`client ${i}: ${FILLER}`);
    for (let i = 0; i < 5; i++) serverSends(`server ${i}: ${FILLER}`);
    await session.waitMessages(toServer.length);
    await app.waitMessages(toApp.length);

    // Held and edited; what the app sends meanwhile waits behind it.
    app.ws.send(`HOLD this one: ${FILLER}`);
    const [held] = await rig.waitHeld(1);
    expect(held).toMatchObject({ direction: 'client', rule: 'hold marked', compressed: true, text: `HOLD this one: ${FILLER}` });
    appSends(`client 5: ${FILLER}`, null);
    serverSends(`server 5 while holding: ${FILLER}`);
    await app.waitMessages(toApp.length);
    rig.engine.call('intercept.resolve', { id: held!.id, action: 'forward', edit: { kind: 'text', text: `edited: ${FILLER}` } });
    toServer.push(`edited: ${FILLER}`, `client 5: ${FILLER}`);
    await session.waitMessages(toServer.length);

    rig.engine.call('connections.send', { id: w.id, message: { kind: 'text', text: `injected up: ${FILLER}` } });
    toServer.push(`injected up: ${FILLER}`);
    rig.engine.call('connections.send', { id: w.id, message: { kind: 'text', text: `injected down: ${FILLER}` }, toward: 'client' });
    toApp.push(`injected down: ${FILLER}`);
    serverSends(`a secret: ${FILLER}`, `a REDACTED: ${FILLER}`);
    appSends(`noise: ${FILLER}`, null);
    for (let i = 6; i < 12; i++) appSends(`client ${i}: ${FILLER}`);
    for (let i = 6; i < 12; i++) serverSends(`server ${i}: ${FILLER} ${i}`);
    await session.waitMessages(toServer.length);
    await app.waitMessages(toApp.length);
    expect(session.texts()).toEqual(toServer);
    expect(app.texts()).toEqual(toApp);
    expect(session.close).toBeNull();
    expect(app.close).toBeNull();

    const s = rig.summary(w.id);
    expect(s.proxied?.reencoding).toEqual(reencodes);
    expect(bit(rowWith(w, 'out', 'edited:'), FrameFlag.EDITED)).toBe(true);
    expect(bit(rowWith(w, 'out', 'injected up'), FrameFlag.INJECTED)).toBe(true);
    expect(bit(rowWith(w, 'in', 'injected down'), FrameFlag.INJECTED)).toBe(true);
    expect(rowWith(w, 'in', 'a REDACTED').rule).toBe('redact');
    expect(bit(rowWith(w, 'out', 'noise:'), FrameFlag.DROPPED)).toBe(true);
    const later = rowWith(w, 'out', 'client 11:');
    expect(later.compressed).toBe(true);
    expect(bit(later, FrameFlag.REENCODED)).toBe(reencodes.includes('client'));
    expect(bit(rowWith(w, 'in', 'server 11:'), FrameFlag.REENCODED)).toBe(reencodes.includes('server'));
    // Before anything changed, frames went as the sender wrote them.
    expect(bit(rowWith(w, 'out', 'client 0:'), FrameFlag.REENCODED)).toBe(false);
    expect(rowWith(w, 'out', 'client 0:').compressed).toBe(true);

    app.ws.close(1000, 'done');
    expect(await session.waitClose()).toEqual({ code: 1000, reason: 'done' });
    expect(await app.waitClose()).toEqual({ code: 1000, reason: 'done' });
  });

  test('an inject while a compressed message is still arriving in fragments waits for it, and later messages still decode', async () => {
    const w = await wire({ deflate: { threshold: 0 } });
    const { app, session } = w;
    app.ws.send(`first: ${FILLER}`);
    await session.waitMessages(1);
    app.ws.send(`part one of two, ${FILLER}`, { fin: false, compress: true });
    await waitFor(() => w.rig.frames(w.id, 'out').length === 2, 'the first fragment through');
    w.rig.engine.call('connections.send', { id: w.id, message: { kind: 'text', text: `injected between: ${FILLER}` } });
    app.ws.send(` part two, ${FILLER}`, { fin: true, compress: true });
    for (let i = 0; i < 4; i++) app.ws.send(`later ${i}: ${FILLER}`);
    await session.waitMessages(7);
    expect(session.texts()).toEqual([
      `first: ${FILLER}`, `part one of two, ${FILLER} part two, ${FILLER}`, `injected between: ${FILLER}`,
      ...[0, 1, 2, 3].map((i) => `later ${i}: ${FILLER}`),
    ]);
    expect(session.close).toBeNull();
  });

  test('with stripExtensions the server sees no extension offer and nothing is compressed', async () => {
    const w = await wire({ deflate: { threshold: 0 }, stripExtensions: true });
    expect(w.session.req.headers['sec-websocket-extensions']).toBeUndefined();
    expect(w.app.ws.extensions).toBe('');
    w.app.ws.send(`up: ${FILLER}`);
    w.session.ws.send(`down: ${FILLER}`);
    await w.session.waitMessages(1);
    await w.app.waitMessages(1);
    expect(w.session.texts()).toEqual([`up: ${FILLER}`]);
    expect(w.app.texts()).toEqual([`down: ${FILLER}`]);
    const s = w.rig.summary(w.id);
    expect(s.proxied?.strippedExtensions).toBe(true);
    expect(s.extensions).toBeNull();
    expect(w.rig.frames(w.id).every((f) => f.rsv === 0 && !f.compressed)).toBe(true);
    expect(s.handshake?.requestHeaders.some(([n]) => n.toLowerCase() === 'sec-websocket-extensions')).toBe(false);
  });
});

// ---------------------------------------------------------------- the hold queue

describe('holding frames', () => {
  test('a frame held going to the server never delays the server\'s frames going to the app', async () => {
    const w = await wire({ intercept: { client: true } });
    w.app.ws.send('held up');
    const [held] = await w.rig.waitHeld(1);
    expect(held).toMatchObject({ connectionId: w.id, direction: 'client', opcode: 1, frames: 1, text: 'held up', rule: null, url: `${w.upstream.url}/feed` });
    expect(w.rig.summary(w.id).proxied?.held).toEqual({ client: 1, server: 0 });
    for (let i = 0; i < 5; i++) w.session.ws.send(`push ${i}`);
    await w.app.waitMessages(5);
    expect(w.app.texts()).toEqual(['push 0', 'push 1', 'push 2', 'push 3', 'push 4']);
    expect(w.rig.held()).toHaveLength(1);
    expect(w.session.messages).toEqual([]);
    w.rig.engine.call('intercept.resolve', { id: held!.id, action: 'forward' });
    await w.session.waitMessages(1);
    expect(w.session.texts()).toEqual(['held up']);
    expect(w.rig.eventsNamed('intercept.updated').some((st) => st.held.length === 1)).toBe(true);
  });

  test('while a frame is held the proxy pings the idle server and swallows the pongs', async () => {
    const w = await wire({ intercept: { client: true, keepaliveIntervalMs: 200 } });
    w.app.ws.send('waiting');
    const [held] = await w.rig.waitHeld(1);
    await waitFor(() => w.session.pings.length >= 2, 'two keepalive pings at the server');
    await waitFor(() => w.rig.frames(w.id, 'in').filter((f) => f.opcode === 10).length >= 2, 'two pongs recorded');
    expect(w.session.pings.every((p) => /^framescope-keepalive-\d+$/.test(String(p)))).toBe(true);
    w.rig.engine.call('intercept.resolve', { id: held!.id, action: 'forward' });
    await w.session.waitMessages(1);
    expect(w.session.texts()).toEqual(['waiting']);
    w.app.ws.ping('mine');
    await waitFor(() => w.app.pongs.length === 1, 'the app\'s own pong');
    // The app saw its own pong only: the keepalive ones were swallowed.
    expect(w.app.pongs.map(String)).toEqual(['mine']);
    expect(w.app.pings).toEqual([]);
    const rows = w.rig.rows(w.id).filter((r) => r.kind === 'frame');
    const pings = rows.filter((r) => r.dir === 'out' && r.opcode === 9 && bit(r, FrameFlag.KEEPALIVE));
    const pongs = rows.filter((r) => r.dir === 'in' && r.opcode === 10 && bit(r, FrameFlag.KEEPALIVE));
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(pongs.length).toBeGreaterThanOrEqual(2);
    expect(pongs.every((r) => bit(r, FrameFlag.DROPPED))).toBe(true);
    expect(w.rig.summary(w.id).state).toBe('open');
  });

  test('pings and pongs are not stuck behind a held frame: a server checking the app with its own pings gets the pongs', async () => {
    const w = await wire({ intercept: { client: true, server: true } });
    w.app.ws.send('held up');
    w.session.ws.send('held down');
    await w.rig.waitHeld(2);
    w.session.ws.ping('server: are you there?');
    w.app.ws.ping('app: are you there?');
    await waitFor(() => w.session.pongs.length === 1 && w.app.pongs.length === 1, 'both pongs while data is held both ways');
    expect(w.session.pongs.map(String)).toEqual(['server: are you there?']);
    expect(w.app.pongs.map(String)).toEqual(['app: are you there?']);
    expect(w.session.messages).toEqual([]);
    expect(w.app.messages).toEqual([]);
    // A close keeps its place behind the held message.
    w.app.ws.close(1000, 'after the held one');
    w.rig.engine.call('intercept.configure', { client: false, server: false });
    expect(await w.session.waitClose()).toEqual({ code: 1000, reason: 'after the held one' });
    expect(w.session.texts()).toEqual(['held up']);
  });

  test('held frames forwarded as they are, edited as text, edited as hex, dropped; a fragmented message is held whole', async () => {
    const w = await wire({ intercept: { client: true } });
    const { app, rig, session } = w;
    app.ws.send('one');
    app.ws.send('two');
    app.ws.send(Buffer.from([1, 2, 3]));
    app.ws.send('four');
    app.ws.send('fi', { fin: false });
    app.ws.send('ve', { fin: true });
    app.ws.send('six');
    const decide = async (expected: string | null, resolve: (id: number) => void): Promise<void> => {
      const [h] = await rig.waitHeld(1, `"${expected}" held`);
      expect(h!.text).toBe(expected);
      resolve(h!.id);
      await waitFor(() => rig.held().every((x) => x.id !== h!.id), 'the decision taken');
    };
    await decide('one', (id) => rig.engine.call('intercept.resolve', { id, action: 'forward' }));
    await decide('two', (id) => rig.engine.call('intercept.resolve', { id, action: 'forward', edit: { kind: 'text', text: 'TWO, edited' } }));
    await decide('\u0001\u0002\u0003', (id) => rig.engine.call('intercept.resolve', { id, action: 'forward', edit: { kind: 'binary', data: 'de ad be ef', format: 'hex' } }));
    await decide('four', (id) => rig.engine.call('intercept.resolve', { id, action: 'drop' }));
    const [five] = await rig.waitHeld(1);
    expect(five).toMatchObject({ text: 'five', frames: 2, opcode: 1 });
    rig.engine.call('intercept.resolve', { id: five!.id, action: 'forward', edit: { kind: 'text', text: 'FIVE' } });
    await decide('six', (id) => rig.engine.call('intercept.resolve', { id, action: 'forward' }));
    await session.waitMessages(5);
    expect(session.messages.map((m) => (m.isBinary ? m.data.toString('hex') : String(m.data)))).toEqual(['one', 'TWO, edited', 'deadbeef', 'FIVE', 'six']);
    expect(session.messages.map((m) => m.isBinary)).toEqual([false, false, true, false, false]);

    const rows = dataRows(w, 'out');
    const one = rowWith(w, 'out', 'one');
    expect(bit(one, FrameFlag.HELD) && !bit(one, FrameFlag.EDITED)).toBe(true);
    const two = rowWith(w, 'out', 'TWO, edited');
    expect(bit(two, FrameFlag.HELD) && bit(two, FrameFlag.EDITED)).toBe(true);
    const twoDetail = rig.detail(w.id, two.index);
    expect(twoDetail.original).toEqual({ payloadBase64: Buffer.from('two').toString('base64'), text: 'two' });
    expect(twoDetail.text).toBe('TWO, edited');
    expect(twoDetail.heldMs).toBeGreaterThanOrEqual(0);
    const bin = rows.find((r) => r.opcode === 2)!;
    expect(bit(bin, FrameFlag.EDITED)).toBe(true);
    const binDetail = rig.detail(w.id, bin.index);
    expect(Buffer.from(binDetail.payloadBase64, 'base64')).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(Buffer.from(binDetail.original!.payloadBase64, 'base64')).toEqual(Buffer.from([1, 2, 3]));
    const four = rowWith(w, 'out', 'four');
    expect(bit(four, FrameFlag.DROPPED) && bit(four, FrameFlag.HELD)).toBe(true);
    expect(rig.detail(w.id, rowWith(w, 'out', 'FIVE').index).original?.text).toBe('five');
    // Dropped and edited frames were not sent as they came: the server got exactly the frames recorded as sent.
    const sent = rig.frames(w.id, 'out').filter((f) => !((f.flags ?? 0) & FrameFlag.DROPPED));
    expect(Buffer.concat(sent.map((f) => f.wire)).equals(session.tap.received)).toBe(true);
  });

  test('server-to-app frames are held, edited and dropped the same way', async () => {
    const w = await wire({ intercept: { server: true } });
    w.session.ws.send('hello app');
    w.session.ws.send('drop me');
    w.session.ws.send('last');
    const [first] = await w.rig.waitHeld(1);
    expect(first).toMatchObject({ direction: 'server', text: 'hello app' });
    w.app.ws.send('the app is not held');
    await w.session.waitMessages(1);
    w.rig.engine.call('intercept.resolve', { id: first!.id, action: 'forward', edit: { kind: 'text', text: 'hello, edited' } });
    await waitFor(() => w.rig.held()[0]?.text === 'drop me' && w.rig.held(), '"drop me" held');
    w.rig.engine.call('intercept.resolve', { id: w.rig.held()[0]!.id, action: 'drop' });
    await waitFor(() => w.rig.held()[0]?.text === 'last' && w.rig.held(), '"last" held');
    w.rig.engine.call('intercept.forwardAll', undefined);
    await w.app.waitMessages(2);
    expect(w.app.texts()).toEqual(['hello, edited', 'last']);
  });

  test('forward all releases what every connection holds, and each direction keeps its order', async () => {
    const rig = new ProxyRig();
    await rig.start({});
    rig.engine.call('intercept.configure', { client: true });
    const a = await wire({ rig, path: '/a' });
    const b = await wire({ rig, path: '/b' });
    for (const w of [a, b]) for (const n of [1, 2, 3]) w.app.ws.send(`${w === a ? 'a' : 'b'}${n}`);
    for (let round = 1; round <= 3; round++) {
      const held = await rig.waitHeld(2, `round ${round}`);
      expect(held.map((h) => h.text).sort()).toEqual([`a${round}`, `b${round}`]);
      rig.engine.call('intercept.forwardAll', undefined);
    }
    await a.session.waitMessages(3);
    await b.session.waitMessages(3);
    expect(a.session.texts()).toEqual(['a1', 'a2', 'a3']);
    expect(b.session.texts()).toEqual(['b1', 'b2', 'b3']);
  });

  test('turning the intercept off releases the held frame and everything behind it, in order', async () => {
    const w = await wire({ intercept: { client: true } });
    for (const n of [1, 2, 3, 4]) w.app.ws.send(`m${n}`);
    await w.rig.waitHeld(1);
    w.rig.engine.call('intercept.configure', { client: false });
    await w.session.waitMessages(4);
    expect(w.session.texts()).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(w.rig.held()).toEqual([]);
    expect(bit(rowWith(w, 'out', 'm1'), FrameFlag.HELD)).toBe(true);
    expect(bit(rowWith(w, 'out', 'm2'), FrameFlag.HELD)).toBe(false);
  });

  test('control frames pass while data is held, unless holding them is asked for', async () => {
    const w = await wire({ intercept: { client: true } });
    w.app.ws.ping('passes');
    await waitFor(() => w.session.pings.length === 1, 'the ping at the server');
    w.rig.engine.call('intercept.configure', { holdControlFrames: true });
    w.app.ws.ping('held');
    const [h] = await w.rig.waitHeld(1);
    expect(h).toMatchObject({ opcode: 9, text: 'held' });
    w.rig.engine.call('intercept.resolve', { id: h!.id, action: 'forward', edit: { kind: 'text', text: 'edited ping' } });
    await waitFor(() => w.session.pings.length === 2, 'the edited ping at the server');
    expect(w.session.pings.map(String)).toEqual(['passes', 'edited ping']);
    await waitFor(() => w.app.pongs.length === 2, 'both pongs at the app');
    expect(w.app.pongs.map(String)).toEqual(['passes', 'edited ping']);
  });

  test.each(['forward', 'drop'] as const)('a hold that times out is settled by the default action: %s', async (timeoutAction) => {
    const w = await wire({ intercept: { client: true, holdTimeoutMs: 300, timeoutAction } });
    w.app.ws.send('nobody decides');
    // Read from the events: polling the queue could miss a hold that has already timed out.
    const h = await waitFor(() => w.rig.eventsNamed('intercept.updated').flatMap((st) => st.held)[0], 'the hold announced');
    expect(h.text).toBe('nobody decides');
    expect(h.expiresAt).toBe(h.heldAt + 300_000);
    await w.rig.waitHeld(0, 'the timeout');
    const row = await waitFor(() => dataRows(w, 'out')[0], 'the row of the timed-out frame');
    expect(bit(row, FrameFlag.HELD)).toBe(true);
    expect(bit(row, FrameFlag.DROPPED)).toBe(timeoutAction === 'drop');
    w.rig.engine.call('intercept.configure', { client: false });
    w.app.ws.send('after');
    await waitFor(() => w.session.texts().includes('after') && w.session.texts(), '"after" at the server');
    expect(w.session.texts()).toEqual(timeoutAction === 'forward' ? ['nobody decides', 'after'] : ['after']);
  });
});

// ---------------------------------------------------------------- rules

describe('rules', () => {
  test('match by URL glob, direction, opcode and payload (substring and regex); replace, drop and delay; rows name the rule', async () => {
    const rig = new ProxyRig();
    await rig.start({});
    rig.rules([
      { name: 'feed only', match: { url: '*/feed*', direction: 'client' }, action: { kind: 'replace', find: 'cat', replace: 'dog' } },
      { name: 'no binary', match: { opcodes: [2], direction: 'client' }, action: { kind: 'drop' } },
      { name: 'no errors', match: { payload: 'ERROR', direction: 'server' }, action: { kind: 'drop' } },
      { name: 'ids', match: { payload: '^id=\\d+$', regex: true }, action: { kind: 'replace', find: '(\\d+)', replace: '<$1>', regex: true } },
      { name: 'slow', match: { payload: 'slow' }, action: { kind: 'delay', ms: 50 } },
      { name: 'off', enabled: false, match: {}, action: { kind: 'drop' } },
    ]);
    const feed = await wire({ rig, path: '/feed?v=1' });
    const chat = await wire({ rig, path: '/chat' });

    feed.app.ws.send('cat food');
    feed.app.ws.send(Buffer.from('binary cat'));
    feed.app.ws.send('id=42');
    feed.app.ws.send('slow one');
    feed.app.ws.send('after it');
    chat.app.ws.send('cat chat');
    chat.app.ws.send('id=x42');
    feed.session.ws.send('a cat from the server');
    feed.session.ws.send('an error happened');
    feed.session.ws.send('id=7');
    await feed.session.waitMessages(4);
    await chat.session.waitMessages(2);
    await feed.app.waitMessages(2);
    expect(feed.session.texts()).toEqual(['dog food', 'id=<42>', 'slow one', 'after it']);
    expect(chat.session.texts()).toEqual(['cat chat', 'id=x42']);
    expect(feed.app.texts()).toEqual(['a cat from the server', 'id=<7>']);

    expect(rowWith(feed, 'out', 'dog food')).toMatchObject({ rule: 'feed only' });
    expect(bit(rowWith(feed, 'out', 'dog food'), FrameFlag.EDITED)).toBe(true);
    expect(feed.rig.detail(feed.id, rowWith(feed, 'out', 'dog food').index)).toMatchObject({ rules: ['feed only'], original: { text: 'cat food' } });
    const binary = dataRows(feed, 'out').find((r) => r.opcode === 2)!;
    expect(binary.rule).toBe('no binary');
    expect(bit(binary, FrameFlag.DROPPED)).toBe(true);
    expect(rowWith(feed, 'out', 'id=<42>').rule).toBe('ids');
    const slow = rowWith(feed, 'out', 'slow one');
    expect(slow.rule).toBe('slow');
    expect(bit(slow, FrameFlag.DELAYED)).toBe(true);
    expect(bit(rowWith(feed, 'out', 'after it'), FrameFlag.DELAYED)).toBe(false);
    expect(rowWith(chat, 'out', 'cat chat')).toMatchObject({ rule: null, flags: 0 });
    expect(rowWith(feed, 'in', 'a cat from')).toMatchObject({ rule: null, flags: 0 });
    const error = rowWith(feed, 'in', 'an error happened');
    expect(error.rule).toBe('no errors');
    expect(bit(error, FrameFlag.DROPPED)).toBe(true);
    expect(rowWith(feed, 'in', 'id=<7>').rule).toBe('ids');
    // The messages view carries the same marks.
    const messages = feed.rig.rows(feed.id, 'messages').filter((r) => r.kind === 'message');
    expect(messages.find((r) => r.preview === 'dog food')).toMatchObject({ rule: 'feed only' });
  });

  test('a hold rule holds only what it matches; the held frame names the rule', async () => {
    const w = await wire({ echo: true });
    w.rig.rules([{ name: 'catch orders', match: { payload: 'order', direction: 'client' }, action: { kind: 'hold' } }]);
    w.app.ws.send('hello');
    w.app.ws.send('place order 1');
    w.app.ws.send('bye');
    const [h] = await w.rig.waitHeld(1);
    expect(h).toMatchObject({ rule: 'catch orders', text: 'place order 1' });
    await w.app.waitMessages(1);
    expect(w.app.texts()).toEqual(['hello']);
    w.rig.engine.call('intercept.resolve', { id: h!.id, action: 'forward' });
    await w.app.waitMessages(3);
    expect(w.app.texts()).toEqual(['hello', 'place order 1', 'bye']);
    const row = rowWith(w, 'out', 'place order 1');
    expect(row.rule).toBe('catch orders');
    expect(bit(row, FrameFlag.HELD)).toBe(true);
  });
});
