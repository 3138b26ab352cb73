// The hold queue, kept live by intercept.updated: each held frame with its connection, direction,
// opcode, size, age and time left; the selected one's payload in Monaco (text, JSON or hex) with
// Forward (edited when changed), Drop and Forward all. Keys on the list: F forwards, D drops, ↑/↓ move.
// Test ids: held-queue, held-count, held-forward-all, held-list, held-item (data-id, data-direction,
// data-connection, aria-selected), held-age, held-expiry, held-empty, held-editor-panel, held-format,
// held-editor (Monaco), held-changed, held-revert, held-forward, held-drop, held-problem, held-error,
// held-notice.
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { HeldFrame, HeldEdit } from '../../../shared/api.ts';
import { opcodeName } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { formatDuration } from '../format/time.ts';
import { MonacoEditor } from '../monaco/MonacoEditor.tsx';
import { useStore } from '../store/index.ts';
import { useNow } from '../useNow.ts';
import { convertDraft, draftChanged, draftFor, heldEditFor, type HeldFormat } from './heldEdit.ts';

const DIRECTION_WORDS = { client: 'app → server', server: 'server → app' } as const;
const FORMATS: Array<[HeldFormat, string]> = [['text', 'Text'], ['json', 'JSON'], ['hex', 'Hex']];

type Feedback = { kind: 'problem' | 'error'; text: string } | null;

function selectedFrame(): HeldFrame | undefined {
  const { intercept, selectedHeldId } = useStore.getState();
  return intercept?.held.find((frame) => frame.id === selectedHeldId);
}

/** Whether a key press belongs to a text field (or the editor) rather than to the queue's shortcuts. */
function typingTarget(target: EventTarget): boolean {
  return target instanceof HTMLElement && target.closest('input, textarea, select, .editor, .editor-fallback') !== null;
}

