// The application shell: a top bar, the engine-link banner, and three columns — connections,
// timeline, and inspector above composer.
// Test ids: app-header, engine-status, error-banner (see the component files for the rest).
import { Composer } from './composer/Composer.tsx';
import { ConnectionForm } from './connections/ConnectionForm.tsx';
import { ConnectionsPanel } from './connections/ConnectionsPanel.tsx';
import { LOST_CONNECTION_MESSAGE } from '../api/index.ts';
import { Inspector } from './inspector/Inspector.tsx';
import { useStore } from './store/index.ts';
import { Timeline } from './timeline/Timeline.tsx';

const LINK_LABELS = { connecting: 'connecting to engine…', open: 'engine connected', lost: 'engine unreachable' } as const;

export function App() {
  const engineLink = useStore((state) => state.engineLink);
  const engineLost = useStore((state) => state.engineLost);
  const appVersion = useStore((state) => state.appVersion);
  const formOpen = useStore((state) => state.formOpen);
  return (
    <div className="app">
      <header className="app-header" data-testid="app-header">
        <h1>Framescope</h1>
        {appVersion !== null && <span className="version">v{appVersion}</span>}
        <span className={`engine-status link-${engineLink}`} data-testid="engine-status">{LINK_LABELS[engineLink]}</span>
      </header>
      {engineLost && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          {LOST_CONNECTION_MESSAGE}
          <span className="small"> {engineLink === 'connecting' ? 'Trying again now…' : 'Retrying automatically.'}</span>
        </div>
      )}
      <main className="columns">
        <ConnectionsPanel />
        <Timeline />
        <div className="right-column">
          <Inspector />
          <Composer />
        </div>
      </main>
      {formOpen && <ConnectionForm />}
    </div>
  );
}
