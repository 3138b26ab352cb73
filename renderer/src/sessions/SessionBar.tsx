// The session in the header: its name (click to rename in place), the Sessions menu and the session
// settings. Opening or starting a session is answered by session.changed, which reloads the page's
// connections (engineSync.ts).
// Test ids: session-bar, session-name, session-rename-input, session-rename-error, session-menu-button,
// session-settings-button (and those of SessionMenu and SessionSettings).
import { useRef, useState } from 'react';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { SessionMenu } from './SessionMenu.tsx';
import { SessionSettings } from './SessionSettings.tsx';
import { sessionNameProblem } from './sessionList.ts';

export function SessionBar() {
  const session = useStore((state) => state.session);
  const sessionError = useStore((state) => state.sessionError);
  const [open, setOpen] = useState<'menu' | 'settings' | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const settingsButton = useRef<HTMLButtonElement>(null);

  return (
    <div className="session-bar" data-testid="session-bar">
      <SessionName />
      <button ref={menuButton} type="button" className="session-menu-button" data-testid="session-menu-button" aria-haspopup="dialog"
        aria-expanded={open === 'menu'} title="New, open, import or export sessions" onClick={() => setOpen(open === 'menu' ? null : 'menu')}>
        Sessions ▾
      </button>
      <button ref={settingsButton} type="button" className="icon-button" data-testid="session-settings-button" aria-haspopup="dialog"
        aria-expanded={open === 'settings'} aria-label="Session settings" title="Session settings: the recording cap"
        disabled={session === null} onClick={() => setOpen(open === 'settings' ? null : 'settings')}>
        ⚙
      </button>
      {open === 'menu' && <SessionMenu anchor={menuButton} onClose={() => setOpen(null)} />}
      {open === 'settings' && <SessionSettings anchor={settingsButton} onClose={() => setOpen(null)} />}
      {sessionError !== null && <span className="inline-error small" role="alert" data-testid="session-error">{sessionError}</span>}
    </div>
  );
}

/** The current session's name; a click (or Enter) turns it into a text box, Enter renames, Escape keeps the name. */
function SessionName() {
  const session = useStore((state) => state.session);
  const setSession = useStore((state) => state.setSession);
  const [editing, setEditing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (session === null) return <span className="session-name muted" data-testid="session-name">No session</span>;

  async function commit(): Promise<void> {
    if (editing === null || session === null || busy) return;
    if (editing.trim() === session.name) {
      setEditing(null);
      return;
    }
    const bad = sessionNameProblem(editing);
    if (bad !== null) {
      setProblem(bad);
      return;
    }
    setBusy(true);
    try {
      setSession(await api.invoke('sessions.rename', { id: session.id, name: editing.trim() }));
      setEditing(null);
      setProblem(null);
    } catch (error) {
      setProblem(`Not renamed: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  }

  if (editing === null) {
    return (
      <button type="button" className="session-name" data-testid="session-name" title={`Session file ${session.path} — click to rename`}
        aria-label={`Session ${session.name}, rename`} onClick={() => {
          setEditing(session.name);
          setProblem(null);
        }}>
        {session.name}
      </button>
    );
  }
  return (
    <span className="session-rename">
      <input value={editing} autoFocus spellCheck={false} aria-label="Session name" aria-invalid={problem !== null} disabled={busy}
        data-testid="session-rename-input"
        onChange={(event) => setEditing(event.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(event) => {
          if (event.key === 'Enter') void commit();
          if (event.key === 'Escape') {
            setEditing(null);
            setProblem(null);
          }
        }} />
      {problem !== null && <span className="field-problem" role="alert" data-testid="session-rename-error">{problem}</span>}
    </span>
  );
}
