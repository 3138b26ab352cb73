// The small "save as" form the composer and the inspector open: a collection (suggesting those in
// use) and a name. The caller saves; an engine refusal is shown inline and the form stays open.
// Test ids (prefixed by `testId`): <testId>, -collection, -name, -submit, -cancel, -error.
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { collectionNames, suggestedCollection } from './savedGroups.ts';
import { DEFAULT_COLLECTION, labelProblems, type SavedFieldProblems } from './savedForm.ts';

interface SaveMessageFormProps {
  /** The name filled in first. */
  initialName: string;
  /** What is being saved, for the form's heading. */
  what: string;
  /** Saves: resolves to null when saved or to what is wrong with the fields; rejects with the engine's error. */
  onSave(collection: string, name: string): Promise<SavedFieldProblems | null>;
  onDone(): void;
  testId: string;
}

export function SaveMessageForm({ initialName, what, onSave, onDone, testId }: SaveMessageFormProps) {
  const saved = useStore((state) => state.savedMessages);
  const [collection, setCollection] = useState(() => suggestedCollection(saved, DEFAULT_COLLECTION));
  const [name, setName] = useState(initialName);
  const [problems, setProblems] = useState<SavedFieldProblems>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listId = useId();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const checked = labelProblems(collection, name);
    setProblems(checked);
    if (Object.keys(checked).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const refused = await onSave(collection.trim(), name.trim());
      if (refused === null) {
        onDone();
        return;
      }
      setProblems(refused);
    } catch (failure) {
      setError(`Not saved: ${errorMessage(failure)}`);
    }
    setBusy(false);
  }

  return (
    <form className="save-form" aria-label={`Save ${what}`} data-testid={testId} onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onDone();
        }
      }}>
      <span className="save-form-title">Save {what}</span>
      <label className="field">
        <span>Collection</span>
        <input value={collection} list={listId} spellCheck={false} aria-invalid={problems.collection !== undefined}
          data-testid={`${testId}-collection`} onChange={(event) => setCollection(event.target.value)} />
        <datalist id={listId}>
          {collectionNames(saved).map((known) => <option key={known} value={known} />)}
        </datalist>
      </label>
      <label className="field grow">
        <span>Name</span>
        <input value={name} spellCheck={false} autoFocus aria-invalid={problems.name !== undefined}
          data-testid={`${testId}-name`} onChange={(event) => setName(event.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={busy} data-testid={`${testId}-submit`}>Save</button>
      <button type="button" disabled={busy} data-testid={`${testId}-cancel`} onClick={onDone}>Cancel</button>
      {Object.values(problems).filter((problem) => problem !== undefined).map((problem) => (
        <p key={problem} className="field-problem" role="alert">{problem}</p>
      ))}
      {error !== null && <p className="inline-error" role="alert" data-testid={`${testId}-error`}>{error}</p>}
    </form>
  );
}
