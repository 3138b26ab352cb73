// Composer slice: the payload being written, how it is encoded, the raw-frame settings, which side
// of a proxied connection it goes to, and the outcome of the last send.
import type { StateCreator } from 'zustand';
import type { FramescopeState } from './index.ts';

export type PayloadFormat = 'text' | 'json' | 'hex' | 'base64';

export interface RawFrameSettings {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** Bytes per fragment as typed; empty sends one frame. */
  fragmentSize: string;
  mask: boolean;
}

export interface ComposerSlice {
  format: PayloadFormat;
  draft: string;
  rawEnabled: boolean;
  raw: RawFrameSettings;
  compress: boolean;
  /** Payload of pings and pongs, as text. */
  controlPayload: string;
  closeCode: string;
  closeReason: string;
  /** Proxied connections: inject toward the server or toward the app. */
  toward: 'server' | 'client';
  sending: boolean;
  /** What the last send did, or what went wrong. */
  outcome: { ok: true; text: string } | { ok: false; text: string } | null;
  setFormat(format: PayloadFormat): void;
  setDraft(draft: string): void;
  setRawEnabled(enabled: boolean): void;
  setRaw(change: Partial<RawFrameSettings>): void;
  setComposerField(change: Partial<Pick<ComposerSlice, 'compress' | 'controlPayload' | 'closeCode' | 'closeReason' | 'toward'>>): void;
  setSending(sending: boolean): void;
  setOutcome(outcome: ComposerSlice['outcome']): void;
}

export const createComposerSlice: StateCreator<FramescopeState, [], [], ComposerSlice> = (set) => ({
  format: 'text',
  draft: '',
  rawEnabled: false,
  raw: { opcode: 0x1, fin: true, rsv1: false, rsv2: false, rsv3: false, fragmentSize: '', mask: true },
  compress: false,
  controlPayload: '',
  closeCode: '1000',
  closeReason: '',
  toward: 'server',
  sending: false,
  outcome: null,
  setFormat: (format) => set({ format, outcome: null }),
  setDraft: (draft) => set({ draft }),
  setRawEnabled: (rawEnabled) => set({ rawEnabled, outcome: null }),
  setRaw: (change) => set((state) => ({ raw: { ...state.raw, ...change } })),
  setComposerField: (change) => set(change),
  setSending: (sending) => set({ sending }),
  setOutcome: (outcome) => set({ outcome }),
});
