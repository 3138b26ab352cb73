// Writes a new saved message or edits one (rename, move to another collection, change its kind or
// body), with a live preview of the body as it would be sent. Ctrl/Cmd+Enter saves, Escape cancels.
// Test ids: saved-editor, saved-edit-collection, saved-edit-name, saved-edit-kind, saved-edit-format,
// saved-edit-body, saved-edit-save, saved-edit-cancel, saved-edit-problem, saved-edit-error.
import { useId, useState, type FormEvent } from 'react';
import type { SavedMessage, SavedMessageKind } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { SavedPreview } from './SavedPreview.tsx';
import { collectionNames, suggestedCollection } from './savedGroups.ts';
import { DEFAULT_COLLECTION, fieldsToInput, savedToFields, type SavedFieldProblems, type SavedFormFields } from './savedForm.ts';

interface SavedEditorProps {
  /** The message to edit, or null for a new one. */
  message: SavedMessage | null;
  /** Called with the saved message, or null when cancelled. */
  onDone(message: SavedMessage | null): void;
}

export function SavedEditor({ message, onDone }: SavedEditorProps) {
  const saved = useStore((state) => state.savedMessages);
  const [fields, setFields] = useState<SavedFormFields>(() =>
    message === null
      ? { collection: suggestedCollection(saved, DEFAULT_COLLECTION), name: '', kind: 'text', format: 'hex', body: '' }
      : savedToFields(message),
  );
  const [problems, setProblems] = useState<SavedFieldProblems>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listId = useId();

  const update = <K extends keyof SavedFormFields>(name: K, value: SavedFormFields[K]): void => {
    setFields((current) => ({ ...current, [name]: value }));
    if (problems[name] !== undefined) setProblems((current) => ({ ...current, [name]: undefined }));
  };

  async function submit(event?: FormEvent): Promise<void> {
    event?.preventDefault();
    const checked = fieldsToInput(fields, message?.id ?? null);
    if ('problems' in checked) {
      setProblems(checked.problems);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await api.invoke('saved.save', checked.input);
      useStore.getState().savedChanged(result);
      onDone(result);
    } catch (failure) {
      setError(`Not saved: ${errorMessage(failure)}`);
      setBusy(false);
    }
  }

  const problemList = Object.values(problems).filter((problem) => problem !== undefined);
  return (
    <form className="saved-editor" aria-label={message === null ? 'New saved message' : `Edit ${message.name}`} data-testid="saved-editor"
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onDone(null);
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          void submit();
        }
      }}>
      <h3>{message === null ? 'New saved message' : `Edit “${message.name}”`}</h3>
      <div className="form-row">
        <label className="field grow">
          <span>Collection</span>
          <input value={fields.collection} list={listId} spellCheck={false} aria-invalid={problems.collection !== undefined}
            data-testid="saved-edit-collection" onChange={(event) => update('collection', event.target.value)} />
          <datalist id={listId}>
            {collectionNames(saved).map((known) => <option key={known} value={known} />)}
          </datalist>
        </label>
        <label className="field grow">
          <span>Name</span>
          <input value={fields.name} spellCheck={false} autoFocus aria-invalid={problems.name !== undefined} data-testid="saved-edit-name"
            onChange={(event) => update('name', event.target.value)} />
        </label>
      </div>
      <div className="form-row">
        <label className="field">
          <span>Kind</span>
          <select value={fields.kind} data-testid="saved-edit-kind" onChange={(event) => update('kind', event.target.value as SavedMessageKind)}>
            <option value="text">Text</option>
            <option value="json">JSON</option>
            <option value="binary">Binary</option>
          </select>
        </label>
        {fields.kind === 'binary' && (
          <label className="field">
            <span>Written as</span>
            <select value={fields.format} data-testid="saved-edit-format" onChange={(event) => update('format', event.target.value as 'hex' | 'base64')}>
              <option value="hex">Hex</option>
              <option value="base64">Base64</option>
            </select>
          </label>
        )}
      </div>
      <label className="field">
        <span>Body — {'{{name}}'} is replaced from the active environment; {'{{$uuid}}'}, {'{{$timestamp}}'}, {'{{$randomInt 1 6}}'} are built in</span>
        <textarea value={fields.body} rows={5} spellCheck={false} className="mono" aria-invalid={problems.body !== undefined}
          data-testid="saved-edit-body" onChange={(event) => update('body', event.target.value)} />
      </label>
      {problemList.map((problem) => <p key={problem} className="field-problem" role="alert" data-testid="saved-edit-problem">{problem}</p>)}
      {error !== null && <p className="inline-error" role="alert" data-testid="saved-edit-error">{error}</p>}
      <div className="form-actions">
        <button type="button" disabled={busy} data-testid="saved-edit-cancel" onClick={() => onDone(null)}>Cancel</button>
        <button type="submit" className="primary" disabled={busy} data-testid="saved-edit-save" title="Ctrl/Cmd+Enter">Save</button>
      </div>
      {fields.body !== '' && <SavedPreview body={fields.body} title="Preview" />}
    </form>
  );
}
