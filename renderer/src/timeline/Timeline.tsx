// The frame timeline: a hand-virtualized list with a fixed row height. Only the visible rows plus a
// little overscan are rendered, absolutely placed in a spacer as tall as all rows; keys are row
// positions. It follows the tail only while scrolled to the bottom, and scrolls to a row any distance
// away when asked to jump there (store/jump.ts).
// Test ids: timeline (the scrolling list), timeline-row (data-kind, data-dir, data-opcode,
// data-index, data-position, data-flags: FrameFlag names such as "edited held"; the rule's name
// in its .rule cell), timeline-row-loading,
// jump-to-latest, timeline-empty, timeline-error.
import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { TimelineRow } from '../../../shared/api.ts';
import { useStore } from '../store/index.ts';
import { engineFilter } from './filter.ts';
import { timelineLoader } from './loader.ts';
import { ROW_HEIGHT, TimelineRowView } from './TimelineRowView.tsx';
import { TimelineToolbar } from './TimelineToolbar.tsx';

/** Rows rendered beyond each edge of the viewport. */
const RENDER_OVERSCAN = 12;

export function Timeline() {
  const connectionId = useStore((state) => state.selectedConnectionId);
  const startTime = useStore((state) => (connectionId === null ? 0 : state.connections[connectionId]?.createdAt ?? 0));
  const proxied = useStore((state) => connectionId !== null && state.connections[connectionId]?.origin === 'proxied');
  const view = useStore((state) => state.view);
  const filter = useStore((state) => state.filter);
  const total = useStore((state) => state.total);
  // Not read below: subscribing makes the list re-read the loader's cache when rows arrive.
  useStore((state) => state.rowsVersion);
  const rowsError = useStore((state) => state.rowsError);
  const newRowsBelow = useStore((state) => state.newRowsBelow);
  const setNewRowsBelow = useStore((state) => state.setNewRowsBelow);
  const selectedIndex = useStore((state) => state.selectedRow?.index ?? null);
  const selectedPosition = useStore((state) => state.selectedRow?.position ?? null);
  const selectRow = useStore((state) => state.selectRow);
  const timeDisplay = useStore((state) => state.timeDisplay);
  const jumpTarget = useStore((state) => state.jumpTarget);
  const clearJump = useStore((state) => state.clearJump);

  const scrollRef = useRef<HTMLDivElement>(null);
  /** Whether the user is at the bottom: only then do new rows scroll the list. */
  const following = useRef(true);
  const [firstVisible, setFirstVisible] = useState(0);
  const [viewportRows, setViewportRows] = useState(0);
  // Kept in refs so scrolling to the bottom needs no layout read (rows arrive up to 20 times a second).
  const viewportHeight = useRef(0);
  const totalRef = useRef(total);
  totalRef.current = total;

  useLayoutEffect(() => {
    const element = scrollRef.current!;
    const observer = new ResizeObserver(() => {
      viewportHeight.current = element.clientHeight;
      setViewportRows(Math.ceil(element.clientHeight / ROW_HEIGHT));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  /** Where scrolling to the bottom last put the list, as far as it knows: a scroll event there is its own. */
  const tailTop = useRef(0);

  const scrollToBottom = useCallback(() => {
    following.current = true;
    // Past the end: the browser stops at the real bottom, even when the viewport's height changed since
    // it was last measured (a bottom worked out from the old height would leave the list short of it).
    const end = totalRef.current * ROW_HEIGHT;
    scrollRef.current!.scrollTop = end;
    tailTop.current = Math.max(0, end - viewportHeight.current);
    // Set at once, so this very commit renders the rows now in view (no blank frame).
    setFirstVisible(Math.floor(tailTop.current / ROW_HEIGHT));
    setNewRowsBelow(false);
  }, [setNewRowsBelow]);

  // A different connection, view or filter starts at its newest rows.
  useLayoutEffect(() => {
    scrollToBottom();
  }, [connectionId, view, filter, scrollToBottom]);

  const previousTotal = useRef(total);
  useLayoutEffect(() => {
    const grew = total > previousTotal.current;
    previousTotal.current = total;
    if (following.current) scrollToBottom();
    else if (grew) setNewRowsBelow(true);
  }, [total, scrollToBottom, setNewRowsBelow]);

  // A jump (from a search hit) lands after the switch above has scrolled to the bottom, and waits
  // until the window counts the target row. Unfiltered, a row's position is its index.
  useLayoutEffect(() => {
    if (jumpTarget === null) return;
    // The person moved on (another connection, view or filter) before the row arrived.
    if (jumpTarget.connectionId !== connectionId || jumpTarget.view !== view || engineFilter(filter, startTime) !== undefined) {
      clearJump();
      return;
    }
    if (jumpTarget.index >= total) return;
    const element = scrollRef.current!;
    following.current = false;
    element.scrollTop = Math.max(0, jumpTarget.index * ROW_HEIGHT - (element.clientHeight - ROW_HEIGHT) / 2);
    setFirstVisible(Math.floor(element.scrollTop / ROW_HEIGHT));
    setNewRowsBelow(false);
    clearJump();
  }, [jumpTarget, connectionId, view, filter, total, clearJump, setNewRowsBelow]);

  const lastVisible = Math.min(total - 1, firstVisible + viewportRows);
  useLayoutEffect(() => {
    timelineLoader.setVisible(firstVisible, lastVisible, following.current);
  }, [firstVisible, lastVisible]);

  function onScroll(): void {
    const element = scrollRef.current!;
    const atBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - ROW_HEIGHT / 2;
    // Only the person moving up from where the list put itself leaves the tail: not a scroll event
    // that reports the list's own move after the viewport or the row count changed again.
    following.current = atBottom || (following.current && element.scrollTop >= tailTop.current - ROW_HEIGHT / 2);
    if (following.current && useStore.getState().newRowsBelow) setNewRowsBelow(false);
    setFirstVisible(Math.floor(element.scrollTop / ROW_HEIGHT));
  }

  const onSelect = useCallback((position: number, row: TimelineRow) => selectRow({ index: row.index, position }), [selectRow]);

  function moveSelection(position: number): void {
    const target = Math.max(0, Math.min(total - 1, position));
    const row = timelineLoader.row(target);
    if (row === undefined) return;
    selectRow({ index: row.index, position: target });
    const element = scrollRef.current!;
    const top = target * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  }

  function onKeyDown(event: KeyboardEvent): void {
    const page = Math.max(1, viewportRows - 1);
    const from = selectedPosition ?? firstVisible - 1;
    const moves: Record<string, () => void> = {
      ArrowDown: () => moveSelection(from + 1),
      ArrowUp: () => moveSelection(from - 1),
      PageDown: () => moveSelection(from + page),
      PageUp: () => moveSelection(from - page),
      Home: () => moveSelection(0),
      End: () => {
        scrollToBottom();
        moveSelection(total - 1);
      },
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      move();
    }
  }

  const renderFirst = Math.max(0, firstVisible - RENDER_OVERSCAN);
  const renderLast = Math.min(total - 1, firstVisible + viewportRows + RENDER_OVERSCAN);
  const rows = [];
  for (let position = renderFirst; position <= renderLast; position++) {
    const row = timelineLoader.row(position);
    rows.push(
      <TimelineRowView
        key={position}
        position={position}
        row={row}
        selected={row !== undefined && row.index === selectedIndex}
        timeDisplay={timeDisplay}
        startTime={startTime}
        proxied={proxied}
        onSelect={onSelect}
      />,
    );
  }

  let empty: string | null = null;
  if (connectionId === null) empty = 'Select a connection on the left, or open one with + New.';
  else if (total === 0) empty = view === 'frames' ? 'No frames match yet.' : 'No messages match yet.';

  return (
    <section className={proxied ? 'panel timeline-panel proxied' : 'panel timeline-panel'} aria-label="Timeline">
      <TimelineToolbar />
      <div className="timeline-head" aria-hidden>
        <span className="cell index">#</span>
        <span className="cell time">Time</span>
        <span className="cell dir" />
        <span className="cell type">Type</span>
        <span className="cell flags" />
        <span className="cell size">Size</span>
        <span className="cell preview">Payload</span>
      </div>
      {rowsError !== null && <p className="inline-error" role="alert" data-testid="timeline-error">{rowsError}</p>}
      <div
        className="timeline-scroll"
        ref={scrollRef}
        tabIndex={0}
        role="grid"
        aria-rowcount={total}
        data-testid="timeline"
        onScroll={onScroll}
        onWheel={(event) => {
          // Leave the tail at once: a row arriving before the scroll event must not pull the list back down.
          if (event.deltaY < 0) following.current = false;
        }}
        onKeyDown={onKeyDown}
      >
        <div className="timeline-spacer" style={{ height: total * ROW_HEIGHT }}>{rows}</div>
        {empty !== null && <p className="empty-hint timeline-empty" data-testid="timeline-empty">{empty}</p>}
      </div>
      {newRowsBelow && (
        <button type="button" className="jump-to-latest" data-testid="jump-to-latest" onClick={scrollToBottom}>
          ↓ Jump to latest
        </button>
      )}
    </section>
  );
}
