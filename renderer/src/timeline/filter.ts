// The timeline filter as the filter bar holds it (FilterState: what was typed and chosen) and as the
// engine takes it (TimelineFilter), with the time range's reading. Pure: no store, no DOM.
import type { Direction, Micros, TimelineFilter } from '../../../shared/api.ts';

/** The opcode filter's choices: one opcode, or a family. */
export const OPCODE_CHOICES = {
  all: { label: 'All opcodes', opcodes: null },
  text: { label: 'Text', opcodes: [0x1] },
  binary: { label: 'Binary', opcodes: [0x2] },
  continuation: { label: 'Continuation', opcodes: [0x0] },
  data: { label: 'Data frames', opcodes: [0x0, 0x1, 0x2] },
  control: { label: 'Control frames', opcodes: [0x8, 0x9, 0xa] },
  close: { label: 'Close', opcodes: [0x8] },
  ping: { label: 'Ping', opcodes: [0x9] },
  pong: { label: 'Pong', opcodes: [0xa] },
} as const satisfies Record<string, { label: string; opcodes: readonly number[] | null }>;

export type OpcodeChoice = keyof typeof OPCODE_CHOICES;

export interface FilterState {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
  direction: Direction | 'both';
  opcode: OpcodeChoice;
  /** The time range as typed (see parseTimeBound); applied only when both read. */
  from: string;
  to: string;
}

export const NO_FILTER: FilterState = { text: '', regex: false, caseSensitive: false, direction: 'both', opcode: 'all', from: '', to: '' };

const CLOCK = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const SECONDS = /^\+?(\d+(?:\.\d{1,6})?|\.\d{1,6})\s*s?$/;
const DAY_MICROS = 86_400_000_000;

/**
 * A time bound as typed: seconds since the connection started ("12.5", "+12.5 s", as the "Since
 * start" column shows them) or a local clock time ("14:03:27.512", on the connection's day, or the
 * next when that is more than 12 hours before it started). Empty is no bound.
 */
export function parseTimeBound(text: string, start: Micros): { micros: Micros } | { problem: string } | null {
  const t = text.trim();
  if (t === '') return null;
  const seconds = SECONDS.exec(t);
  if (seconds !== null) return { micros: start + Math.round(Number(seconds[1]) * 1_000_000) };
  const clock = CLOCK.exec(t);
  if (clock !== null) {
    const [hours, minutes, secs] = [Number(clock[1]), Number(clock[2]), Number(clock[3])];
    if (hours > 23 || minutes > 59 || secs > 59) return { problem: `"${t}" is not a time of day` };
    const day = new Date(Math.floor(start / 1000));
    day.setHours(hours, minutes, secs, 0);
    let micros = day.getTime() * 1000 + Math.round(Number(`0.${clock[4] ?? '0'}`) * 1_000_000);
    if (micros < start - DAY_MICROS / 2) micros += DAY_MICROS;
    return { micros };
  }
  return { problem: `"${t}" is not a time: write seconds since the connection started (12.5) or a clock time (14:03:27.512)` };
}

/** The time range's problem, for the filter bar to say; null when both bounds read (or are empty) and are in order. */
export function timeRangeProblem(filter: Pick<FilterState, 'from' | 'to'>, start: Micros): string | null {
  const from = parseTimeBound(filter.from, start);
  const to = parseTimeBound(filter.to, start);
  if (from !== null && 'problem' in from) return `From: ${from.problem}`;
  if (to !== null && 'problem' in to) return `To: ${to.problem}`;
  if (from !== null && to !== null && to.micros <= from.micros) return 'The range ends before it starts: "to" must be later than "from".';
  return null;
}

/**
 * The filter as the engine takes it in `timeline.range`, or undefined when nothing is filtered. `start`
 * is the shown connection's start, for time bounds written as seconds since it; a time range with a
 * problem is left out (the bar says what is wrong).
 */
export function engineFilter(filter: FilterState, start: Micros): TimelineFilter | undefined {
  const result: TimelineFilter = {};
  if (filter.text !== '') {
    result.text = filter.text;
    if (filter.regex) result.regex = true;
    if (filter.caseSensitive) result.caseSensitive = true;
  }
  if (filter.direction !== 'both') result.direction = filter.direction;
  const opcodes = OPCODE_CHOICES[filter.opcode].opcodes;
  if (opcodes !== null) result.opcodes = [...opcodes];
  if (timeRangeProblem(filter, start) === null) {
    const from = parseTimeBound(filter.from, start);
    const to = parseTimeBound(filter.to, start);
    if (from !== null && 'micros' in from) result.from = from.micros;
    if (to !== null && 'micros' in to) result.to = to.micros;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}
