// The MITM certificate authority: its subject, SPKI hash, file and expiry; copy or download its PEM,
// the trust instructions, and regenerating it (after a confirmation: apps then have to trust the new one).
// Test ids: ca-section, ca-subject, ca-spki, ca-path, ca-expiry, ca-copy, ca-download,
// ca-instructions, ca-regenerate, ca-regenerate-confirm, ca-regenerate-cancel, ca-result, ca-error.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';

type Outcome = { ok: true; text: string } | { ok: false; text: string } | null;

/** Saves text as a file through the browser's download, the same in Electron and browser mode. */
function downloadText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // Revoking at once can cancel a download that has not read the blob yet (FileSaver.js waits 40 s too).
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}

export function CaSection() {
  const ca = useStore((state) => state.ca);
  const setCa = useStore((state) => state.setCa);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (ca !== null) return;
    let current = true;
    api.invoke('ca.info', undefined).then(
      (info) => current && setCa(info),
      (error: unknown) => current && setOutcome({ ok: false, text: `Could not read the CA certificate: ${errorMessage(error)}` }),
    );
    return () => {
      current = false;
    };
  }, [ca, setCa]);

  async function copy(pem: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(pem);
      setOutcome({ ok: true, text: 'Copied the CA certificate (PEM) to the clipboard.' });
    } catch (error) {
      setOutcome({ ok: false, text: `Could not copy to the clipboard (${errorMessage(error)}) — use Download PEM instead.` });
    }
  }

  async function regenerate(): Promise<void> {
    setConfirming(false);
    setBusy(true);
    setOutcome(null);
    try {
      setCa(await api.invoke('ca.regenerate', undefined));
      setOutcome({ ok: true, text: 'Made a new CA. Browsers and apps that trusted the old one must trust this one instead.' });
    } catch (error) {
      setOutcome({ ok: false, text: `The CA was not regenerated: ${errorMessage(error)}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="proxy-section" aria-label="CA certificate" data-testid="ca-section">
      <h3>CA certificate (for wss:// interception)</h3>
      {ca === null && outcome === null && <p className="hint">Loading…</p>}
      {ca !== null && (
        <>
          <dl className="facts">
            <dt>Subject</dt><dd data-testid="ca-subject">{ca.subject}</dd>
            <dt>SPKI (SHA-256)</dt><dd className="mono" data-testid="ca-spki">{ca.spki}</dd>
            <dt>File</dt><dd className="mono" data-testid="ca-path">{ca.certPath}</dd>
            <dt>Expires</dt><dd data-testid="ca-expiry">{ca.notAfter}</dd>
          </dl>
          <div className="actions">
            <button type="button" data-testid="ca-copy" onClick={() => void copy(ca.pem)}>Copy PEM</button>
            <button type="button" data-testid="ca-download" onClick={() => downloadText(ca.pem, 'framescope-ca.pem')}>Download PEM</button>
            <button type="button" className="danger" data-testid="ca-regenerate" disabled={busy || confirming} onClick={() => setConfirming(true)}>
              Regenerate CA…
            </button>
          </div>
          {confirming && (
            <div className="confirm-box" role="alertdialog" aria-label="Regenerate the CA?">
              <p>A new CA replaces this one: every browser or app that trusts the current certificate has to trust the new one.</p>
              <div className="actions">
                <button type="button" className="danger" data-testid="ca-regenerate-confirm" onClick={() => void regenerate()}>Make a new CA</button>
                <button type="button" data-testid="ca-regenerate-cancel" onClick={() => setConfirming(false)}>Cancel</button>
              </div>
            </div>
          )}
          <details className="ca-instructions" data-testid="ca-instructions">
            <summary>How to trust it</summary>
            <pre>{ca.instructions}</pre>
          </details>
        </>
      )}
      {outcome !== null && (
        <p className={outcome.ok ? 'ok-text' : 'inline-error'} role={outcome.ok ? 'status' : 'alert'} data-testid={outcome.ok ? 'ca-result' : 'ca-error'}>
          {outcome.text}
        </p>
      )}
    </section>
  );
}
