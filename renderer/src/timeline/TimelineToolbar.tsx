// The bar above the timeline: frames/messages view, text or regex filter (with case toggle),
// direction and opcode filters, a time range, and the time format. The engine does the filtering.
// Test ids: view-toggle (buttons with data-view), filter-text, filter-regex, filter-case,
// filter-direction, filter-opcode, filter-from, filter-to, filter-problem, time-display, timeline-count.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Direction, TimelineView } from '../../../shared/api.ts';
import { useStore } from '../store/index.ts';
import { OPCODE_CHOICES, timeRangeProblem, type OpcodeChoice } from './filter.ts';
import { filterHidesRows } from './rowFilters.ts';

const TEXT_FILTER_DELAY_MS = 200;
const countFormat = new Intl.NumberFormat();

function regexProblem(pattern: string, caseSensitive: boolean): string | null {
  try {
    new RegExp(pattern, caseSensitive ? 'u' : 'iu');
    return null;
  } catch (error) {
    return `Not a valid regular expression (${(error as Error).message}) — fix it or turn off "regex".`;
  }
}

export function TimelineToolbar() {
  const view = useStore((state) => state.view);
  const setView = useStore((state) => state.setView);
  const regex = useStore((state) => state.filter.regex);
  const caseSensitive = useStore((state) => state.filter.caseSensitive);
  const direction = useStore((state) => state.filter.direction);
  const opcode = useStore((state) => state.filter.opcode);
  const appliedText = useStore((state) => state.filter.text);
  const setFilter = useStore((state) => state.setFilter);
  const timeDisplay = useStore((state) => state.timeDisplay);
  const proxied = useStore((state) => state.selectedConnectionId !== null && state.connections[state.selectedConnectionId]?.origin === 'proxied');
  const setTimeDisplay = useStore((state) => state.setTimeDisplay);

  // The text box is local so typing stays instant; the engine gets it after a pause (not while the regex is broken).
  const pushText = useCallback((value: string) => setFilter({ text: value }), [setFilter]);
  const textReads = useCallback((value: string) => !(regex && value !== '' && regexProblem(value, caseSensitive) !== null), [regex, caseSensitive]);
  const [text, setText] = useDelayedField(appliedText, pushText, TEXT_FILTER_DELAY_MS, textReads);
  const startTime = useStore((state) => (state.selectedConnectionId === null ? 0 : state.connections[state.selectedConnectionId]?.createdAt ?? 0));
  const from = useStore((state) => state.filter.from);
  const to = useStore((state) => state.filter.to);
  const rangeProblem = timeRangeProblem({ from, to }, startTime);
  const problem = regex && text !== '' ? regexProblem(text, caseSensitive) : null;

  return (
    <div className="timeline-toolbar">
      <div className="segmented" role="group" aria-label="Show" data-testid="view-toggle">
        {(['frames', 'messages'] as const satisfies readonly TimelineView[]).map((option) => (
          <button key={option} type="button" data-view={option} aria-pressed={view === option} onClick={() => setView(option)}>
            {option === 'frames' ? 'Frames' : 'Messages'}
          </button>
        ))}
      </div>
      <div className="filter-text">
        <input
          type="search"
          placeholder={regex ? 'Filter by regex…' : 'Filter payloads…'}
          value={text}
          spellCheck={false}
          aria-label="Filter text"
          aria-invalid={problem !== null}
          data-testid="filter-text"
          onChange={(event) => setText(event.target.value)}
        />
        <label className="check" title="Treat the filter as a regular expression">
          <input type="checkbox" checked={regex} data-testid="filter-regex" onChange={(event) => setFilter({ regex: event.target.checked })} />
          .*
        </label>
        <label className="check" title="Match upper and lower case exactly">
          <input type="checkbox" checked={caseSensitive} data-testid="filter-case" onChange={(event) => setFilter({ caseSensitive: event.target.checked })} />
          Aa
        </label>
      </div>
      <select value={direction} aria-label="Direction" data-testid="filter-direction"
        onChange={(event) => setFilter({ direction: event.target.value as Direction | 'both' })}>
        <option value="both">Both directions</option>
        <option value="out">{proxied ? 'App → server' : '↑ Sent'}</option>
        <option value="in">{proxied ? 'Server → app' : '↓ Received'}</option>
      </select>
      <select value={opcode} aria-label="Opcode" data-testid="filter-opcode"
        onChange={(event) => setFilter({ opcode: event.target.value as OpcodeChoice })}>
        {Object.entries(OPCODE_CHOICES).map(([value, choice]) => <option key={value} value={value}>{choice.label}</option>)}
      </select>
      <TimeBound bound="from" applied={from} invalid={rangeProblem !== null && rangeProblem.startsWith('From')} />
      <TimeBound bound="to" applied={to} invalid={rangeProblem !== null && !rangeProblem.startsWith('From')} />
      <select value={timeDisplay} aria-label="Time" data-testid="time-display"
        onChange={(event) => setTimeDisplay(event.target.value as typeof timeDisplay)}>
        <option value="clock">Clock time</option>
        <option value="offset">Since start</option>
      </select>
      <RowCount />
      {(problem ?? rangeProblem) !== null && <p className="filter-problem" role="alert" data-testid="filter-problem">{problem ?? rangeProblem}</p>}
    </div>
  );
}

