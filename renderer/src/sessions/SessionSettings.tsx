// The session settings popover: the recording cap (payloads larger than it are stored cut to it and
// marked capped), read with session.settings and changed with session.configure.
// Test ids: session-settings, session-cap, session-cap-amount, session-cap-unit, session-cap-save,
// session-settings-error, session-settings-saved.
import { useEffect, useState, type FormEvent, type RefObject } from 'react';
import { api, errorMessage } from '../../api/index.ts';
import { formatSize } from '../format/bytes.ts';
import { useStore } from '../store/index.ts';
import { Popover } from './Popover.tsx';
import { capToFields, fieldsToCap, type CapFields, type CapUnit } from './sessionList.ts';

export function SessionSettings({ anchor, onClose }: { anchor: RefObject<HTMLElement | null>; onClose(): void }) {
  const settings = useStore((state) => state.sessionSettings);
  const setSettings = useStore((state) => state.setSessionSettings);
  const [fields, setFields] = useState<CapFields | null>(() => (settings === null ? null : capToFields(settings.recordingCapBytes)));
  const [error, setError] = useState<string | null>(null);
  const [savedText, setSavedText] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Always read afresh: another window may have changed it.
  useEffect(() => {
    let current = true;
    api.invoke('session.settings', undefined).then(
      (loaded) => {
        if (!current) return;
        setSettings(loaded);
        setFields(capToFields(loaded.recordingCapBytes));
      },
      (failure: unknown) => current && setError(`Could not read the session settings: ${errorMessage(failure)}`),
    );
    return () => {
      current = false;
    };
  }, [setSettings]);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (fields === null) return;
    const checked = fieldsToCap(fields);
    if ('problem' in checked) {
      setError(checked.problem);
      return;
    }
    setBusy(true);
    setError(null);
    setSavedText(null);
    try {
      const updated = await api.invoke('session.configure', { recordingCapBytes: checked.bytes });
      setSettings(updated);
      setFields(capToFields(updated.recordingCapBytes));
      setSavedText(`Payloads over ${formatSize(updated.recordingCapBytes)} are now stored cut to that size.`);
    } catch (failure) {
      setError(`Not changed: ${errorMessage(failure)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Popover label="Session settings" testId="session-settings" className="session-settings" anchor={anchor} onClose={onClose}>
      <h3>Session settings</h3>
      {settings !== null && (
        <p className="hint" data-testid="session-cap">
          Recording cap: <b>{formatSize(settings.recordingCapBytes)}</b>. Larger payloads are stored cut to it; their rows are marked ✂ capped.
        </p>
      )}
      {fields !== null && (
        <form className="form-row" onSubmit={(event) => void submit(event)}>
          <label className="field">
            <span>Recording cap</span>
            <input value={fields.amount} inputMode="decimal" aria-invalid={error !== null} data-testid="session-cap-amount"
              onChange={(event) => setFields({ ...fields, amount: event.target.value })} />
          </label>
          <label className="field">
            <span>Unit</span>
            <select value={fields.unit} data-testid="session-cap-unit" onChange={(event) => setFields({ ...fields, unit: event.target.value as CapUnit })}>
              <option value="KiB">KiB</option>
              <option value="MiB">MiB</option>
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy} data-testid="session-cap-save">Save</button>
        </form>
      )}
      {error !== null && <p className="inline-error" role="alert" data-testid="session-settings-error">{error}</p>}
      {savedText !== null && <p className="ok-text" role="status" data-testid="session-settings-saved">{savedText}</p>}
    </Popover>
  );
}
