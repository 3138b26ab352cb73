// Preload of the Framescope window: exposes `window.framescope` to the page, with named functions only.
// Sandboxed preloads run as CommonJS with only a few built-in modules, so this file is .cts and self-contained.
const { contextBridge, ipcRenderer }: typeof import('electron') = require('electron');

contextBridge.exposeInMainWorld('framescope', {
  version: (): Promise<string> => ipcRenderer.invoke('framescope:invoke:version'),
});
