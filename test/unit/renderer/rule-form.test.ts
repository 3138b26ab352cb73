// The rules editor's form ↔ Rule translation, its problems, the one-line description and reordering.
import { describe, expect, test } from 'vitest';
import type { Rule } from '../../../shared/api.ts';
import {
  BLANK_RULE_FORM, describeRule, formToRule, moveRule, ruleToForm, upsertRule, type RuleFormFields,
} from '../../../renderer/src/proxy/ruleForm.ts';

const form = (change: Partial<RuleFormFields>): RuleFormFields => ({ ...BLANK_RULE_FORM, name: 'r', ...change });

function rule(id: string, change: Partial<Rule> = {}): Rule {
  return { id, name: id, enabled: true, match: {}, action: { kind: 'hold' }, ...change };
}

describe('formToRule', () => {
  test('a blank form with a name holds every frame', () => {
    expect(formToRule(form({ name: '  hold all ' }), 'id-1')).toEqual({
      rule: { id: 'id-1', name: 'hold all', enabled: true, match: {}, action: { kind: 'hold' } },
    });
  });

  test('every match field is carried, opcodes sorted, empty fields left out', () => {
    const result = formToRule(
      form({ url: ' *.example.com ', direction: 'server', opcodes: [2, 1], payload: 'price', payloadCaseSensitive: true, action: 'drop' }),
      'x',
    );
    expect(result).toEqual({
      rule: {
        id: 'x', name: 'r', enabled: true,
        match: { url: '*.example.com', direction: 'server', opcodes: [1, 2], payload: 'price', caseSensitive: true },
        action: { kind: 'drop' },
      },
    });
  });

  test('replace with a regex keeps find, replace and the flags', () => {
    const result = formToRule(form({ action: 'replace', find: '"balance":(\\d+)', replace: '"balance":9$1', findRegex: true }), 'x');
    expect(result).toMatchObject({ rule: { action: { kind: 'replace', find: '"balance":(\\d+)', replace: '"balance":9$1', regex: true } } });
    expect('rule' in result && 'caseSensitive' in result.rule.action).toBe(false);
  });

  test('delay takes whole milliseconds', () => {
    expect(formToRule(form({ action: 'delay', delayMs: '250' }), 'x')).toMatchObject({ rule: { action: { kind: 'delay', ms: 250 } } });
    expect(formToRule(form({ action: 'delay', delayMs: '1.5' }), 'x')).toMatchObject({ problems: { delayMs: expect.stringContaining('whole number') } });
    expect(formToRule(form({ action: 'delay', delayMs: '600001' }), 'x')).toMatchObject({ problems: { delayMs: expect.any(String) } });
  });

  test('says what to fix: no name, empty find, invalid regexes', () => {
    const result = formToRule(
      form({ name: ' ', payload: '(', payloadRegex: true, action: 'replace', find: '' }),
      'x',
    );
    expect(result).toEqual({
      problems: {
        name: expect.stringContaining('name'),
        payload: expect.stringContaining('Not a valid regular expression'),
        find: 'Say what to find in the payload.',
      },
    });
    expect(formToRule(form({ action: 'replace', find: '[', findRegex: true }), 'x')).toMatchObject({ problems: { find: expect.stringContaining('regular expression') } });
  });

  test('a payload that is not a regex may hold regex characters', () => {
    expect(formToRule(form({ payload: '(' }), 'x')).toMatchObject({ rule: { match: { payload: '(' } } });
  });
});

describe('ruleToForm', () => {
  test('round-trips every kind of rule', () => {
    const rules: Rule[] = [
      rule('a', { match: { url: 'ws://*', direction: 'client', opcodes: [1], payload: 'x', regex: true, caseSensitive: true } }),
      rule('b', { enabled: false, action: { kind: 'replace', find: 'a', replace: 'b', regex: true, caseSensitive: true } }),
      rule('c', { action: { kind: 'replace', find: 'a', replace: '' } }),
      rule('d', { action: { kind: 'drop' } }),
      rule('e', { action: { kind: 'delay', ms: 0 } }),
    ];
    for (const original of rules) expect(formToRule(ruleToForm(original), original.id)).toEqual({ rule: original });
  });
});

describe('describeRule', () => {
  test('names the direction, the match and the action', () => {
    expect(describeRule(rule('a', { match: { direction: 'client', payload: 'hi' }, action: { kind: 'replace', find: 'hi', replace: 'bye' } })))
      .toBe('app → server, payload contains “hi” → replace “hi” with “bye”');
    expect(describeRule(rule('b', { match: { url: '*.x.com', opcodes: [1, 2] }, action: { kind: 'delay', ms: 500 } })))
      .toBe('both directions, URL *.x.com, text/binary → delay 500 ms');
  });
});

describe('moveRule and upsertRule', () => {
  const list = [rule('a'), rule('b'), rule('c')];

  test('moves one place up or down, and not past either end', () => {
    expect(moveRule(list, 2, -1).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(moveRule(list, 0, 1).map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(moveRule(list, 0, -1).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(moveRule(list, 2, 1).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  test('replaces a rule in place by id, or appends a new one', () => {
    expect(upsertRule(list, rule('b', { name: 'B' })).map((r) => r.name)).toEqual(['a', 'B', 'c']);
    expect(upsertRule(list, rule('d')).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
