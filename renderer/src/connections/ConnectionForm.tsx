// The New Connection dialog: address, handshake headers, subprotocols, permessage-deflate, TLS and
// timing options. Checks the fields before asking the engine, and shows the engine's answer inline.
// Test ids: connection-form, url-input, connect-button (plus form-error for the engine's refusal).
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { BLANK_FORM, formToOptions, optionsToForm, urlProblem, type ConnectFormFields, type FieldProblems } from './connectForm.ts';

type TextField = { [K in keyof ConnectFormFields]: ConnectFormFields[K] extends string ? K : never }[keyof ConnectFormFields];
type BooleanField = { [K in keyof ConnectFormFields]: ConnectFormFields[K] extends boolean ? K : never }[keyof ConnectFormFields];

export function ConnectionForm() {
  const preset = useStore((state) => state.formPreset);
  const closeForm = useStore((state) => state.closeForm);
  const selectConnection = useStore((state) => state.selectConnection);
  const [fields, setFields] = useState<ConnectFormFields>(() => (preset ? optionsToForm(preset) : BLANK_FORM));
  const [problems, setProblems] = useState<FieldProblems>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const update = <K extends keyof ConnectFormFields>(name: K, value: ConnectFormFields[K]): void => {
    setFields((current) => ({ ...current, [name]: value }));
    if (problems[name] !== undefined) setProblems((current) => ({ ...current, [name]: undefined }));
  };

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const checked = formToOptions(fields);
    if ('problems' in checked) {
      setProblems(checked.problems);
      return;
    }
    setSubmitting(true);
    setSubmitError(null);
    try {
      const { id } = await api.invoke('connections.open', checked.options);
      selectConnection(id);
      closeForm();
    } catch (error) {
      setSubmitError(`The engine did not open the connection: ${errorMessage(error)}`);
      setSubmitting(false);
    }
  }

  const text = (name: TextField, label: string, props: { placeholder?: string; testId?: string; wide?: boolean; inputMode?: 'numeric' } = {}): ReactNode => (
    <label className={props.wide ? 'field wide' : 'field'}>
      <span>{label}</span>
      <input
        value={fields[name]}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        spellCheck={false}
        aria-invalid={problems[name] !== undefined}
        data-testid={props.testId}
        onChange={(event) => update(name, event.target.value)}
      />
      {problems[name] !== undefined && <span className="field-problem" role="alert">{problems[name]}</span>}
    </label>
  );
  const check = (name: BooleanField, label: string, title?: string): ReactNode => (
    <label className="check" title={title}>
      <input type="checkbox" checked={fields[name]} onChange={(event) => update(name, event.target.checked)} />
      {label}
    </label>
  );
  const area = (name: TextField, label: string, placeholder: string): ReactNode => (
    <label className="field wide">
      <span>{label}</span>
      <textarea
        value={fields[name]}
        placeholder={placeholder}
        spellCheck={false}
        rows={3}
        aria-invalid={problems[name] !== undefined}
        onChange={(event) => update(name, event.target.value)}
      />
      {problems[name] !== undefined && <span className="field-problem" role="alert">{problems[name]}</span>}
    </label>
  );

  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && closeForm()}>
      <form
        className="modal connection-form"
        data-testid="connection-form"
        aria-label="New connection"
        noValidate
        onSubmit={(event) => void submit(event)}
        onKeyDown={(event) => event.key === 'Escape' && closeForm()}
      >
        <h2>New connection</h2>
        <label className="field wide">
          <span>URL</span>
          <input
            autoFocus
            value={fields.url}
            placeholder="ws://localhost:8080/socket"
            spellCheck={false}
            aria-invalid={problems.url !== undefined}
            data-testid="url-input"
            onChange={(event) => update('url', event.target.value)}
            onBlur={() => fields.url !== '' && setProblems((current) => ({ ...current, url: urlProblem(fields.url) ?? undefined }))}
          />
          {problems.url !== undefined && <span className="field-problem" role="alert" data-testid="url-problem">{problems.url}</span>}
        </label>
        <div className="form-grid">
          {text('label', 'Label (shown instead of the URL)', { placeholder: 'optional' })}
          {text('origin', 'Origin header', { placeholder: 'optional, e.g. https://example.com' })}
          {text('subprotocols', 'Subprotocols (comma-separated)', { placeholder: 'e.g. graphql-ws, json' })}
          {area('headers', 'Extra request headers (one "Name: value" a line)', 'Authorization: Bearer …')}
        </div>

        <fieldset>
          <legend>{check('deflate', 'permessage-deflate (RFC 7692)', 'Offer compression in the handshake')}</legend>
          {fields.deflate && (
            <div className="form-grid">
              {check('clientNoContextTakeover', 'client_no_context_takeover')}
              {check('serverNoContextTakeover', 'server_no_context_takeover')}
              {text('clientMaxWindowBits', 'client_max_window_bits', { placeholder: 'empty, offer, or 8-15' })}
              {text('serverMaxWindowBits', 'server_max_window_bits', { placeholder: 'empty or 8-15' })}
            </div>
          )}
        </fieldset>

        <fieldset>
          <legend>TLS (wss://)</legend>
          <div className="form-grid">
            {check('tlsInsecure', 'Accept invalid or self-signed certificates', 'For this connection only')}
            {text('servername', 'SNI / certificate name override', { placeholder: 'optional' })}
            {area('caPem', 'Extra trusted CA (PEM)', '-----BEGIN CERTIFICATE-----')}
          </div>
        </fieldset>

        <fieldset>
          <legend>Timing</legend>
          <div className="form-grid">
            {text('connectTimeoutMs', 'Connect timeout (ms)', { inputMode: 'numeric' })}
            {text('keepaliveIntervalMs', 'Keepalive ping every (ms, 0 = off)', { inputMode: 'numeric' })}
            {check('reconnect', 'Reconnect automatically when the connection drops')}
            {fields.reconnect && (
              <>
                {text('reconnectInitialDelayMs', 'First retry after (ms)', { inputMode: 'numeric' })}
                {text('reconnectMaxDelayMs', 'Longest retry delay (ms)', { inputMode: 'numeric' })}
                {text('reconnectMaxAttempts', 'Attempts (0 = no limit)', { inputMode: 'numeric' })}
              </>
            )}
          </div>
        </fieldset>

        {submitError !== null && <p className="form-error" role="alert" data-testid="form-error">{submitError}</p>}
        <div className="form-actions">
          <button type="button" onClick={closeForm}>Cancel</button>
          <button type="submit" className="primary" data-testid="connect-button" disabled={submitting}>
            {submitting ? 'Connecting…' : 'Connect'}
          </button>
        </div>
      </form>
    </div>
  );
}
