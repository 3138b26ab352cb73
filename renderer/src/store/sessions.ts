// Sessions slice: the session file in use and its recording settings, what the last import or
// export said, and forgetting everything that belonged to the previous session when another opens.
import type { StateCreator } from 'zustand';
import type { SessionInfo, SessionSettings } from '../../../shared/api.ts';
import { withoutRowFilters } from '../timeline/rowFilters.ts';
import type { FramescopeState } from './index.ts';

export interface SessionNotice {
  ok: boolean;
  text: string;
  /** Lines under the text, such as an import's warnings. */
  details: string[];
}

export interface SessionsSlice {
  session: SessionInfo | null;
  sessionSettings: SessionSettings | null;
  /** Why the session could not be loaded, or null. */
  sessionError: string | null;
  sessionNotice: SessionNotice | null;
  setSession(session: SessionInfo): void;
  setSessionSettings(settings: SessionSettings): void;
  setSessionError(message: string | null): void;
  setSessionNotice(notice: SessionNotice | null): void;
  /** Another session became current: its connections replace the old ones, so every view of them starts over. */
  resetForSession(): void;
}

export const createSessionsSlice: StateCreator<FramescopeState, [], [], SessionsSlice> = (set) => ({
  session: null,
  sessionSettings: null,
  sessionError: null,
  sessionNotice: null,
  setSession: (session) => set({ session, sessionError: null }),
  setSessionSettings: (sessionSettings) => set({ sessionSettings }),
  setSessionError: (sessionError) => set({ sessionError }),
  setSessionNotice: (sessionNotice) => set({ sessionNotice }),
  resetForSession: () =>
    set((state) => ({
      selectedConnectionId: null,
      selectedRow: null,
      newRowsBelow: false,
      filter: withoutRowFilters(state.filter),
      jumpTarget: null,
      replayRuns: {},
      replayConnectionId: null,
      comparisonRunId: null,
      searchResult: null,
      searchError: null,
      // The composer's last outcome was about a connection of the old session.
      outcome: null,
      sidePanel: state.sidePanel === 'replay' ? null : state.sidePanel,
    })),
});
