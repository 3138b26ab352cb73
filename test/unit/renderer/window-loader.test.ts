// The timeline's window loader with an engine that counts a filter's matches in steps
// (RangeResult.complete false): it goes on asking until the count is whole, and says it is counting.
import { expect, test, vi } from 'vitest';
import type { FramescopeApi, RangeRequest, RangeResult, TimelineFilter, TimelineRow, TimelineView } from '../../../shared/api.ts';

// The loader's only use of the transport module is its error helpers (the module itself needs a window).
vi.mock('../../../renderer/api/index.ts', async () => await import('../../../renderer/api/errors.ts'));
// It runs in the browser: loaded by a path the type checker (node's, without the DOM) does not follow.
interface Loader {
  show(key: { connectionId: number; view: TimelineView; filter: TimelineFilter | undefined } | null): void;
  setVisible(first: number, last: number, followingTail: boolean): void;
  row(position: number): TimelineRow | undefined;
}
type Listener = (total: number, version: number, error: string | null, counting: boolean) => void;
const LOADER: string = '../../../renderer/src/timeline/windowLoader.ts';
const { TimelineWindowLoader } = (await import(LOADER)) as { TimelineWindowLoader: new (api: FramescopeApi, listener: Listener) => Loader };

const frames = globalThis as { requestAnimationFrame?: (callback: (time: number) => void) => number };
frames.requestAnimationFrame ??= (callback) => setTimeout(() => callback(performance.now()), 0) as unknown as number;

const row = (index: number): TimelineRow => ({
  index, kind: 'frame', time: index, dir: 'in', opcode: 1, fin: true, rsv: 0, size: 1, preview: `match ${index}`, ref: index, refEnd: index,
  compressed: false, errorCode: null, flags: 0, rule: null,
});

test('a filter still being counted is asked again until complete, and the count grows meanwhile', async () => {
  // 50 matches (rows 0, 2, 4, …), found 20 per request.
  const MATCHES = 50;
  let found = 0;
  const requests: RangeRequest[] = [];
  const api = {
    invoke: async (name: string, req: RangeRequest): Promise<RangeResult> => {
      expect(name).toBe('timeline.range');
      requests.push(req);
      found = Math.min(MATCHES, found + 20);
      const end = Math.min(found, req.start + req.count);
      return { total: found, rows: Array.from({ length: Math.max(0, end - req.start) }, (_, i) => row(2 * (req.start + i))), complete: found === MATCHES };
    },
  } as unknown as FramescopeApi;
  const reports: Array<{ total: number; counting: boolean }> = [];
  let whole!: () => void;
  const done = new Promise<void>((resolve) => (whole = resolve));
  const loader = new TimelineWindowLoader(api, (total, _version, _error, counting) => {
    reports.push({ total, counting });
    if (total === MATCHES && !counting) whole();
  });
  loader.show({ connectionId: 1, view: 'frames', filter: { text: 'match' } });
  loader.setVisible(0, 9, false);
  await done;

  // Said to be counting with a partial count (reports are coalesced per frame, so not every step shows).
  expect(reports.some((r) => r.counting && r.total > 0 && r.total < MATCHES)).toBe(true);
  // It asked again for the count (requests for no rows) while the engine was counting.
  expect(requests.filter((r) => r.count === 0).length).toBeGreaterThanOrEqual(2);
  expect(reports.at(-1)).toEqual({ total: MATCHES, counting: false });
  // Every request carried the filter; the rows on screen were asked for and kept.
  expect(requests.every((r) => r.filter?.text === 'match')).toBe(true);
  expect(loader.row(0)?.preview).toBe('match 0');
  expect(loader.row(9)?.preview).toBe('match 18');
  // Once complete, nothing more is asked.
  const asked = requests.length;
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(requests.length).toBe(asked);
});
