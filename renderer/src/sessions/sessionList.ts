// How the Sessions menu lists session files (all by name, the recent ones by last change), the
// recording cap as a person types it, and what a HAR import did, in words. Pure: no React, no engine.
import type { HarImport, SessionInfo } from '../../../shared/api.ts';

/** Sessions the menu offers under "Recent". */
export const RECENT_COUNT = 5;

const KiB = 1024;
const MiB = 1024 * 1024;
/** The engine's bounds for SessionSettings.recordingCapBytes. */
const MIN_CAP = KiB;
const MAX_CAP = 1024 * MiB;

/** Every session, by name (then by creation, for equal names). */
export function sessionsByName(list: readonly SessionInfo[]): SessionInfo[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
}

/** The most recently changed sessions other than the current one, newest first. */
export function recentSessions(list: readonly SessionInfo[], count = RECENT_COUNT): SessionInfo[] {
  return list.filter((session) => !session.current).sort((a, b) => b.modifiedAt - a.modifiedAt).slice(0, count);
}

/** When a session last changed, short enough for a table cell: the locale's short date and time. */
export function formatChanged(time: number): string {
  return new Date(Math.floor(time / 1000)).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export function connectionCount(count: number): string {
  return count === 1 ? '1 connection' : `${count} connections`;
}

/** Why a session name cannot be used, or null. */
export function sessionNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'A session needs a name — type one, or press Escape to keep the old name.';
  if (trimmed.length > 200) return 'Session names are at most 200 characters long.';
  return null;
}

export type CapUnit = 'KiB' | 'MiB';

export interface CapFields {
  amount: string;
  unit: CapUnit;
}

/** The cap as the settings form shows it: whole MiB when it is, else KiB. */
export function capToFields(bytes: number): CapFields {
  if (bytes >= MiB && bytes % MiB === 0) return { amount: String(bytes / MiB), unit: 'MiB' };
  return { amount: String(Math.round((bytes / KiB) * 100) / 100), unit: 'KiB' };
}

/** The cap in bytes from the form, or what to fix. */
export function fieldsToCap(fields: CapFields): { bytes: number } | { problem: string } {
  const text = fields.amount.trim();
  const amount = Number(text);
  if (text === '' || !/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(amount)) {
    return { problem: 'The recording cap is a number, for example 16 (MiB) or 512 (KiB).' };
  }
  const bytes = Math.round(amount * (fields.unit === 'MiB' ? MiB : KiB));
  if (bytes < MIN_CAP || bytes > MAX_CAP) return { problem: 'The recording cap must be from 1 KiB to 1024 MiB.' };
  return { bytes };
}

/** One line on what an import read, for the notice under the header. */
export function importSummary(result: HarImport, fileName: string): string {
  const connections = connectionCount(result.connectionIds.length);
  const messages = result.messages === 1 ? '1 message' : `${result.messages} messages`;
  return `Imported ${connections} and ${messages} from ${fileName} into session “${result.session.name}”.`;
}
