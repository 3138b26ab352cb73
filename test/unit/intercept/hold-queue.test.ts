// The hold queue on fake timers: ids and order, the timeout's default action, decisions delivered
// exactly once, forward-all, and a connection's end discarding its frames.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { HeldFrame, InterceptSettings } from '../../../shared/api.ts';
import { HoldQueue, UnknownHeldFrameError, type HeldDescription, type HoldDecision } from '../../../electron/core/intercept/hold-queue.ts';

const SETTINGS: InterceptSettings = {
  client: false, server: false, holdControlFrames: false, keepaliveIntervalMs: 0, holdTimeoutMs: 0, timeoutAction: 'forward',
};

function description(change: Partial<HeldDescription> = {}): HeldDescription {
  return {
    connectionId: 1, url: 'ws://127.0.0.1:9/', direction: 'server', opcode: 1, frames: 1, size: 2, compressed: false,
    payloadBase64: 'aGk=', text: 'hi', rule: null, ...change,
  };
}

/** A queue whose clock reads 1000 µs plus the fake timers' milliseconds, and a record of every decision. */
function setup(settings: Partial<InterceptSettings> = {}) {
  let current: InterceptSettings = { ...SETTINGS, ...settings };
  const start = Date.now();
  const changed = vi.fn();
  const queue = new HoldQueue({ now: () => 1000 + (Date.now() - start) * 1000, settings: () => current, changed });
  const decisions: { id: number; decision: HoldDecision }[] = [];
  const hold = (change: Partial<HeldDescription> = {}): number => {
    const id: number = queue.hold(description(change), (decision) => decisions.push({ id, decision }));
    return id;
  };
  return { queue, changed, decisions, hold, setSettings: (s: Partial<InterceptSettings>) => { current = { ...current, ...s }; } };
}

