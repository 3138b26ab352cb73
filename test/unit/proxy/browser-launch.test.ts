// Launching a browser through the proxy: its command line, finding one, the errors a person sees, and a
// real Chromium whose request to a loopback address arrives at a stand-in proxy.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { browserArgs, findBrowser, launchBrowser } from '../../../electron/core/proxy/browser-launch.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'framescope-browser-test-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A folder holding the named files; `executable` ones get mode 0755. */
function binDir(files: Record<string, 'executable' | 'plain'>): string {
  const dir = mkdtempSync(join(root, 'bin-'));
  for (const [name, kind] of Object.entries(files)) {
    writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, name), kind === 'executable' ? 0o755 : 0o644);
  }
  return dir;
}

describe('browserArgs', () => {
  test('points Chromium at the proxy, loopback included, trusts the CA SPKI, and opens the URL last', () => {
    expect(browserArgs({ proxyAddress: '127.0.0.1:8080', spki: 'c3BraQ==', profileDir: '/tmp/profile', url: 'https://example.test/', extraArgs: ['--headless'] })).toEqual([
      '--user-data-dir=/tmp/profile',
      '--proxy-server=http://127.0.0.1:8080',
      '--proxy-bypass-list=<-loopback>',
      '--ignore-certificate-errors-spki-list=c3BraQ==',
      '--no-first-run',
      '--no-default-browser-check',
      '--headless',
      'https://example.test/',
    ]);
  });

  test('opens about:blank when no URL is given', () => {
    expect(browserArgs({ proxyAddress: '[::1]:9000', spki: 'x', profileDir: '/p' }).at(-1)).toBe('about:blank');
  });
});

describe('findBrowser', () => {
  test('takes FRAMESCOPE_BROWSER first', () => {
    vi.stubEnv('PATH', binDir({ chromium: 'executable' }));
    vi.stubEnv('FRAMESCOPE_BROWSER', '/opt/my-chrome/chrome');
    expect(findBrowser()).toBe('/opt/my-chrome/chrome');
  });

  test('looks the known names up on PATH in order, skipping files that are not executable', () => {
    const plain = binDir({ chromium: 'plain' });
    const executables = binDir({ 'brave-browser': 'executable', 'google-chrome': 'executable' });
    vi.stubEnv('FRAMESCOPE_BROWSER', '');
    vi.stubEnv('PATH', [plain, executables].join(':'));
    expect(findBrowser()).toBe(join(executables, 'google-chrome'));
  });

  test('skips a folder named like a browser', () => {
    const folders = mkdtempSync(join(root, 'bin-'));
    mkdirSync(join(folders, 'chromium'));
    const executables = binDir({ 'google-chrome': 'executable' });
    vi.stubEnv('FRAMESCOPE_BROWSER', '');
    vi.stubEnv('PATH', [folders, executables].join(':'));
    expect(findBrowser()).toBe(join(executables, 'google-chrome'));
  });
});

describe('launchBrowser errors', () => {
  // Elsewhere the usual install folders may hold a browser whatever PATH says.
  test.runIf(process.platform === 'linux')('says how to fix it when no browser is installed', () => {
    vi.stubEnv('FRAMESCOPE_BROWSER', '');
    vi.stubEnv('PATH', binDir({}));
    expect(() => launchBrowser({ proxyAddress: '127.0.0.1:1', spki: 'x' })).toThrow('No Chromium or Chrome found — install one, or set FRAMESCOPE_BROWSER to its path');
  });

  test('names a missing executable', () => {
    const missing = join(root, 'no-such-browser');
    expect(() => launchBrowser({ proxyAddress: '127.0.0.1:1', spki: 'x', executable: missing })).toThrow(
      `Cannot run the browser ${missing}, which is not an executable file — install Chromium or Chrome, or set FRAMESCOPE_BROWSER to its path`,
    );
  });

  test('blames FRAMESCOPE_BROWSER when that is what points at nothing', () => {
    const missing = join(root, 'gone', 'chrome');
    vi.stubEnv('FRAMESCOPE_BROWSER', missing);
    expect(() => launchBrowser({ proxyAddress: '127.0.0.1:1', spki: 'x' })).toThrow(`FRAMESCOPE_BROWSER points at ${missing}, which is not an executable file`);
  });
});

