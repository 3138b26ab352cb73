// Which parts of the timeline filter can hide rows (text, direction, opcode, time range — not the regex and case
// switches, which only shape the text), and the filter with those cleared, for showing one row
// wherever it is. Structural types: pure, no store.
import type { Direction } from '../../../shared/api.ts';

export interface RowFilterFields {
  text: string;
  direction: Direction | 'both';
  opcode: string;
  from: string;
  to: string;
}

export function filterHidesRows(filter: RowFilterFields): boolean {
  return filter.text !== '' || filter.direction !== 'both' || filter.opcode !== 'all' || filter.from !== '' || filter.to !== '';
}

/** The same filter when nothing is hidden (so the timeline keeps its window), else one that hides nothing. */
export function withoutRowFilters<F extends RowFilterFields>(filter: F): F {
  return filterHidesRows(filter) ? { ...filter, text: '', direction: 'both', opcode: 'all', from: '', to: '' } : filter;
}
