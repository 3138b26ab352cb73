// A saved body as it would be sent: the body with its {{variables}} marked (built in, set by the
// active environment, or missing), and the engine's rendering of it (saved.render) with the
// variables it could not fill. Renders again after typing stops and when the environments change.
// Test ids: saved-preview, saved-preview-body (spans with data-variable and data-state),
// saved-rendered, saved-missing, saved-render-error.
import { useEffect, useMemo, useState } from 'react';
import type { RenderedMessage } from '../../../shared/api.ts';
import { api, errorMessage } from '../../api/index.ts';
import { useStore } from '../store/index.ts';
import { activeValues } from './environmentsForm.ts';
import { bodySegments } from './variables.ts';

const RENDER_DELAY_MS = 250;

const STATE_TITLES = {
  builtin: 'Built in: filled in when sent',
  set: 'Set by the active environment',
  missing: 'No value: sent as written — set it in the active environment',
} as const;

type Rendered = { status: 'idle' } | { status: 'ready'; rendered: RenderedMessage } | { status: 'error'; message: string };

export function SavedPreview({ body, title }: { body: string; title: string }) {
  const environments = useStore((state) => state.environments);
  const values = activeValues(environments);
  const segments = useMemo(() => bodySegments(body, values), [body, values]);
  const [rendered, setRendered] = useState<Rendered>({ status: 'idle' });

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.invoke('saved.render', { body }).then(
        (result) => current && setRendered({ status: 'ready', rendered: result }),
        (error: unknown) => current && setRendered({ status: 'error', message: `Could not render it: ${errorMessage(error)}` }),
      );
    }, RENDER_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [body, environments]);

  return (
    <section className="saved-preview" aria-label={title} data-testid="saved-preview">
      <h3>{title}</h3>
      <pre className="saved-preview-body" data-testid="saved-preview-body">
        {segments.map((segment, index) =>
          segment.kind === 'text'
            ? <span key={index}>{segment.text}</span>
            : <span key={index} className={`variable variable-${segment.state}`} data-variable={segment.name} data-state={segment.state}
              title={STATE_TITLES[segment.state]}>{segment.text}</span>,
        )}
      </pre>
      {rendered.status === 'ready' && (
        <>
          <h4>As sent</h4>
          <pre className="saved-rendered" data-testid="saved-rendered">{rendered.rendered.body}</pre>
          {rendered.rendered.missing.length > 0 && (
            <p className="inline-error small" role="alert" data-testid="saved-missing">
              No value for {rendered.rendered.missing.map((name) => `{{${name}}}`).join(', ')} — these are sent as written. Set them in the active
              environment above.
            </p>
          )}
        </>
      )}
      {rendered.status === 'error' && <p className="inline-error small" role="alert" data-testid="saved-render-error">{rendered.message}</p>}
    </section>
  );
}
