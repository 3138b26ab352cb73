// The saved-messages side panel: messages grouped by collection with a filter box; a click loads one
// into the composer, "Send" sends it (variables filled in by the engine) on the selected live
// connection — toward the server or the app on a proxied one — and each can be edited, renamed or
// deleted. Below: the environments editor and a preview of the selected message as it would be sent.
// Test ids: saved-sidebar, saved-new, saved-filter, saved-target, saved-toward (buttons with
// data-toward), saved-error, saved-empty, saved-group (data-collection), saved-item (data-id,
// data-selected), saved-load, saved-send, saved-edit, saved-delete, saved-delete-confirm,
// saved-delete-cancel, saved-item-result, saved-item-error (plus SavedEditor, EnvironmentsEditor, SavedPreview).
import { useState } from 'react';
import type { ConnectionSummary, SavedMessage } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { useStore } from '../store/index.ts';
import { EnvironmentsEditor } from './EnvironmentsEditor.tsx';
import { SavedEditor } from './SavedEditor.tsx';
import { SavedPreview } from './SavedPreview.tsx';
import { bodyPreview, groupSaved } from './savedGroups.ts';
import { composerFromSaved } from './savedForm.ts';

/** The message being edited: an existing one, or a new one (null). */
type Editing = { message: SavedMessage | null } | null;

type ItemNote = { id: number; ok: boolean; text: string } | null;

/** Why saved messages cannot be sent now, or null. */
function sendBlocked(summary: ConnectionSummary | undefined): string | null {
  if (summary === undefined) return 'Select a connection on the left to send to.';
  if (!summary.live) return 'The selected connection was recorded earlier and cannot send — select a live one.';
  if (summary.state !== 'open') return `The selected connection is ${summary.state} — select an open one.`;
  return null;
}

