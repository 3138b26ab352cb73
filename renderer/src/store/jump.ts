// Jump slice: going straight to one row of one connection (a search hit), however far from what is
// on screen. The row's connection and view are shown unfiltered, so the row's index is its position;
// the timeline scrolls to it once it knows that many rows, then clears the target.
import type { StateCreator } from 'zustand';
import type { TimelineView } from '../../../shared/api.ts';
import { withoutRowFilters } from '../timeline/rowFilters.ts';
import type { FramescopeState } from './index.ts';

export interface JumpTarget {
  connectionId: number;
  view: TimelineView;
  /** The row's index in its view. */
  index: number;
}

export interface JumpSlice {
  jumpTarget: JumpTarget | null;
  /** Selects the connection, the view and the row (clearing filters that could hide it), and asks the timeline to scroll there. */
  jumpToRow(target: JumpTarget): void;
  /** The timeline scrolled to the target. */
  clearJump(): void;
}

export const createJumpSlice: StateCreator<FramescopeState, [], [], JumpSlice> = (set) => ({
  jumpTarget: null,
  // One update, so the timeline switches connection, view and filter and scrolls in a single commit.
  jumpToRow: (target) =>
    set((state) => ({
      page: 'connections',
      selectedConnectionId: target.connectionId,
      view: target.view,
      filter: withoutRowFilters(state.filter),
      selectedRow: { index: target.index, position: target.index },
      newRowsBelow: false,
      // A new object each time: jumping to the same row again scrolls again.
      jumpTarget: { ...target },
    })),
  clearJump: () => set({ jumpTarget: null }),
});
