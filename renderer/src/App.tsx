// The application shell: a top bar with the session, the page switch, the session search and the
// saved-messages toggle; the engine-link banner and the session notice; then either the Connections
// page (connections, timeline, inspector above composer) or the Proxy page, with one side panel
// (saved messages, search results or a replay) beside it, and a run's comparison over everything.
// Test ids: app-header, page-switch (buttons with data-page: connections, proxy), proxy-indicator
// (data-state), held-indicator, saved-toggle, engine-status, error-banner (see the component files for the rest).
import { Composer } from './composer/Composer.tsx';
import { ConnectionForm } from './connections/ConnectionForm.tsx';
import { ConnectionsPanel } from './connections/ConnectionsPanel.tsx';
import { LOST_CONNECTION_MESSAGE } from '../api/index.ts';
import { Inspector } from './inspector/Inspector.tsx';
import { ProxyView } from './proxy/ProxyView.tsx';
import { ComparisonView } from './replay/ComparisonView.tsx';
import { ReplayPanel } from './replay/ReplayPanel.tsx';
import { SavedSidebar } from './saved/SavedSidebar.tsx';
import { SearchBox } from './search/SearchBox.tsx';
import { SearchResults } from './search/SearchResults.tsx';
import { SessionBar } from './sessions/SessionBar.tsx';
import { SessionNotice } from './sessions/SessionNotice.tsx';
import { useStore } from './store/index.ts';
import type { Page } from './store/settings.ts';
import { Timeline } from './timeline/Timeline.tsx';

const LINK_LABELS = { connecting: 'connecting to engine…', open: 'engine connected', lost: 'engine unreachable' } as const;

export function App() {
  const engineLink = useStore((state) => state.engineLink);
  const engineLost = useStore((state) => state.engineLost);
  const appVersion = useStore((state) => state.appVersion);
  const formOpen = useStore((state) => state.formOpen);
  const page = useStore((state) => state.page);
  const sidePanel = useStore((state) => state.sidePanel);
  const replayConnectionId = useStore((state) => state.replayConnectionId);
  const comparisonRunId = useStore((state) => state.comparisonRunId);
  const savedOpen = sidePanel === 'saved';
  const toggleSidePanel = useStore((state) => state.toggleSidePanel);
  return (
    <div className="app">
      <header className="app-header" data-testid="app-header">
        <h1>Framescope</h1>
        {appVersion !== null && <span className="version">v{appVersion}</span>}
        <SessionBar />
        <PageSwitch page={page} />
        <SearchBox />
        <button type="button" className="saved-toggle" data-testid="saved-toggle" aria-pressed={savedOpen}
          title="Saved messages and environments" onClick={() => toggleSidePanel('saved')}>
          Saved
        </button>
        <span className={`engine-status link-${engineLink}`} data-testid="engine-status">{LINK_LABELS[engineLink]}</span>
      </header>
      {engineLost && (
        <div className="error-banner" role="alert" data-testid="error-banner">
          {LOST_CONNECTION_MESSAGE}
          <span className="small"> {engineLink === 'connecting' ? 'Trying again now…' : 'Retrying automatically.'}</span>
        </div>
      )}
      <SessionNotice />
      <div className={sidePanel === null ? 'workspace' : 'workspace with-side-panel'}>
        {page === 'connections' ? (
          <main className="columns">
            <ConnectionsPanel />
            <Timeline />
            <div className="right-column">
              <Inspector />
              <Composer />
            </div>
          </main>
        ) : (
          <ProxyView />
        )}
        {sidePanel === 'saved' && <SavedSidebar />}
        {sidePanel === 'search' && <SearchResults />}
        {sidePanel === 'replay' && replayConnectionId !== null && <ReplayPanel key={replayConnectionId} connectionId={replayConnectionId} />}
      </div>
      {formOpen && <ConnectionForm />}
      {comparisonRunId !== null && <ComparisonView key={comparisonRunId} runId={comparisonRunId} />}
    </div>
  );
}

const PAGES: Array<[Page, string]> = [['connections', 'Connections'], ['proxy', 'Proxy']];

/** The two pages; the Proxy tab shows whether the listener runs and how many frames wait to be decided. */
function PageSwitch({ page }: { page: Page }) {
  const setPage = useStore((state) => state.setPage);
  const proxyState = useStore((state) => state.proxyStatus?.state ?? 'stopped');
  const heldCount = useStore((state) => state.intercept?.held.length ?? 0);
  return (
    <nav className="segmented page-switch" aria-label="Page" data-testid="page-switch">
      {PAGES.map(([value, label]) => (
        <button key={value} type="button" data-page={value} aria-pressed={page === value} onClick={() => setPage(value)}>
          {label}
          {value === 'proxy' && (
            <span className={`proxy-indicator proxy-state-${proxyState}`} data-testid="proxy-indicator" data-state={proxyState}
              title={`Proxy ${proxyState}`} />
          )}
          {value === 'proxy' && heldCount > 0 && (
            <span className="held-indicator" data-testid="held-indicator" title="Frames waiting in the hold queue">{heldCount} held</span>
          )}
        </button>
      ))}
    </nav>
  );
}
