// Electron main process: opens the hardened Framescope window and answers its preload's calls.
// Compiled to dist/electron/app/main.js; the renderer build sits beside it in dist/renderer/.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { COMMAND_NAMES, eventChannel, invokeChannel, type Outcome } from '../../shared/api.ts';
import { Engine } from '../core/engine.ts';
import { ENGINE_V8_FLAGS } from '../core/v8-flags.ts';

const rendererIndex = join(import.meta.dirname, '..', '..', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
// Sandboxed preloads must be CommonJS, hence the .cjs that tsc emits for preload.cts.
const preloadScript = join(import.meta.dirname, 'preload.cjs');

let mainWindow: BrowserWindow | undefined;

function isAppPage(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  parsed.hash = '';
  parsed.search = '';
  return parsed.protocol === 'file:' && parsed.href === rendererUrl;
}

// The renderer is untrusted input: a call counts only if it comes from the app's own page in the
// main frame of the main window, not from a subframe or a page the window was somehow sent to.
function fromAppMainFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (frame === null || mainWindow === undefined || mainWindow.isDestroyed()) return false;
  const mainFrame = mainWindow.webContents.mainFrame;
  return frame.processId === mainFrame.processId && frame.frameToken === mainFrame.frameToken && isAppPage(frame.url);
}

// The engine runs in this process, and V8 takes its heap flags only at start (v8-flags.ts): started
// without them (a packaged app launched from the desktop), start again with them, once.
const RELAUNCHED = '--framescope-relaunched';
const jsFlags = app.commandLine.getSwitchValue('js-flags');
const missingFlags = ENGINE_V8_FLAGS.filter((flag) => !jsFlags.split(/\s+/).includes(flag));
if (missingFlags.length > 0 && !process.argv.includes(RELAUNCHED)) {
  const args = process.argv.slice(1).filter((arg) => !arg.startsWith('--js-flags'));
  app.relaunch({ args: [...args, `--js-flags=${[jsFlags, ...missingFlags].filter((f) => f !== '').join(' ')}`, RELAUNCHED] });
  app.exit(0);
  // Nothing below may run (it would open the session that the new instance is about to open).
  await new Promise<never>(() => {});
}

const engine = new Engine({ mode: 'electron', version: app.getVersion(), dataDir: app.getPath('userData') });

// One handler per command of the contract, each behind the sender check; the engine validates the argument.
for (const name of COMMAND_NAMES) {
  ipcMain.handle(invokeChannel(name), (event, arg: unknown): Outcome<unknown> | Promise<Outcome<unknown>> => {
    if (!fromAppMainFrame(event)) {
      return { ok: false, error: { code: 'INVALID_STATE', message: `${name} refused: the call did not come from the Framescope window` } };
    }
    return engine.dispatch(name, arg);
  });
}

// Engine events go to the app window only, on channels named after the contract's events.
engine.on((name, payload) => {
  if (mainWindow === undefined || mainWindow.isDestroyed()) return;
  mainWindow.webContents.send(eventChannel(name), payload);
});

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Framescope',
    width: 1280,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    webPreferences: {
      preload: preloadScript,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  window.loadFile(rendererIndex).catch((error: unknown) => {
    console.error(`Could not load ${rendererIndex} (${String(error)}) — build it with npm run build`);
  });
  return window;
}

app.enableSandbox();

// Applied to every web contents, so no window, frame or webview can open or navigate elsewhere.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isAppPage(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppPage(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => engine.shutdown());

await app.whenReady();

session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
session.defaultSession.setPermissionCheckHandler(() => false);

mainWindow = createWindow();

app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
});
