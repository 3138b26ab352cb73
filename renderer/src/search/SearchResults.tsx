// The search results side panel: every hit with its connection, time, direction and preview. Choosing
// one shows that connection's frames, unfiltered, scrolled to the hit and with it selected — however
// far away it is (store/jump.ts). Arrow keys move between hits.
// Test ids: search-panel, search-summary, search-searching, search-error, search-results,
// search-hit (data-connection, data-frame-index, data-selected), search-hit-gone.
import { useState, type KeyboardEvent } from 'react';
import type { SearchHit } from '../../../shared/api.ts';
import { formatClock } from '../format/time.ts';
import { useStore } from '../store/index.ts';
import { resultSummary } from './searchRequest.ts';

const DIR_ARROWS = { out: '↑', in: '↓' } as const;

export function SearchResults() {
  const result = useStore((state) => state.searchResult);
  const error = useStore((state) => state.searchError);
  const searching = useStore((state) => state.searching);
  const searchedText = useStore((state) => state.searchedText);
  const connections = useStore((state) => state.connections);
  const jumpToRow = useStore((state) => state.jumpToRow);
  const setSidePanel = useStore((state) => state.setSidePanel);
  const [chosen, setChosen] = useState<SearchHit | null>(null);
  const [gone, setGone] = useState<string | null>(null);

  function choose(hit: SearchHit): void {
    setChosen(hit);
    if (connections[hit.connectionId] === undefined) {
      setGone(`Connection #${hit.connectionId} is no longer in this session — search again.`);
      return;
    }
    setGone(null);
    jumpToRow({ connectionId: hit.connectionId, view: 'frames', index: hit.frameIndex });
  }

  function onKeyDown(event: KeyboardEvent<HTMLUListElement>): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button[data-testid=search-hit]')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (next !== undefined) {
      event.preventDefault();
      next.focus();
    }
  }

  return (
    <aside className="panel side-panel search-panel" aria-label="Search results" data-testid="search-panel">
      <header className="panel-header">
        <h2>Search</h2>
        <button type="button" className="icon-button" aria-label="Close the search results" title="Close" onClick={() => setSidePanel(null)}>×</button>
      </header>
      <div className="panel-body">
        {searching && <p className="hint" role="status" data-testid="search-searching">Searching…</p>}
        {error !== null && <p className="inline-error" role="alert" data-testid="search-error">{error}</p>}
        {result === null && error === null && !searching && <p className="hint">Type in the search box above and press Enter.</p>}
        {result !== null && (
          <p className="hint" data-testid="search-summary">
            “{searchedText}”: {resultSummary(result)}
          </p>
        )}
        {gone !== null && <p className="inline-error small" role="alert" data-testid="search-hit-gone">{gone}</p>}
        {result !== null && result.hits.length > 0 && (
          <ul className="search-results" data-testid="search-results" onKeyDown={onKeyDown}>
            {result.hits.map((hit) => {
              const summary = connections[hit.connectionId];
              const isChosen = chosen !== null && chosen.connectionId === hit.connectionId && chosen.frameIndex === hit.frameIndex;
              return (
                <li key={`${hit.connectionId}:${hit.frameIndex}`}>
                  <button type="button" className={isChosen ? 'search-hit selected' : 'search-hit'} data-testid="search-hit"
                    data-connection={hit.connectionId} data-frame-index={hit.frameIndex} data-selected={isChosen}
                    title={`Show frame ${hit.frameIndex} of connection #${hit.connectionId}`} onClick={() => choose(hit)}>
                    <span className="search-hit-line">
                      <span className="search-hit-connection">#{hit.connectionId} {summary?.label ?? summary?.url ?? ''}</span>
                      <span className="search-hit-time">{formatClock(hit.time)}</span>
                    </span>
                    <span className="search-hit-line">
                      <span className={hit.dir === null ? 'search-hit-dir' : `search-hit-dir dir-${hit.dir}`}>{hit.dir === null ? '·' : DIR_ARROWS[hit.dir]}</span>
                      <span className="search-hit-preview mono">{hit.preview}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </aside>
  );
}
