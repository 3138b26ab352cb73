// Fetches and caches the timeline rows the user can see. The engine holds every row; this keeps a
// few pages of each recently shown (connection, view, filter), asks `timeline.range` only for the
// visible window plus overscan, coalesces requests per animation frame (frameBatch.ts), and tells
// the store the row count and a version to re-render on. Rows never enter React state.
import type { FramescopeApi, TimelineFilter, TimelineGrowth, TimelineRow, TimelineView } from '../../../shared/api.ts';
import { EngineError, errorMessage } from '../../api/index.ts';
import { onNextFrame } from '../frameBatch.ts';

/** Rows per cached page: the unit of eviction, not of fetching. */
const PAGE_SIZE = 256;
/** Rows fetched beyond each edge of the visible rows, so scrolling rarely shows placeholders. */
const FETCH_OVERSCAN = 96;
const MAX_PAGES_PER_WINDOW = 32;
/** Windows kept for switching back to a view, filter or connection without refetching. */
const MAX_WINDOWS = 6;
const RETRY_AFTER_ERROR_MS = 1000;

export interface WindowKey {
  connectionId: number;
  view: TimelineView;
  filter: TimelineFilter | undefined;
}

/** The cached rows of one (connection, view, filter), by position among the matching rows. */
class RowWindow {
  readonly key: WindowKey;
  readonly id: string;
  /** Matching rows, as far as we know. Rows are only appended, so this only grows. */
  total = 0;
  /** Sparse pages: a row is cached when its slot is set. */
  readonly pages = new Map<number, Array<TimelineRow | undefined>>();
  /** Position ranges [start, end) asked for and not answered yet. */
  readonly inFlight: Array<[number, number]> = [];
  /** Rows were appended to the connection; with a filter, only the engine knows how many match. */
  tailStale: boolean;
  /** The engine is still counting the rows that match this filter (`total` is what it found so far). */
  counting = false;
  tailInFlight = false;
  error: string | null = null;
  retryAt = 0;

  constructor(key: WindowKey, id: string) {
    this.key = key;
    this.id = id;
    this.tailStale = key.filter !== undefined;
  }

  row(position: number): TimelineRow | undefined {
    return this.pages.get(Math.floor(position / PAGE_SIZE))?.[position % PAGE_SIZE];
  }

  /** Not cached and not asked for yet. */
  missing(position: number): boolean {
    return this.row(position) === undefined && !this.inFlight.some(([start, end]) => position >= start && position < end);
  }
}

function windowId(key: WindowKey): string {
  return `${key.connectionId}|${key.view}|${key.filter === undefined ? '' : JSON.stringify(key.filter)}`;
}

/** What the timeline shows of the current window: its row count, a version to re-read rows on, an error, and whether it is still being counted. */
export type WindowListener = (total: number, version: number, error: string | null, counting: boolean) => void;

export class TimelineWindowLoader {
  private readonly api: FramescopeApi;
  private readonly listener: WindowListener;
  /** Least recently shown first. */
  private readonly windows = new Map<string, RowWindow>();
  /** Latest unfiltered row counts per connection, from growth events and summaries. */
  private readonly rowCounts = new Map<number, { frames: number; messages: number }>();
  private currentKey: WindowKey | null = null;
  private current: RowWindow | null = null;
  private visibleFirst = 0;
  private visibleLast = -1;
  private followingTail = true;
  /** Bumped by reset(): responses to requests made before it are dropped. */
  private generation = 0;
  private version = 0;
  private changed = false;
  private readonly tick = (): void => {
    const window = this.current;
    if (window && performance.now() >= window.retryAt) this.fetchMissing(window);
    this.notify();
  };

  constructor(api: FramescopeApi, listener: WindowListener) {
    this.api = api;
    this.listener = listener;
  }

  /** Switches the timeline to another (connection, view, filter), or to nothing. */
  show(key: WindowKey | null): void {
    this.currentKey = key;
    if (key === null) {
      this.current = null;
    } else {
      const id = windowId(key);
      let window = this.windows.get(id);
      if (window) {
        this.windows.delete(id);
      } else {
        window = new RowWindow(key, id);
        if (key.filter === undefined) window.total = this.unfilteredCount(key);
      }
      this.windows.set(id, window);
      this.current = window;
      this.evictWindows();
    }
    // The visible positions stay: the list reports new ones when switching scrolls it.
    this.changed = true;
    this.notify();
    this.schedule();
  }

  /**
   * The positions (among matching rows) on screen; called on every scroll and resize. While the
   * list follows the tail, only the newest rows are fetched: everything else is about to scroll away.
   */
  setVisible(first: number, last: number, followingTail: boolean): void {
    if (first === this.visibleFirst && last === this.visibleLast && followingTail === this.followingTail) return;
    this.visibleFirst = first;
    this.visibleLast = last;
    this.followingTail = followingTail;
    this.schedule();
  }

  row(position: number): TimelineRow | undefined {
    return this.current?.row(position);
  }

  /** New unfiltered row counts of a connection (growth events and connection summaries). */
  grew(growth: TimelineGrowth): void {
    const known = this.rowCounts.get(growth.connectionId);
    if (known && known.frames >= growth.frameRows && known.messages >= growth.messageRows) return;
    this.rowCounts.set(growth.connectionId, {
      frames: Math.max(growth.frameRows, known?.frames ?? 0),
      messages: Math.max(growth.messageRows, known?.messages ?? 0),
    });
    for (const window of this.windows.values()) {
      if (window.key.connectionId !== growth.connectionId) continue;
      if (window.key.filter === undefined) {
        const count = this.unfilteredCount(window.key);
        if (count > window.total) {
          window.total = count;
          if (window === this.current) this.changed = true;
        }
      } else {
        window.tailStale = true;
      }
    }
    this.schedule();
  }

