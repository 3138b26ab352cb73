// The intercept switches: hold app → server and server → app frames, hold control frames too, the
// keepalive pings while something is held, and the hold timeout with its action. Each change goes to
// the engine at once (numbers when the field is left or Enter is pressed).
// Test ids: intercept-controls, intercept-client, intercept-server, intercept-control-frames,
// intercept-keepalive, intercept-timeout, intercept-timeout-action, intercept-problem, intercept-error.
import { useEffect, useState, type KeyboardEvent } from 'react';
import type { InterceptSettings } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { msToSecondsText, secondsTextToMs } from './proxyForm.ts';

const KEEPALIVE_MAX_MS = 3_600_000;
const HOLD_TIMEOUT_MAX_MS = 86_400_000;

export function InterceptControls() {
  const settings = useStore((state) => state.intercept?.settings ?? null);
  const setIntercept = useStore((state) => state.setIntercept);
  const [error, setError] = useState<string | null>(null);

  if (settings === null) return null;

  async function configure(change: Partial<InterceptSettings>): Promise<void> {
    setError(null);
    // Shown at once (a checkbox that springs back until the engine answers reads as broken), and
    // put back if the engine refuses.
    const before = useStore.getState().intercept;
    if (before !== null) setIntercept({ ...before, settings: { ...before.settings, ...change } });
    try {
      setIntercept(await api.invoke('intercept.configure', change));
    } catch (failure) {
      const current = useStore.getState().intercept;
      if (before !== null && current !== null) setIntercept({ ...current, settings: before.settings });
      setError(`The intercept settings were not changed: ${errorMessage(failure)}`);
    }
  }

  return (
    <div className="intercept-controls" data-testid="intercept-controls">
      <div className="form-row">
        <label className="check intercept-toggle" title="Hold every data frame the app sends before it reaches the server">
          <input type="checkbox" checked={settings.client} data-testid="intercept-client" onChange={(event) => void configure({ client: event.target.checked })} />
          Hold app → server
        </label>
        <label className="check intercept-toggle" title="Hold every data frame the server sends before it reaches the app">
          <input type="checkbox" checked={settings.server} data-testid="intercept-server" onChange={(event) => void configure({ server: event.target.checked })} />
          Hold server → app
        </label>
        <label className="check" title="By default ping, pong and close frames pass">
          <input type="checkbox" checked={settings.holdControlFrames} data-testid="intercept-control-frames"
            onChange={(event) => void configure({ holdControlFrames: event.target.checked })} />
          Control frames too
        </label>
      </div>
      <div className="form-row">
        <SecondsField label="Keepalive ping every (s, 0 = off)" valueMs={settings.keepaliveIntervalMs} maxMs={KEEPALIVE_MAX_MS}
          testId="intercept-keepalive" what="The keepalive interval" onCommit={(ms) => void configure({ keepaliveIntervalMs: ms })} />
        <SecondsField label="Hold timeout (s, 0 = wait forever)" valueMs={settings.holdTimeoutMs} maxMs={HOLD_TIMEOUT_MAX_MS}
          testId="intercept-timeout" what="The hold timeout" onCommit={(ms) => void configure({ holdTimeoutMs: ms })} />
        <label className="field">
          <span>Then</span>
          <select value={settings.timeoutAction} data-testid="intercept-timeout-action" disabled={settings.holdTimeoutMs === 0}
            onChange={(event) => void configure({ timeoutAction: event.target.value as InterceptSettings['timeoutAction'] })}>
            <option value="forward">forward it</option>
            <option value="drop">drop it</option>
          </select>
        </label>
      </div>
      {error !== null && <p className="inline-error" role="alert" data-testid="intercept-error">{error}</p>}
    </div>
  );
}

interface SecondsFieldProps {
  label: string;
  valueMs: number;
  maxMs: number;
  testId: string;
  what: string;
  onCommit(ms: number): void;
}

/** A seconds box that keeps what is typed and hands over milliseconds when left or on Enter. */
function SecondsField({ label, valueMs, maxMs, testId, what, onCommit }: SecondsFieldProps) {
  const [text, setText] = useState(() => msToSecondsText(valueMs));
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setText(msToSecondsText(valueMs));
    setProblem(null);
  }, [valueMs]);

  function commit(): void {
    const checked = secondsTextToMs(text, what, maxMs);
    if ('problem' in checked) {
      setProblem(checked.problem);
      return;
    }
    setProblem(null);
    if (checked.ms !== valueMs) onCommit(checked.ms);
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      commit();
    }
  }

  return (
    <label className="field seconds">
      <span>{label}</span>
      <input value={text} inputMode="decimal" data-testid={testId} aria-invalid={problem !== null}
        onChange={(event) => setText(event.target.value)} onBlur={commit} onKeyDown={onKeyDown} />
      {problem !== null && <span className="field-problem" role="alert" data-testid="intercept-problem">{problem}</span>}
    </label>
  );
}
