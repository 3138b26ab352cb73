// {{variables}} in saved messages: values from the active environment and the built-ins
// $timestamp, $isoTimestamp, $uuid and $randomInt. Pure apart from the clock and randomness it is given.
import { randomInt, randomUUID } from 'node:crypto';
import type { Environments, Micros, RenderedMessage } from '../../../shared/api.ts';

export interface VariableSources {
  /** The active environment's values. */
  values: Readonly<Record<string, string>>;
  now: Micros;
  uuid: () => string;
  /** An integer from min to max, both included. */
  randomInt: (min: number, max: number) => number;
}

/** `{{ name }}`: no braces inside, whitespace around the name allowed. */
const VARIABLE = /\{\{([^{}]*)\}\}/g;
/** Bounds small enough for node:crypto's randomInt (a range below 2^48). */
const INTEGER = /^-?\d{1,12}$/;

/** The body with every variable that has a value replaced; the others stay as written and are listed. */
export function renderVariables(body: string, sources: VariableSources): RenderedMessage {
  const missing: string[] = [];
  const rendered = body.replace(VARIABLE, (whole, inner: string) => {
    const name = inner.trim();
    const value = name.startsWith('$') ? builtIn(name, sources) : Object.hasOwn(sources.values, name) ? sources.values[name]! : null;
    if (value !== null) return value;
    if (!missing.includes(name)) missing.push(name);
    return whole;
  });
  return { body: rendered, missing };
}

function builtIn(expression: string, sources: VariableSources): string | null {
  const [name, ...args] = expression.split(/\s+/);
  switch (name) {
    case '$timestamp':
      return args.length === 0 ? String(Math.floor(sources.now / 1_000_000)) : null;
    case '$isoTimestamp':
      return args.length === 0 ? new Date(Math.floor(sources.now / 1000)).toISOString() : null;
    case '$uuid':
      return args.length === 0 ? sources.uuid() : null;
    case '$randomInt': {
      if (args.length === 0) return String(sources.randomInt(0, 1000));
      if (args.length !== 2 || !args.every((a) => INTEGER.test(a))) return null;
      const [a, b] = args.map(Number) as [number, number];
      return String(sources.randomInt(Math.min(a, b), Math.max(a, b)));
    }
    default:
      return null;
  }
}

/** The values of the active environment (none when no environment is active). */
export function activeValues(e: Environments): Record<string, string> {
  return e.active === null ? {} : e.environments[e.active] ?? {};
}

/** Real sources: the given clock, v4 UUIDs and uniform integers from node:crypto. */
export function liveSources(values: Readonly<Record<string, string>>, now: Micros): VariableSources {
  return { values, now, uuid: randomUUID, randomInt: (min, max) => randomInt(min, max + 1) };
}

/** Why `text` is not JSON, or null when it is. */
export function jsonError(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Why a JSON body with variables cannot become JSON, or null. Each variable stands in for a number,
 * which fits both `"id": {{id}}` and `"id": "{{id}}"`; the rendered text is checked again when sent.
 */
export function templateJsonError(body: string): string | null {
  return jsonError(body.replace(VARIABLE, '0'));
}
