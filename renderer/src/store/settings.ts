// Settings slice: how things are displayed, which page is shown, and the state of the link to the engine.
import type { StateCreator } from 'zustand';
import type { EngineLinkState } from '../../api/index.ts';
import type { FramescopeState } from './index.ts';

export type TimeDisplay = 'clock' | 'offset';

/** The connections, timeline and inspector; or the proxy's listener, hold queue and rules. */
export type Page = 'connections' | 'proxy';

export interface SettingsSlice {
  /** Wall-clock time, or time since the connection started. */
  timeDisplay: TimeDisplay;
  /** Pretty-print JSON payloads in the inspector. */
  prettyJson: boolean;
  engineLink: EngineLinkState;
  /** The link dropped and has not come back yet (the banner shows while this is set). */
  engineLost: boolean;
  appVersion: string | null;
  page: Page;
  setTimeDisplay(value: TimeDisplay): void;
  setPrettyJson(value: boolean): void;
  setEngineLink(state: EngineLinkState): void;
  setAppVersion(version: string): void;
  setPage(page: Page): void;
}

export const createSettingsSlice: StateCreator<FramescopeState, [], [], SettingsSlice> = (set) => ({
  timeDisplay: 'clock',
  prettyJson: true,
  engineLink: 'connecting',
  engineLost: false,
  appVersion: null,
  page: 'connections',
  setTimeDisplay: (timeDisplay) => set({ timeDisplay }),
  setPrettyJson: (prettyJson) => set({ prettyJson }),
  setEngineLink: (engineLink) =>
    set((state) => ({ engineLink, engineLost: engineLink === 'lost' ? true : engineLink === 'open' ? false : state.engineLost })),
  setAppVersion: (appVersion) => set({ appVersion }),
  setPage: (page) => set({ page }),
});
