// A replay run against the connection it replayed (replay.compare): two aligned columns, original |
// replay, one row per pair with its direction, offsets, previews and an equal/different mark, and the
// count of differences. Selecting a pair (click, or arrow keys in the list) shows both messages' full
// payloads in a Monaco diff. While the run is running, each replay.updated refreshes it.
// Test ids: comparison (data-run), comparison-state, comparison-differences (data-count),
// comparison-only-diff, comparison-refresh, comparison-close, comparison-error, comparison-pairs,
// comparison-pair (data-position, data-mark, data-dir, aria-selected), comparison-more,
// comparison-diff (the Monaco diff), comparison-diff-hint, comparison-detail-error.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ReplayComparison, RowDetail } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { MonacoDiffEditor } from '../monaco/MonacoDiffEditor.tsx';
import { useStore } from '../store/index.ts';
import { comparisonRows, diffLanguage, diffText, differenceSummary, MARK_SYMBOLS, MARK_TITLES, nextRow, type SideView } from './comparison.ts';
import { runProgress, runStateLabel, timingLabel } from './replayRuns.ts';

/** Pairs rendered at first; more on request (a long capture can have tens of thousands). */
const PAGE_ROWS = 500;

const DIR_ARROWS = { out: '↑', in: '↓' } as const;
const DIR_TITLES = { out: 'Client → server', in: 'Server → client' } as const;

type Details = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; original: RowDetail | null; replay: RowDetail | null } | { status: 'error'; message: string };

