// The session store's timelines: rows appended and read back as windows and details, messages that
// point at their frames, previews, and filtered views kept up to date as rows are appended.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Direction, TimelineFilter, TimelineView } from '../../../shared/api.ts';
import { SessionStore } from '../../../electron/core/store/session-store.ts';
import { RowOutOfRangeError, UnknownTimelineError, type FrameRecord, type MessageRecord } from '../../../electron/core/store/records.ts';
import { hex } from '../../support/bytes.ts';
import { frameRecord, messageRecord, utf8, type FrameInit } from '../../support/session-records.ts';

const ID = 1;
let store: SessionStore;
let dir: string;
let clock = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'framescope-store-'));
  store = new SessionStore(join(dir, 'test.framescope'));
  store.createTimeline(ID);
  clock = 0;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A frame record as the engine would store it, with its real wire bytes. */
const frame = (init: Omit<FrameInit, 'time'> = {}): FrameRecord => frameRecord({ time: ++clock, ...init });
const message = (dir: Direction, data: Uint8Array | string, opcode = 1): MessageRecord => messageRecord(++clock, dir, data, opcode);

/** Appends a one-frame text message, as the engine does: the frame, then the message. */
function textMessage(dir: Direction, text: string): void {
  store.appendFrame(ID, frame({ dir, payload: text }), true);
  store.appendMessage(ID, message(dir, text));
}

function rows(view: TimelineView = 'frames', filter?: TimelineFilter) {
  return store.range({ connectionId: ID, view, start: 0, count: 10_000, ...(filter ? { filter } : {}) }).rows;
}

describe('appending', () => {
  test('frames get consecutive row indexes, and counts cover both views', () => {
    expect(store.appendFrame(ID, frame({ opcode: 9 }), false)).toBe(0);
    expect(store.appendFrame(ID, frame({ payload: 'a' }), true)).toBe(1);
    store.appendMessage(ID, message('out', 'a'));
    store.appendNote(ID, { kind: 'note', time: ++clock, event: 'open', text: 'hello' });
    expect(store.counts(ID)).toEqual({ frameRows: 3, messageRows: 3 });
  });

  test('a message spans the frames of its direction since its previous message, even interleaved with the other direction', () => {
    store.appendFrame(ID, frame({ dir: 'out', fin: false, payload: 'ab' }), true); // 0
    store.appendFrame(ID, frame({ dir: 'in', fin: false, payload: 'xy' }), true); // 1
    store.appendFrame(ID, frame({ dir: 'out', opcode: 9 }), false); // 2: a ping between fragments
    store.appendFrame(ID, frame({ dir: 'out', opcode: 0, payload: 'cd' }), true); // 3
    store.appendMessage(ID, message('out', 'abcd'));
    store.appendFrame(ID, frame({ dir: 'in', opcode: 0, payload: 'z' }), true); // 4
    store.appendMessage(ID, message('in', 'xyz'));
    const messages = rows('messages');
    expect(messages.map((r) => [r.kind, r.dir, r.preview, r.ref, r.refEnd])).toEqual([
      ['frame', 'out', '', 2, 2],
      ['message', 'out', 'abcd', 0, 3],
      ['message', 'in', 'xyz', 1, 4],
    ]);
    expect(rows().map((r) => r.ref)).toEqual([1, 2, -1, 1, 2]);
  });

  test('notes are rows in both views with no direction', () => {
    store.appendNote(ID, { kind: 'note', time: 7, event: 'connecting', text: 'Connecting' });
    const [f] = rows();
    const [m] = rows('messages');
    for (const r of [f, m]) {
      expect(r).toEqual({ index: 0, kind: 'note', time: 7, dir: null, opcode: -1, fin: true, rsv: 0, size: 0, preview: 'Connecting', ref: -1, refEnd: -1, compressed: false, errorCode: null, flags: 0, rule: null });
    }
  });

  test('abandoned messages show their frames on their own, and the next message does not include them', () => {
    store.appendFrame(ID, frame({ dir: 'in', fin: false, payload: 'lost' }), true);
    store.abandonMessages(ID);
    textMessage('in', 'next');
    expect(rows('messages').map((r) => [r.kind, r.preview, r.ref, r.refEnd])).toEqual([
      ['frame', 'lost', 0, 0],
      ['message', 'next', 1, 1],
    ]);
    expect(rows()[0]!.ref).toBe(-1);
  });

  test('an unknown or deleted timeline is an UnknownTimelineError', () => {
    expect(() => store.counts(2)).toThrow(UnknownTimelineError);
    store.deleteTimeline(ID);
    expect(() => rows()).toThrow(UnknownTimelineError);
    expect(() => store.appendFrame(ID, frame(), false)).toThrow(/no connection 1/);
  });
});

