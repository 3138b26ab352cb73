// Wires the engine's events into the store and the timeline loader, outside React render:
// connection summaries, proxy status, intercept state and replay runs are coalesced and applied once
// per animation frame, growth goes straight to the loader (which batches per frame too), another
// session becoming current reloads its connections, and a (re)opened engine link reloads everything.
import type { ConnectionSummary, FramescopeApi, InterceptState, ProxyStatus, ReplayRun, SessionInfo } from '../../shared/api.ts';
import { errorMessage, type EngineLink } from '../api/index.ts';
import { onNextFrame } from './frameBatch.ts';
import { useStore } from './store/index.ts';
import { engineFilter } from './timeline/filter.ts';
import type { TimelineWindowLoader } from './timeline/windowLoader.ts';

export function startEngineSync(api: FramescopeApi, link: EngineLink, loader: TimelineWindowLoader): void {
  const updated = new Map<number, ConnectionSummary>();
  const removed = new Set<number>();
  // Each event carries the whole state: only the latest of a frame matters.
  let proxyStatus: ProxyStatus | null = null;
  let interceptState: InterceptState | null = null;
  const runs = new Map<number, ReplayRun>();

  function flush(): void {
    if (proxyStatus !== null) useStore.getState().setProxyStatus(proxyStatus);
    if (interceptState !== null) useStore.getState().setIntercept(interceptState);
    if (runs.size > 0) useStore.getState().upsertRuns(runs.values());
    proxyStatus = null;
    interceptState = null;
    runs.clear();
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
  api.on('replay.updated', (run) => {
    runs.set(run.id, run);
    schedule();
  });
  api.on('saved.updated', (list) => useStore.getState().setSavedMessages(list));
  // Whichever comes first, this event or the answer to this window's own sessions.open, sets the
  // session; the store subscription below reloads once per session.
  api.on('session.changed', (session) => useStore.getState().setSession(session));

  /** The session whose connections the store holds; null until the first is known. */
  let loadedSessionId: string | null = null;

  // The timeline shows whatever connection, view and filter the store says; another session
  // (not a rename of this one) brings its own connections.
  useStore.subscribe((state, previous) => {
    if (state.session !== null && state.session.id !== loadedSessionId) {
      const first = loadedSessionId === null;
      loadedSessionId = state.session.id;
      // After this update has reached every listener: the switch updates the store itself.
      if (!first) queueMicrotask(() => void switchSession());
    }
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
        : { connectionId: state.selectedConnectionId, view: state.view, filter: engineFilter(state.filter, state.connections[state.selectedConnectionId]?.createdAt ?? 0) },
    );
  });

  /** Loads every connection afresh; the selection stays when its connection is still there. */
  async function reloadConnections(): Promise<void> {
    const list = await api.invoke('connections.list', undefined);
    for (const summary of list) {
      loader.grew({ connectionId: summary.id, frameRows: summary.frameRows, messageRows: summary.messageRows });
    }
    useStore.getState().replaceConnections(list);
    const { selectedConnectionId, selectConnection } = useStore.getState();
    const stillThere = list.some((summary) => summary.id === selectedConnectionId);
    if (!stillThere) selectConnection(list.at(-1)?.id ?? null);
    useStore.getState().setListError(null);
  }

  /** The session's own state: its settings, saved messages and environments. */
  async function reloadSessionState(session: Promise<SessionInfo> | null): Promise<void> {
    const store = useStore.getState();
    const [current, settings, saved, environments] = await Promise.allSettled([
      session ?? Promise.resolve(null),
      api.invoke('session.settings', undefined),
      api.invoke('saved.list', undefined),
      api.invoke('env.get', undefined),
    ]);
    if (current.status === 'fulfilled') {
      if (current.value !== null) store.setSession(current.value);
    } else {
      store.setSessionError(`Could not read the current session: ${errorMessage(current.reason)}`);
    }
    if (settings.status === 'fulfilled') store.setSessionSettings(settings.value);
    if (saved.status === 'fulfilled') store.setSavedMessages(saved.value);
    else store.setSavedError(`Could not load the saved messages: ${errorMessage(saved.reason)}`);
    if (environments.status === 'fulfilled') store.setEnvironments(environments.value);
    else store.setEnvironmentsError(`Could not load the environments: ${errorMessage(environments.reason)}`);
  }

  /** Another session is current: its connections replace the old session's, which are gone. */
  async function switchSession(): Promise<void> {
    updated.clear();
    removed.clear();
    runs.clear();
    loader.reset();
    useStore.getState().resetForSession();
    try {
      await reloadConnections();
    } catch (error) {
      useStore.getState().replaceConnections([]);
      useStore.getState().setListError(`Could not load this session's connections: ${errorMessage(error)} Reload the page to try again.`);
    }
    await reloadSessionState(null);
  }

  async function reload(): Promise<void> {
    // The engine may have restarted while the link was down: nothing cached can be trusted.
    loader.reset();
    loadedSessionId = null;
    try {
      const [info] = await Promise.all([api.invoke('app.info', undefined), reloadConnections()]);
      useStore.getState().setAppVersion(info.version);
    } catch (error) {
      useStore.getState().setListError(`Could not load the connections: ${errorMessage(error)} Reload the page to try again.`);
    }
    await reloadSessionState(api.invoke('sessions.current', undefined));
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
