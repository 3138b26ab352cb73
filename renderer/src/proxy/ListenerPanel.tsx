// The proxy's left column: the listener (state, address, mode, host and port, extension stripping,
// passthrough and insecure-upstream hosts, start/stop), then the browser launcher and the CA.
// Test ids: proxy-panel, proxy-load-error, proxy-state (data-state), proxy-address, proxy-connections,
// proxy-error, proxy-mode, proxy-reverse-url, proxy-host, proxy-port, proxy-strip-extensions,
// proxy-passthrough, proxy-insecure, proxy-start, proxy-stop, proxy-action-error, proxy-field-problem
// (see BrowserLaunch.tsx and CaSection.tsx for theirs).
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { ProxyMode, ProxyStatus } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { BrowserLaunch } from './BrowserLaunch.tsx';
import { CaSection } from './CaSection.tsx';
import { formToSettings, reachableFromOutside, settingsToForm, type ProxyFieldProblems, type ProxyFormFields } from './proxyForm.ts';

const STATE_LABELS: Record<ProxyStatus['state'], string> = { stopped: 'stopped', listening: 'listening', error: 'failed' };

export function ListenerPanel() {
  const status = useStore((state) => state.proxyStatus);
  const loadError = useStore((state) => state.proxyLoadError);
  return (
    <section className="panel proxy-listener" aria-label="Proxy listener" data-testid="proxy-panel">
      <header className="panel-header">
        <h2>Proxy listener</h2>
        {status !== null && (
          <span className={`state-badge proxy-state-${status.state}`} data-testid="proxy-state" data-state={status.state}>
            {STATE_LABELS[status.state]}
          </span>
        )}
      </header>
      <div className="panel-body">
        {loadError !== null && <p className="inline-error" role="alert" data-testid="proxy-load-error">{loadError}</p>}
        {status !== null && <ListenerForm status={status} />}
        <BrowserLaunch />
        <CaSection />
      </div>
    </section>
  );
}

function StatusLine({ status }: { status: ProxyStatus }) {
  const { settings } = status;
  if (status.state === 'listening' && status.address !== null) {
    return (
      <div className="proxy-status">
        <p data-testid="proxy-address">
          Listening on <b className="mono">{status.address}</b>
          {settings.mode === 'explicit' ? (
            <> — set <span className="mono">http://{status.address}</span> as the app's or browser's HTTP and HTTPS proxy.</>
          ) : (
            <> — apps connect to <span className="mono">ws://{status.address}</span> instead of <span className="mono">{settings.reverseUrl}</span>.</>
          )}
        </p>
        <p className="hint" data-testid="proxy-connections">
          {status.activeConnections} proxied connection{status.activeConnections === 1 ? '' : 's'} open, {status.totalConnections} since it started.
        </p>
      </div>
    );
  }
  return (
    <div className="proxy-status">
      {status.state === 'stopped' && status.error === null && <p className="hint">Not listening. Choose the settings below and press Start.</p>}
      {status.error !== null && <div className="error-box" role="alert" data-testid="proxy-error">{status.error}</div>}
    </div>
  );
}

