// Which timeline filters hide rows, and clearing them to show one row wherever it is (a search hit).
import { expect, test } from 'vitest';
import { filterHidesRows, withoutRowFilters } from '../../../renderer/src/timeline/rowFilters.ts';

const none = { text: '', regex: true, caseSensitive: true, direction: 'both' as const, opcode: 'all', from: '', to: '' };

test('text, direction and opcode hide rows; the regex and case switches alone do not', () => {
  expect(filterHidesRows(none)).toBe(false);
  expect(filterHidesRows({ ...none, text: 'tick' })).toBe(true);
  expect(filterHidesRows({ ...none, direction: 'in' })).toBe(true);
  expect(filterHidesRows({ ...none, opcode: 'ping' })).toBe(true);
  expect(filterHidesRows({ ...none, from: '12.5' })).toBe(true);
  expect(filterHidesRows({ ...none, to: '14:03:27' })).toBe(true);
});

test('clearing keeps the switches and the very same object when nothing was hidden', () => {
  expect(withoutRowFilters({ ...none, text: 'tick', direction: 'out', opcode: 'text', from: '1', to: '2' })).toEqual(none);
  expect(withoutRowFilters(none)).toBe(none);
});
