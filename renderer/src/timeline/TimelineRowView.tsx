// One timeline row at a fixed height: time, direction, opcode, flags, size and a payload preview;
// on a proxied connection also what the proxy did (edited, dropped, held… marks) and the rule.
// Frames, messages, control frames, errors and notes each have their own look (styles.css).
import { memo } from 'react';
import type { Micros, TimelineRow } from '../../../shared/api.ts';
import { opcodeName } from '../../../shared/websocket.ts';
import { formatSize } from '../format/bytes.ts';
import { formatClock, formatOffset } from '../format/time.ts';
import type { TimeDisplay } from '../store/settings.ts';
import { directionLabel, flagBadges, flagNames } from './rowFlags.ts';

export const ROW_HEIGHT = 22;

interface TimelineRowViewProps {
  position: number;
  row: TimelineRow | undefined;
  selected: boolean;
  timeDisplay: TimeDisplay;
  /** Start of the connection, for offset times. */
  startTime: Micros;
  /** The connection is an app's, through the proxy: directions read app → server and server → app. */
  proxied: boolean;
  onSelect(position: number, row: TimelineRow): void;
}

function typeLabel(row: TimelineRow): string {
  if (row.kind === 'error') return 'error';
  if (row.kind === 'note') return 'note';
  return opcodeName(row.opcode);
}

function flags(row: TimelineRow): string {
  if (row.kind !== 'frame' && row.kind !== 'message') return '';
  const parts: string[] = [];
  if (row.kind === 'frame' && !row.fin) parts.push('…');
  if (row.rsv & 4) parts.push('R1');
  if (row.rsv & 2) parts.push('R2');
  if (row.rsv & 1) parts.push('R3');
  if (row.compressed) parts.push('z');
  if (row.kind === 'message' && row.refEnd > row.ref) parts.push(`${row.refEnd - row.ref + 1}fr`);
  return parts.join(' ');
}

const DIRECTION_ARROWS = { in: '↓', out: '↑' } as const;
const PROXIED_DIRECTIONS = { in: 'S→A', out: 'A→S' } as const;

export const TimelineRowView = memo(function TimelineRowView({ position, row, selected, timeDisplay, startTime, proxied, onSelect }: TimelineRowViewProps) {
  const style = { transform: `translateY(${position * ROW_HEIGHT}px)`, height: ROW_HEIGHT };
  if (row === undefined) {
    return (
      <div className="timeline-row loading" style={style} data-testid="timeline-row-loading" aria-hidden>
        <span className="cell index">{position + 1}</span>
        <span className="cell preview">…</span>
      </div>
    );
  }
  const control = row.kind === 'frame' && row.opcode >= 0x8;
  const classes = ['timeline-row', `kind-${row.kind}`];
  if (control) classes.push('control');
  if (row.dir !== null) classes.push(`dir-${row.dir}`);
  if (selected) classes.push('selected');
  if (row.flags !== 0) classes.push(...flagBadges(row.flags).map((badge) => `flag-${badge.name}`));
  return (
    <div
      className={classes.join(' ')}
      style={style}
      role="row"
      aria-selected={selected}
      data-testid="timeline-row"
      data-kind={row.kind}
      data-dir={row.dir ?? 'none'}
      data-opcode={row.opcode}
      data-index={row.index}
      data-position={position}
      data-flags={flagNames(row.flags)}
      onMouseDown={() => onSelect(position, row)}
    >
      <span className="cell index">{row.index}</span>
      <span className="cell time" title={formatClock(row.time)}>
        {timeDisplay === 'clock' ? formatClock(row.time) : formatOffset(row.time, startTime)}
      </span>
      <span className="cell dir" title={row.dir === null ? undefined : directionLabel(row.dir, proxied)}>
        {row.dir === null ? '·' : proxied ? PROXIED_DIRECTIONS[row.dir] : DIRECTION_ARROWS[row.dir]}
      </span>
      <span className="cell type" title={row.errorCode ?? undefined}>{typeLabel(row)}</span>
      <span className="cell flags">
        {flags(row)}
        {flagBadges(row.flags).map((badge) => (
          <span key={badge.name} className={`flag-icon flag-${badge.name}`} title={badge.title}>{badge.icon}</span>
        ))}
      </span>
      <span className="cell size">{row.kind === 'note' ? '' : formatSize(row.size)}</span>
      <span className="cell preview">{row.kind === 'error' && row.errorCode ? `${row.errorCode}: ${row.preview}` : row.preview}</span>
      {row.rule !== null && <span className="cell rule" title={`Touched by the rule “${row.rule}”`}>{row.rule}</span>}
    </div>
  );
});
