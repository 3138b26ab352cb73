// The rules editor: the list in the order rules apply (enable, move up/down, edit, delete) and the
// add/edit form. Every change sends the whole list with intercept.setRules; the engine's answer is
// what the list shows.
// Test ids: rules-panel, rule-add, rules-empty, rules-error, rule-list, rule-item (data-id,
// data-enabled), rule-enabled, rule-name, rule-description, rule-up, rule-down, rule-edit,
// rule-delete, rule-form, rule-form-name, rule-form-enabled, rule-form-url, rule-form-direction,
// rule-form-opcode (checkboxes with data-opcode), rule-form-payload, rule-form-payload-regex,
// rule-form-payload-case, rule-form-action, rule-form-find, rule-form-replace, rule-form-find-regex,
// rule-form-find-case, rule-form-delay, rule-form-save, rule-form-cancel, rule-form-problem.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ProxyDirection, Rule, RuleAction } from '../../../shared/api.ts';
import { opcodeName } from '../../../shared/websocket.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import {
  BLANK_RULE_FORM, describeRule, formToRule, moveRule, RULE_OPCODES, ruleToForm, upsertRule,
  type RuleFieldProblems, type RuleFormFields,
} from './ruleForm.ts';

const NO_RULES: readonly Rule[] = [];

/** The rule being edited: an existing one by id, or a new one (id null). */
interface Editing {
  id: string | null;
  fields: RuleFormFields;
}

