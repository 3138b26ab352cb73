// The timeline's time range as typed in the filter bar: seconds since the connection started or a
// clock time, checked, and turned into the engine filter's `from`/`to`.
import { expect, test } from 'vitest';
import { engineFilter, parseTimeBound, timeRangeProblem, type FilterState } from '../../../renderer/src/timeline/filter.ts';

// A connection that started on 5 March 2024 at 14:03:20.250 local time.
const start = new Date(2024, 2, 5, 14, 3, 20, 250).getTime() * 1000;
const at = (h: number, m: number, s: number, ms = 0, day = 5): number => new Date(2024, 2, day, h, m, s, ms).getTime() * 1000;
const none: FilterState = { text: '', regex: false, caseSensitive: false, direction: 'both', opcode: 'all', from: '', to: '' };

test('seconds since the start, written as the "Since start" column shows them', () => {
  expect(parseTimeBound('12.5', start)).toEqual({ micros: start + 12_500_000 });
  expect(parseTimeBound('+12.345 s', start)).toEqual({ micros: start + 12_345_000 });
  expect(parseTimeBound('0', start)).toEqual({ micros: start });
  expect(parseTimeBound('.000001', start)).toEqual({ micros: start + 1 });
  expect(parseTimeBound('  ', start)).toBeNull();
});

test('a clock time on the connection\'s day, or the next one past midnight', () => {
  expect(parseTimeBound('14:03:27.512', start)).toEqual({ micros: at(14, 3, 27, 512) });
  expect(parseTimeBound('14:03:27', start)).toEqual({ micros: at(14, 3, 27) });
  expect(parseTimeBound('9:00:00', start)).toEqual({ micros: at(9, 0, 0) });
  // More than 12 hours before the start: the next day (a capture running past midnight).
  expect(parseTimeBound('01:00:00', start)).toEqual({ micros: at(1, 0, 0, 0, 6) });
});

test('what does not read says why', () => {
  expect(parseTimeBound('soon', start)).toEqual({ problem: '"soon" is not a time: write seconds since the connection started (12.5) or a clock time (14:03:27.512)' });
  expect(parseTimeBound('25:00:00', start)).toEqual({ problem: '"25:00:00" is not a time of day' });
  expect(parseTimeBound('-3', start)).toMatchObject({ problem: expect.stringContaining('is not a time') });
  expect(timeRangeProblem({ from: 'soon', to: '' }, start)).toMatch(/^From: "soon"/);
  expect(timeRangeProblem({ from: '', to: 'x' }, start)).toMatch(/^To: "x"/);
  expect(timeRangeProblem({ from: '10', to: '5' }, start)).toBe('The range ends before it starts: "to" must be later than "from".');
  expect(timeRangeProblem({ from: '5', to: '10' }, start)).toBeNull();
});

test('the engine filter carries the range in epoch microseconds, and leaves out one that does not read', () => {
  expect(engineFilter({ ...none, from: '1', to: '14:03:30' }, start)).toEqual({ from: start + 1_000_000, to: at(14, 3, 30) });
  expect(engineFilter({ ...none, to: '2' }, start)).toEqual({ to: start + 2_000_000 });
  expect(engineFilter({ ...none, from: 'soon', direction: 'in' }, start)).toEqual({ direction: 'in' });
  expect(engineFilter({ ...none, from: '10', to: '5' }, start)).toBeUndefined();
  expect(engineFilter(none, start)).toBeUndefined();
});
