// The session search box in the header: words (full-text) or a regular expression across every
// connection of the session; Enter searches and opens the results panel. Ctrl/Cmd+Shift+F focuses it
// from anywhere.
// Test ids: search-box, search-input, search-regex, search-submit.
import { useEffect, useRef } from 'react';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { buildSearch } from './searchRequest.ts';

/** Searches the session for what the box holds, reporting to the search slice. */
export async function runSearch(): Promise<void> {
  const { searchText, searchRegex, searchStarted, searchFinished } = useStore.getState();
  searchStarted();
  const built = buildSearch(searchText, searchRegex);
  if ('problem' in built) {
    searchFinished(searchText, { error: built.problem });
    return;
  }
  try {
    const result = await api.invoke('session.search', built.request);
    searchFinished(searchText, { result });
    // Frames recorded moments ago were not indexed yet: search again while these results are still shown.
    if (result.indexing > 0) {
      setTimeout(() => {
        const state = useStore.getState();
        if (state.searchResult === result && state.sidePanel === 'search' && !state.searching) void runSearch();
      }, INDEXING_RETRY_MS);
    }
  } catch (error) {
    searchFinished(searchText, { error: `The search failed: ${errorMessage(error)}` });
  }
}

const INDEXING_RETRY_MS = 1000;

export function SearchBox() {
  const text = useStore((state) => state.searchText);
  const regex = useStore((state) => state.searchRegex);
  const searching = useStore((state) => state.searching);
  const setText = useStore((state) => state.setSearchText);
  const setRegex = useStore((state) => state.setSearchRegex);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    function onKeyDown(event: globalThis.KeyboardEvent): void {
      if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.code === 'KeyF') {
        event.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      }
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <form className="search-box" role="search" aria-label="Search the session" data-testid="search-box"
      onSubmit={(event) => {
        event.preventDefault();
        void runSearch();
      }}>
      <input ref={inputRef} type="search" value={text} placeholder="Search session…" aria-label="Search every connection of the session"
        title="Words, or a regular expression with .* — Ctrl/Cmd+Shift+F"
        spellCheck={false} data-testid="search-input" onChange={(event) => setText(event.target.value)} />
      <label className="check" title="Search with a regular expression instead of words">
        <input type="checkbox" checked={regex} data-testid="search-regex" onChange={(event) => setRegex(event.target.checked)} />
        .*
      </label>
      <button type="submit" disabled={searching} data-testid="search-submit">Search</button>
    </form>
  );
}
