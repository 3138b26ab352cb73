// Proxy slice: the listener's status, the intercept state (settings, rules, hold queue) as the engine
// last reported them, the held frame being edited and its draft, and the CA certificate's details.
import type { StateCreator } from 'zustand';
import type { CaInfo, HeldFrame, InterceptState, ProxyStatus } from '../../../shared/api.ts';
import { draftFor, type HeldDraft } from '../proxy/heldEdit.ts';
import type { FramescopeState } from './index.ts';

export interface ProxySlice {
  proxyStatus: ProxyStatus | null;
  intercept: InterceptState | null;
  /** Why the proxy's status or intercept state could not be loaded, or null. */
  proxyLoadError: string | null;
  /** The held frame shown in the editor; follows the queue (the oldest when the selected one leaves). */
  selectedHeldId: number | null;
  heldDraft: HeldDraft | null;
  /** Said when the frame being edited left the queue without this window resolving it (timeout, forward all). */
  heldNotice: string | null;
  ca: CaInfo | null;
  setProxyStatus(status: ProxyStatus): void;
  setIntercept(state: InterceptState): void;
  setProxyLoadError(message: string | null): void;
  selectHeld(id: number | null): void;
  setHeldDraft(draft: HeldDraft): void;
  /** This window resolved the held frame `id`: its leaving the queue needs no notice. */
  resolvedHeld(id: number): void;
  setCa(ca: CaInfo): void;
}

function selection(held: readonly HeldFrame[], id: number | null): { selectedHeldId: number | null; heldDraft: HeldDraft | null } {
  const frame = held.find((candidate) => candidate.id === id) ?? held[0];
  return frame === undefined ? { selectedHeldId: null, heldDraft: null } : { selectedHeldId: frame.id, heldDraft: draftFor(frame) };
}

/** Ids this window resolved and whose leaving the queue has not been seen yet. */
const resolvedHere = new Set<number>();

export const createProxySlice: StateCreator<FramescopeState, [], [], ProxySlice> = (set) => ({
  proxyStatus: null,
  intercept: null,
  proxyLoadError: null,
  selectedHeldId: null,
  heldDraft: null,
  heldNotice: null,
  ca: null,
  setProxyStatus: (proxyStatus) => set({ proxyStatus }),
  setIntercept: (intercept) =>
    set((state) => {
      const selectedId = state.selectedHeldId;
      const stillHeld = selectedId !== null && intercept.held.some((frame) => frame.id === selectedId);
      const leftUnseen = selectedId !== null && !stillHeld && !resolvedHere.has(selectedId);
      for (const id of resolvedHere) if (!intercept.held.some((frame) => frame.id === id)) resolvedHere.delete(id);
      if (stillHeld) return { intercept };
      const heldNotice = selectedId === null
        ? state.heldNotice
        : leftUnseen
          ? `Held frame #${selectedId} left the queue without you: its hold timed out, or it was released with the others.`
          : null;
      return { intercept, heldNotice, ...selection(intercept.held, null) };
    }),
  setProxyLoadError: (proxyLoadError) => set({ proxyLoadError }),
  selectHeld: (id) =>
    set((state) => (id === state.selectedHeldId ? {} : { heldNotice: null, ...selection(state.intercept?.held ?? [], id) })),
  setHeldDraft: (heldDraft) => set({ heldDraft }),
  resolvedHeld: (id) => {
    resolvedHere.add(id);
  },
  setCa: (ca) => set({ ca }),
});
