// One timeline row at a fixed height: time, direction, opcode, flags, size and a payload preview.
// Frames, messages, control frames, errors and notes each have their own look (styles.css).
import { memo } from 'react';
import type { Micros, TimelineRow } from '../../../shared/api.ts';
import { opcodeName } from '../../../shared/websocket.ts';
import { formatSize } from '../format/bytes.ts';
import { formatClock, formatOffset } from '../format/time.ts';
import type { TimeDisplay } from '../store/settings.ts';

export const ROW_HEIGHT = 22;

interface TimelineRowViewProps {
  position: number;
  row: TimelineRow | undefined;
  selected: boolean;
  timeDisplay: TimeDisplay;
  /** Start of the connection, for offset times. */
  startTime: Micros;
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

export const TimelineRowView = memo(function TimelineRowView({ position, row, selected, timeDisplay, startTime, onSelect }: TimelineRowViewProps) {
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
      onMouseDown={() => onSelect(position, row)}
    >
      <span className="cell index">{row.index}</span>
      <span className="cell time" title={formatClock(row.time)}>
        {timeDisplay === 'clock' ? formatClock(row.time) : formatOffset(row.time, startTime)}
      </span>
      <span className="cell dir" title={row.dir === 'in' ? 'received' : row.dir === 'out' ? 'sent' : undefined}>
        {row.dir === null ? '·' : DIRECTION_ARROWS[row.dir]}
      </span>
      <span className="cell type" title={row.errorCode ?? undefined}>{typeLabel(row)}</span>
      <span className="cell flags">{flags(row)}</span>
      <span className="cell size">{row.kind === 'note' ? '' : formatSize(row.size)}</span>
      <span className="cell preview">{row.kind === 'error' && row.errorCode ? `${row.errorCode}: ${row.preview}` : row.preview}</span>
    </div>
  );
});
