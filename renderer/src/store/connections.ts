// Connections slice: the engine's connection summaries by id, and the New Connection form's state.
import type { StateCreator } from 'zustand';
import type { ConnectOptions, ConnectionSummary } from '../../../shared/api.ts';
import type { FramescopeState } from './index.ts';

export interface ConnectionsSlice {
  connections: Readonly<Record<number, ConnectionSummary>>;
  /** Ids in the order they were opened. */
  connectionIds: readonly number[];
  /** The form is open; `formPreset` fills it (for "duplicate"), null for a blank form. */
  formOpen: boolean;
  formPreset: ConnectOptions | null;
  /** Why the list could not be loaded, or null. */
  listError: string | null;
  replaceConnections(list: readonly ConnectionSummary[]): void;
  /** One call per animation frame with everything that changed since the last. */
  applyConnectionChanges(updated: Iterable<ConnectionSummary>, removed: Iterable<number>): void;
  openForm(preset: ConnectOptions | null): void;
  closeForm(): void;
  setListError(message: string | null): void;
}

export const createConnectionsSlice: StateCreator<FramescopeState, [], [], ConnectionsSlice> = (set) => ({
  connections: {},
  connectionIds: [],
  formOpen: false,
  formPreset: null,
  listError: null,
  replaceConnections(list) {
    const connections: Record<number, ConnectionSummary> = {};
    for (const summary of list) connections[summary.id] = summary;
    set({ connections, connectionIds: list.map((summary) => summary.id).sort((a, b) => a - b) });
  },
  applyConnectionChanges(updated, removed) {
    set((state) => {
      const connections = { ...state.connections };
      let ids = state.connectionIds;
      for (const summary of updated) {
        if (!(summary.id in connections)) ids = [...ids, summary.id].sort((a, b) => a - b);
        connections[summary.id] = summary;
      }
      for (const id of removed) {
        if (!(id in connections)) continue;
        delete connections[id];
        ids = ids.filter((other) => other !== id);
      }
      return { connections, connectionIds: ids };
    });
  },
  openForm: (preset) => set({ formOpen: true, formPreset: preset }),
  closeForm: () => set({ formOpen: false, formPreset: null }),
  setListError: (listError) => set({ listError }),
});