  /** A connection was deleted: its rows are gone. */
  forget(connectionId: number): void {
    this.rowCounts.delete(connectionId);
    for (const [id, window] of this.windows) if (window.key.connectionId === connectionId) this.windows.delete(id);
    if (this.current?.key.connectionId === connectionId) this.show(null);
  }

  /** The engine may have restarted: drop every cached row and in-flight answer. */
  reset(): void {
    this.generation++;
    this.windows.clear();
    this.rowCounts.clear();
    this.show(this.currentKey);
  }

  private unfilteredCount(key: WindowKey): number {
    const counts = this.rowCounts.get(key.connectionId);
    if (!counts) return 0;
    return key.view === 'frames' ? counts.frames : counts.messages;
  }

  private schedule(): void {
    onNextFrame(this.tick);
  }

  private notify(): void {
    if (!this.changed) return;
    this.changed = false;
    this.version++;
    this.listener(this.current?.total ?? 0, this.version, this.current?.error ?? null, this.current?.counting ?? false);
  }

  private fetchMissing(window: RowWindow): void {
    // One request from the first to the last row missing around the screen.
    if (window.total > 0 && this.visibleLast >= this.visibleFirst) {
      // Following the tail, the screen is about to show the newest rows, whatever it shows now.
      const [from, to] = this.followingTail
        ? [Math.max(0, window.total - 1 - (this.visibleLast - this.visibleFirst)), window.total - 1]
        : [Math.max(0, this.visibleFirst - FETCH_OVERSCAN), Math.min(window.total - 1, this.visibleLast + FETCH_OVERSCAN)];
      let first = -1;
      let last = -1;
      for (let position = from; position <= to; position++) {
        if (!window.missing(position)) continue;
        if (first === -1) first = position;
        last = position;
      }
      if (first !== -1) this.request(window, first, last - first + 1);
    }
    if (window.tailStale && !window.tailInFlight) {
      // Asks for no rows: the answer's total is what a filtered window needs to learn.
      window.tailStale = false;
      this.request(window, window.total, 0);
    }
  }

  private request(window: RowWindow, start: number, count: number): void {
    const range: [number, number] = [start, start + count];
    if (count === 0) window.tailInFlight = true;
    else window.inFlight.push(range);
    const generation = this.generation;
    const { connectionId, view, filter } = window.key;
    const done = (): boolean => {
      if (count === 0) window.tailInFlight = false;
      else window.inFlight.splice(window.inFlight.indexOf(range), 1);
      // Stale: the engine link was reset or the window was evicted since the request went out.
      return generation === this.generation && this.windows.get(window.id) === window;
    };
    const request = filter === undefined ? { connectionId, view, start, count } : { connectionId, view, start, count, filter };
    this.api.invoke('timeline.range', request).then(
      (result) => {
        if (!done()) return;
        this.store(window, start, result.rows, result.total);
        // A filter still being counted: ask again (for no rows) to go on counting.
        if (window.counting !== !result.complete && window === this.current) this.changed = true;
        window.counting = !result.complete;
        if (!result.complete) window.tailStale = true;
        this.schedule();
      },
      (error: unknown) => {
        if (!done()) return;
        // A dropped link resets everything when it comes back; nothing to show per window.
        if (error instanceof EngineError && error.code === 'DISCONNECTED') return;
        window.error = `Could not load timeline rows: ${errorMessage(error)}`;
        window.retryAt = performance.now() + RETRY_AFTER_ERROR_MS;
        if (window === this.current) this.changed = true;
        setTimeout(() => this.schedule(), RETRY_AFTER_ERROR_MS);
        this.schedule();
      },
    );
  }

  private store(window: RowWindow, start: number, rows: TimelineRow[], total: number): void {
    if (total > window.total) window.total = total;
    window.error = null;
    let pageNumber = -1;
    let page: Array<TimelineRow | undefined> | undefined;
    for (let i = 0; i < rows.length; i++) {
      const position = start + i;
      if (Math.floor(position / PAGE_SIZE) !== pageNumber) {
        pageNumber = Math.floor(position / PAGE_SIZE);
        page = window.pages.get(pageNumber);
        if (page === undefined) window.pages.set(pageNumber, (page = new Array<TimelineRow | undefined>(PAGE_SIZE)));
      }
      // Rows never change once written: keeping the cached object keeps its row from re-rendering.
      page![position % PAGE_SIZE] ??= rows[i];
    }
    this.evictPages(window);
    if (window === this.current) this.changed = true;
  }

  // Keeps the pages nearest to what is on screen (or to the tail, for windows not shown).
  private evictPages(window: RowWindow): void {
    if (window.pages.size <= MAX_PAGES_PER_WINDOW) return;
    const focus = window === this.current
      ? Math.floor((this.visibleFirst + Math.max(this.visibleFirst, this.visibleLast)) / 2 / PAGE_SIZE)
      : Math.floor(window.total / PAGE_SIZE);
    const byDistance = [...window.pages.keys()].sort((a, b) => Math.abs(b - focus) - Math.abs(a - focus));
    for (const page of byDistance.slice(0, window.pages.size - MAX_PAGES_PER_WINDOW)) window.pages.delete(page);
  }

  private evictWindows(): void {
    for (const [id, window] of this.windows) {
      if (this.windows.size <= MAX_WINDOWS) break;
      if (window !== this.current) this.windows.delete(id);
    }
  }
}