describe('range', () => {
  beforeEach(() => {
    for (let i = 0; i < 10; i++) textMessage('out', `m${i}`);
  });

  test('returns the window asked for with the view\'s total', () => {
    const r = store.range({ connectionId: ID, view: 'messages', start: 3, count: 4 });
    expect(r.total).toBe(10);
    expect(r.rows.map((x) => [x.index, x.preview])).toEqual([[3, 'm3'], [4, 'm4'], [5, 'm5'], [6, 'm6']]);
  });

  test('a window past the end is cut short or empty', () => {
    expect(store.range({ connectionId: ID, view: 'frames', start: 8, count: 5 }).rows.map((x) => x.index)).toEqual([8, 9]);
    expect(store.range({ connectionId: ID, view: 'frames', start: 50, count: 5 })).toEqual({ total: 10, rows: [], complete: true });
  });

  test('a filtered window counts and indexes among matching rows only', () => {
    const r = store.range({ connectionId: ID, view: 'messages', start: 1, count: 1, filter: { text: 'm[13579]', regex: true } });
    expect(r.total).toBe(5);
    expect(r.rows.map((x) => [x.index, x.preview])).toEqual([[3, 'm3']]);
  });
});

describe('filters', () => {
  beforeEach(() => {
    store.appendNote(ID, { kind: 'note', time: ++clock, event: 'open', text: 'Open' });
    textMessage('out', 'Hello World');
    textMessage('in', 'hello back');
    store.appendFrame(ID, frame({ dir: 'out', opcode: 9, payload: 'ping!' }), false);
    store.appendFrame(ID, frame({ dir: 'in', opcode: 2, payload: hex('de ad be ef'), textual: false }), true);
    store.appendMessage(ID, message('in', hex('de ad be ef'), 2));
    store.appendFrame(ID, frame({ dir: 'in', opcode: 3, error: { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, reason: 'opcode 0x3 is reserved' } }), false);
  });

  const previews = (filter: TimelineFilter, view: TimelineView = 'messages') => rows(view, filter).map((r) => r.preview);

  test('text is case-insensitive unless asked, and matches notes and error reasons too', () => {
    expect(previews({ text: 'HELLO' })).toEqual(['Hello World', 'hello back']);
    expect(previews({ text: 'Hello', caseSensitive: true })).toEqual(['Hello World']);
    expect(previews({ text: 'open' })).toEqual(['Open']);
    expect(previews({ text: 'reserved' })).toEqual(['opcode 0x3 is reserved']);
  });

  test('a binary payload matches through its hex preview', () => {
    expect(previews({ text: 'ad be' })).toEqual(['de ad be ef']);
  });

  test('regex, with and without case', () => {
    expect(previews({ text: '^h.*k$', regex: true })).toEqual(['hello back']);
    expect(previews({ text: '^H', regex: true, caseSensitive: true })).toEqual(['Hello World']);
    expect(previews({ text: '\\p{Lu}', regex: true, caseSensitive: true })).toEqual(['Open', 'Hello World']);
  });

  test('direction keeps rows of that direction only, so notes go', () => {
    expect(previews({ direction: 'in' })).toEqual(['hello back', 'de ad be ef', 'opcode 0x3 is reserved']);
  });

  test('opcodes keep notes and errors unless errors is false', () => {
    expect(previews({ opcodes: [9] }, 'frames')).toEqual(['Open', 'ping!', 'opcode 0x3 is reserved']);
    expect(previews({ opcodes: [9], errors: false }, 'frames')).toEqual(['ping!']);
    expect(previews({ errors: false })).toEqual(['Hello World', 'hello back', 'ping!', 'de ad be ef']);
  });

  test('an empty filter is no filter', () => {
    expect(store.range({ connectionId: ID, view: 'frames', start: 0, count: 100, filter: { text: '' } }).total).toBe(store.counts(ID).frameRows);
  });

  test('text beyond the preview is found in the full payload', () => {
    textMessage('out', `${'x'.repeat(5000)}needle`);
    expect(rows('messages', { text: 'needle' })).toHaveLength(1);
    expect(rows('frames', { text: 'needle' })).toHaveLength(1);
  });

  test('a filtered view picks up rows appended after it was first read', () => {
    expect(previews({ text: 'later' })).toEqual([]);
    textMessage('in', 'later on');
    expect(previews({ text: 'later' })).toEqual(['later on']);
    textMessage('in', 'later still');
    expect(previews({ text: 'later' })).toEqual(['later on', 'later still']);
  });

  test('many different filters in turn each still give their own answer', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) expect(previews({ text: `${'hello'.slice(0, 1 + (i % 5))}`, regex: i >= 5 })).toHaveLength(2);
    }
    expect(previews({ text: 'World' })).toEqual(['Hello World']);
  });
});

