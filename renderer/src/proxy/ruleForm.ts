// The rules editor's form as typed, its translation to a Rule (and back), a one-line description of
// a rule for the list, and reordering. Pure: no React, no engine.
import type { ProxyDirection, Rule, RuleAction, RuleMatch } from '../../../shared/api.ts';
import { Opcode, opcodeName } from '../../../shared/websocket.ts';

export interface RuleFormFields {
  name: string;
  enabled: boolean;
  /** Empty matches every connection. */
  url: string;
  direction: ProxyDirection | 'any';
  /** Empty matches every opcode. */
  opcodes: readonly number[];
  /** Empty matches every payload. */
  payload: string;
  payloadRegex: boolean;
  payloadCaseSensitive: boolean;
  action: RuleAction['kind'];
  find: string;
  replace: string;
  findRegex: boolean;
  findCaseSensitive: boolean;
  delayMs: string;
}

export type RuleFieldProblems = Partial<Record<keyof RuleFormFields, string>>;

/** The opcodes the form offers as checkboxes. */
export const RULE_OPCODES: readonly number[] = [Opcode.TEXT, Opcode.BINARY, Opcode.CLOSE, Opcode.PING, Opcode.PONG];

export const BLANK_RULE_FORM: RuleFormFields = {
  name: '',
  enabled: true,
  url: '',
  direction: 'any',
  opcodes: [],
  payload: '',
  payloadRegex: false,
  payloadCaseSensitive: false,
  action: 'hold',
  find: '',
  replace: '',
  findRegex: false,
  findCaseSensitive: false,
  delayMs: '1000',
};

export function ruleToForm(rule: Rule): RuleFormFields {
  const { match, action } = rule;
  return {
    ...BLANK_RULE_FORM,
    name: rule.name,
    enabled: rule.enabled,
    url: match.url ?? '',
    direction: match.direction ?? 'any',
    opcodes: match.opcodes ?? [],
    payload: match.payload ?? '',
    payloadRegex: match.regex ?? false,
    payloadCaseSensitive: match.caseSensitive ?? false,
    action: action.kind,
    ...(action.kind === 'replace'
      ? { find: action.find, replace: action.replace, findRegex: action.regex ?? false, findCaseSensitive: action.caseSensitive ?? false }
      : {}),
    ...(action.kind === 'delay' ? { delayMs: String(action.ms) } : {}),
  };
}

/** Why a pattern is not a regular expression (with the flags the engine compiles it with), or null. */
function regexProblem(source: string, flags: string): string | null {
  try {
    new RegExp(source, flags);
    return null;
  } catch (error) {
    return `Not a valid regular expression (${(error as Error).message}) — fix it or untick "regex".`;
  }
}

/** The rule to save under `id`, or the problems to fix first (by field). */
export function formToRule(fields: RuleFormFields, id: string): { rule: Rule } | { problems: RuleFieldProblems } {
  const problems: RuleFieldProblems = {};
  const name = fields.name.trim();
  if (name === '') problems.name = 'Give the rule a name: the timeline shows it on every frame the rule touches.';

  const match: RuleMatch = {};
  if (fields.url.trim() !== '') match.url = fields.url.trim();
  if (fields.direction !== 'any') match.direction = fields.direction;
  if (fields.opcodes.length > 0) match.opcodes = [...fields.opcodes].sort((a, b) => a - b);
  if (fields.payload !== '') {
    match.payload = fields.payload;
    if (fields.payloadRegex) {
      match.regex = true;
      const problem = regexProblem(fields.payload, fields.payloadCaseSensitive ? 'u' : 'iu');
      if (problem !== null) problems.payload = problem;
    }
    if (fields.payloadCaseSensitive) match.caseSensitive = true;
  }

  let action: RuleAction;
  switch (fields.action) {
    case 'hold':
    case 'drop':
      action = { kind: fields.action };
      break;
    case 'replace': {
      action = { kind: 'replace', find: fields.find, replace: fields.replace };
      if (fields.find === '') problems.find = 'Say what to find in the payload.';
      else if (fields.findRegex) {
        const problem = regexProblem(fields.find, fields.findCaseSensitive ? 'gu' : 'giu');
        if (problem !== null) problems.find = problem;
      }
      if (fields.findRegex) action.regex = true;
      if (fields.findCaseSensitive) action.caseSensitive = true;
      break;
    }
    case 'delay': {
      const text = fields.delayMs.trim();
      const ms = Number(text);
      if (!/^\d+$/.test(text) || ms > 600_000) problems.delayMs = 'The delay is a whole number of milliseconds, from 0 to 600000 (10 minutes).';
      action = { kind: 'delay', ms };
      break;
    }
  }

  if (Object.keys(problems).length > 0) return { problems };
  return { rule: { id, name, enabled: fields.enabled, match, action } };
}

const DIRECTION_WORDS: Record<ProxyDirection, string> = { client: 'app → server', server: 'server → app' };

/** One line for the rules list: what a rule matches and what it does. */
export function describeRule(rule: Rule): string {
  const { match, action } = rule;
  const parts: string[] = [];
  parts.push(match.direction === undefined ? 'both directions' : DIRECTION_WORDS[match.direction]);
  if (match.url !== undefined) parts.push(`URL ${match.url}`);
  if (match.opcodes !== undefined && match.opcodes.length > 0) parts.push(match.opcodes.map(opcodeName).join('/'));
  if (match.payload !== undefined) parts.push(match.regex ? `payload matches /${match.payload}/` : `payload contains “${match.payload}”`);
  let does: string;
  switch (action.kind) {
    case 'hold':
      does = 'hold';
      break;
    case 'drop':
      does = 'drop';
      break;
    case 'delay':
      does = `delay ${action.ms} ms`;
      break;
    case 'replace':
      does = action.regex ? `replace /${action.find}/ with “${action.replace}”` : `replace “${action.find}” with “${action.replace}”`;
      break;
  }
  return `${parts.join(', ')} → ${does}`;
}

/** The list with the rule at `index` moved by `delta` places (unchanged at either end). */
export function moveRule(rules: readonly Rule[], index: number, delta: -1 | 1): Rule[] {
  const target = index + delta;
  const moved = [...rules];
  if (index < 0 || index >= rules.length || target < 0 || target >= rules.length) return moved;
  [moved[index], moved[target]] = [moved[target]!, moved[index]!];
  return moved;
}

/** The list with `rule` in place of the one with its id, or added at the end. */
export function upsertRule(rules: readonly Rule[], rule: Rule): Rule[] {
  const at = rules.findIndex((other) => other.id === rule.id);
  return at === -1 ? [...rules, rule] : rules.map((other, index) => (index === at ? rule : other));
}