export function RulesPanel() {
  const rules = useStore((state) => state.intercept?.rules ?? NO_RULES);
  const loaded = useStore((state) => state.intercept !== null);
  const setIntercept = useStore((state) => state.setIntercept);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Sends the whole list; true when the engine took it. */
  async function save(list: Rule[]): Promise<boolean> {
    setBusy(true);
    setError(null);
    // Shown at once (checkboxes and order would otherwise spring back until the engine answers), and
    // put back if the engine refuses.
    const before = useStore.getState().intercept;
    if (before !== null) setIntercept({ ...before, rules: list });
    try {
      setIntercept(await api.invoke('intercept.setRules', list));
      return true;
    } catch (failure) {
      const current = useStore.getState().intercept;
      if (before !== null && current !== null) setIntercept({ ...current, rules: before.rules });
      setError(`The rules were not saved: ${errorMessage(failure)}`);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function submit(rule: Rule): Promise<void> {
    if (await save(upsertRule(rules, rule))) setEditing(null);
  }

  return (
    <section className="panel rules-panel" aria-label="Rules" data-testid="rules-panel">
      <header className="panel-header">
        <h2>Rules</h2>
        <button type="button" className="primary" data-testid="rule-add" disabled={!loaded}
          onClick={() => setEditing({ id: null, fields: BLANK_RULE_FORM })}>
          + Add rule
        </button>
      </header>
      <div className="panel-body">
        <p className="hint">Rules apply top to bottom to every proxied frame: hold it, replace text in it, drop it or delay it.</p>
        {error !== null && <p className="inline-error" role="alert" data-testid="rules-error">{error}</p>}
        {editing !== null && (
          <RuleForm key={editing.id ?? 'new'} editing={editing} busy={busy} onSubmit={(rule) => void submit(rule)} onCancel={() => setEditing(null)} />
        )}
        {rules.length === 0 && editing === null && <p className="empty-hint" data-testid="rules-empty">No rules yet.</p>}
        <ol className="rule-list" data-testid="rule-list">
          {rules.map((rule, index) => (
            <li key={rule.id} className={rule.enabled ? 'rule-item' : 'rule-item disabled'} data-testid="rule-item" data-id={rule.id} data-enabled={rule.enabled}>
              <label className="check" title={rule.enabled ? 'Enabled' : 'Disabled'}>
                <input type="checkbox" checked={rule.enabled} disabled={busy} data-testid="rule-enabled" aria-label={`Enable ${rule.name}`}
                  onChange={(event) => void save(rules.map((other) => (other.id === rule.id ? { ...other, enabled: event.target.checked } : other)))} />
              </label>
              <div className="rule-text">
                <span className="rule-name" data-testid="rule-name">{rule.name}</span>
                <span className="rule-description" data-testid="rule-description">{describeRule(rule)}</span>
              </div>
              <div className="rule-buttons">
                <button type="button" data-testid="rule-up" disabled={busy || index === 0} title="Apply earlier" aria-label={`Move ${rule.name} up`}
                  onClick={() => void save(moveRule(rules, index, -1))}>↑</button>
                <button type="button" data-testid="rule-down" disabled={busy || index === rules.length - 1} title="Apply later" aria-label={`Move ${rule.name} down`}
                  onClick={() => void save(moveRule(rules, index, 1))}>↓</button>
                <button type="button" data-testid="rule-edit" disabled={busy} onClick={() => setEditing({ id: rule.id, fields: ruleToForm(rule) })}>Edit</button>
                <button type="button" className="danger" data-testid="rule-delete" disabled={busy}
                  onClick={() => void save(rules.filter((other) => other.id !== rule.id))}>Delete</button>
              </div>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

type TextField = { [K in keyof RuleFormFields]: RuleFormFields[K] extends string ? K : never }[keyof RuleFormFields];
type BooleanField = { [K in keyof RuleFormFields]: RuleFormFields[K] extends boolean ? K : never }[keyof RuleFormFields];

const ACTIONS: Array<[RuleAction['kind'], string]> = [
  ['hold', 'Hold it in the queue'],
  ['replace', 'Replace text in it'],
  ['drop', 'Drop it'],
  ['delay', 'Delay it'],
];

interface RuleFormProps {
  editing: Editing;
  busy: boolean;
  onSubmit(rule: Rule): void;
  onCancel(): void;
}

function RuleForm({ editing, busy, onSubmit, onCancel }: RuleFormProps) {
  const [fields, setFields] = useState<RuleFormFields>(editing.fields);
  const [problems, setProblems] = useState<RuleFieldProblems>({});

  const update = <K extends keyof RuleFormFields>(name: K, value: RuleFormFields[K]): void => {
    setFields((current) => ({ ...current, [name]: value }));
    if (problems[name] !== undefined) setProblems((current) => ({ ...current, [name]: undefined }));
  };

  function submit(event: FormEvent): void {
    event.preventDefault();
    const checked = formToRule(fields, editing.id ?? crypto.randomUUID());
    if ('problems' in checked) setProblems(checked.problems);
    else onSubmit(checked.rule);
  }

  const problem = (name: keyof RuleFormFields): ReactNode =>
    problems[name] !== undefined && <span className="field-problem" role="alert" data-testid="rule-form-problem">{problems[name]}</span>;
  const text = (name: TextField, label: string, testId: string, placeholder?: string): ReactNode => (
    <label className="field">
      <span>{label}</span>
      <input value={fields[name]} placeholder={placeholder} spellCheck={false} data-testid={testId} aria-invalid={problems[name] !== undefined}
        onChange={(event) => update(name, event.target.value)} />
      {problem(name)}
    </label>
  );
  const check = (name: BooleanField, label: string, testId: string): ReactNode => (
    <label className="check">
      <input type="checkbox" checked={fields[name]} data-testid={testId} onChange={(event) => update(name, event.target.checked)} />
      {label}
    </label>
  );

  return (
    <form className="rule-form" aria-label={editing.id === null ? 'New rule' : 'Edit rule'} data-testid="rule-form" noValidate
      onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && onCancel()}>
      <h3>{editing.id === null ? 'New rule' : 'Edit rule'}</h3>
      {text('name', 'Name (shown on the frames it touches)', 'rule-form-name', 'e.g. fake the balance')}
      {check('enabled', 'Enabled', 'rule-form-enabled')}
      <fieldset>
        <legend>Frames it applies to</legend>
        {text('url', 'URL or host (glob, * for any run of characters; empty = all)', 'rule-form-url', '*.example.com')}
        <label className="field">
          <span>Direction</span>
          <select value={fields.direction} data-testid="rule-form-direction" onChange={(event) => update('direction', event.target.value as ProxyDirection | 'any')}>
            <option value="any">Both directions</option>
            <option value="client">App → server</option>
            <option value="server">Server → app</option>
          </select>
        </label>
        <div className="field">
          <span>Opcodes (none ticked = all)</span>
          <div className="form-row">
            {RULE_OPCODES.map((opcode) => (
              <label key={opcode} className="check">
                <input type="checkbox" checked={fields.opcodes.includes(opcode)} data-testid="rule-form-opcode" data-opcode={opcode}
                  onChange={(event) => update('opcodes', event.target.checked ? [...fields.opcodes, opcode] : fields.opcodes.filter((other) => other !== opcode))} />
                {opcodeName(opcode)}
              </label>
            ))}
          </div>
        </div>
        {text('payload', 'Text payload contains (empty = any payload)', 'rule-form-payload')}
        <div className="form-row">
          {check('payloadRegex', 'regex', 'rule-form-payload-regex')}
          {check('payloadCaseSensitive', 'match case', 'rule-form-payload-case')}
        </div>
      </fieldset>
      <fieldset>
        <legend>What it does</legend>
        <label className="field">
          <span>Action</span>
          <select value={fields.action} data-testid="rule-form-action" onChange={(event) => update('action', event.target.value as RuleAction['kind'])}>
            {ACTIONS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        {fields.action === 'replace' && (
          <>
            {text('find', 'Find (in text payloads; every match is replaced)', 'rule-form-find')}
            {text('replace', fields.findRegex ? 'Replace with ($1… for groups)' : 'Replace with', 'rule-form-replace')}
            <div className="form-row">
              {check('findRegex', 'regex', 'rule-form-find-regex')}
              {check('findCaseSensitive', 'match case', 'rule-form-find-case')}
            </div>
          </>
        )}
        {fields.action === 'delay' && text('delayMs', 'Delay (ms)', 'rule-form-delay')}
      </fieldset>
      <div className="form-actions">
        <button type="button" data-testid="rule-form-cancel" onClick={onCancel}>Cancel</button>
        <button type="submit" className="primary" data-testid="rule-form-save" disabled={busy}>Save rule</button>
      </div>
    </form>
  );
}
