// End to end: the production renderer build, served by browser mode, rendered by a real Chromium.
// Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it); without it the test fails.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrowserServer, type BrowserServer } from '../../electron/headless/browser-server.ts';

const chromiumPath = '/usr/bin/chromium';
const repoRoot = join(import.meta.dirname, '..', '..');
let workDir: string;
let server: BrowserServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'framescope-e2e-'));
  const outDir = join(workDir, 'renderer');
  await build({
    configFile: join(repoRoot, 'renderer', 'vite.config.ts'),
    mode: 'production',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  server = await startBrowserServer({ port: 0, host: '127.0.0.1', rootDir: outDir });
});

afterAll(async () => {
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('renders the app name and the release notice with no console errors or CSP violations', async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}; install it with: apt-get install -y chromium`);
  }
  const context = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Chromium logs CSP violations to the console, but the DOM event is the reliable signal.
    await context.exposeBinding('reportCspViolation', (_source, text: string) => problems.push(`CSP: ${text}`));
    // Page code, given as text: this file is type-checked without DOM types.
    await context.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        reportCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline code')));`,
    });

    await page.goto(server.url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Framescope');
    expect(await page.getByRole('status').textContent()).toContain('upcoming releases');

    // The token is now in a cookie: the bare address must work too.
    await page.goto(new URL('/', server.url).href);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Framescope');

    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