const FORWARD: HoldDecision = { action: 'forward', edit: null };
const DROP: HoldDecision = { action: 'drop' };

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('holding', () => {
  test('hold returns a new id each time and lists frames oldest first', () => {
    const { queue, hold } = setup();
    const ids = [hold({ text: 'a' }), hold({ text: 'b' }), hold({ text: 'c' })];
    expect(ids).toEqual([1, 2, 3]);
    expect(queue.size).toBe(3);
    expect(queue.list().map((f) => [f.id, f.text])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
  });

  test('a held frame keeps its description and gets heldAt and expiresAt in microseconds', () => {
    const { queue, hold } = setup({ holdTimeoutMs: 5000 });
    vi.advanceTimersByTime(2);
    const id = hold({ connectionId: 7, rule: 'prices' });
    const expected: HeldFrame = { ...description({ connectionId: 7, rule: 'prices' }), id, heldAt: 3000, expiresAt: 3000 + 5_000_000 };
    expect(queue.get(id)).toEqual(expected);
  });

  test('without a timeout a frame never expires and waits for ever', () => {
    const { queue, decisions, hold } = setup({ holdTimeoutMs: 0 });
    const id = hold();
    expect(queue.get(id).expiresAt).toBeNull();
    vi.advanceTimersByTime(86_400_000);
    expect(decisions).toEqual([]);
    expect(queue.size).toBe(1);
  });

  test('changed is called when a frame is held and when one leaves', () => {
    const { queue, changed, hold } = setup();
    const id = hold();
    expect(changed).toHaveBeenCalledTimes(1);
    queue.resolve(id, DROP);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  test('the queue notifies changed after the decision is delivered, so a listener sees the frame gone', () => {
    const { queue, changed, decisions, hold } = setup();
    const id = hold();
    changed.mockImplementation(() => { expect(queue.size).toBe(0); expect(decisions).toHaveLength(1); });
    queue.resolve(id, FORWARD);
    expect(changed).toHaveBeenCalledTimes(2);
  });
});

describe('the hold timeout', () => {
  test('forwards the frame unchanged when the timeout action is forward, once', () => {
    const { queue, decisions, hold } = setup({ holdTimeoutMs: 1000, timeoutAction: 'forward' });
    const id = hold();
    vi.advanceTimersByTime(999);
    expect(decisions).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(decisions).toEqual([{ id, decision: FORWARD }]);
    expect(queue.size).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(decisions).toHaveLength(1);
  });

  test('drops the frame when the timeout action is drop', () => {
    const { decisions, hold } = setup({ holdTimeoutMs: 1000, timeoutAction: 'drop' });
    const id = hold();
    vi.advanceTimersByTime(1000);
    expect(decisions).toEqual([{ id, decision: DROP }]);
  });

  test('each frame keeps the timeout and action in force when it was held', () => {
    const { decisions, hold, setSettings } = setup({ holdTimeoutMs: 1000, timeoutAction: 'drop' });
    const first = hold();
    setSettings({ holdTimeoutMs: 3000, timeoutAction: 'forward' });
    const second = hold();
    vi.advanceTimersByTime(1000);
    expect(decisions).toEqual([{ id: first, decision: DROP }]);
    vi.advanceTimersByTime(2000);
    expect(decisions).toEqual([{ id: first, decision: DROP }, { id: second, decision: FORWARD }]);
  });

  test('a frame resolved before its timeout is not decided again when the timeout would have fired', () => {
    const { queue, decisions, changed, hold } = setup({ holdTimeoutMs: 1000, timeoutAction: 'drop' });
    const edit = { opcode: 1, payload: new Uint8Array([0x6f, 0x6b]) };
    const id = hold();
    queue.resolve(id, { action: 'forward', edit });
    vi.advanceTimersByTime(5000);
    expect(decisions).toEqual([{ id, decision: { action: 'forward', edit } }]);
    expect(changed).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('resolving', () => {
  test('resolve delivers the decision to that frame only', () => {
    const { queue, decisions, hold } = setup();
    const a = hold();
    const b = hold();
    queue.resolve(b, DROP);
    expect(decisions).toEqual([{ id: b, decision: DROP }]);
    expect(queue.list().map((f) => f.id)).toEqual([a]);
  });

  test('resolving an unknown or already settled id throws UnknownHeldFrameError', () => {
    const { queue, decisions, hold } = setup();
    expect(() => queue.resolve(42, FORWARD)).toThrow(UnknownHeldFrameError);
    const id = hold();
    queue.resolve(id, FORWARD);
    expect(() => queue.resolve(id, DROP)).toThrow(UnknownHeldFrameError);
    expect(() => queue.get(id)).toThrow(UnknownHeldFrameError);
    expect(decisions).toEqual([{ id, decision: FORWARD }]);
  });

  test('the error says what happened to the frame', () => {
    const { queue } = setup();
    expect(() => queue.resolve(9, DROP)).toThrow(/Held frame 9 is no longer in the queue/);
  });

  test('resolving a frame that timed out throws instead of deciding twice', () => {
    const { queue, decisions, hold } = setup({ holdTimeoutMs: 100 });
    const id = hold();
    vi.advanceTimersByTime(100);
    expect(() => queue.resolve(id, DROP)).toThrow(UnknownHeldFrameError);
    expect(decisions).toEqual([{ id, decision: FORWARD }]);
  });
});

describe('forwardAll', () => {
  test('forwards every held frame unchanged, oldest first', () => {
    const { queue, decisions, hold } = setup({ holdTimeoutMs: 1000 });
    const ids = [hold(), hold(), hold()];
    queue.forwardAll();
    expect(decisions).toEqual(ids.map((id) => ({ id, decision: FORWARD })));
    expect(queue.size).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(decisions).toHaveLength(3);
  });

  test('forwards only the frames the filter selects and leaves the rest held', () => {
    const { queue, decisions, hold } = setup();
    const a = hold({ direction: 'client' });
    const b = hold({ direction: 'server' });
    const c = hold({ direction: 'client' });
    queue.forwardAll((f) => f.direction === 'client');
    expect(decisions.map((d) => d.id)).toEqual([a, c]);
    expect(queue.list().map((f) => f.id)).toEqual([b]);
  });

  test('a frame settled by an earlier decision during forwardAll is not forwarded again', () => {
    const { queue } = setup();
    const seen: number[] = [];
    let second = 0;
    queue.hold(description(), () => { seen.push(1); queue.resolve(second, DROP); });
    second = queue.hold(description(), (d) => seen.push(d.action === 'drop' ? -2 : 2));
    queue.forwardAll();
    expect(seen).toEqual([1, -2]);
  });
});

describe('forgetConnection', () => {
  test('discards that connection\'s frames without deciding them, and stops their timers', () => {
    const { queue, decisions, changed, hold } = setup({ holdTimeoutMs: 1000 });
    hold({ connectionId: 1 });
    const kept = hold({ connectionId: 2 });
    hold({ connectionId: 1 });
    changed.mockClear();
    queue.forgetConnection(1);
    expect(queue.list().map((f) => f.id)).toEqual([kept]);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(decisions).toEqual([{ id: kept, decision: FORWARD }]);
  });

  test('a connection with nothing held does not report a change', () => {
    const { queue, changed, hold } = setup();
    hold({ connectionId: 2 });
    changed.mockClear();
    queue.forgetConnection(1);
    expect(changed).not.toHaveBeenCalled();
    expect(queue.size).toBe(1);
  });
});

describe('clear', () => {
  test('empties the queue and stops every timer without deciding anything', () => {
    const { queue, decisions, hold } = setup({ holdTimeoutMs: 1000 });
    hold();
    hold({ connectionId: 2 });
    queue.clear();
    expect(queue.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(decisions).toEqual([]);
  });
});
