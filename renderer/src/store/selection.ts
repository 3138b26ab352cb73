// Selection slice: the connection the timeline shows and the row the inspector shows.
import type { StateCreator } from 'zustand';
import type { FramescopeState } from './index.ts';

export interface SelectedRow {
  /** The row's index in its view (what `timeline.detail` takes). */
  index: number;
  /** Its position among the rows the current filter matches, or null when that is not known. */
  position: number | null;
}

export interface SelectionSlice {
  selectedConnectionId: number | null;
  selectedRow: SelectedRow | null;
  selectConnection(id: number | null): void;
  selectRow(row: SelectedRow | null): void;
}

export const createSelectionSlice: StateCreator<FramescopeState, [], [], SelectionSlice> = (set) => ({
  selectedConnectionId: null,
  selectedRow: null,
  selectConnection: (id) =>
    set((state) => (state.selectedConnectionId === id ? {} : { selectedConnectionId: id, selectedRow: null, newRowsBelow: false })),
  selectRow: (row) => set({ selectedRow: row }),
});
