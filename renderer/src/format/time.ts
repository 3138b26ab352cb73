// How times and durations read on screen. The engine counts in microseconds since the epoch (Micros).
import type { Micros } from '../../../shared/api.ts';

const pad2 = (value: number): string => value.toString().padStart(2, '0');

/** Local wall-clock time with millisecond precision: 14:03:27.512 */
export function formatClock(time: Micros): string {
  const date = new Date(Math.floor(time / 1000));
  const millis = date.getMilliseconds().toString().padStart(3, '0');
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}.${millis}`;
}

/** Time since a start, in seconds with millisecond precision: +12.345 s */
export function formatOffset(time: Micros, start: Micros): string {
  return `+${((time - start) / 1_000_000).toFixed(3)} s`;
}

/** Full local date and time, for tooltips and detail panes. */
export function formatDateTime(time: Micros): string {
  return `${new Date(Math.floor(time / 1000)).toLocaleDateString()} ${formatClock(time)}`;
}

/** A short human duration: 850 ms, 12.3 s, 4 min 05 s, 2 h 07 min. */
export function formatDuration(micros: number): string {
  const ms = Math.max(0, micros / 1000);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.floor(seconds);
  const minutes = Math.floor(wholeSeconds / 60);
  if (minutes < 60) return `${minutes} min ${pad2(wholeSeconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
}
