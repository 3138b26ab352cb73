// Saved-messages slice: the saved messages and environments as the engine last reported them, why
// they could not be loaded, and which side of a proxied connection the sidebar sends toward.
import type { StateCreator } from 'zustand';
import type { Environments, SavedMessage } from '../../../shared/api.ts';
import type { FramescopeState } from './index.ts';

export interface SavedSlice {
  savedMessages: readonly SavedMessage[];
  savedError: string | null;
  environments: Environments | null;
  environmentsError: string | null;
  /** Proxied connections: send saved messages toward the server or toward the app. */
  savedToward: 'server' | 'client';
  setSavedMessages(list: readonly SavedMessage[]): void;
  /** A command's answer, shown before saved.updated confirms it. */
  savedChanged(message: SavedMessage): void;
  savedRemoved(id: number): void;
  setSavedError(message: string | null): void;
  setEnvironments(environments: Environments): void;
  setEnvironmentsError(message: string | null): void;
  setSavedToward(toward: 'server' | 'client'): void;
}

export const createSavedSlice: StateCreator<FramescopeState, [], [], SavedSlice> = (set) => ({
  savedMessages: [],
  savedError: null,
  environments: null,
  environmentsError: null,
  savedToward: 'server',
  setSavedMessages: (savedMessages) => set({ savedMessages, savedError: null }),
  savedChanged: (message) =>
    set((state) => ({
      savedMessages: state.savedMessages.some((other) => other.id === message.id)
        ? state.savedMessages.map((other) => (other.id === message.id ? message : other))
        : [...state.savedMessages, message],
    })),
  savedRemoved: (id) => set((state) => ({ savedMessages: state.savedMessages.filter((message) => message.id !== id) })),
  setSavedError: (savedError) => set({ savedError }),
  setEnvironments: (environments) => set({ environments, environmentsError: null }),
  setEnvironmentsError: (environmentsError) => set({ environmentsError }),
  setSavedToward: (savedToward) => set({ savedToward }),
});