const TIME_BOUND_DELAY_MS = 400;
const anyValue = (): boolean => true;

/**
 * A filter box's own text, so typing stays instant: handed to `push` after `delayMs` without typing
 * (only when `reads` accepts it). It follows the applied value when that changes from elsewhere (a
 * jump to a search hit, another session), but not when the change is the box's own text arriving.
 */
function useDelayedField(applied: string, push: (value: string) => void, delayMs: number, reads: (value: string) => boolean = anyValue): [string, (value: string) => void] {
  const [value, setValue] = useState(applied);
  const pushed = useRef(applied);
  useEffect(() => {
    if (applied !== pushed.current) setValue(applied);
    pushed.current = applied;
  }, [applied]);
  useEffect(() => {
    if (value === applied || !reads(value)) return;
    const timer = setTimeout(() => {
      pushed.current = value;
      push(value);
    }, delayMs);
    return () => clearTimeout(timer);
  }, [value, applied, reads, push, delayMs]);
  return [value, setValue];
}

/** One end of the time range: typed freely, applied after a pause (a bound that does not read is shown, not applied). */
function TimeBound({ bound, applied, invalid }: { bound: 'from' | 'to'; applied: string; invalid: boolean }) {
  const setFilter = useStore((state) => state.setFilter);
  const push = useCallback((value: string) => setFilter(bound === 'from' ? { from: value } : { to: value }), [bound, setFilter]);
  const [value, setValue] = useDelayedField(applied, push, TIME_BOUND_DELAY_MS);
  return (
    <input className="time-bound" value={value} spellCheck={false} aria-invalid={invalid}
      placeholder={bound === 'from' ? 'From (s or hh:mm:ss)' : 'To (s or hh:mm:ss)'}
      aria-label={bound === 'from' ? 'Rows from this time' : 'Rows before this time'}
      title="Seconds since the connection started (12.5), or a clock time (14:03:27.512)"
      data-testid={`filter-${bound}`} onChange={(event) => setValue(event.target.value)} />
  );
}

// Its own component: the count changes up to 20 times a second, the rest of the bar rarely.
function RowCount() {
  const total = useStore((state) => state.total);
  const view = useStore((state) => state.view);
  const filtering = useStore((state) => filterHidesRows(state.filter));
  const counting = useStore((state) => state.counting);
  return (
    <span className="timeline-count" data-testid="timeline-count" data-counting={counting ? 'true' : undefined}
      title={counting ? 'Still going through the connection’s rows: more may match' : undefined}>
      {counting ? 'at least ' : ''}{countFormat.format(total)} {view === 'frames' ? 'frames' : 'messages'}{filtering ? ' match' : ''}{counting ? ' (counting…)' : ''}
    </span>
  );
}
