// What the proxy did to a frame and how it was recorded (TimelineRow.flags), as the compact marks the
// timeline shows and the words the inspector uses; and directions named the way a proxied connection
// reads them. Pure.
import { FrameFlag, type Direction } from '../../../shared/api.ts';

export interface FlagBadge {
  bit: number;
  /** Stable name, also in the row's data-flags. */
  name: string;
  /** The timeline's compact mark. */
  icon: string;
  /** The word the inspector shows. */
  label: string;
  /** What it means, for the tooltip. */
  title: string;
}

export const FLAG_BADGES: readonly FlagBadge[] = [
  { bit: FrameFlag.EDITED, name: 'edited', icon: '✎', label: 'edited', title: 'Edited: its payload was changed (by hand or by a rule); the inspector shows the original' },
  { bit: FrameFlag.DROPPED, name: 'dropped', icon: '⊘', label: 'dropped', title: 'Dropped: not forwarded' },
  { bit: FrameFlag.INJECTED, name: 'injected', icon: '+', label: 'injected', title: 'Injected: written by Framescope, not by either peer' },
  { bit: FrameFlag.HELD, name: 'held', icon: '‖', label: 'held', title: 'Held: waited in the hold queue' },
  { bit: FrameFlag.DELAYED, name: 'delayed', icon: '◷', label: 'delayed', title: 'Delayed by a rule' },
  { bit: FrameFlag.KEEPALIVE, name: 'keepalive', icon: '♥', label: 'keepalive', title: "Keepalive: the proxy's own ping or its pong (never shown to the app)" },
  { bit: FrameFlag.REENCODED, name: 'reencoded', icon: '↻', label: 're-encoded', title: 'Re-encoded by the proxy: its wire bytes differ from what the sender sent' },
  { bit: FrameFlag.CAPPED, name: 'capped', icon: '✂', label: 'capped', title: "Capped: larger than the session's recording cap, so only its first bytes were stored" },
  { bit: FrameFlag.IMPORTED, name: 'imported', icon: '⇲', label: 'imported (no wire bytes)', title: 'Imported from a HAR file without frame-level data: its header and wire bytes are not known' },
];

export function flagBadges(flags: number): FlagBadge[] {
  return FLAG_BADGES.filter((badge) => (flags & badge.bit) !== 0);
}

/** "edited held", for data attributes and tests. */
export function flagNames(flags: number): string {
  return flagBadges(flags).map((badge) => badge.name).join(' ');
}

/** How a direction reads: sent/received for Framescope's own connections, app/server for proxied ones. */
export function directionLabel(dir: Direction, proxied: boolean): string {
  if (proxied) return dir === 'out' ? 'app → server' : 'server → app';
  return dir === 'out' ? 'sent' : 'received';
}