export function ComparisonView({ runId }: { runId: number }) {
  const run = useStore((state) => state.replayRuns[runId]);
  const openComparison = useStore((state) => state.openComparison);
  const [comparison, setComparison] = useState<ReplayComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [shownRows, setShownRows] = useState(PAGE_ROWS);
  const [details, setDetails] = useState<Details>({ status: 'idle' });
  const listRef = useRef<HTMLDivElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  /** One request at a time; a change while one is out asks again when it is back. */
  const fetching = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });

  const close = (): void => openComparison(null);

  async function refresh(): Promise<void> {
    if (fetching.current.busy) {
      fetching.current.again = true;
      return;
    }
    fetching.current = { busy: true, again: false };
    try {
      const result = await api.invoke('replay.compare', { runId });
      setComparison(result);
      useStore.getState().upsertRuns([result.run]);
      setError(null);
    } catch (failure) {
      setError(`Could not compare run ${runId}: ${errorMessage(failure)}`);
    } finally {
      const again = fetching.current.again;
      fetching.current = { busy: false, again: false };
      if (again) void refresh();
    }
  }

  // Again whenever the run moves on (replay.updated), and once more when it ends.
  const progress = run === undefined ? '' : `${run.state} ${run.sent}`;
  useEffect(() => {
    // `refresh` is left out: it reads only refs and the run id, and is a new function every render.
    void refresh();
  }, [runId, progress]);

  useEffect(() => {
    dialogRef.current?.focus();
  }, []);

  const rows = useMemo(() => (comparison === null ? [] : comparisonRows(comparison.pairs, onlyDifferences)), [comparison, onlyDifferences]);
  const pair = selected === null || comparison === null ? null : comparison.pairs[selected] ?? null;
  const current = comparison?.run ?? run;

  // Both messages' full payloads, from each connection's messages view.
  const originalId = current?.originalId;
  const replayId = current?.replayId;
  const originalIndex = pair?.original?.index ?? null;
  const replayIndex = pair?.replay?.index ?? null;
  useEffect(() => {
    if (selected === null || originalId === undefined || replayId === undefined) {
      setDetails({ status: 'idle' });
      return;
    }
    let live = true;
    setDetails({ status: 'loading' });
    const fetchSide = (connectionId: number, index: number | null): Promise<RowDetail | null> =>
      index === null ? Promise.resolve(null) : api.invoke('timeline.detail', { connectionId, view: 'messages', index });
    Promise.all([fetchSide(originalId, originalIndex), fetchSide(replayId, replayIndex)]).then(
      ([original, replay]) => live && setDetails({ status: 'ready', original, replay }),
      (failure: unknown) => live && setDetails({ status: 'error', message: `Could not load the messages: ${errorMessage(failure)}` }),
    );
    return () => {
      live = false;
    };
  }, [selected, originalId, replayId, originalIndex, replayIndex]);

  function select(position: number | null): void {
    setSelected(position);
    if (position === null) return;
    listRef.current?.querySelector(`[data-position="${position}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  function onListKey(event: KeyboardEvent): void {
    const visible = rows.slice(0, shownRows);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      select(nextRow(visible, selected, event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      const row = event.key === 'Home' ? visible[0] : visible.at(-1);
      if (row !== undefined) select(row.position);
    }
  }

  const originalText = details.status === 'ready' ? diffText(details.original) : '';
  const replayText = details.status === 'ready' ? diffText(details.replay) : '';
  const differences = comparison?.differences ?? null;

  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && close()}>
      <div ref={dialogRef} className="modal comparison" role="dialog" aria-modal="true" aria-label={`Comparison of replay run ${runId}`} tabIndex={-1}
        data-testid="comparison" data-run={runId}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            close();
          }
        }}>
        <header className="comparison-head">
          <h2>
            Run {runId}
            {current !== undefined && <>: #{current.originalId} (original) against #{current.replayId} (replay)</>}
          </h2>
          {current !== undefined && (
            <span className={`run-state run-state-${current.state}`} data-testid="comparison-state" data-state={current.state}>
              {runStateLabel(current)} · {runProgress(current)} · {timingLabel(current.timing)}
            </span>
          )}
          {comparison !== null && (
            <span className={differences === 0 ? 'difference-count none' : 'difference-count'} data-testid="comparison-differences" data-count={differences}
              title="Server messages that differ or are missing on one side">
              {differenceSummary(comparison)}
            </span>
          )}
          <span className="spacer" />
          <label className="check" title="Hide pairs that are equal">
            <input type="checkbox" checked={onlyDifferences} data-testid="comparison-only-diff" onChange={(event) => setOnlyDifferences(event.target.checked)} />
            Only differences
          </label>
          <button type="button" data-testid="comparison-refresh" title="Compare again now" onClick={() => void refresh()}>Refresh</button>
          <button type="button" data-testid="comparison-close" aria-label="Close the comparison" onClick={close}>Close</button>
        </header>
        {error !== null && <p className="inline-error" role="alert" data-testid="comparison-error">{error}</p>}
        <div className="comparison-columns-head" aria-hidden>
          <span className="pair-dir" />
          <span className="pair-side">Original{current !== undefined && ` #${current.originalId}`}</span>
          <span className="pair-mark" />
          <span className="pair-side">Replay{current !== undefined && ` #${current.replayId}`}</span>
        </div>
        <div ref={listRef} className="comparison-pairs" role="listbox" tabIndex={0} aria-label="Message pairs, original and replay"
          aria-activedescendant={selected === null ? undefined : `pair-${runId}-${selected}`} data-testid="comparison-pairs" onKeyDown={onListKey}>
          {comparison !== null && rows.length === 0 && (
            <p className="empty-hint">{comparison.pairs.length === 0 ? 'No messages to compare yet.' : 'Every pair is equal.'}</p>
          )}
          {rows.slice(0, shownRows).map((row) => (
            <div key={row.position} id={`pair-${runId}-${row.position}`} role="option" aria-selected={row.position === selected}
              className={`comparison-pair mark-${row.mark} dir-${row.dir}${row.position === selected ? ' selected' : ''}`}
              data-testid="comparison-pair" data-position={row.position} data-mark={row.mark} data-dir={row.dir}
              onMouseDown={() => select(row.position)}>
              <span className="pair-dir" title={DIR_TITLES[row.dir]}>{DIR_ARROWS[row.dir]}</span>
              <PairSide side={row.original} />
              <span className="pair-mark" title={MARK_TITLES[row.mark]}>{MARK_SYMBOLS[row.mark]}</span>
              <PairSide side={row.replay} />
            </div>
          ))}
          {rows.length > shownRows && (
            <button type="button" className="comparison-more" data-testid="comparison-more" onClick={() => setShownRows((count) => count + PAGE_ROWS)}>
              Show {Math.min(PAGE_ROWS, rows.length - shownRows)} more of {rows.length - shownRows}
            </button>
          )}
        </div>
        <div className="comparison-diff">
          {details.status === 'idle' && <p className="hint" data-testid="comparison-diff-hint">Select a pair to see both payloads side by side.</p>}
          {details.status === 'loading' && <p className="hint">Loading both messages…</p>}
          {details.status === 'error' && <p className="inline-error" role="alert" data-testid="comparison-detail-error">{details.message}</p>}
          {details.status === 'ready' && (
            <MonacoDiffEditor original={originalText} modified={replayText} language={diffLanguage(originalText, replayText)}
              ariaLabel="The original message against the replay's" testId="comparison-diff" />
          )}
        </div>
      </div>
    </div>
  );
}

function PairSide({ side }: { side: SideView | null }) {
  if (side === null) return <span className="pair-side missing">—</span>;
  return (
    <span className="pair-side" title={side.preview}>
      <span className="pair-index">#{side.index}</span>
      <span className="pair-offset">{side.offset}</span>
      <span className="pair-type">{side.type} {side.size}</span>
      <span className="pair-preview">{side.preview}</span>
    </span>
  );
}