export function HeldQueue() {
  const held = useStore((state) => state.intercept?.held ?? null);
  const selectedId = useStore((state) => state.selectedHeldId);
  const selectHeld = useStore((state) => state.selectHeld);
  const setIntercept = useStore((state) => state.setIntercept);
  const resolvedHeld = useStore((state) => state.resolvedHeld);
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);

  async function resolve(action: 'forward' | 'drop'): Promise<void> {
    const frame = selectedFrame();
    const draft = useStore.getState().heldDraft;
    if (frame === undefined || draft === null || busy) return;
    let edit: HeldEdit | null = null;
    if (action === 'forward') {
      const built = heldEditFor(frame, draft);
      if ('problem' in built) {
        setFeedback({ kind: 'problem', text: built.problem });
        return;
      }
      edit = built.edit;
    }
    setBusy(true);
    setFeedback(null);
    resolvedHeld(frame.id);
    try {
      setIntercept(await api.invoke('intercept.resolve', edit === null ? { id: frame.id, action } : { id: frame.id, action, edit }));
    } catch (error) {
      setFeedback({ kind: 'error', text: `Held frame #${frame.id} was not ${action === 'forward' ? 'forwarded' : 'dropped'}: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  async function forwardAll(): Promise<void> {
    setBusy(true);
    setFeedback(null);
    for (const frame of useStore.getState().intercept?.held ?? []) resolvedHeld(frame.id);
    try {
      setIntercept(await api.invoke('intercept.forwardAll', undefined));
    } catch (error) {
      setFeedback({ kind: 'error', text: `The held frames were not forwarded: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey || typingTarget(event.target)) return;
    const list = useStore.getState().intercept?.held ?? [];
    const at = list.findIndex((frame) => frame.id === useStore.getState().selectedHeldId);
    const keys: Record<string, () => void> = {
      f: () => void resolve('forward'),
      d: () => void resolve('drop'),
      ArrowDown: () => selectHeld(list[Math.min(list.length - 1, at + 1)]?.id ?? null),
      ArrowUp: () => selectHeld(list[Math.max(0, at - 1)]?.id ?? null),
    };
    const handle = keys[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (handle) {
      event.preventDefault();
      handle();
    }
  }

  if (held === null) return null;
  return (
    <div className="held-queue" data-testid="held-queue" onKeyDown={onKeyDown}>
      <div className="held-head">
        <h3>Held frames <span className="count" data-testid="held-count">{held.length}</span></h3>
        <button type="button" data-testid="held-forward-all" disabled={busy || held.length === 0} onClick={() => void forwardAll()}
          title="Forward every held frame, oldest first">
          Forward all
        </button>
      </div>
      {held.length === 0 ? (
        <p className="empty-hint" data-testid="held-empty">
          Nothing is held. Tick “Hold app → server” or “Hold server → app” above, or add a rule whose action is hold.
        </p>
      ) : (
        <HeldList held={held} selectedId={selectedId} onSelect={selectHeld} />
      )}
      <HeldEditor busy={busy} feedback={feedback} onFeedback={setFeedback} onResolve={(action) => void resolve(action)} />
    </div>
  );
}

function HeldList({ held, selectedId, onSelect }: { held: readonly HeldFrame[]; selectedId: number | null; onSelect(id: number): void }) {
  const now = useNow(held.length > 0);
  return (
    <ul className="held-list" data-testid="held-list" aria-label="Held frames, oldest first (F forward, D drop)">
      {held.map((frame) => {
        const selected = frame.id === selectedId;
        return (
          <li key={frame.id} className={selected ? 'held-item selected' : 'held-item'} data-testid="held-item" data-id={frame.id}
            data-direction={frame.direction} data-connection={frame.connectionId} aria-selected={selected}>
            <button type="button" onClick={() => onSelect(frame.id)} title={frame.url}>
              <span className="held-line">
                <span className={`held-dir held-dir-${frame.direction}`}>{DIRECTION_WORDS[frame.direction]}</span>
                <b>{opcodeName(frame.opcode)}</b>
                <span>{formatSize(frame.size)}{frame.frames > 1 ? ` in ${frame.frames} frames` : ''}</span>
                <span className="held-age" data-testid="held-age">held {formatDuration(now - frame.heldAt)}</span>
              </span>
              <span className="held-line">
                <span className="held-url">#{frame.connectionId} {frame.url}</span>
              </span>
              <span className="held-line small">
                <span data-testid="held-expiry">
                  {frame.expiresAt === null ? 'waits until you decide' : `timeout in ${formatDuration(Math.max(0, frame.expiresAt - now))}`}
                </span>
                {frame.rule !== null && <span>rule: {frame.rule}</span>}
                {frame.text !== null && <span className="held-preview">{frame.text.slice(0, 80)}</span>}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

interface HeldEditorProps {
  busy: boolean;
  feedback: Feedback;
  onFeedback(feedback: Feedback): void;
  onResolve(action: 'forward' | 'drop'): void;
}

function HeldEditor({ busy, feedback, onFeedback, onResolve }: HeldEditorProps) {
  const frame = useStore((state) => state.intercept?.held.find((candidate) => candidate.id === state.selectedHeldId));
  const draft = useStore((state) => state.heldDraft);
  const setDraft = useStore((state) => state.setHeldDraft);
  const notice = useStore((state) => state.heldNotice);
  const timeoutAction = useStore((state) => state.intercept?.settings.timeoutAction ?? 'forward');
  // Once per edit, not per render: it decodes the whole held payload.
  const changed = useMemo(() => frame !== undefined && draft !== null && draftChanged(frame, draft), [frame, draft]);

  const noticeLine = notice === null ? null : <p className="hint held-notice" role="status" data-testid="held-notice">{notice}</p>;
  if (frame === undefined || draft === null || draft.heldId !== frame.id) return noticeLine;

  function changeFormat(format: HeldFormat): void {
    if (draft === null) return;
    const converted = convertDraft(draft, format);
    if ('problem' in converted) onFeedback({ kind: 'problem', text: converted.problem });
    else {
      onFeedback(null);
      setDraft(converted.draft);
    }
  }

  return (
    <div className="held-editor" data-testid="held-editor-panel">
      {noticeLine}
      <div className="held-editor-bar">
        <b>#{frame.id}</b>
        <span>{DIRECTION_WORDS[frame.direction]} · {opcodeName(frame.opcode)}</span>
        <select value={draft.format} aria-label="Edit as" data-testid="held-format" onChange={(event) => changeFormat(event.target.value as HeldFormat)}>
          {FORMATS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
        {changed && <span className="changed-badge" data-testid="held-changed">edited</span>}
        <button type="button" data-testid="held-revert" disabled={!changed} onClick={() => setDraft(draftFor(frame))}>Revert</button>
      </div>
      <MonacoEditor
        value={draft.text}
        language={draft.format === 'json' ? 'json' : 'plaintext'}
        onChange={(text) => setDraft({ ...draft, text })}
        onSubmit={() => onResolve('forward')}
        ariaLabel="Held payload"
        testId="held-editor"
      />
      <div className="actions">
        <button type="button" className="primary" data-testid="held-forward" disabled={busy} onClick={() => onResolve('forward')}
          title="F on the list, Ctrl/Cmd+Enter in the editor">
          {changed ? 'Forward edited' : 'Forward'}
        </button>
        <button type="button" className="danger" data-testid="held-drop" disabled={busy} onClick={() => onResolve('drop')} title="D on the list">
          Drop
        </button>
        <span className="hint">
          {frame.expiresAt === null ? '' : `Left alone, it is ${timeoutAction === 'forward' ? 'forwarded as it was' : 'dropped'} when the timeout ends.`}
        </span>
      </div>
      {feedback !== null && (
        <p className="inline-error" role="alert" data-testid={feedback.kind === 'problem' ? 'held-problem' : 'held-error'}>{feedback.text}</p>
      )}
    </div>
  );
}
