// The renderer's one zustand store, combined from one slice per area. Hot data (timeline rows,
// growth events) is not kept here: it is applied per animation frame from outside React.
import { create } from 'zustand';
import { createComposerSlice, type ComposerSlice } from './composer.ts';
import { createConnectionsSlice, type ConnectionsSlice } from './connections.ts';
import { createJumpSlice, type JumpSlice } from './jump.ts';
import { createPanelsSlice, type PanelsSlice } from './panels.ts';
import { createProxySlice, type ProxySlice } from './proxy.ts';
import { createReplaySlice, type ReplaySlice } from './replay.ts';
import { createSavedSlice, type SavedSlice } from './saved.ts';
import { createSearchSlice, type SearchSlice } from './search.ts';
import { createSelectionSlice, type SelectionSlice } from './selection.ts';
import { createSessionsSlice, type SessionsSlice } from './sessions.ts';
import { createSettingsSlice, type SettingsSlice } from './settings.ts';
import { createTimelineSlice, type TimelineSlice } from './timeline.ts';

export type FramescopeState = ConnectionsSlice & TimelineSlice & SelectionSlice & ComposerSlice & SettingsSlice & ProxySlice &
  SessionsSlice & SavedSlice & ReplaySlice & SearchSlice & PanelsSlice & JumpSlice;

export const useStore = create<FramescopeState>()((...args) => ({
  ...createConnectionsSlice(...args),
  ...createTimelineSlice(...args),
  ...createSelectionSlice(...args),
  ...createComposerSlice(...args),
  ...createSettingsSlice(...args),
  ...createProxySlice(...args),
  ...createSessionsSlice(...args),
  ...createSavedSlice(...args),
  ...createReplaySlice(...args),
  ...createSearchSlice(...args),
  ...createPanelsSlice(...args),
  ...createJumpSlice(...args),
}));
