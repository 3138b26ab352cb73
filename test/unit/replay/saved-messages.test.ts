// Saved messages over a fake library: saving and updating with checks, saving a timeline row,
// deleting, rendering with the active environment, sending, and environments.
import { beforeEach, describe, expect, test } from 'vitest';
import type { RowDetail, RowDetailRequest, SavedMessage, SendRequest, TimelineRow } from '../../../shared/api.ts';
import { SavedMessages } from '../../../electron/core/replay/saved-messages.ts';
import { NotFoundError } from '../../../electron/core/store/records.ts';
import { InvalidArgumentError } from '../../../electron/core/validation.ts';
import { FakeLibrary } from './fakes.ts';

let library: FakeLibrary;
let clock: number;
let announced: SavedMessage[][];
let sent: Array<{ connectionId: number; req: SendRequest; toward: 'server' | 'client' | undefined }>;
let rows: Map<number, RowDetail>;
let saved: SavedMessages;

beforeEach(() => {
  library = new FakeLibrary();
  clock = 1_700_000_000_000_000;
  announced = [];
  sent = [];
  rows = new Map();
  saved = new SavedMessages({
    library: () => library,
    now: () => clock,
    changed: (list) => announced.push(list),
    send: (connectionId, req, toward) => {
      sent.push({ connectionId, req, toward });
      return { rows: [3], bytes: 10 };
    },
    detail: (req: RowDetailRequest) => {
      const d = rows.get(req.index);
      if (d === undefined) throw new Error(`no row ${req.index}`);
      return d;
    },
  });
});

function row(index: number, over: Partial<TimelineRow>, payload: Uint8Array, detail: Partial<RowDetail> = {}): void {
  const text = over.opcode === 1 ? Buffer.from(payload).toString('utf8') : null;
  rows.set(index, {
    row: {
      index, kind: 'message', time: 1, dir: 'out', opcode: 1, fin: true, rsv: 0, size: payload.length, preview: '', ref: 0, refEnd: 0,
      compressed: false, errorCode: null, flags: 0, rule: null, ...over,
    },
    header: null,
    payloadBase64: Buffer.from(payload).toString('base64'),
    text,
    wireBase64: null,
    close: null,
    error: null,
    truncated: false,
    fullLength: null,
    original: null,
    rules: [],
    heldMs: null,
    ...detail,
  });
}

const fromRow = (index: number, name = 'from row'): SavedMessage =>
  saved.fromRow({ connectionId: 1, view: 'messages', index, collection: 'captured', name });

describe('save', () => {
  test('adds a message with its times, announces the list, and updates keeping createdAt', () => {
    const m = saved.save({ collection: 'auth', name: 'login', kind: 'json', body: '{"user":"{{user}}","n":{{n}}}' });
    expect(m).toEqual({ id: 1, collection: 'auth', name: 'login', kind: 'json', body: '{"user":"{{user}}","n":{{n}}}', format: null, createdAt: clock, updatedAt: clock });
    expect(announced).toEqual([[m]]);
    clock += 5;
    const updated = saved.save({ id: 1, collection: 'auth', name: 'login 2', kind: 'text', body: 'hi' });
    expect(updated).toMatchObject({ id: 1, name: 'login 2', kind: 'text', createdAt: m.createdAt, updatedAt: clock });
    expect(saved.list()).toEqual([updated]);
    expect(announced).toHaveLength(2);
  });

  test('binary bodies keep their format; text and JSON have none', () => {
    expect(saved.save({ collection: 'c', name: 'bin', kind: 'binary', body: 'de ad be ef', format: 'hex' }).format).toBe('hex');
    expect(saved.save({ collection: 'c', name: 'b64', kind: 'binary', body: '3q2+7w==', format: 'base64' }).format).toBe('base64');
  });

  test('refuses JSON that cannot become JSON, bad hex or base64, and an unknown id', () => {
    expect(() => saved.save({ collection: 'c', name: 'broken', kind: 'json', body: '{"a":' })).toThrow(/"broken" is not valid JSON/);
    expect(() => saved.save({ collection: 'c', name: 'broken', kind: 'json', body: '{"a":' })).toThrow(InvalidArgumentError);
    expect(() => saved.save({ collection: 'c', name: 'hex', kind: 'binary', body: 'zz', format: 'hex' })).toThrow(/"hex": The hex payload contains "z"/);
    expect(() => saved.save({ collection: 'c', name: 'b64', kind: 'binary', body: 'a$', format: 'base64' })).toThrow(InvalidArgumentError);
    expect(() => saved.save({ collection: 'c', name: 'nofmt', kind: 'binary', body: '00' })).toThrow(/hex or base64/);
    expect(() => saved.save({ id: 9, collection: 'c', name: 'x', kind: 'text', body: '' })).toThrow(NotFoundError);
    expect(library.saved).toEqual([]);
    expect(announced).toEqual([]);
  });
});

