// The Sessions menu: start a new session, open a recent or any saved one (with its size, last change
// and connection count), delete one after a confirmation, import a HAR file into a new session, and
// export the session or the selected connection as HAR (a download named by the engine).
// Test ids: session-menu, session-new-name, session-new, session-import-button, session-import-file,
// session-export, session-export-connection, session-export-sensitive, session-recent (session-recent-item, data-id),
// session-list (session-item: data-id, data-current), session-open, session-delete,
// session-delete-confirm, session-delete-cancel, session-menu-error, session-menu-busy.
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { SessionInfo } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { formatDateTime } from '../format/time.ts';
import { useStore } from '../store/index.ts';
import { downloadText } from './download.ts';
import { Popover } from './Popover.tsx';
import { connectionCount, formatChanged, importSummary, recentSessions, sessionsByName } from './sessionList.ts';

type Listed = { status: 'loading' } | { status: 'ready'; list: SessionInfo[] } | { status: 'error'; message: string };

export function SessionMenu({ anchor, onClose }: { anchor: RefObject<HTMLElement | null>; onClose(): void }) {
  const selectedId = useStore((state) => state.selectedConnectionId);
  const setSession = useStore((state) => state.setSession);
  const setNotice = useStore((state) => state.setSessionNotice);
  const [listed, setListed] = useState<Listed>({ status: 'loading' });
  const [newName, setNewName] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [keepCredentials, setKeepCredentials] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  async function load(): Promise<void> {
    try {
      setListed({ status: 'ready', list: await api.invoke('sessions.list', undefined) });
    } catch (failure) {
      setListed({ status: 'error', message: `Could not list the sessions: ${errorMessage(failure)}` });
    }
  }

  useEffect(() => {
    void load();
  }, []);

  /** Runs one action at a time, saying what it is doing and what went wrong. */
  async function act(what: string, action: () => Promise<void>): Promise<void> {
    if (busy !== null) return;
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(`${what} failed: ${errorMessage(failure)}`);
    } finally {
      setBusy(null);
    }
  }

  const startNew = () =>
    act('Starting a new session', async () => {
      const name = newName.trim();
      setSession(await api.invoke('sessions.new', name === '' ? {} : { name }));
      onClose();
    });

  const open = (session: SessionInfo) =>
    act(`Opening “${session.name}”`, async () => {
      setSession(await api.invoke('sessions.open', { id: session.id }));
      onClose();
    });

  const remove = (session: SessionInfo) =>
    act(`Deleting “${session.name}”`, async () => {
      setConfirmDelete(null);
      await api.invoke('sessions.delete', { id: session.id });
      await load();
    });

  const importFile = (file: File) =>
    act(`Importing ${file.name}`, async () => {
      const result = await api.invoke('har.import', { har: await file.text(), fileName: file.name, into: 'new' });
      setSession(result.session);
      setNotice({ ok: true, text: importSummary(result, file.name), details: result.warnings });
      onClose();
    });

  const exportHar = (connectionIds: number[] | null) =>
    act('Exporting HAR', async () => {
      const result = await api.invoke('har.export', { ...(connectionIds === null ? {} : { connectionIds }), sensitive: keepCredentials });
      downloadText(result.har, result.fileName, 'application/json');
      const entries = result.entries === 1 ? '1 entry' : `${result.entries} entries`;
      const leftOut = result.leftOut.length === 0 ? []
        : [`Left out the ${result.leftOut.join(', ')} header${result.leftOut.length === 1 ? '' : 's'} (credentials): tick “Keep credentials” to export them.`];
      setNotice({ ok: true, text: `Exported ${entries} as ${result.fileName}.`, details: leftOut });
      onClose();
    });

  const list = listed.status === 'ready' ? listed.list : [];
  const recent = recentSessions(list);

  return (
    <Popover label="Sessions" testId="session-menu" className="session-menu" anchor={anchor} onClose={onClose}>
      <div className="session-menu-actions">
        <input value={newName} placeholder="New session name (optional)" aria-label="New session name" spellCheck={false}
          data-testid="session-new-name" onChange={(event) => setNewName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void startNew();
          }} />
        <button type="button" className="primary" disabled={busy !== null} data-testid="session-new"
          title="Start an empty session; live connections are closed first" onClick={() => void startNew()}>
          New session
        </button>
      </div>
      <div className="session-menu-actions">
        <button type="button" disabled={busy !== null} data-testid="session-import-button"
          title="Read a HAR file (Chrome, HTTP Toolkit, mitmproxy or Framescope) into a new session" onClick={() => fileInput.current?.click()}>
          Import HAR…
        </button>
        <input ref={fileInput} type="file" accept=".har,.json,application/json" className="visually-hidden" tabIndex={-1} aria-hidden
          data-testid="session-import-file"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file !== undefined) void importFile(file);
          }} />
        <button type="button" disabled={busy !== null} data-testid="session-export" title="Download every connection of this session as a HAR file"
          onClick={() => void exportHar(null)}>
          Export HAR
        </button>
        <button type="button" disabled={busy !== null || selectedId === null} data-testid="session-export-connection"
          title={selectedId === null ? 'Select a connection first' : 'Download only the selected connection as a HAR file'}
          onClick={() => selectedId !== null && void exportHar([selectedId])}>
          Export selected connection
        </button>
        <label className="check" title="Also export Authorization, Proxy-Authorization, Cookie and Set-Cookie headers (left out by default, as Chrome does)">
          <input type="checkbox" checked={keepCredentials} data-testid="session-export-sensitive"
            onChange={(event) => setKeepCredentials(event.target.checked)} />
          Keep credentials
        </label>
      </div>
      {busy !== null && <p className="hint" role="status" data-testid="session-menu-busy">{busy}…</p>}
      {error !== null && <p className="inline-error" role="alert" data-testid="session-menu-error">{error}</p>}

      {recent.length > 0 && (
        <section aria-label="Recent sessions">
          <h3>Recent</h3>
          <ul className="session-recent" data-testid="session-recent">
            {recent.map((session) => (
              <li key={session.id}>
                <button type="button" className="session-recent-item" disabled={busy !== null} data-testid="session-recent-item" data-id={session.id}
                  title={`Open “${session.name}” (${session.path})`} onClick={() => void open(session)}>
                  <span className="session-recent-name">{session.name}</span>
                  <span className="small muted">{formatChanged(session.modifiedAt)} · {connectionCount(session.connections)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-label="All sessions">
        <h3>All sessions</h3>
        {listed.status === 'loading' && <p className="hint">Loading…</p>}
        {listed.status === 'error' && <p className="inline-error" role="alert">{listed.message}</p>}
        {listed.status === 'ready' && (
          <table className="session-list" data-testid="session-list">
            <thead>
              <tr><th>Name</th><th>Size</th><th>Changed</th><th title="Connections">Conn.</th><th /></tr>
            </thead>
            <tbody>
              {sessionsByName(list).map((session) => (
                <tr key={session.id} className={session.current ? 'current' : undefined} data-testid="session-item" data-id={session.id}
                  data-current={session.current}>
                  <td className="session-list-name" title={session.path}>{session.name}{session.current && <span className="small muted"> (current)</span>}</td>
                  <td>{formatSize(session.sizeBytes)}</td>
                  <td title={formatDateTime(session.modifiedAt)}>{formatChanged(session.modifiedAt)}</td>
                  <td>{session.connections}</td>
                  <td className="session-list-buttons">
                    {confirmDelete === session.id ? (
                      <span className="confirm-inline" role="group" aria-label={`Delete ${session.name}?`}>
                        <span>Delete{session.current ? ' the current session' : ''}?</span>
                        <button type="button" className="danger" autoFocus data-testid="session-delete-confirm" onClick={() => void remove(session)}>Delete</button>
                        <button type="button" data-testid="session-delete-cancel" onClick={() => setConfirmDelete(null)}>Keep</button>
                      </span>
                    ) : (
                      <>
                        <button type="button" disabled={busy !== null || session.current} data-testid="session-open"
                          title={session.current ? 'This is the session in use' : 'Make this the current session; live connections are closed first'}
                          onClick={() => void open(session)}>
                          Open
                        </button>
                        <button type="button" className="danger" disabled={busy !== null} data-testid="session-delete"
                          aria-label={`Delete ${session.name}`} title={session.current ? 'Delete the file; a new session starts' : 'Delete the session file'}
                          onClick={() => setConfirmDelete(session.id)}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Popover>
  );
}
