// "Open browser through proxy": starts an installed Chromium or Chrome with its own profile, pointed
// at the proxy and trusting the Framescope CA, optionally at a start page.
// Test ids: browser-launch-section, browser-url, browser-launch, browser-result, browser-error.
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api/index.ts';

type Outcome = { ok: true; text: string } | { ok: false; text: string } | null;

export function BrowserLaunch() {
  const [url, setUrl] = useState('');
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);

  async function launch(event: FormEvent): Promise<void> {
    event.preventDefault();
    const start = url.trim();
    if (start !== '' && !/^https?:\/\//i.test(start)) {
      setOutcome({ ok: false, text: `The start page must be an http:// or https:// address, like https://example.com — or leave it empty.` });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const launched = await api.invoke('browser.launch', start === '' ? {} : { url: start });
      setOutcome({ ok: true, text: `Started ${launched.executable} (process ${launched.pid}) with its own profile in ${launched.profileDir}.` });
    } catch (error) {
      setOutcome({ ok: false, text: `The browser did not start: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="proxy-section" aria-label="Open a browser through the proxy" data-testid="browser-launch-section" noValidate
      onSubmit={(event) => void launch(event)}>
      <h3>Browser</h3>
      <p className="hint">Chromium or Chrome with a profile of its own, set to this proxy and trusting the CA below.</p>
      <input value={url} placeholder="start page, e.g. https://example.com (optional)" spellCheck={false}
        aria-label="Start page" data-testid="browser-url" onChange={(event) => setUrl(event.target.value)} />
      <div className="actions">
        <button type="submit" data-testid="browser-launch" disabled={busy}>Open browser through proxy</button>
      </div>
      {outcome !== null && (
        <p className={outcome.ok ? 'ok-text' : 'inline-error'} role={outcome.ok ? 'status' : 'alert'}
          data-testid={outcome.ok ? 'browser-result' : 'browser-error'}>
          {outcome.text}
        </p>
      )}
    </form>
  );
}
