// Saved messages through the real Engine: saved, listed and kept per session, rendered with the
// active environment, sent on a live connection to a `ws` server, saved from a timeline row, and refused when wrong.
import { afterEach, describe, expect, test } from 'vitest';
import type { SavedMessage } from '../../shared/api.ts';
import { closeAllPeers, expectInvalid, startWsServer, TestEngine, type WsSession } from './engine-harness.ts';

let te: TestEngine;

afterEach(async () => {
  te?.shutdown();
  await closeAllPeers();
});

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A live connection to an echo server, and the server's side of it. */
async function live(): Promise<{ id: number; session: WsSession }> {
  const server = await startWsServer({ echo: true });
  const id = te.open({ url: `${server.url}/chat` });
  const session = await server.next();
  await te.opened(id);
  return { id, session };
}

describe('saved messages', () => {
  test('saved, listed, announced, and kept with the session they were saved in', () => {
    te = new TestEngine(5);
    const m = te.engine.call('saved.save', { collection: 'auth', name: 'login', kind: 'json', body: '{"user":"{{user}}"}' });
    expect(m).toMatchObject({ collection: 'auth', name: 'login', kind: 'json', body: '{"user":"{{user}}"}', format: null });
    expect(te.engine.call('saved.list', undefined)).toEqual([m]);
    expect(te.events.filter((e) => e.name === 'saved.updated').at(-1)?.payload).toEqual([m]);

    const updated = te.engine.call('saved.save', { id: m.id, collection: 'auth', name: 'login v2', kind: 'text', body: 'hi' });
    expect(updated).toMatchObject({ id: m.id, name: 'login v2', createdAt: m.createdAt });
    expect(te.engine.call('saved.list', undefined)).toEqual([updated]);

    const first = te.engine.call('sessions.current', undefined);
    te.engine.call('sessions.new', {});
    expect(te.engine.call('saved.list', undefined)).toEqual([]);
    te.engine.call('sessions.open', { id: first.id });
    expect(te.engine.call('saved.list', undefined)).toEqual([updated]);

    te.engine.call('saved.delete', { id: m.id });
    expect(te.engine.call('saved.list', undefined)).toEqual([]);
  });

  test('render uses the active environment and the built-ins, and lists what has no value', () => {
    te = new TestEngine(5);
    te.engine.call('env.set', { active: 'dev', environments: { dev: { user: 'ana', room: '7' }, prod: { user: 'bo' } } });
    expect(te.engine.call('env.get', undefined)).toEqual({ active: 'dev', environments: { dev: { user: 'ana', room: '7' }, prod: { user: 'bo' } } });
    const out = te.engine.call('saved.render', { body: '{{ user }} in {{room}} with {{token}} at {{$timestamp}} id {{$uuid}} n {{$randomInt 5 6}}' });
    const match = /^ana in 7 with \{\{token\}\} at (\d+) id (\S+) n (\d+)$/.exec(out.body);
    expect(match, out.body).not.toBeNull();
    expect(Math.abs(Number(match![1]) - Date.now() / 1000)).toBeLessThan(3600);
    expect(match![2]).toMatch(UUID_V4);
    expect(['5', '6']).toContain(match![3]);
    expect(out.missing).toEqual(['token']);
  });

  test('send renders the message and the server receives the rendered text', async () => {
    te = new TestEngine(5);
    const { id, session } = await live();
    te.engine.call('env.set', { active: 'prod', environments: { dev: { user: 'ana' }, prod: { user: 'bo' } } });
    const m = te.engine.call('saved.save', { collection: 'c', name: 'hello', kind: 'json', body: '{"user":"{{user}}","id":"{{$uuid}}","at":{{$timestamp}}}' });
    const result = te.engine.call('saved.send', { id: m.id, connectionId: id });
    expect(result.rows.length).toBeGreaterThan(0);
    const got = await session.nextMessage();
    expect(got.isBinary).toBe(false);
    const body = JSON.parse(got.data.toString('utf8')) as { user: string; id: string; at: number };
    expect(body.user).toBe('bo');
    expect(body.id).toMatch(UUID_V4);
    expect(Number.isInteger(body.at)).toBe(true);

    const bin = te.engine.call('saved.save', { collection: 'c', name: 'bytes', kind: 'binary', body: 'ca fe 00', format: 'hex' });
    te.engine.call('saved.send', { id: bin.id, connectionId: id });
    const bytes = await session.nextMessage();
    expect(bytes.isBinary).toBe(true);
    expect([...bytes.data]).toEqual([0xca, 0xfe, 0x00]);
  });

  test('fromRow saves a received message (JSON stays JSON) that can be sent again', async () => {
    te = new TestEngine(5);
    const { id, session } = await live();
    te.engine.call('connections.send', { id, message: { kind: 'text', text: '{"op":"subscribe","topic":"a"}' } });
    await session.nextMessage();
    await te.waitFor(id, (s) => s.messagesIn === 1, 'the echo');
    const echo = te.rows(id, 'messages').find((r) => r.kind === 'message' && r.dir === 'in')!;
    const saved: SavedMessage = te.engine.call('saved.fromRow', { connectionId: id, view: 'messages', index: echo.index, collection: 'captured', name: 'subscribe' });
    expect(saved).toMatchObject({ collection: 'captured', name: 'subscribe', kind: 'json', body: '{"op":"subscribe","topic":"a"}', format: null });
    te.engine.call('saved.send', { id: saved.id, connectionId: id });
    expect((await session.nextMessage()).data.toString('utf8')).toBe('{"op":"subscribe","topic":"a"}');

    const note = te.rows(id, 'messages').find((r) => r.kind === 'note')!;
    expectInvalid(te.failure('saved.fromRow', { connectionId: id, view: 'messages', index: note.index, collection: 'c', name: 'n' }), /only data frames and messages can be saved/);
  });
});

describe('errors', () => {
  test('bad JSON and bad hex are INVALID_ARGUMENT; unknown ids are NOT_FOUND; a closed connection is INVALID_STATE', async () => {
    te = new TestEngine(5);
    expectInvalid(te.failure('saved.save', { collection: 'c', name: 'broken', kind: 'json', body: '{"a":' }), /"broken" is not valid JSON/);
    expectInvalid(te.failure('saved.save', { collection: 'c', name: 'hex', kind: 'binary', body: 'xyz', format: 'hex' }), /not a hex digit/);
    expect(te.failure('saved.delete', { id: 99 }).code).toBe('NOT_FOUND');
    expect(te.failure('saved.save', { id: 99, collection: 'c', name: 'x', kind: 'text', body: 'x' }).code).toBe('NOT_FOUND');
    const { id } = await live();
    expect(te.failure('saved.send', { id: 99, connectionId: id }).code).toBe('NOT_FOUND');
    const m = te.engine.call('saved.save', { collection: 'c', name: 'needs token', kind: 'json', body: '{"t":{{token}}}' });
    expectInvalid(te.failure('saved.send', { id: m.id, connectionId: id }), /"needs token" is not valid JSON once its variables are filled in/);
    const text = te.engine.call('saved.save', { collection: 'c', name: 'plain', kind: 'text', body: 'x' });
    expect(te.failure('saved.send', { id: text.id, connectionId: 999 }).code).toBe('NOT_FOUND');
    te.engine.call('connections.close', { id });
    await te.ended(id);
    expect(te.failure('saved.send', { id: text.id, connectionId: id }).code).toBe('INVALID_STATE');
    expect(te.failure('saved.fromRow', { connectionId: 999, view: 'messages', index: 0, collection: 'c', name: 'n' }).code).toBe('NOT_FOUND');
  });
});