function ListenerForm({ status }: { status: ProxyStatus }) {
  const setProxyStatus = useStore((state) => state.setProxyStatus);
  const [fields, setFields] = useState<ProxyFormFields>(() => settingsToForm(status.settings));
  // Fields the person has changed since the last start are kept when the engine reports new settings.
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<ProxyFieldProblems>({});
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!dirty) setFields(settingsToForm(status.settings));
  }, [status.settings, dirty]);

  const update = <K extends keyof ProxyFormFields>(name: K, value: ProxyFormFields[K]): void => {
    setFields((current) => ({ ...current, [name]: value }));
    setDirty(true);
    if (problems[name] !== undefined) setProblems((current) => ({ ...current, [name]: undefined }));
  };

  async function run(what: string, action: () => Promise<ProxyStatus>): Promise<void> {
    setBusy(true);
    setActionError(null);
    try {
      setProxyStatus(await action());
      setDirty(false);
    } catch (error) {
      setActionError(`${what}: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  }

  function start(event: FormEvent): void {
    event.preventDefault();
    const checked = formToSettings(fields);
    if ('problems' in checked) {
      setProblems(checked.problems);
      return;
    }
    void run('The proxy did not start', () => api.invoke('proxy.start', checked.settings));
  }

  const problem = (name: keyof ProxyFormFields): ReactNode =>
    problems[name] !== undefined && <span className="field-problem" role="alert" data-testid="proxy-field-problem">{problems[name]}</span>;

  const listening = status.state === 'listening';
  return (
    <form className="proxy-form" aria-label="Listener settings" noValidate onSubmit={start}>
      <StatusLine status={status} />
      <label className="field">
        <span>Mode</span>
        <select value={fields.mode} data-testid="proxy-mode" onChange={(event) => update('mode', event.target.value as ProxyMode)}>
          <option value="explicit">Explicit proxy (apps set it as their HTTP proxy)</option>
          <option value="reverse">Reverse (every connection goes to one server)</option>
        </select>
      </label>
      {fields.mode === 'reverse' && (
        <label className="field">
          <span>Upstream server</span>
          <input value={fields.reverseUrl} placeholder="ws://localhost:9000" spellCheck={false} data-testid="proxy-reverse-url"
            aria-invalid={problems.reverseUrl !== undefined} onChange={(event) => update('reverseUrl', event.target.value)} />
          {problem('reverseUrl')}
        </label>
      )}
      <div className="form-row">
        <label className="field grow">
          <span>Listen address</span>
          <input value={fields.host} spellCheck={false} data-testid="proxy-host" aria-invalid={problems.host !== undefined}
            onChange={(event) => update('host', event.target.value)} />
          {problem('host')}
        </label>
        <label className="field port">
          <span>Port (0 = any free)</span>
          <input value={fields.port} inputMode="numeric" data-testid="proxy-port" aria-invalid={problems.port !== undefined}
            onChange={(event) => update('port', event.target.value)} />
          {problem('port')}
        </label>
      </div>
      {reachableFromOutside(fields.host) && fields.host.trim() !== '' && (
        <p className="hint">Other machines on the network can use a proxy listening on {fields.host.trim()} — 127.0.0.1 keeps it to this one.</p>
      )}
      <label className="check" title="Nothing is compressed then; the app and server see no permessage-deflate offer">
        <input type="checkbox" checked={fields.stripExtensions} data-testid="proxy-strip-extensions"
          onChange={(event) => update('stripExtensions', event.target.checked)} />
        Strip Sec-WebSocket-Extensions from upgrades
      </label>
      {fields.mode === 'explicit' && (
        <label className="field">
          <span>Pass through without interception (host patterns, comma or one a line)</span>
          <textarea value={fields.passthroughHosts} rows={2} placeholder="*.googleapis.com" spellCheck={false} data-testid="proxy-passthrough"
            aria-invalid={problems.passthroughHosts !== undefined} onChange={(event) => update('passthroughHosts', event.target.value)} />
          {problem('passthroughHosts')}
        </label>
      )}
      <label className="field">
        <span>Do not verify the upstream certificate of (host patterns)</span>
        <textarea value={fields.insecureUpstreamHosts} rows={2} placeholder="localhost, *.test" spellCheck={false} data-testid="proxy-insecure"
          aria-invalid={problems.insecureUpstreamHosts !== undefined} onChange={(event) => update('insecureUpstreamHosts', event.target.value)} />
        {problem('insecureUpstreamHosts')}
      </label>
      <div className="actions">
        <button type="submit" className="primary" data-testid="proxy-start" disabled={busy}>
          {listening ? 'Restart with these settings' : 'Start'}
        </button>
        <button type="button" data-testid="proxy-stop" disabled={busy || status.state !== 'listening'}
          onClick={() => void run('The proxy did not stop', () => api.invoke('proxy.stop', undefined))}>
          Stop
        </button>
      </div>
      {actionError !== null && <p className="inline-error" role="alert" data-testid="proxy-action-error">{actionError}</p>}
    </form>
  );
}
