// Timeline window slice: which view and filter the timeline shows, and the little the UI needs of
// the rows themselves — their count and a version that bumps when the cached window changes.
// The rows live in the window loader's cache (timeline/windowLoader.ts), never in React state.
import type { StateCreator } from 'zustand';
import type { TimelineView } from '../../../shared/api.ts';
import { NO_FILTER, type FilterState } from '../timeline/filter.ts';
import type { FramescopeState } from './index.ts';

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
