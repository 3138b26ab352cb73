// The left column: every connection with its state, address, message counts and age, and below it
// the selected connection's handshake, error, close status and actions.
// Test ids: new-connection-button, connection-list, connection-item (data-state, data-id),
// connection-details, connection-error, connection-close-info, handshake, reconnect-button,
// disconnect-button, disconnect-code, disconnect-reason, disconnect-confirm, delete-button,
// duplicate-button, connection-action-error.
import { useEffect, useState } from 'react';
import type { CloseInfo, ConnectionState, ConnectionSummary, HttpExchange } from '../../../shared/api.ts';
import { closeCodeMeaning } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { formatDateTime, formatDuration } from '../format/time.ts';
import { useStore } from '../store/index.ts';

const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(['connecting', 'open', 'closing']);

const CLOSED_BY: Record<CloseInfo['by'], string> = {
  local: 'Closed by Framescope',
  remote: 'Closed by the server',
  abnormal: 'The connection dropped',
};

/** Now in Micros, refreshed every second while `ticking`, for ages and countdowns. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now() * 1000);
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now() * 1000);
    const timer = setInterval(() => setNow(Date.now() * 1000), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

function connectionName(summary: ConnectionSummary): string {
  return summary.label ?? summary.url;
}

export function ConnectionsPanel() {
  const ids = useStore((state) => state.connectionIds);
  const listError = useStore((state) => state.listError);
  const openForm = useStore((state) => state.openForm);
  return (
    <section className="panel connections-panel" aria-label="Connections">
      <header className="panel-header">
        <h2>Connections</h2>
        <button type="button" className="primary" data-testid="new-connection-button" onClick={() => openForm(null)}>
          + New
        </button>
      </header>
      {listError !== null && <p className="inline-error" role="alert">{listError}</p>}
      <ul className="connection-list" data-testid="connection-list">
        {ids.map((id) => <ConnectionItem key={id} id={id} />)}
      </ul>
      {ids.length === 0 && listError === null && (
        <p className="empty-hint">No connections yet. Press <b>+ New</b> and enter a ws:// or wss:// address.</p>
      )}
      <ConnectionDetails />
    </section>
  );
}

function ConnectionItem({ id }: { id: number }) {
  const summary = useStore((state) => state.connections[id]);
  const selected = useStore((state) => state.selectedConnectionId === id);
  const selectConnection = useStore((state) => state.selectConnection);
  const now = useNow(summary !== undefined && (LIVE_STATES.has(summary.state) || summary.reconnectAt !== null));
  if (!summary) return null;
  const started = summary.openedAt ?? summary.createdAt;
  const age = formatDuration((summary.endedAt ?? now) - started);
  return (
    <li
      className={selected ? 'connection-item selected' : 'connection-item'}
      data-testid="connection-item"
      data-state={summary.state}
      data-id={id}
      aria-current={selected}
    >
      <button type="button" onClick={() => selectConnection(id)} title={summary.url}>
        <span className="connection-line">
          <span className={`state-badge state-${summary.state}`}>{summary.state}</span>
          <span className="connection-name">{connectionName(summary)}</span>
        </span>
        <span className="connection-meta">
          <span title="Messages sent">↑ {summary.messagesOut}</span>
          <span title="Messages received">↓ {summary.messagesIn}</span>
          <span title={summary.openedAt === null ? 'Since the first attempt' : 'Since it opened'}>{age}</span>
          {summary.attempt > 1 && <span title="Connection attempts">attempt {summary.attempt}</span>}
        </span>
        {summary.reconnectAt !== null && (
          <span className="connection-meta">Reconnecting in {formatDuration(Math.max(0, summary.reconnectAt - now))}</span>
        )}
        {summary.error !== null && <span className="connection-error-line">{summary.error.message}</span>}
      </button>
    </li>
  );
}

function ConnectionDetails() {
  const id = useStore((state) => state.selectedConnectionId);
  const summary = useStore((state) => (id === null ? undefined : state.connections[id]));
  const openForm = useStore((state) => state.openForm);
  const [actionError, setActionError] = useState<string | null>(null);
  const [closing, setClosing] = useState(false);
  const [closeCode, setCloseCode] = useState('1000');
  const [closeReason, setCloseReason] = useState('');

  useEffect(() => {
    setActionError(null);
    setClosing(false);
  }, [id]);

  if (!summary) return null;

  const run = async (what: string, action: () => Promise<void>): Promise<void> => {
    setActionError(null);
    try {
      await action();
    } catch (error) {
      setActionError(`${what} failed: ${errorMessage(error)}`);
    }
  };

  const confirmClose = (): void => {
    const code = closeCode.trim() === '' ? undefined : Number(closeCode);
    if (code !== undefined && (!Number.isInteger(code) || code < 0 || code > 65535)) {
      setActionError('The close code must be a whole number, usually 1000 (normal) or 3000-4999 (application codes).');
      return;
    }
    setClosing(false);
    void run('Closing', () =>
      api.invoke('connections.close', { id: summary.id, ...(code === undefined ? {} : { code }), ...(closeReason === '' ? {} : { reason: closeReason }) }),
    );
  };

  const live = LIVE_STATES.has(summary.state);
  return (
    <div className="connection-details" data-testid="connection-details">
      <h3 title={summary.url}>{connectionName(summary)}</h3>
      {summary.label !== null && <p className="mono small">{summary.url}</p>}
      <div className="actions">
        <button type="button" data-testid="reconnect-button" disabled={live} title={live ? 'Close it first' : 'Open it again with the same options'}
          onClick={() => void run('Reconnecting', () => api.invoke('connections.reconnect', { id: summary.id }))}>
          Reconnect
        </button>
        <button type="button" data-testid="disconnect-button" disabled={summary.state !== 'open' && summary.state !== 'connecting'}
          onClick={() => setClosing((value) => !value)}>
          Close…
        </button>
        <button type="button" data-testid="duplicate-button" onClick={() => openForm(summary.options)}>Duplicate</button>
        <button type="button" data-testid="delete-button" className="danger"
          onClick={() => void run('Deleting', () => api.invoke('connections.delete', { id: summary.id }))}>
          Delete
        </button>
      </div>
      {closing && (
        <div className="close-form">
          <label className="field">
            <span>Code</span>
            <input value={closeCode} inputMode="numeric" data-testid="disconnect-code" onChange={(event) => setCloseCode(event.target.value)} />
          </label>
          <label className="field">
            <span>Reason</span>
            <input value={closeReason} data-testid="disconnect-reason" onChange={(event) => setCloseReason(event.target.value)} />
          </label>
          <button type="button" data-testid="disconnect-confirm" onClick={confirmClose}>Send close</button>
          <span className="hint">{/^\d+$/.test(closeCode) ? closeCodeMeaning(Number(closeCode)) : ''}</span>
        </div>
      )}
      {actionError !== null && <p className="inline-error" role="alert" data-testid="connection-action-error">{actionError}</p>}

      {summary.error !== null && (
        <div className="error-box" role="alert" data-testid="connection-error">
          <strong>{summary.error.message}</strong>
          <div className="small mono">{summary.error.code}{summary.error.cause ? ` · ${summary.error.cause}` : ''}</div>
        </div>
      )}
      {summary.close !== null && (
        <p className="close-info" data-testid="connection-close-info">
          {CLOSED_BY[summary.close.by]}
          {summary.close.code !== null && <>: <b>{summary.close.code}</b> {closeCodeMeaning(summary.close.code)}</>}
          {summary.close.reason !== '' && <> — “{summary.close.reason}”</>}
          {summary.close.clean ? ' (clean)' : ' (not clean: no close handshake)'}
        </p>
      )}

      <dl className="facts">
        <dt>State</dt><dd>{summary.state}{summary.attempt > 1 ? ` (attempt ${summary.attempt})` : ''}</dd>
        <dt>Subprotocol</dt><dd>{summary.protocol ?? '—'}</dd>
        <dt>Extensions</dt><dd className="mono">{summary.extensions ?? '—'}</dd>
        <dt>Frames</dt><dd>↑ {summary.framesOut} · ↓ {summary.framesIn}</dd>
        <dt>Messages</dt><dd>↑ {summary.messagesOut} · ↓ {summary.messagesIn}</dd>
        <dt>Bytes</dt><dd>↑ {formatSize(summary.bytesOut)} · ↓ {formatSize(summary.bytesIn)}</dd>
        <dt>Started</dt><dd>{formatDateTime(summary.createdAt)}</dd>
        {summary.openedAt !== null && <><dt>Opened</dt><dd>{formatDateTime(summary.openedAt)}</dd></>}
        {summary.endedAt !== null && <><dt>Ended</dt><dd>{formatDateTime(summary.endedAt)}</dd></>}
      </dl>

      {summary.handshake !== null && <Handshake exchange={summary.handshake} />}
    </div>
  );
}

function headerLines(headers: Array<[string, string]>): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join('\n');
}

function Handshake({ exchange }: { exchange: HttpExchange }) {
  const rejected = exchange.status !== undefined && exchange.status !== 101;
  return (
    <details className="handshake" data-testid="handshake" open={rejected}>
      <summary>
        Handshake{exchange.status !== undefined ? ` — ${exchange.status} ${exchange.statusText ?? ''}` : ' — no response'}
      </summary>
      <h4>Request</h4>
      <pre className="mono" data-testid="handshake-request">{`${exchange.requestLine}\n${headerLines(exchange.requestHeaders)}`}</pre>
      {exchange.status !== undefined && (
        <>
          <h4>Response</h4>
          <pre className="mono" data-testid="handshake-response">
            {`${exchange.status} ${exchange.statusText ?? ''}\n${headerLines(exchange.responseHeaders ?? [])}`}
          </pre>
        </>
      )}
      {exchange.location !== undefined && (
        <p>Redirected to <span className="mono">{exchange.location}</span> — open a new connection to that address to follow it.</p>
      )}
      {exchange.body !== undefined && exchange.body !== '' && (
        <>
          <h4>Response body</h4>
          <pre className="mono" data-testid="handshake-body">{exchange.body}</pre>
        </>
      )}
    </details>
  );
}
