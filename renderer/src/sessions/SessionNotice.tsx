// The line under the header that says what the last import or export did, with an import's
// warnings (what the file had that could not be used) listed below it.
// Test ids: session-notice (data-ok), session-notice-warnings, session-notice-dismiss.
import { useStore } from '../store/index.ts';

export function SessionNotice() {
  const notice = useStore((state) => state.sessionNotice);
  const setNotice = useStore((state) => state.setSessionNotice);
  if (notice === null) return null;
  return (
    <div className={notice.ok ? 'session-notice' : 'session-notice failed'} role={notice.ok ? 'status' : 'alert'} data-testid="session-notice"
      data-ok={notice.ok}>
      <span>{notice.text}</span>
      {notice.details.length > 0 && (
        <details className="session-notice-warnings" data-testid="session-notice-warnings" open={notice.details.length <= 5}>
          <summary>{notice.details.length === 1 ? '1 warning' : `${notice.details.length} warnings`}</summary>
          <ul>
            {notice.details.map((line, index) => <li key={index}>{line}</li>)}
          </ul>
        </details>
      )}
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" data-testid="session-notice-dismiss" onClick={() => setNotice(null)}>
        ×
      </button>
    </div>
  );
}
