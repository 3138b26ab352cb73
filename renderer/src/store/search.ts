// Search slice: the session search as typed, its last result and why it failed. The header's box
// writes it; the results panel reads it.
import type { StateCreator } from 'zustand';
import type { SearchResult } from '../../../shared/api.ts';
import type { FramescopeState } from './index.ts';

export interface SearchSlice {
  searchText: string;
  searchRegex: boolean;
  /** The text the shown result is for. */
  searchedText: string;
  searchResult: SearchResult | null;
  searchError: string | null;
  searching: boolean;
  setSearchText(text: string): void;
  setSearchRegex(regex: boolean): void;
  searchStarted(): void;
  searchFinished(text: string, outcome: { result: SearchResult } | { error: string }): void;
}

export const createSearchSlice: StateCreator<FramescopeState, [], [], SearchSlice> = (set) => ({
  searchText: '',
  searchRegex: false,
  searchedText: '',
  searchResult: null,
  searchError: null,
  searching: false,
  setSearchText: (searchText) => set({ searchText }),
  setSearchRegex: (searchRegex) => set({ searchRegex }),
  searchStarted: () => set({ searching: true, searchError: null, sidePanel: 'search' }),
  searchFinished: (searchedText, outcome) =>
    set('result' in outcome
      ? { searching: false, searchedText, searchResult: outcome.result, searchError: null }
      : { searching: false, searchedText, searchResult: null, searchError: outcome.error }),
});
