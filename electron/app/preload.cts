// Preload of the Framescope window: puts `window.framescope` (shared/api.ts ElectronBridge) on the
// page, one named function per command plus `on` for events, and nothing else of Electron or Node.
// Sandboxed preloads run as CommonJS and can require only `electron`, so this file is self-contained:
// the command list is repeated here, and the compiler checks it against the contract's.
import type { CommandName, ElectronBridge, EventName } from '../../shared/api.ts';

const { contextBridge, ipcRenderer }: typeof import('electron') = require('electron');

const commands: Record<CommandName, true> = {
  'app.info': true,
  'connections.open': true,
  'connections.list': true,
  'connections.close': true,
  'connections.reconnect': true,
  'connections.delete': true,
  'connections.send': true,
  'timeline.range': true,
  'timeline.detail': true,
  'proxy.status': true,
  'proxy.start': true,
  'proxy.stop': true,
  'intercept.get': true,
  'intercept.configure': true,
  'intercept.setRules': true,
  'intercept.resolve': true,
  'intercept.forwardAll': true,
  'ca.info': true,
  'ca.regenerate': true,
  'browser.launch': true,
  'sessions.list': true,
  'sessions.current': true,
  'sessions.new': true,
  'sessions.open': true,
  'sessions.rename': true,
  'sessions.delete': true,
  'session.settings': true,
  'session.configure': true,
  'session.search': true,
  'har.export': true,
  'har.import': true,
  'saved.list': true,
  'saved.save': true,
  'saved.fromRow': true,
  'saved.delete': true,
  'saved.render': true,
  'saved.send': true,
  'env.get': true,
  'env.set': true,
  'replay.plan': true,
  'replay.start': true,
  'replay.stop': true,
  'replay.list': true,
  'replay.compare': true,
};
const events: Record<EventName, true> = {
  'connection.updated': true,
  'connection.removed': true,
  'timeline.grew': true,
  'proxy.updated': true,
  'intercept.updated': true,
  'session.changed': true,
  'saved.updated': true,
  'replay.updated': true,
};

const bridge: Record<string, unknown> = {};
for (const name of Object.keys(commands)) {
  bridge[name] = (arg: unknown): Promise<unknown> => ipcRenderer.invoke(`framescope:invoke:${name}`, arg);
}
bridge.on = (name: string, listener: (payload: unknown) => void): (() => void) => {
  if (!Object.hasOwn(events, name)) throw new Error(`Framescope has no event "${name}"`);
  const channel = `framescope:event:${name}`;
  // The page never sees the IPC event object (it would expose the sender).
  const handler = (_event: unknown, payload: unknown): void => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
};

contextBridge.exposeInMainWorld('framescope', bridge as unknown as ElectronBridge);
