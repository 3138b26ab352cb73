// Panels slice: which side column is open next to the page — saved messages, search results or a
// connection's replay — one at a time, so the timeline keeps its width.
import type { StateCreator } from 'zustand';
import type { FramescopeState } from './index.ts';

export type SidePanel = 'saved' | 'search' | 'replay';

export interface PanelsSlice {
  sidePanel: SidePanel | null;
  setSidePanel(panel: SidePanel | null): void;
  /** Opens the panel, or closes it when it is the one open. */
  toggleSidePanel(panel: SidePanel): void;
}

export const createPanelsSlice: StateCreator<FramescopeState, [], [], PanelsSlice> = (set) => ({
  sidePanel: null,
  setSidePanel: (sidePanel) => set({ sidePanel }),
  toggleSidePanel: (panel) => set((state) => ({ sidePanel: state.sidePanel === panel ? null : panel })),
});
