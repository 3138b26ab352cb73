// Timeline window slice: which view and filter the timeline shows, and the little the UI needs of
// the rows themselves — their count and a version that bumps when the cached window changes.
// The rows live in the window loader's cache (timeline/windowLoader.ts), never in React state.
import type { StateCreator } from 'zustand';
import type { Direction, TimelineFilter, TimelineView } from '../../../shared/api.ts';
import type { FramescopeState } from './index.ts';

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
}

const NO_FILTER: FilterState = { text: '', regex: false, caseSensitive: false, direction: 'both', opcode: 'all' };

/** The filter as the engine takes it in `timeline.range`, or undefined when nothing is filtered. */
export function engineFilter(filter: FilterState): TimelineFilter | undefined {
  const result: TimelineFilter = {};
  if (filter.text !== '') {
    result.text = filter.text;
    if (filter.regex) result.regex = true;
    if (filter.caseSensitive) result.caseSensitive = true;
  }
  if (filter.direction !== 'both') result.direction = filter.direction;
  const opcodes = OPCODE_CHOICES[filter.opcode].opcodes;
  if (opcodes !== null) result.opcodes = [...opcodes];
  return Object.keys(result).length === 0 ? undefined : result;
}

export interface TimelineSlice {
  view: TimelineView;
  filter: FilterState;
  /** Matching rows of the shown (connection, view, filter). */
  total: number;
  /** Bumps whenever rows of the shown window arrive, so the list re-reads its cache. */
  rowsVersion: number;
  /** Why rows could not be loaded, for the timeline to say; null when they load. */
  rowsError: string | null;
  /** The engine is still counting the rows that match the filter: `total` is a lower bound. */
  counting: boolean;
  /** Rows arrived while the user was scrolled away from the bottom. */
  newRowsBelow: boolean;
  setView(view: TimelineView): void;
  setFilter(change: Partial<FilterState>): void;
  setWindow(total: number, rowsVersion: number, rowsError: string | null, counting: boolean): void;
  setNewRowsBelow(value: boolean): void;
}

export const createTimelineSlice: StateCreator<FramescopeState, [], [], TimelineSlice> = (set) => ({
  view: 'frames',
  filter: NO_FILTER,
  total: 0,
  rowsVersion: 0,
  rowsError: null,
  counting: false,
  newRowsBelow: false,
  setView: (view) => set({ view, selectedRow: null, newRowsBelow: false }),
  setFilter: (change) => set((state) => ({ filter: { ...state.filter, ...change }, newRowsBelow: false })),
  setWindow: (total, rowsVersion, rowsError, counting) => set({ total, rowsVersion, rowsError, counting }),
  setNewRowsBelow: (value) => set({ newRowsBelow: value }),
});
