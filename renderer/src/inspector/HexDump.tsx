// A hex dump (offset, hex, ASCII) of some bytes. Large payloads show their first 64 KiB until asked
// for the rest, so selecting a multi-megabyte frame does not freeze the page.
import { useMemo, useState } from 'react';
import { formatSize, hexDump } from '../format/bytes.ts';

const FIRST_BYTES_SHOWN = 64 * 1024;

export function HexDump({ bytes, testId }: { bytes: Uint8Array; testId: string }) {
  const [showAll, setShowAll] = useState(false);
  const limit = showAll ? bytes.length : FIRST_BYTES_SHOWN;
  const dump = useMemo(() => hexDump(bytes, limit), [bytes, limit]);
  return (
    <div className="hex-dump">
      {bytes.length === 0 ? (
        <p className="hint" data-testid={testId}>No bytes.</p>
      ) : (
        <pre className="mono" data-testid={testId}>{dump}</pre>
      )}
      {bytes.length > limit && (
        <button type="button" onClick={() => setShowAll(true)}>
          Showing the first {formatSize(limit)} of {formatSize(bytes.length)} — show all
        </button>
      )}
    </div>
  );
}