describe('the launched browser\'s own profile', () => {
  test.runIf(process.platform !== 'win32')('is removed after the helper processes still writing into it have ended, not when the main one exits', async () => {
    // A stand-in browser whose main process exits at once, leaving a helper (same process group, deaf to
    // SIGTERM) that writes into the profile a moment later, as Chromium's storage and GPU helpers do.
    const browser = join(mkdtempSync(join(root, 'bin-')), 'chromium');
    writeFileSync(browser, [
      '#!/bin/sh',
      'for arg; do case "$arg" in --user-data-dir=*) dir="${arg#--user-data-dir=}";; esac; done',
      `(trap '' TERM; : > "$dir.ready"; sleep 0.4; mkdir -p "$dir/Default" && echo late > "$dir/Default/Last Session"; echo done > "$dir.helper") &`,
      // The main process exits once the helper is deaf to SIGTERM (else the launcher's SIGTERM may come first).
      'while [ ! -e "$dir.ready" ]; do sleep 0.01; done',
      'exit 0',
      '',
    ].join('\n'));
    chmodSync(browser, 0o755);
    const launched = launchBrowser({ executable: browser, proxyAddress: '127.0.0.1:1', spki: 'x' });
    await new Promise((resolve) => launched.child.once('exit', resolve));
    await vi.waitFor(() => expect(existsSync(`${launched.profileDir}.helper`)).toBe(true), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(existsSync(launched.profileDir)).toBe(false), { timeout: 10_000, interval: 20 });
    rmSync(`${launched.profileDir}.helper`);
    rmSync(`${launched.profileDir}.ready`);
  }, 30_000);
});

describe('a launched Chromium', () => {
  test('sends its request for a loopback page through the proxy, from a profile of its own removed when it exits', async () => {
    // Whichever way the page is fetched, the test goes on once it has been.
    let pageRequested!: () => void;
    const requested = new Promise<void>((resolve) => (pageRequested = resolve));
    // The page's own server: a request here means Chromium bypassed the proxy.
    const direct: string[] = [];
    const target = http.createServer((request, response) => {
      direct.push(request.url ?? '');
      response.end('direct');
      pageRequested();
    });
    // A stand-in proxy: records absolute-URI requests and answers them itself.
    const proxied: string[] = [];
    const proxy = http.createServer((request, response) => {
      proxied.push(request.url ?? '');
      response.setHeader('content-type', 'text/html');
      response.end('<title>via proxy</title>');
      if (request.url?.endsWith('/through-the-proxy')) pageRequested();
    });
    await Promise.all([target, proxy].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/through-the-proxy`;

    const launched = launchBrowser({
      executable: CHROMIUM_PATH,
      proxyAddress: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      spki: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      url,
      extraArgs: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    const exited = new Promise<void>((resolve) => launched.child.once('exit', () => resolve()));
    try {
      expect(launched.executable).toBe(CHROMIUM_PATH);
      expect(launched.pid).toBe(launched.child.pid);
      expect(launched.profileDir).toMatch(new RegExp(`^${tmpdir()}/framescope-browser-`));
      await requested;
      expect(proxied).toContain(url);
      expect(direct).toEqual([]);
    } finally {
      launched.child.kill();
      await exited;
      await Promise.all([target, proxy].map((server) => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })));
    }
    // The profile goes once the browser's helper processes have ended too, which takes a moment after the main one.
    await vi.waitFor(() => expect(existsSync(launched.profileDir)).toBe(false), { timeout: 15_000, interval: 50 });
  }, 60_000);
});