describe('fromRow', () => {
  test('text becomes text, a JSON object or array becomes json, binary becomes base64', () => {
    row(0, { opcode: 1 }, Buffer.from('plain words'));
    row(1, { opcode: 1 }, Buffer.from('{"type":"subscribe"}'));
    row(2, { opcode: 1 }, Buffer.from('[1,2]'));
    row(3, { opcode: 1 }, Buffer.from('42'));
    row(4, { opcode: 2 }, Uint8Array.of(0, 1, 0xff));
    row(5, { opcode: 0, kind: 'frame', fin: true }, Uint8Array.of(9));
    expect([0, 1, 2, 3, 4, 5].map((i) => fromRow(i)).map((m) => [m.kind, m.body, m.format])).toEqual([
      ['text', 'plain words', null],
      ['json', '{"type":"subscribe"}', null],
      ['json', '[1,2]', null],
      ['text', '42', null],
      ['binary', 'AAH/', 'base64'],
      ['binary', 'CQ==', 'base64'],
    ]);
    expect(saved.list()[0]).toMatchObject({ collection: 'captured', name: 'from row' });
    expect(announced).toHaveLength(6);
  });

  test('text that is not UTF-8 is saved as binary', () => {
    row(0, { opcode: 1 }, Uint8Array.of(0xc3), { text: null });
    expect(fromRow(0)).toMatchObject({ kind: 'binary', body: 'ww==' });
  });

  test('control frames, notes, errors, deflated fragments and cut payloads cannot be saved', () => {
    row(0, { opcode: 9, kind: 'frame' }, new Uint8Array(0));
    row(1, { opcode: -1, kind: 'note', dir: null }, new Uint8Array(0));
    row(2, { opcode: 1, kind: 'error' }, new Uint8Array(0));
    row(3, { opcode: 1, kind: 'frame', fin: false, compressed: true }, Uint8Array.of(1));
    row(4, { opcode: 1 }, Buffer.from('abc'), { truncated: true });
    row(5, { opcode: 2 }, Buffer.from('abc'), { fullLength: 99_999_999 });
    expect(() => fromRow(0)).toThrow(/is a control frame — only data frames and messages can be saved/);
    expect(() => fromRow(1)).toThrow(/is a note — only data frames and messages can be saved/);
    expect(() => fromRow(2)).toThrow(/is a malformed frame — only data frames and messages can be saved/);
    expect(() => fromRow(3)).toThrow(/compressed message/);
    expect(() => fromRow(4)).toThrow(/not stored whole/);
    expect(() => fromRow(5)).toThrow(InvalidArgumentError);
    expect(library.saved).toEqual([]);
  });
});

describe('delete', () => {
  test('removes and announces; an unknown id is NOT_FOUND', () => {
    const m = saved.save({ collection: 'c', name: 'x', kind: 'text', body: 'x' });
    saved.delete(m.id);
    expect(saved.list()).toEqual([]);
    expect(announced.at(-1)).toEqual([]);
    expect(() => saved.delete(m.id)).toThrow(NotFoundError);
  });
});

describe('render and environments', () => {
  test('uses the active environment and lists what has no value', () => {
    saved.setEnvironments({ active: 'dev', environments: { dev: { user: 'ana' }, prod: { user: 'bo', token: 't' } } });
    expect(saved.render('{{user}} {{token}}')).toEqual({ body: 'ana {{token}}', missing: ['token'] });
    saved.setEnvironments({ ...saved.environments(), active: 'prod' });
    expect(saved.render('{{user}} {{token}}')).toEqual({ body: 'bo t', missing: [] });
    saved.setEnvironments({ ...saved.environments(), active: null });
    expect(saved.render('{{user}} at {{$timestamp}}')).toEqual({ body: `{{user}} at ${Math.floor(clock / 1_000_000)}`, missing: ['user'] });
  });

  test('an active environment that does not exist is refused', () => {
    expect(() => saved.setEnvironments({ active: 'nope', environments: {} })).toThrow(InvalidArgumentError);
    expect(saved.environments()).toEqual({ active: null, environments: {} });
  });
});

describe('send', () => {
  beforeEach(() => {
    saved.setEnvironments({ active: 'dev', environments: { dev: { id: '7', name: 'ana' } } });
  });

  test('text and JSON are rendered; binary goes as written; toward is passed on', () => {
    const text = saved.save({ collection: 'c', name: 't', kind: 'text', body: 'hi {{name}}' });
    const json = saved.save({ collection: 'c', name: 'j', kind: 'json', body: '{"id":{{id}}}' });
    const bin = saved.save({ collection: 'c', name: 'b', kind: 'binary', body: '0a0b', format: 'hex' });
    expect(saved.send({ id: text.id, connectionId: 4 })).toEqual({ rows: [3], bytes: 10 });
    saved.send({ id: json.id, connectionId: 4, toward: 'client' });
    saved.send({ id: bin.id, connectionId: 5 });
    expect(sent).toEqual([
      { connectionId: 4, req: { kind: 'text', text: 'hi ana' }, toward: undefined },
      { connectionId: 4, req: { kind: 'json', text: '{"id":7}' }, toward: 'client' },
      { connectionId: 5, req: { kind: 'binary', data: '0a0b', format: 'hex' }, toward: undefined },
    ]);
  });

  test('JSON that is not JSON once rendered is refused, naming the message and the missing variables', () => {
    const json = saved.save({ collection: 'c', name: 'needs token', kind: 'json', body: '{"t":{{token}}}' });
    expect(() => saved.send({ id: json.id, connectionId: 4 })).toThrow(/Saved message "needs token" is not valid JSON once its variables are filled in \(no value for \{\{token\}\}\)/);
    expect(sent).toEqual([]);
  });

  test('an unknown saved message is NOT_FOUND', () => {
    expect(() => saved.send({ id: 99, connectionId: 4 })).toThrow(NotFoundError);
  });
});
