// The left column: every connection with its state, address, message counts and age, and below it
// the selected connection's handshake, error, close status and actions. Connections an app made
// through the proxy are marked as proxied, with the app's address, the proxy mode and frames held;
// connections read back from the session file as recorded (they cannot send); replays name the
// connection they replay.
// Test ids: new-connection-button, connection-list, connection-item (data-state, data-id,
// data-origin, data-live), connection-proxied-badge, connection-recorded-badge, connection-replay-badge
// (data-replay-of), connection-proxied-meta, connection-held, connection-details, connection-proxied-info,
// connection-recorded-info, connection-replay-info, connection-replay-original, connection-error,
// connection-close-info, handshake, replay-button,
// reconnect-button (client connections only), disconnect-button, kill-button (proxied only), disconnect-code,
// disconnect-reason, disconnect-confirm, delete-button, duplicate-button, connection-action-error.
import { useEffect, useState } from 'react';
import type { CloseInfo, ConnectionState, ConnectionSummary, HttpExchange, ProxiedInfo } from '../../../shared/api.ts';
import { closeCodeMeaning } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { formatDateTime, formatDuration } from '../format/time.ts';
import { useStore } from '../store/index.ts';
import { useNow } from '../useNow.ts';

const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(['connecting', 'open', 'closing']);

const CLOSED_BY: Record<CloseInfo['by'], string> = {
  local: 'Closed by Framescope',
  remote: 'Closed by the server',
  app: 'Closed by the app',
  abnormal: 'The connection dropped',
};

const MODE_LABELS: Record<ProxiedInfo['mode'], string> = { explicit: 'explicit proxy', reverse: 'reverse proxy' };

const RECORDED_TITLE = 'Recorded earlier and read back from the session file: inspect, export, replay or delete it; it cannot send or reconnect';

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
  const { proxied } = summary;
  const held = proxied === null ? 0 : proxied.held.client + proxied.held.server;
  const started = summary.openedAt ?? summary.createdAt;
  const age = formatDuration((summary.endedAt ?? now) - started);
  return (
    <li
      className={selected ? 'connection-item selected' : 'connection-item'}
      data-testid="connection-item"
      data-state={summary.state}
      data-id={id}
      data-origin={summary.origin}
      data-live={summary.live}
      aria-current={selected}
    >
      <button type="button" onClick={() => selectConnection(id)} title={summary.url}>
        <span className="connection-line">
          <span className={`state-badge state-${summary.state}`}>{summary.state}</span>
          {proxied !== null && <span className="proxied-badge" data-testid="connection-proxied-badge">proxied</span>}
          {!summary.live && <span className="recorded-badge" data-testid="connection-recorded-badge" title={RECORDED_TITLE}>recorded</span>}
          <span className="connection-name">{connectionName(summary)}</span>
        </span>
        {summary.replayOf !== null && (
          <span className="connection-meta replay-of" data-testid="connection-replay-badge" data-replay-of={summary.replayOf.connectionId}>
            replay of #{summary.replayOf.connectionId}
          </span>
        )}
        {proxied !== null && (
          <span className="connection-meta" data-testid="connection-proxied-meta">
            <span title="The app's address">from {proxied.clientAddress}</span>
            <span>{MODE_LABELS[proxied.mode]}</span>
            {held > 0 && <span className="held-count" data-testid="connection-held" title="Frames waiting in the hold queue">‖ {held} held</span>}
          </span>
        )}
        <span className="connection-meta">
          <span title={proxied ? 'Messages from the app to the server' : 'Messages sent'}>↑ {summary.messagesOut}</span>
          <span title={proxied ? 'Messages from the server to the app' : 'Messages received'}>↓ {summary.messagesIn}</span>
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
  const openReplay = useStore((state) => state.openReplay);
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
  const recorded = !summary.live;
  const replayOf = summary.replayOf;
  return (
    <div className="connection-details" data-testid="connection-details">
      <h3 title={summary.url}>{connectionName(summary)}</h3>
      {summary.label !== null && <p className="mono small">{summary.url}</p>}
      {summary.proxied !== null && <ProxiedFacts info={summary.proxied} />}
      {recorded && (
        <p className="hint" data-testid="connection-recorded-info">
          Recorded earlier: read back from the session file. Inspect, export, replay or delete it — to talk to the server again, use
          Duplicate or Replay.
        </p>
      )}
      {replayOf !== null && (
        <p className="hint" data-testid="connection-replay-info">
          A replay (run {replayOf.runId}) of{' '}
          <button type="button" className="link-button" data-testid="connection-replay-original"
            onClick={() => useStore.getState().selectConnection(replayOf.connectionId)}>
            connection #{replayOf.connectionId}
          </button>.
        </p>
      )}
      <div className="actions">
        {summary.proxied === null && (
          <button type="button" data-testid="reconnect-button" disabled={live || recorded}
            title={recorded ? RECORDED_TITLE : live ? 'Close it first' : 'Open it again with the same options'}
            onClick={() => void run('Reconnecting', () => api.invoke('connections.reconnect', { id: summary.id }))}>
            Reconnect
          </button>
        )}
        <button type="button" data-testid="disconnect-button" disabled={recorded || (summary.state !== 'open' && summary.state !== 'connecting')}
          title={recorded ? RECORDED_TITLE : undefined}
          onClick={() => setClosing((value) => !value)}>
          Close…
        </button>
        {summary.proxied !== null && (
          <button type="button" data-testid="kill-button" className="danger" disabled={!live || recorded}
            title={recorded ? RECORDED_TITLE : 'Drop both sides at once, without a closing handshake'}
            onClick={() => void run('Killing', () => api.invoke('connections.close', { id: summary.id, abort: true }))}>
            Kill
          </button>
        )}
        <button type="button" data-testid="replay-button" title="Send this connection's client messages again on a new connection, and compare the answers"
          onClick={() => openReplay(summary.id)}>
          Replay…
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

function ProxiedFacts({ info }: { info: ProxiedInfo }) {
  return (
    <p className="proxied-info" data-testid="connection-proxied-info">
      An app's connection through the {MODE_LABELS[info.mode]}, from <span className="mono">{info.clientAddress}</span>
      {info.clientTls ? ' over TLS (intercepted with the Framescope CA)' : ''}.
      {info.strippedExtensions && ' Its compression offer was removed.'}
      {info.reencoding.length > 0 &&
        ` Re-encoding ${info.reencoding.map((side) => (side === 'client' ? 'app → server' : 'server → app')).join(' and ')} since an edit.`}
      {info.held.client + info.held.server > 0 && ` Held now: ${info.held.client} app → server, ${info.held.server} server → app.`}
    </p>
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
