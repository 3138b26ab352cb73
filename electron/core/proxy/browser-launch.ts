// Starts an installed Chromium-family browser with its own profile, sending all its traffic through the
// proxy and trusting the MITM CA by its key hash, so intercepting a web app takes one click.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface BrowserLaunchOptions {
  /** host:port of the proxy listener. */
  proxyAddress: string;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo. */
  spki: string;
  /** The page to open; about:blank when absent. */
  url?: string;
  /** The browser to run; found with findBrowser() when absent. */
  executable?: string;
  /** The profile folder; a fresh temporary one when absent. */
  profileDir?: string;
  extraArgs?: string[];
}

export interface LaunchedBrowser {
  executable: string;
  pid: number;
  profileDir: string;
  child: ChildProcess;
}

const NOT_FOUND = 'No Chromium or Chrome found — install one, or set FRAMESCOPE_BROWSER to its path';
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'brave-browser'];
const MAC_APPS = [
  'Google Chrome.app/Contents/MacOS/Google Chrome',
  'Chromium.app/Contents/MacOS/Chromium',
  'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  'Brave Browser.app/Contents/MacOS/Brave Browser',
];
const WINDOWS_APPS = [
  'Google\\Chrome\\Application\\chrome.exe',
  'Chromium\\Application\\chrome.exe',
  'Microsoft\\Edge\\Application\\msedge.exe',
  'BraveSoftware\\Brave-Browser\\Application\\brave.exe',
];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

function installedApps(): string[] {
  if (process.platform === 'darwin') {
    return MAC_APPS.flatMap((app) => [join('/Applications', app), join(homedir(), 'Applications', app)]);
  }
  if (process.platform === 'win32') {
    const roots = [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA];
    return roots.flatMap((root) => (root === undefined ? [] : WINDOWS_APPS.map((app) => join(root, app))));
  }
  return [];
}

/** FRAMESCOPE_BROWSER when set, else the first Chromium-family browser on PATH or in the usual install folders. */
export function findBrowser(): string | null {
  const chosen = process.env.FRAMESCOPE_BROWSER;
  if (chosen !== undefined && chosen !== '') return chosen;
  for (const name of PATH_NAMES) {
    const found = onPath(name);
    if (found !== null) return found;
  }
  return installedApps().find(isExecutableFile) ?? null;
}

/** The command line that points the browser at the proxy and makes it accept the CA's certificates. */
export function browserArgs(opts: BrowserLaunchOptions & { profileDir: string }): string[] {
  return [
    // A profile of its own: the person's everyday profile keeps its proxy settings and history, and
    // Chromium honours the SPKI list only when given a user data folder.
    `--user-data-dir=${opts.profileDir}`,
    `--proxy-server=http://${opts.proxyAddress}`,
    // Chromium never proxies localhost and loopback addresses unless told to stop bypassing them.
    '--proxy-bypass-list=<-loopback>',
    // Matches the SPKIs of the certificates the server sends; the proxy sends the CA along with each leaf.
    `--ignore-certificate-errors-spki-list=${opts.spki}`,
    '--no-first-run',
    '--no-default-browser-check',
    ...(opts.extraArgs ?? []),
    opts.url ?? 'about:blank',
  ];
}

/** How long the browser's helper processes get to end after its main process has, before they are killed. */
const STRAGGLER_GRACE_MS = 5000;
const STRAGGLER_POLL_MS = 50;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes a profile once no process of the browser uses it. The main process exits first; its zygote,
 * GPU, network and storage helpers (same process group, as the browser is started detached) end a moment
 * later and may still write into the profile, which would put files back after an early removal.
 */
function removeProfileWhenGone(pgid: number, profileDir: string): void {
  const remove = () => void rm(profileDir, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
  // Windows has no process groups to wait on; its helpers end with the main process's job.
  if (process.platform === 'win32') return remove();
  const deadline = Date.now() + STRAGGLER_GRACE_MS;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    // The group is already gone.
  }
  const check = () => {
    if (!groupAlive(pgid)) return remove();
    if (Date.now() < deadline) return void setTimeout(check, STRAGGLER_POLL_MS).unref();
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone in the meantime.
    }
    setTimeout(remove, STRAGGLER_POLL_MS).unref();
  };
  check();
}

/** Starts the browser, detached from Framescope's stdio; throws an Error a person can act on when it cannot start. */
export function launchBrowser(opts: BrowserLaunchOptions): LaunchedBrowser {
  const executable = opts.executable ?? findBrowser();
  if (executable === null) throw new Error(NOT_FOUND);
  if (!isExecutableFile(executable)) {
    const source = opts.executable === undefined && process.env.FRAMESCOPE_BROWSER === executable ? 'FRAMESCOPE_BROWSER points at' : 'Cannot run the browser';
    throw new Error(`${source} ${executable}, which is not an executable file — install Chromium or Chrome, or set FRAMESCOPE_BROWSER to its path`);
  }
  const ownProfile = opts.profileDir === undefined;
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'framescope-browser-'));
  const child = spawn(executable, browserArgs({ ...opts, profileDir }), { stdio: 'ignore', detached: true });
  // A failed spawn reports its error asynchronously too; it has already been thrown below.
  child.on('error', () => {});
  if (child.pid === undefined) {
    if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
    throw new Error(`Could not start ${executable} — check that it is a working Chromium or Chrome, or set FRAMESCOPE_BROWSER to another one`);
  }
  if (ownProfile) child.once('exit', () => removeProfileWhenGone(child.pid!, profileDir));
  // The browser may outlive Framescope; it must not keep Framescope's event loop alive.
  child.unref();
  return { executable, pid: child.pid, profileDir, child };
}
