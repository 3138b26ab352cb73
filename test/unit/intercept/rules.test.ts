// The automatic rule list for proxied frames: which rules match a frame, and what their actions add up to.
import { describe, expect, test } from 'vitest';
import type { Rule, RuleAction, RuleMatch } from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { RuleSet, type RuleSubject } from '../../../electron/core/intercept/rules.ts';

const FEED_URL = 'wss://api.example.com/feed';
const HOST = 'api.example.com';

function rule(name: string, action: RuleAction, match: RuleMatch = {}, enabled = true): Rule {
  return { id: name, name, enabled, match, action };
}

const hold = (name: string, match: RuleMatch = {}) => rule(name, { kind: 'hold' }, match);
const drop = (name: string, match: RuleMatch = {}) => rule(name, { kind: 'drop' }, match);
const delay = (name: string, ms: number, match: RuleMatch = {}) => rule(name, { kind: 'delay', ms }, match);
const replace = (name: string, find: string, by: string, opts: { regex?: boolean; caseSensitive?: boolean } = {}, match: RuleMatch = {}) =>
  rule(name, { kind: 'replace', find, replace: by, ...opts }, match);

function frame(text: string, change: Partial<RuleSubject> = {}): RuleSubject {
  return { url: FEED_URL, host: HOST, direction: 'server', opcode: Opcode.TEXT, payload: new TextEncoder().encode(text), ...change };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const apply = (rules: Rule[], subject: RuleSubject) => new RuleSet(rules).apply(subject);

describe('RuleSet with no matching rules', () => {
  test('an empty list leaves the frame alone and returns the same payload object', () => {
    const subject = frame('hello');
    const out = apply([], subject);
    expect(out).toEqual({ payload: subject.payload, edited: false, drop: false, hold: false, holdRule: null, delayMs: 0, touched: [] });
    expect(out.payload).toBe(subject.payload);
    expect(new RuleSet([]).empty).toBe(true);
  });

  test('disabled rules never apply and do not count', () => {
    const set = new RuleSet([rule('off', { kind: 'drop' }, {}, false)]);
    expect(set.empty).toBe(true);
    expect(set.apply(frame('x')).drop).toBe(false);
    expect(set.couldApply(FEED_URL, HOST, 'server')).toBe(false);
  });
});

describe('replace', () => {
  test('a literal find replaces every occurrence, case-sensitive by default', () => {
    const out = apply([replace('r', 'cat', 'dog')], frame('cat Cat cat'));
    expect(text(out.payload)).toBe('dog Cat dog');
    expect(out.edited).toBe(true);
    expect(out.touched).toEqual(['r']);
  });

  test('a literal find treats regex characters as themselves', () => {
    const out = apply([replace('r', 'a.b(c)*', 'X')], frame('a.b(c)* aXb(c)'));
    expect(text(out.payload)).toBe('X aXb(c)');
  });

  test('a literal replacement keeps $& and $1 as written', () => {
    const out = apply([replace('r', 'price', '$& costs $1 $$')], frame('the price'));
    expect(text(out.payload)).toBe('the $& costs $1 $$');
  });

  test('a regex find substitutes groups with $1', () => {
    const out = apply([replace('r', '"price":(\\d+)', '"price":$1$1', { regex: true })], frame('{"price":12,"price":3}'));
    expect(text(out.payload)).toBe('{"price":1212,"price":33}');
  });

  test('caseSensitive false replaces regardless of case', () => {
    const out = apply([replace('r', 'cat', 'dog', { caseSensitive: false })], frame('cat CAT Cat'));
    expect(text(out.payload)).toBe('dog dog dog');
  });

  test('works on UTF-8 beyond ASCII', () => {
    const out = apply([replace('r', 'é', 'e\u{1F600}')], frame('café'));
    expect(text(out.payload)).toBe('cafe\u{1F600}');
  });

  test('a replace that finds nothing does not edit or count as touching', () => {
    const subject = frame('hello');
    const out = apply([replace('r', 'absent', 'x')], subject);
    expect(out.edited).toBe(false);
    expect(out.payload).toBe(subject.payload);
    expect(out.touched).toEqual([]);
  });

  test('applies only to text frames, never to binary', () => {
    const subject = frame('cat', { opcode: Opcode.BINARY });
    const out = apply([replace('r', 'cat', 'dog')], subject);
    expect(out.edited).toBe(false);
    expect(out.payload).toBe(subject.payload);
    expect(out.touched).toEqual([]);
  });

  test('later rules see the text earlier replaces wrote, in list order', () => {
    const out = apply([replace('first', 'a', 'b'), replace('second', 'b', 'c')], frame('a'));
    expect(text(out.payload)).toBe('c');
    expect(out.touched).toEqual(['first', 'second']);
    const reversed = apply([replace('second', 'b', 'c'), replace('first', 'a', 'b')], frame('a'));
    expect(text(reversed.payload)).toBe('b');
    expect(reversed.touched).toEqual(['first']);
  });

  test('a payload match after a replace tests the replaced text', () => {
    const out = apply([replace('r', 'old', 'new'), drop('d', { payload: 'new' })], frame('old'));
    expect(out.drop).toBe(true);
    expect(out.touched).toEqual(['r', 'd']);
  });
});

describe('payload match', () => {
  test('a substring match is case-insensitive by default', () => {
    expect(apply([drop('d', { payload: 'ERROR' })], frame('an error here')).drop).toBe(true);
    expect(apply([drop('d', { payload: 'missing' })], frame('an error here')).drop).toBe(false);
  });

  test('caseSensitive makes a substring match exact', () => {
    expect(apply([drop('d', { payload: 'ERROR', caseSensitive: true })], frame('an error')).drop).toBe(false);
    expect(apply([drop('d', { payload: 'error', caseSensitive: true })], frame('an error')).drop).toBe(true);
  });

  test('a regex match is case-insensitive unless caseSensitive', () => {
    expect(apply([drop('d', { payload: '^ping \\d+$', regex: true })], frame('PING 42')).drop).toBe(true);
    expect(apply([drop('d', { payload: '^ping \\d+$', regex: true, caseSensitive: true })], frame('PING 42')).drop).toBe(false);
    expect(apply([drop('d', { payload: '^ping \\d+$', regex: true })], frame('ping 42 extra')).drop).toBe(false);
  });

  test('a regex match gives the same answer frame after frame', () => {
    const set = new RuleSet([drop('d', { payload: 'a', regex: true })]);
    expect([1, 2, 3].map(() => set.apply(frame('a')).drop)).toEqual([true, true, true]);
  });

  test('a payload match never fits a binary frame', () => {
    expect(apply([drop('d', { payload: 'x' })], frame('x', { opcode: Opcode.BINARY })).drop).toBe(false);
  });

  test('an empty payload match fits everything, binary too', () => {
    expect(apply([drop('d', { payload: '' })], frame('x', { opcode: Opcode.BINARY })).drop).toBe(true);
  });
});

describe('direction, opcodes and URL', () => {
  test('a direction limits the rule to frames going that way', () => {
    const rules = [hold('h', { direction: 'client' })];
    expect(apply(rules, frame('x', { direction: 'client' })).hold).toBe(true);
    expect(apply(rules, frame('x', { direction: 'server' })).hold).toBe(false);
  });

  test('opcodes limit the rule to frames with one of them', () => {
    const rules = [hold('h', { opcodes: [Opcode.BINARY] })];
    expect(apply(rules, frame('x', { opcode: Opcode.BINARY })).hold).toBe(true);
    expect(apply(rules, frame('x', { opcode: Opcode.TEXT })).hold).toBe(false);
  });

  test('control frames pass rules that do not name their opcode', () => {
    const rules = [hold('any'), drop('empty opcodes', { opcodes: [] }), drop('data only', { opcodes: [Opcode.TEXT, Opcode.BINARY] })];
    for (const opcode of [Opcode.PING, Opcode.PONG, Opcode.CLOSE]) {
      const out = apply(rules, frame('', { opcode }));
      expect(out.hold || out.drop).toBe(false);
      expect(out.touched).toEqual([]);
    }
  });

  test('a rule naming a control opcode applies to those frames', () => {
    const rules = [drop('pings', { opcodes: [Opcode.PING] })];
    expect(apply(rules, frame('', { opcode: Opcode.PING })).drop).toBe(true);
    expect(apply(rules, frame('', { opcode: Opcode.PONG })).drop).toBe(false);
  });

  test('a URL glob matches the whole URL or the host alone', () => {
    expect(apply([drop('d', { url: 'wss://api.*/feed' })], frame('x')).drop).toBe(true);
    expect(apply([drop('d', { url: '*.example.com' })], frame('x')).drop).toBe(true);
    expect(apply([drop('d', { url: 'API.EXAMPLE.COM' })], frame('x')).drop).toBe(true);
    expect(apply([drop('d', { url: '*.other.com' })], frame('x')).drop).toBe(false);
    expect(apply([drop('d', { url: 'wss://api.*/other' })], frame('x')).drop).toBe(false);
  });

  test('an empty URL glob matches every connection', () => {
    expect(apply([drop('d', { url: '' })], frame('x')).drop).toBe(true);
  });
});

describe('actions together', () => {
  test('drop stops the list: later rules neither apply nor count', () => {
    const out = apply([delay('wait', 10), drop('d'), hold('h'), delay('later', 5)], frame('x'));
    expect(out).toMatchObject({ drop: true, hold: false, delayMs: 10, touched: ['wait', 'd'] });
  });

  test('delays add up', () => {
    const out = apply([delay('a', 100), delay('b', 250), delay('c', 0)], frame('x'));
    expect(out.delayMs).toBe(350);
    expect(out.touched).toEqual(['a', 'b', 'c']);
  });

  test('hold records the first hold rule and the list goes on', () => {
    const out = apply([hold('first'), delay('d', 7), hold('second'), replace('r', 'x', 'y')], frame('x'));
    expect(out).toMatchObject({ hold: true, holdRule: 'first', delayMs: 7, edited: true, touched: ['first', 'd', 'second', 'r'] });
    expect(text(out.payload)).toBe('y');
  });

  test('touched names only the rules that matched, in list order', () => {
    const out = apply([
      delay('one', 1),
      delay('wrong way', 1, { direction: 'client' }),
      delay('two', 1, { payload: 'x' }),
      delay('wrong payload', 1, { payload: 'nope' }),
      delay('three', 1, { url: HOST }),
    ], frame('x'));
    expect(out.touched).toEqual(['one', 'two', 'three']);
    expect(out.delayMs).toBe(3);
  });
});

describe('couldApply', () => {
  test('is true when a rule fits the connection and direction, whatever its payload match', () => {
    const set = new RuleSet([hold('h', { url: '*.example.com', direction: 'client', payload: 'x', opcodes: [Opcode.BINARY] })]);
    expect(set.couldApply(FEED_URL, HOST, 'client')).toBe(true);
    expect(set.couldApply(FEED_URL, HOST, 'server')).toBe(false);
    expect(set.couldApply('wss://other.net/', 'other.net', 'client')).toBe(false);
  });

  test('matches the glob against the URL as well as the host', () => {
    const set = new RuleSet([hold('h', { url: 'wss://*/feed' })]);
    expect(set.couldApply(FEED_URL, HOST, 'server')).toBe(true);
    expect(set.couldApply('wss://api.example.com/other', HOST, 'server')).toBe(false);
  });

  test('a rule with no URL or direction could apply anywhere', () => {
    expect(new RuleSet([delay('d', 1)]).couldApply('ws://x/', 'x', 'client')).toBe(true);
  });
});
