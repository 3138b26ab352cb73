// The environments editor: which environment fills {{variables}} (or none), adding and deleting
// environments, and the active one's variables as an editable key/value table. Every change is
// sent whole with env.set; the engine's answer is what shows.
// Test ids: env-editor, env-active, env-new-name, env-add, env-delete, env-delete-confirm,
// env-vars (rows env-var with env-var-key, env-var-value, env-var-remove), env-var-add, env-save,
// env-problem, env-error, env-saved.
import { useEffect, useState } from 'react';
import type { Environments } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import {
  addEnvironment, environmentNameProblem, removeEnvironment, rowsOf, rowsToValues, setActiveEnvironment, setVariables, type VariableRow,
} from './environmentsForm.ts';

const NO_ENVIRONMENTS: Environments = { active: null, environments: {} };

export function EnvironmentsEditor() {
  const loaded = useStore((state) => state.environments);
  const loadError = useStore((state) => state.environmentsError);
  const setEnvironments = useStore((state) => state.setEnvironments);
  const environments = loaded ?? NO_ENVIRONMENTS;
  const active = environments.active;
  const [rows, setRows] = useState<VariableRow[]>([]);
  const [dirty, setDirty] = useState(false);
  const [newName, setNewName] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [problem, setProblem] = useState<{ text: string; row: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // The table follows the engine unless the person has unsaved edits in it.
  const activeValuesObject = active === null ? null : environments.environments[active] ?? null;
  useEffect(() => {
    if (dirty) return;
    setRows(activeValuesObject === null ? [] : rowsOf(activeValuesObject));
  }, [activeValuesObject, dirty]);

  async function apply(next: Environments, note: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setSavedNote(null);
    try {
      setEnvironments(await api.invoke('env.set', next));
      setSavedNote(note);
      return true;
    } catch (failure) {
      setError(`Not saved: ${errorMessage(failure)}`);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function choose(name: string | null): Promise<void> {
    setDirty(false);
    setProblem(null);
    setConfirmDelete(false);
    await apply(setActiveEnvironment(environments, name), name === null ? 'No environment in use.' : `Using “${name}”.`);
  }

  async function add(): Promise<void> {
    const bad = environmentNameProblem(environments, newName);
    if (bad !== null) {
      setProblem({ text: bad, row: null });
      return;
    }
    setProblem(null);
    const name = newName.trim();
    if (await apply(addEnvironment(environments, name), `Added “${name}” and made it the one in use.`)) {
      setNewName('');
      setDirty(false);
    }
  }

  async function saveRows(): Promise<void> {
    if (active === null) return;
    const checked = rowsToValues(rows);
    if ('problem' in checked) {
      setProblem({ text: checked.problem, row: checked.row });
      return;
    }
    setProblem(null);
    if (await apply(setVariables(environments, active, checked.values), `Saved the variables of “${active}”.`)) setDirty(false);
  }

  const editRow = (index: number, change: Partial<VariableRow>): void => {
    setRows((current) => current.map((row, at) => (at === index ? { ...row, ...change } : row)));
    setDirty(true);
  };

  const names = Object.keys(environments.environments).sort((a, b) => a.localeCompare(b));
  return (
    <section className="env-editor" aria-label="Environments" data-testid="env-editor">
      <h3>Environments</h3>
      {loadError !== null && <p className="inline-error small" role="alert">{loadError}</p>}
      <div className="form-row">
        <label className="field grow">
          <span>In use</span>
          <select value={active ?? ''} disabled={busy || loaded === null} data-testid="env-active"
            onChange={(event) => void choose(event.target.value === '' ? null : event.target.value)}>
            <option value="">No environment</option>
            {names.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        {active !== null && !confirmDelete && (
          <button type="button" className="danger" disabled={busy} data-testid="env-delete" aria-label={`Delete environment ${active}`}
            title="Delete this environment" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
        {active !== null && confirmDelete && (
          <span className="confirm-inline">
            <span>Delete “{active}”?</span>
            <button type="button" className="danger" autoFocus data-testid="env-delete-confirm"
              onClick={() => {
                setConfirmDelete(false);
                setDirty(false);
                void apply(removeEnvironment(environments, active), `Deleted “${active}”.`);
              }}>
              Delete
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>Keep</button>
          </span>
        )}
      </div>
      <div className="form-row">
        <input value={newName} placeholder="New environment, e.g. staging" aria-label="New environment name" spellCheck={false}
          className="grow" data-testid="env-new-name" onChange={(event) => setNewName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void add();
          }} />
        <button type="button" disabled={busy || loaded === null} data-testid="env-add" onClick={() => void add()}>Add</button>
      </div>
      {active !== null && (
        <>
          <table className="env-vars" data-testid="env-vars">
            <thead>
              <tr><th>Variable</th><th>Value</th><th /></tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={index} data-testid="env-var" className={problem?.row === index ? 'invalid' : undefined}>
                  <td>
                    <input value={row.key} spellCheck={false} aria-label={`Variable ${index + 1} name`} aria-invalid={problem?.row === index}
                      data-testid="env-var-key" onChange={(event) => editRow(index, { key: event.target.value })} />
                  </td>
                  <td>
                    <input value={row.value} spellCheck={false} aria-label={`Variable ${index + 1} value`} data-testid="env-var-value"
                      onChange={(event) => editRow(index, { value: event.target.value })} />
                  </td>
                  <td>
                    <button type="button" className="icon-button" aria-label={`Remove variable ${row.key || index + 1}`} title="Remove"
                      data-testid="env-var-remove" onClick={() => {
                        setRows((current) => current.filter((_, at) => at !== index));
                        setDirty(true);
                      }}>
                      ×
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="form-row">
            <button type="button" data-testid="env-var-add" onClick={() => {
              setRows((current) => [...current, { key: '', value: '' }]);
              setDirty(true);
            }}>
              + Variable
            </button>
            <button type="button" className="primary" disabled={busy || !dirty} data-testid="env-save" onClick={() => void saveRows()}>
              Save variables
            </button>
            {dirty && <span className="hint">Unsaved changes</span>}
          </div>
        </>
      )}
      {active === null && names.length > 0 && <p className="hint">Choose an environment to see and edit its variables.</p>}
      {problem !== null && <p className="field-problem" role="alert" data-testid="env-problem">{problem.text}</p>}
      {error !== null && <p className="inline-error small" role="alert" data-testid="env-error">{error}</p>}
      {savedNote !== null && <p className="ok-text small" role="status" data-testid="env-saved">{savedNote}</p>}
    </section>
  );
}
