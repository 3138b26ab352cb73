// Automatic rules for proxied frames: each enabled rule whose match fits a frame applies its action
// in list order (replace rewrites the text the next rules see; drop ends the list; delay adds up;
// hold sends the frame to the hold queue once the list is done).
import type { ProxyDirection, Rule } from '../../../shared/api.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { globToRegExp } from './patterns.ts';

/** What the rule list decided for one frame or message. */
export interface RuleOutcome {
  /** The payload after replace rules; the same object as the input when nothing replaced. */
  payload: Uint8Array;
  edited: boolean;
  drop: boolean;
  hold: boolean;
  /** The hold rule's name, when a rule asked for the hold. */
  holdRule: string | null;
  delayMs: number;
  /** Names of the rules that touched it, in order. */
  touched: string[];
}

/** What a rule sees of a frame. */
export interface RuleSubject {
  url: string;
  host: string;
  direction: ProxyDirection;
  opcode: number;
  /** Decompressed payload. */
  payload: Uint8Array;
}

interface CompiledRule {
  rule: Rule;
  url: RegExp | null;
  opcodes: ReadonlySet<number> | null;
  payload: ((text: string) => boolean) | null;
  replace: ((text: string) => string) | null;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

export class RuleSet {
  private readonly compiled: CompiledRule[];

  constructor(rules: readonly Rule[]) {
    this.compiled = rules.filter((r) => r.enabled).map(compile);
  }

  get empty(): boolean {
    return this.compiled.length === 0;
  }

  /** True when some rule could apply to frames of this connection going this way (so whole messages are needed). */
  couldApply(url: string, host: string, direction: ProxyDirection): boolean {
    return this.compiled.some((c) => (c.rule.match.direction === undefined || c.rule.match.direction === direction)
      && (c.url === null || c.url.test(url) || c.url.test(host)));
  }

  apply(subject: RuleSubject): RuleOutcome {
    const out: RuleOutcome = { payload: subject.payload, edited: false, drop: false, hold: false, holdRule: null, delayMs: 0, touched: [] };
    const control = subject.opcode >= 0x8;
    let text: string | null = null;
    const textual = subject.opcode === Opcode.TEXT;
    for (const c of this.compiled) {
      const m = c.rule.match;
      if (m.direction !== undefined && m.direction !== subject.direction) continue;
      // Control frames are touched only by rules that name their opcode.
      if (c.opcodes === null ? control : !c.opcodes.has(subject.opcode)) continue;
      if (c.url !== null && !c.url.test(subject.url) && !c.url.test(subject.host)) continue;
      if (c.payload !== null) {
        if (!textual) continue;
        text ??= decoder.decode(out.payload);
        if (!c.payload(text)) continue;
      }
      const action = c.rule.action;
      switch (action.kind) {
        case 'replace': {
          if (!textual) continue;
          text ??= decoder.decode(out.payload);
          const next = c.replace!(text);
          if (next === text) continue;
          text = next;
          out.payload = encoder.encode(next);
          out.edited = true;
          break;
        }
        case 'drop':
          out.drop = true;
          break;
        case 'delay':
          out.delayMs += action.ms;
          break;
        case 'hold':
          out.hold = true;
          out.holdRule ??= c.rule.name;
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown rule action ${JSON.stringify(never)}`);
        }
      }
      out.touched.push(c.rule.name);
      if (out.drop) break;
    }
    return out;
  }
}

function compile(rule: Rule): CompiledRule {
  const m = rule.match;
  let payload: CompiledRule['payload'] = null;
  if (m.payload !== undefined && m.payload !== '') {
    const needle = m.payload;
    if (m.regex) {
      const re = new RegExp(needle, m.caseSensitive ? 'u' : 'iu');
      payload = (t) => re.test(t);
    } else if (m.caseSensitive) {
      payload = (t) => t.includes(needle);
    } else {
      const lower = needle.toLowerCase();
      payload = (t) => t.toLowerCase().includes(lower);
    }
  }
  let replace: CompiledRule['replace'] = null;
  const a = rule.action;
  if (a.kind === 'replace') {
    const flags = a.caseSensitive === false ? 'giu' : 'gu';
    const re = a.regex ? new RegExp(a.find, flags) : new RegExp(a.find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags);
    // A literal replacement must not read `$&` or `$1` as patterns.
    replace = a.regex ? (t) => t.replace(re, a.replace) : (t) => t.replace(re, () => a.replace);
  }
  return {
    rule,
    url: m.url === undefined || m.url === '' ? null : globToRegExp(m.url),
    opcodes: m.opcodes === undefined || m.opcodes.length === 0 ? null : new Set(m.opcodes),
    payload,
    replace,
  };
}
