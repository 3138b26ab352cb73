// The replay side panel for one recorded connection: a form filled from replay.plan (URL, headers,
// subprotocols, timing), Start (the new replay connection is selected), and the connection's runs —
// state, progress, error — with Show, Compare and Stop. Runs update from replay.updated.
// Test ids: replay-panel (data-connection), replay-plan-summary, replay-plan-error, replay-form,
// replay-url, replay-headers (rows replay-header with replay-header-name, replay-header-value,
// replay-header-remove), replay-header-add, replay-subprotocols, replay-timing-<mode> (radio buttons:
// original, speed, fast, wait-reply), replay-speed, replay-timeout, replay-problem, replay-start,
// replay-error, replay-runs, replay-runs-empty, replay-run (data-id, data-state), replay-run-state,
// replay-run-progress, replay-run-error, replay-run-show, replay-run-compare, replay-run-stop.
import { useEffect, useState, type FormEvent } from 'react';
import type { ReplayPlan, ReplayRun } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { formatClock } from '../format/time.ts';
import { useStore } from '../store/index.ts';
import { formToRequest, planSummary, planToForm, TIMING_CHOICES, type ReplayFieldProblems, type ReplayFormFields } from './replayForm.ts';
import { runProgress, runsOf, runStateLabel, timingLabel } from './replayRuns.ts';

type Planned = { status: 'loading' } | { status: 'ready'; plan: ReplayPlan } | { status: 'error'; message: string };