describe('previews', () => {
  const previewOf = (init: Omit<FrameInit, 'time'>): string => {
    store.appendFrame(ID, frame(init), false);
    return rows().at(-1)!.preview;
  };

  test('text is cut to 200 characters', () => {
    expect(previewOf({ payload: 'é'.repeat(300) })).toBe('é'.repeat(200));
  });

  test('a character cut at the preview\'s byte limit still reads as text', () => {
    expect(previewOf({ payload: `x${'€'.repeat(250)}` })).toBe(`x${'€'.repeat(199)}`);
  });

  test('text that is not UTF-8 and binary payloads show as hex, with an ellipsis past 64 bytes', () => {
    expect(previewOf({ payload: hex('c3 28') })).toBe('c3 28');
    expect(previewOf({ opcode: 2, payload: utf8('AB'), textual: false })).toBe('41 42');
    expect(previewOf({ opcode: 2, payload: new Uint8Array(65), textual: false })).toBe(`${Array(64).fill('00').join(' ')} …`);
  });

  test('pings and pongs show their payload as text', () => {
    expect(previewOf({ opcode: 10, payload: 'keepalive 1', textual: false })).toBe('keepalive 1');
  });

  test('close frames show the code, its meaning and the reason', () => {
    expect(previewOf({ opcode: 8, payload: hex('03 e8 62 79 65'), textual: false })).toBe('1000 Normal Closure: bye');
    expect(previewOf({ opcode: 8, payload: hex('0f a0'), textual: false })).toBe('4000 Private use');
    expect(previewOf({ opcode: 8, textual: false })).toBe('close (no status code)');
    expect(previewOf({ opcode: 8, payload: hex('03'), textual: false })).toBe('close (1-byte payload: invalid)');
  });

  test('a compressed fragment before the last says so instead of showing deflate bytes', () => {
    expect(previewOf({ fin: false, compressed: true, rsv: 4, payload: hex('f2 48 cd') })).toBe('(compressed fragment, 3 bytes)');
  });
});

describe('detail', () => {
  test('a frame: header fields, mask key, wire bytes, payload and text', () => {
    const key = hex('01 02 03 04');
    store.appendFrame(ID, frame({ payload: 'hi', rsv: 5, maskKey: key }), false);
    const d = store.detail({ connectionId: ID, view: 'frames', index: 0 });
    expect(d.header).toEqual({ fin: true, rsv1: true, rsv2: false, rsv3: true, opcode: 1, masked: true, maskKey: '01020304', payloadLength: 2, headerLength: 6, nonMinimalLength: false });
    expect(d.text).toBe('hi');
    expect(Buffer.from(d.payloadBase64, 'base64').toString()).toBe('hi');
    // The masked frame as sent: header, key, then 'hi' XOR 01 02.
    expect(Buffer.from(d.wireBase64!, 'base64')).toEqual(Buffer.from(hex('d1 82 01 02 03 04 69 6b')));
    expect(d).toMatchObject({ close: null, error: null, truncated: false });
  });

  test('a message: no header or wire; text for a text message, null for binary', () => {
    textMessage('in', 'hello');
    store.appendFrame(ID, frame({ dir: 'in', opcode: 2, payload: hex('ff fe'), textual: false }), true);
    store.appendMessage(ID, message('in', hex('ff fe'), 2));
    const text = store.detail({ connectionId: ID, view: 'messages', index: 0 });
    expect(text).toMatchObject({ header: null, wireBase64: null, text: 'hello', truncated: false });
    expect(text.row).toMatchObject({ kind: 'message', ref: 0, refEnd: 0 });
    const binary = store.detail({ connectionId: ID, view: 'messages', index: 1 });
    expect(binary).toMatchObject({ text: null, payloadBase64: '//4=' });
  });

  test('a close frame carries its code and reason; an error row its error', () => {
    store.appendFrame(ID, frame({ dir: 'in', opcode: 8, payload: hex('0f a1 6f 6b'), textual: false }), false);
    store.appendFrame(ID, frame({ dir: 'in', opcode: 1, payload: hex('c3'), error: { code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, reason: 'not UTF-8' } }), false);
    expect(store.detail({ connectionId: ID, view: 'frames', index: 0 }).close).toEqual({ code: 4001, reason: 'ok' });
    const err = store.detail({ connectionId: ID, view: 'frames', index: 1 });
    expect(err.error).toEqual({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, reason: 'not UTF-8' });
    expect(err.row).toMatchObject({ kind: 'error', errorCode: 'WS_ERR_INVALID_UTF8', preview: 'not UTF-8' });
    expect(err.close).toBeNull();
  });

  test('a note gives its text', () => {
    store.appendNote(ID, { kind: 'note', time: 1, event: 'ended', text: 'Closed by the server' });
    expect(store.detail({ connectionId: ID, view: 'messages', index: 0 })).toMatchObject({ header: null, text: 'Closed by the server', wireBase64: null });
  });

  test('a payload over 8 MiB is cut and marked truncated', () => {
    const big = new Uint8Array(8 * 1024 * 1024 + 10).fill(0x61);
    store.appendFrame(ID, frame({ opcode: 2, payload: big, textual: false }), true);
    store.appendMessage(ID, message('out', big, 2));
    const d = store.detail({ connectionId: ID, view: 'messages', index: 0 });
    expect(d.truncated).toBe(true);
    expect(Buffer.from(d.payloadBase64, 'base64').length).toBe(8 * 1024 * 1024);
    expect(d.row.size).toBe(big.length);
  });

  test('an index past the end is a RowOutOfRangeError saying how many rows there are', () => {
    textMessage('out', 'only');
    expect(() => store.detail({ connectionId: ID, view: 'frames', index: 1 })).toThrow(RowOutOfRangeError);
    expect(() => store.detail({ connectionId: ID, view: 'messages', index: 5 })).toThrow('the messages view of connection 1 has 1 rows');
  });
});
