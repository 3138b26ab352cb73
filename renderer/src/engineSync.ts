// Wires the engine's events into the store and the timeline loader, outside React render:
// connection summaries, proxy status and intercept state are coalesced and applied once per
// animation frame, growth goes straight to the loader (which batches per frame too), and a
// (re)opened engine link reloads everything.
import type { ConnectionSummary, FramescopeApi, InterceptState, ProxyStatus } from '../../shared/api.ts';
import { errorMessage, type EngineLink } from '../api/index.ts';
import { onNextFrame } from './frameBatch.ts';
import { useStore } from './store/index.ts';
import { engineFilter } from './store/timeline.ts';
import type { TimelineWindowLoader } from './timeline/windowLoader.ts';

export function startEngineSync(api: FramescopeApi, link: EngineLink, loader: TimelineWindowLoader): void {
  const updated = new Map<number, ConnectionSummary>();
  const removed = new Set<number>();
  // Each event carries the whole state: only the latest of a frame matters.
  let proxyStatus: ProxyStatus | null = null;
  let interceptState: InterceptState | null = null;

  function flush(): void {
    if (proxyStatus !== null) useStore.getState().setProxyStatus(proxyStatus);
    if (interceptState !== null) useStore.getState().setIntercept(interceptState);
    proxyStatus = null;
    interceptState = null;
    if (updated.size === 0 && removed.size === 0) return;
    useStore.getState().applyConnectionChanges(updated.values(), removed);
    const selected = useStore.getState().selectedConnectionId;
    if (selected !== null && removed.has(selected)) useStore.getState().selectConnection(null);
    updated.clear();
    removed.clear();
  }

  function schedule(): void {
    onNextFrame(flush);
  }

  api.on('connection.updated', (summary) => {
    updated.set(summary.id, summary);
    removed.delete(summary.id);
    loader.grew({ connectionId: summary.id, frameRows: summary.frameRows, messageRows: summary.messageRows });
    schedule();
  });
  api.on('connection.removed', ({ id }) => {
    updated.delete(id);
    removed.add(id);
    loader.forget(id);
    schedule();
  });
  api.on('timeline.grew', (growths) => {
    for (const growth of growths) loader.grew(growth);
  });
  api.on('proxy.updated', (status) => {
    proxyStatus = status;
    schedule();
  });
  api.on('intercept.updated', (state) => {
    interceptState = state;
    schedule();
  });

  // The timeline shows whatever connection, view and filter the store says.
  useStore.subscribe((state, previous) => {
    if (
      state.selectedConnectionId === previous.selectedConnectionId &&
      state.view === previous.view &&
      state.filter === previous.filter
    ) {
      return;
    }
    loader.show(
      state.selectedConnectionId === null
        ? null
        : { connectionId: state.selectedConnectionId, view: state.view, filter: engineFilter(state.filter) },
    );
  });

  async function reload(): Promise<void> {
    // The engine may have restarted while the link was down: nothing cached can be trusted.
    loader.reset();
    try {
      const [info, list] = await Promise.all([api.invoke('app.info', undefined), api.invoke('connections.list', undefined)]);
      useStore.getState().setAppVersion(info.version);
      for (const summary of list) {
        loader.grew({ connectionId: summary.id, frameRows: summary.frameRows, messageRows: summary.messageRows });
      }
      useStore.getState().replaceConnections(list);
      const { selectedConnectionId, selectConnection } = useStore.getState();
      const stillThere = list.some((summary) => summary.id === selectedConnectionId);
      if (!stillThere) selectConnection(list.at(-1)?.id ?? null);
      useStore.getState().setListError(null);
    } catch (error) {
      useStore.getState().setListError(`Could not load the connections: ${errorMessage(error)} Reload the page to try again.`);
    }
    try {
      const [status, intercept] = await Promise.all([api.invoke('proxy.status', undefined), api.invoke('intercept.get', undefined)]);
      useStore.getState().setProxyStatus(status);
      useStore.getState().setIntercept(intercept);
      useStore.getState().setProxyLoadError(null);
    } catch (error) {
      useStore.getState().setProxyLoadError(`Could not load the proxy's state: ${errorMessage(error)} Reload the page to try again.`);
    }
  }

  link.onChange((state) => {
    useStore.getState().setEngineLink(state);
    if (state === 'open') void reload();
  });
  useStore.getState().setEngineLink(link.state());
  if (link.state() === 'open') void reload();
}
