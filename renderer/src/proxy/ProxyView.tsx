// The Proxy page: the listener, browser launcher and CA on the left; the intercept switches, the
// hold queue and the held-frame editor in the middle; the rules on the right. Proxied connections
// themselves are on the Connections page, with the others.
// Test ids: proxy-view, intercept-panel (see the component files for the rest).
import { HeldQueue } from './HeldQueue.tsx';
import { InterceptControls } from './InterceptControls.tsx';
import { ListenerPanel } from './ListenerPanel.tsx';
import { RulesPanel } from './RulesPanel.tsx';

export function ProxyView() {
  return (
    <main className="columns proxy-view" data-testid="proxy-view">
      <ListenerPanel />
      <section className="panel intercept-panel" aria-label="Intercept" data-testid="intercept-panel">
        <header className="panel-header">
          <h2>Intercept</h2>
        </header>
        <InterceptControls />
        <HeldQueue />
      </section>
      <RulesPanel />
    </main>
  );
}
