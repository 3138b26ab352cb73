// {{variables}} in saved message bodies, split for highlighting: which are built in, which the active
// environment sets, and which have no value (the engine leaves those as written). The engine renders;
// this only shows. Pure.

/** Built-in variables the engine fills in itself (Environments in shared/api.ts). */
export const BUILT_IN_VARIABLES = ['$timestamp', '$isoTimestamp', '$uuid', '$randomInt'] as const;

export type VariableState = 'builtin' | 'set' | 'missing';

export type BodySegment =
  | { kind: 'text'; text: string }
  /** `text` is the whole {{…}} as written; `name` what is inside, trimmed (for `$randomInt 1 6`, `$randomInt`). */
  | { kind: 'variable'; text: string; name: string; state: VariableState };

const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The name a {{…}} refers to: its first word, so `$randomInt 1 6` is the built-in `$randomInt`. */
function referenceName(inside: string): string {
  return inside.split(/\s+/)[0] ?? '';
}

function stateOf(name: string, values: Readonly<Record<string, string>>): VariableState {
  if (name.startsWith('$')) return (BUILT_IN_VARIABLES as readonly string[]).includes(name) ? 'builtin' : 'missing';
  return Object.hasOwn(values, name) ? 'set' : 'missing';
}

/** The body as text and variable segments, in order; joining every segment's text gives the body back. */
export function bodySegments(body: string, values: Readonly<Record<string, string>>): BodySegment[] {
  const segments: BodySegment[] = [];
  let last = 0;
  for (const match of body.matchAll(VARIABLE)) {
    const start = match.index;
    if (start > last) segments.push({ kind: 'text', text: body.slice(last, start) });
    const name = referenceName(match[1] ?? '');
    segments.push({ kind: 'variable', text: match[0], name, state: stateOf(name, values) });
    last = start + match[0].length;
  }
  if (last < body.length) segments.push({ kind: 'text', text: body.slice(last) });
  return segments;
}

/** Each variable name the body uses, once, in order of first use. */
export function variableNames(body: string): string[] {
  const names: string[] = [];
  for (const match of body.matchAll(VARIABLE)) {
    const name = referenceName(match[1] ?? '');
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