export function SavedSidebar() {
  const saved = useStore((state) => state.savedMessages);
  const savedError = useStore((state) => state.savedError);
  const target = useStore((state) => (state.selectedConnectionId === null ? undefined : state.connections[state.selectedConnectionId]));
  const toward = useStore((state) => state.savedToward);
  const setToward = useStore((state) => state.setSavedToward);
  const setSidePanel = useStore((state) => state.setSidePanel);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<Editing>(null);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null);
  const [note, setNote] = useState<ItemNote>(null);
  const [sendingId, setSendingId] = useState<number | null>(null);

  const groups = groupSaved(saved, filter);
  const blocked = sendBlocked(target);
  const proxied = target?.origin === 'proxied';
  const selected = saved.find((message) => message.id === selectedId) ?? null;

  function load(message: SavedMessage): void {
    const store = useStore.getState();
    const payload = composerFromSaved(message);
    store.setRawEnabled(false);
    store.setFormat(payload.format);
    store.setDraft(payload.draft);
    store.setPage('connections');
    setSelectedId(message.id);
    setNote({ id: message.id, ok: true, text: 'Loaded into the composer.' });
  }

  async function send(message: SavedMessage): Promise<void> {
    if (target === undefined || blocked !== null) return;
    setSelectedId(message.id);
    setSendingId(message.id);
    setNote(null);
    try {
      const result = await api.invoke('saved.send', proxied ? { id: message.id, connectionId: target.id, toward } : { id: message.id, connectionId: target.id });
      const frames = result.rows.length === 1 ? '1 frame' : `${result.rows.length} frames`;
      const where = proxied ? (toward === 'server' ? ' toward the server' : ' toward the app') : '';
      setNote({ id: message.id, ok: true, text: `Sent on #${target.id}${where}: ${frames}, ${formatSize(result.bytes)} on the wire.` });
    } catch (error) {
      setNote({ id: message.id, ok: false, text: `Not sent: ${errorMessage(error)}` });
    } finally {
      setSendingId(null);
    }
  }

  async function remove(message: SavedMessage): Promise<void> {
    setConfirmDelete(null);
    try {
      await api.invoke('saved.delete', { id: message.id });
      useStore.getState().savedRemoved(message.id);
      if (selectedId === message.id) setSelectedId(null);
    } catch (error) {
      setNote({ id: message.id, ok: false, text: `Not deleted: ${errorMessage(error)}` });
    }
  }

  return (
    <aside className="panel side-panel saved-sidebar" aria-label="Saved messages" data-testid="saved-sidebar">
      <header className="panel-header">
        <h2>Saved messages</h2>
        <button type="button" data-testid="saved-new" title="Write a new saved message" onClick={() => setEditing({ message: null })}>+ New</button>
        <button type="button" className="icon-button" aria-label="Close saved messages" title="Close" onClick={() => setSidePanel(null)}>×</button>
      </header>
      <div className="panel-body">
        <input type="search" value={filter} placeholder="Filter by name, collection or body…" aria-label="Filter saved messages" spellCheck={false}
          data-testid="saved-filter" onChange={(event) => setFilter(event.target.value)} />
        <div className="saved-target" data-testid="saved-target">
          {blocked === null && target !== undefined
            ? <span>Send goes to <b>#{target.id}</b> <span className="mono small">{target.label ?? target.url}</span></span>
            : <span className="hint">{blocked}</span>}
          {proxied && blocked === null && (
            <div className="segmented" role="group" aria-label="Send toward" data-testid="saved-toward">
              {(['server', 'client'] as const).map((side) => (
                <button key={side} type="button" data-toward={side} aria-pressed={toward === side} onClick={() => setToward(side)}
                  title={side === 'server' ? 'Inject as if the app had sent it' : 'Inject as if the server had sent it'}>
                  {side === 'server' ? 'Toward server' : 'Toward app'}
                </button>
              ))}
            </div>
          )}
        </div>
        {savedError !== null && <p className="inline-error" role="alert" data-testid="saved-error">{savedError}</p>}
        {editing !== null && (
          <SavedEditor key={editing.message?.id ?? 'new'} message={editing.message} onDone={(message) => {
            setEditing(null);
            if (message !== null) setSelectedId(message.id);
          }} />
        )}
        {saved.length === 0 && savedError === null && (
          <p className="empty-hint" data-testid="saved-empty">
            Nothing saved yet. Use <b>Save</b> in the composer, <b>Save message</b> in the inspector, or <b>+ New</b>.
          </p>
        )}
        {saved.length > 0 && groups.length === 0 && <p className="hint">No saved message matches “{filter}”.</p>}
        {groups.map((group) => (
          <section key={group.collection} className="saved-group" aria-label={`Collection ${group.collection}`} data-testid="saved-group"
            data-collection={group.collection}>
            <h3>{group.collection} <span className="muted">({group.messages.length})</span></h3>
            <ul>
              {group.messages.map((message) => (
                <li key={message.id} className={message.id === selectedId ? 'saved-item selected' : 'saved-item'} data-testid="saved-item"
                  data-id={message.id} data-selected={message.id === selectedId}>
                  <button type="button" className="saved-item-main" data-testid="saved-load" title="Load into the composer" onClick={() => load(message)}>
                    <span className="saved-item-line">
                      <span className={`kind-badge kind-${message.kind}`}>{message.kind === 'binary' ? message.format ?? 'binary' : message.kind}</span>
                      <span className="saved-item-name">{message.name}</span>
                    </span>
                    <span className="saved-item-preview mono">{bodyPreview(message)}</span>
                  </button>
                  <div className="saved-item-buttons">
                    <button type="button" data-testid="saved-send" disabled={blocked !== null || sendingId !== null}
                      title={blocked ?? 'Send it now (variables filled in)'} aria-label={`Send ${message.name}`} onClick={() => void send(message)}>
                      Send
                    </button>
                    <button type="button" data-testid="saved-edit" aria-label={`Edit ${message.name}`} title="Edit, rename or move it"
                      onClick={() => setEditing({ message })}>
                      Edit
                    </button>
                    {confirmDelete === message.id ? (
                      <>
                        <button type="button" className="danger" autoFocus data-testid="saved-delete-confirm" onClick={() => void remove(message)}>Delete</button>
                        <button type="button" data-testid="saved-delete-cancel" onClick={() => setConfirmDelete(null)}>Keep</button>
                      </>
                    ) : (
                      <button type="button" className="danger" data-testid="saved-delete" aria-label={`Delete ${message.name}`} title="Delete it"
                        onClick={() => setConfirmDelete(message.id)}>
                        ×
                      </button>
                    )}
                  </div>
                  {note !== null && note.id === message.id && (
                    <p className={note.ok ? 'ok-text small' : 'inline-error small'} role={note.ok ? 'status' : 'alert'}
                      data-testid={note.ok ? 'saved-item-result' : 'saved-item-error'}>
                      {note.text}
                    </p>
                  )}
                </li>
              ))}
            </ul>
          </section>
        ))}
        <EnvironmentsEditor />
        {selected !== null && editing === null && <SavedPreview body={selected.body} title={`Preview of “${selected.name}”`} />}
      </div>
    </aside>
  );
}
