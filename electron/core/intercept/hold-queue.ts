// The hold queue: frames (or whole fragmented messages) the intercept held, across all proxied
// connections, oldest first. Each waits for a person to forward, edit or drop it, or for the hold
// timeout, whose default action then applies. The connection's pipeline gets the decision back.
import type { HeldFrame, InterceptSettings, Micros } from '../../../shared/api.ts';

export type HoldDecision =
  | { action: 'forward'; edit: { opcode: number; payload: Uint8Array } | null }
  | { action: 'drop' };

export type HeldDescription = Omit<HeldFrame, 'id' | 'heldAt' | 'expiresAt'>;

interface Entry {
  frame: HeldFrame;
  decide: (decision: HoldDecision) => void;
  timer: NodeJS.Timeout | null;
}

export class UnknownHeldFrameError extends Error {
  constructor(id: number) {
    super(`Held frame ${id} is no longer in the queue — it was forwarded, dropped, timed out, or its connection ended`);
    this.name = 'UnknownHeldFrameError';
  }
}

export class HoldQueue {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  private readonly now: () => Micros;
  private readonly settings: () => InterceptSettings;
  private readonly changed: () => void;

  constructor(opts: { now: () => Micros; settings: () => InterceptSettings; changed: () => void }) {
    this.now = opts.now;
    this.settings = opts.settings;
    this.changed = opts.changed;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Holds a frame; `decide` is called exactly once, with the person's decision or the timeout's. */
  hold(description: HeldDescription, decide: (decision: HoldDecision) => void): number {
    const id = this.nextId++;
    const { holdTimeoutMs, timeoutAction } = this.settings();
    const heldAt = this.now();
    const frame: HeldFrame = { ...description, id, heldAt, expiresAt: holdTimeoutMs > 0 ? heldAt + holdTimeoutMs * 1000 : null };
    const entry: Entry = { frame, decide, timer: null };
    if (holdTimeoutMs > 0) {
      entry.timer = setTimeout(() => {
        entry.timer = null;
        this.settle(id, timeoutAction === 'drop' ? { action: 'drop' } : { action: 'forward', edit: null });
      }, holdTimeoutMs);
    }
    this.entries.set(id, entry);
    this.changed();
    return id;
  }

  resolve(id: number, decision: HoldDecision): void {
    if (!this.entries.has(id)) throw new UnknownHeldFrameError(id);
    this.settle(id, decision);
  }

  /** Forwards every held frame that `which` selects, oldest first, unchanged. */
  forwardAll(which: (frame: HeldFrame) => boolean = () => true): void {
    for (const [id, entry] of [...this.entries]) {
      if (this.entries.has(id) && which(entry.frame)) this.settle(id, { action: 'forward', edit: null });
    }
  }

  /** The connection ended: its held frames have nowhere to go. */
  forgetConnection(connectionId: number): void {
    let any = false;
    for (const [id, entry] of this.entries) {
      if (entry.frame.connectionId !== connectionId) continue;
      if (entry.timer !== null) clearTimeout(entry.timer);
      this.entries.delete(id);
      any = true;
    }
    if (any) this.changed();
  }

  get(id: number): HeldFrame {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new UnknownHeldFrameError(id);
    return entry.frame;
  }

  list(): HeldFrame[] {
    return [...this.entries.values()].map((e) => e.frame);
  }

  /** Stops every timer (the engine is shutting down). */
  clear(): void {
    for (const entry of this.entries.values()) if (entry.timer !== null) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private settle(id: number, decision: HoldDecision): void {
    const entry = this.entries.get(id)!;
    if (entry.timer !== null) clearTimeout(entry.timer);
    this.entries.delete(id);
    entry.decide(decision);
    this.changed();
  }
}
