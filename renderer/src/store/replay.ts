// Replay slice: every replay run the UI has heard of (by id, updated by replay.updated), the
// connection whose replay panel is open, and the run whose comparison is shown.
import type { StateCreator } from 'zustand';
import type { ReplayRun } from '../../../shared/api.ts';
import type { FramescopeState } from './index.ts';

export interface ReplaySlice {
  replayRuns: Readonly<Record<number, ReplayRun>>;
  /** The recorded connection the replay panel is for. */
  replayConnectionId: number | null;
  comparisonRunId: number | null;
  /** One call per animation frame with every run that changed. */
  upsertRuns(runs: Iterable<ReplayRun>): void;
  /** Opens the replay panel (in the side column) for a connection. */
  openReplay(connectionId: number): void;
  openComparison(runId: number | null): void;
}

export const createReplaySlice: StateCreator<FramescopeState, [], [], ReplaySlice> = (set) => ({
  replayRuns: {},
  replayConnectionId: null,
  comparisonRunId: null,
  upsertRuns: (runs) =>
    set((state) => {
      const replayRuns = { ...state.replayRuns };
      for (const run of runs) replayRuns[run.id] = run;
      return { replayRuns };
    }),
  openReplay: (replayConnectionId) => set({ replayConnectionId, sidePanel: 'replay' }),
  openComparison: (comparisonRunId) => set({ comparisonRunId }),
});