export function ReplayPanel({ connectionId }: { connectionId: number }) {
  const summary = useStore((state) => state.connections[connectionId]);
  const setSidePanel = useStore((state) => state.setSidePanel);
  const upsertRuns = useStore((state) => state.upsertRuns);
  const [planned, setPlanned] = useState<Planned>({ status: 'loading' });
  const [fields, setFields] = useState<ReplayFormFields | null>(null);
  const [problems, setProblems] = useState<ReplayFieldProblems>({});
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    let current = true;
    api.invoke('replay.plan', { connectionId }).then(
      (plan) => {
        if (!current) return;
        setPlanned({ status: 'ready', plan });
        setFields(planToForm(plan));
      },
      (failure: unknown) => current && setPlanned({ status: 'error', message: `Could not plan a replay of #${connectionId}: ${errorMessage(failure)}` }),
    );
    api.invoke('replay.list', { connectionId }).then(
      (runs) => current && upsertRuns(runs),
      (failure: unknown) => current && setError(`Could not list the earlier runs: ${errorMessage(failure)}`),
    );
    return () => {
      current = false;
    };
  }, [connectionId, upsertRuns]);

  const update = <K extends keyof ReplayFormFields>(name: K, value: ReplayFormFields[K]): void => {
    setFields((current) => (current === null ? current : { ...current, [name]: value }));
    setProblems({});
  };

  async function start(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (fields === null || starting) return;
    const checked = formToRequest(fields, connectionId);
    if ('problems' in checked) {
      setProblems(checked.problems);
      return;
    }
    setStarting(true);
    setError(null);
    try {
      const run = await api.invoke('replay.start', checked.request);
      upsertRuns([run]);
      useStore.getState().selectConnection(run.replayId);
    } catch (failure) {
      setError(`The replay did not start: ${errorMessage(failure)}`);
    } finally {
      setStarting(false);
    }
  }

  const problemList = Object.values(problems).filter((problem) => problem !== undefined);
  return (
    <aside className="panel side-panel replay-panel" aria-label={`Replay connection ${connectionId}`} data-testid="replay-panel" data-connection={connectionId}>
      <header className="panel-header">
        <h2>Replay #{connectionId}</h2>
        <button type="button" className="icon-button" aria-label="Close the replay panel" title="Close" onClick={() => setSidePanel(null)}>×</button>
      </header>
      <div className="panel-body">
        {summary !== undefined && <p className="mono small replay-source" title={summary.url}>{summary.label ?? summary.url}</p>}
        {planned.status === 'loading' && <p className="hint">Reading the recorded connection…</p>}
        {planned.status === 'error' && <p className="inline-error" role="alert" data-testid="replay-plan-error">{planned.message}</p>}
        {planned.status === 'ready' && (
          <p className="hint" data-testid="replay-plan-summary">
            Sends {planSummary(planned.plan)} again on a new connection, then lines up the answers with the recorded ones.
          </p>
        )}
        {fields !== null && (
          <form className="replay-form" data-testid="replay-form" onSubmit={(event) => void start(event)}>
            <label className="field">
              <span>URL</span>
              <input value={fields.url} spellCheck={false} aria-invalid={problems.url !== undefined} data-testid="replay-url"
                onChange={(event) => update('url', event.target.value)} />
            </label>
            <fieldset className="replay-headers">
              <legend>Request headers</legend>
              <table data-testid="replay-headers">
                <tbody>
                  {fields.headers.map((header, index) => (
                    <tr key={index} data-testid="replay-header">
                      <td>
                        <input value={header.name} spellCheck={false} placeholder="Name" aria-label={`Header ${index + 1} name`}
                          data-testid="replay-header-name"
                          onChange={(event) => update('headers', fields.headers.map((row, at) => (at === index ? { ...row, name: event.target.value } : row)))} />
                      </td>
                      <td>
                        <input value={header.value} spellCheck={false} placeholder="Value" aria-label={`Header ${index + 1} value`}
                          data-testid="replay-header-value"
                          onChange={(event) => update('headers', fields.headers.map((row, at) => (at === index ? { ...row, value: event.target.value } : row)))} />
                      </td>
                      <td>
                        <button type="button" className="icon-button" aria-label={`Remove header ${header.name || index + 1}`} title="Remove"
                          data-testid="replay-header-remove" onClick={() => update('headers', fields.headers.filter((_, at) => at !== index))}>
                          ×
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <button type="button" data-testid="replay-header-add" onClick={() => update('headers', [...fields.headers, { name: '', value: '' }])}>
                + Header
              </button>
            </fieldset>
            <label className="field">
              <span>Subprotocols (comma-separated)</span>
              <input value={fields.subprotocols} spellCheck={false} aria-invalid={problems.subprotocols !== undefined} data-testid="replay-subprotocols"
                onChange={(event) => update('subprotocols', event.target.value)} />
            </label>
            <fieldset className="replay-timing">
              <legend>Timing</legend>
              {TIMING_CHOICES.map(([mode, label]) => (
                <label key={mode} className="check">
                  <input type="radio" name={`replay-timing-${connectionId}`} value={mode} checked={fields.timing === mode}
                    data-testid={`replay-timing-${mode}`} onChange={() => update('timing', mode)} />
                  {label}
                  {mode === 'speed' && fields.timing === 'speed' && (
                    <input value={fields.speedFactor} inputMode="decimal" className="short" aria-label="Speed factor" aria-invalid={problems.speedFactor !== undefined}
                      title="2 plays twice as fast as recorded, 0.5 half as fast" data-testid="replay-speed"
                      onChange={(event) => update('speedFactor', event.target.value)} />
                  )}
                  {mode === 'speed' && fields.timing === 'speed' && '×'}
                  {mode === 'wait-reply' && fields.timing === 'wait-reply' && (
                    <>
                      <input value={fields.replyTimeoutMs} inputMode="numeric" className="short" aria-label="Reply timeout (ms)"
                        aria-invalid={problems.replyTimeoutMs !== undefined} title="Send the next message anyway after this many ms"
                        data-testid="replay-timeout" onChange={(event) => update('replyTimeoutMs', event.target.value)} />
                      ms at most
                    </>
                  )}
                </label>
              ))}
            </fieldset>
            {problemList.map((problem) => <p key={problem} className="field-problem" role="alert" data-testid="replay-problem">{problem}</p>)}
            <div className="form-actions">
              <button type="submit" className="primary" disabled={starting} data-testid="replay-start">
                {starting ? 'Starting…' : 'Start replay'}
              </button>
            </div>
          </form>
        )}
        {error !== null && <p className="inline-error" role="alert" data-testid="replay-error">{error}</p>}
        <RunsList connectionId={connectionId} />
      </div>
    </aside>
  );
}

function RunsList({ connectionId }: { connectionId: number }) {
  const allRuns = useStore((state) => state.replayRuns);
  const openComparison = useStore((state) => state.openComparison);
  const selectConnection = useStore((state) => state.selectConnection);
  const [stopError, setStopError] = useState<string | null>(null);
  const runs = runsOf(allRuns, connectionId);

  async function stop(run: ReplayRun): Promise<void> {
    setStopError(null);
    try {
      useStore.getState().upsertRuns([await api.invoke('replay.stop', { id: run.id })]);
    } catch (failure) {
      setStopError(`Run ${run.id} did not stop: ${errorMessage(failure)}`);
    }
  }

  return (
    <section className="replay-runs" aria-label="Runs">
      <h3>Runs</h3>
      {stopError !== null && <p className="inline-error" role="alert">{stopError}</p>}
      {runs.length === 0 && <p className="hint" data-testid="replay-runs-empty">No replays of this connection yet.</p>}
      <ul data-testid="replay-runs">
        {runs.map((run) => (
          <li key={run.id} className={`replay-run run-${run.state}`} data-testid="replay-run" data-id={run.id} data-state={run.state}>
            <div className="replay-run-line">
              <b>Run {run.id}</b>
              <span className={`run-state run-state-${run.state}`} data-testid="replay-run-state">{runStateLabel(run)}</span>
              <span data-testid="replay-run-progress">{runProgress(run)}</span>
            </div>
            <div className="small muted">
              {timingLabel(run.timing)} · started {formatClock(run.startedAt)} · on #{run.replayId}
            </div>
            {run.error !== null && <p className="inline-error small" data-testid="replay-run-error">{run.error}</p>}
            <div className="replay-run-buttons">
              <button type="button" data-testid="replay-run-show" title={`Select the replay's connection #${run.replayId}`}
                onClick={() => selectConnection(run.replayId)}>
                Show
              </button>
              <button type="button" data-testid="replay-run-compare" title="Line up the replay's messages with the recorded ones"
                onClick={() => openComparison(run.id)}>
                Compare
              </button>
              {run.state === 'running' && (
                <button type="button" className="danger" data-testid="replay-run-stop" onClick={() => void stop(run)}>Stop</button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
