// What the end-to-end tests share: the renderer built and served by browser mode with a real engine,
// the peers the app connects to (a ws echo server, a raw TCP WebSocket server), and Chromium pages
// that record every console error, page error and CSP violation.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { WebSocketServer } from 'ws';
import { Engine } from '../../electron/core/engine.ts';
import { startBrowserServer } from '../../electron/headless/browser-server.ts';
import { parseWireFrame, type WireFrame } from '../support/wire-frames.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const repoRoot = join(import.meta.dirname, '..', '..');

// ------------------------------------------------------------------------------------ the app

export interface App {
  /** The address to open, access token included. */
  url: string;
  engine: Engine;
  /** Deletes every connection, so the next test starts with an empty list. */
  deleteAllConnections(): void;
  close(): Promise<void>;
}

/** Builds the renderer into `workDir` (never trusting a possibly stale dist/) and serves it with a fresh engine whose data folder is in `workDir`. */
export async function startApp(workDir: string): Promise<App> {
  const outDir = join(workDir, 'renderer');
  await build({
    configFile: join(repoRoot, 'renderer', 'vite.config.ts'),
    mode: 'production',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const engine = new Engine({ mode: 'browser', version: 'test', dataDir: join(workDir, 'data') });
  const server = await startBrowserServer({ port: 0, host: '127.0.0.1', rootDir: outDir, engine });
  return {
    url: server.url,
    engine,
    deleteAllConnections: () => {
      for (const { id } of engine.call('connections.list', undefined)) engine.call('connections.delete', { id });
    },
    close: async () => {
      engine.shutdown();
      await server.close();
    },
  };
}

// ------------------------------------------------------------------------------------ peers

export interface ReceivedClose {
  /** Request path of the connection, so each test finds its own. */
  path: string;
  code: number;
  reason: string;
}

export interface EchoServer {
  url: string;
  /** Close frames the server received from clients. */
  closes: ReceivedClose[];
  close(): Promise<void>;
}

/**
 * A ws server on 127.0.0.1 that echoes text as text and binary as binary (and answers pings, as ws
 * does). `blast N` answers N small JSON messages instead; the path /deny is refused with 403.
 */
export async function startEchoServer(): Promise<EchoServer> {
  const closes: ReceivedClose[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, accept) => (info.req.url === '/deny' ? accept(false, 403, 'Forbidden') : accept(true)),
  });
  server.on('connection', (socket, request) => {
    socket.on('error', () => {});
    socket.on('close', (code, reason) => closes.push({ path: request.url ?? '', code, reason: reason.toString() }));
    socket.on('message', (data, isBinary) => {
      const blast = isBinary ? null : /^blast (\d+)$/.exec(data.toString());
      if (blast === null) {
        socket.send(data, { binary: isBinary });
        return;
      }
      for (let seq = 0; seq < Number(blast[1]); seq++) socket.send(JSON.stringify({ seq, note: seq % 10 === 0 ? 'tenth' : 'tick' }));
    });
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

export interface RawServer {
  url: string;
  /** Frames received so far, parsed by hand from the bytes on the socket. */
  frames: WireFrame[];
  close(): Promise<void>;
}

/**
 * A WebSocket server written on bare TCP: it completes the opening handshake (no extensions) and
 * then only records the frames it gets, however invalid, so a test sees exactly what was sent.
 */
export async function startRawServer(): Promise<RawServer> {
  const frames: WireFrame[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const key = /^sec-websocket-key:\s*(\S+)/im.exec(buffered.subarray(0, headEnd).toString('latin1'))?.[1] ?? '';
        // RFC 6455 §4.2.2: the accept value is the SHA-1 of the key and this GUID, base64.
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        buffered = buffered.subarray(headEnd + 4);
      }
      for (let frame = parseWireFrame(buffered); frame !== null; frame = parseWireFrame(buffered)) {
        frames.push(frame);
        buffered = buffered.subarray(frame.wire.length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on: one the OS just handed out and that was closed again. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ------------------------------------------------------------------------------------ the browser

/** Fails (never skips) when Chromium is missing: the e2e suite is part of `npm test`. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}, so the end-to-end tests cannot run — install it with: apt-get install -y chromium`);
  }
}

export interface Browser {
  context: BrowserContext;
  /** Console errors, page errors and CSP violations of a page, in order. */
  problemsOf(page: Page): string[];
  /** A new tab on the app at `url`, once it shows its engine connected. */
  openApp(url: string, timeoutMs?: number): Promise<Page>;
  /** Closes the tab and returns its problems (console errors, page errors, CSP violations). */
  closePage(page: Page): Promise<string[]>;
}

export async function launchBrowser(profileDir: string): Promise<Browser> {
  requireChromium();
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  const problems = new WeakMap<Page, string[]>();
  const problemsOf = (page: Page): string[] => {
    let list = problems.get(page);
    if (list === undefined) problems.set(page, (list = []));
    return list;
  };
  // Chromium logs CSP violations to the console, but the DOM event is the reliable signal.
  await context.exposeBinding('reportCspViolation', (source, text: string) => problemsOf(source.page).push(`CSP: ${text}`));
  // Page code, given as text: this folder is type-checked without DOM types.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      reportCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline code')));`,
  });
  context.on('page', (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problemsOf(page).push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problemsOf(page).push(`page error: ${error.message}`));
  });
  const openApp = async (url: string, timeoutMs = 15_000): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('engine-status').filter({ hasText: 'engine connected' }).waitFor({ timeout: timeoutMs });
    return page;
  };
  const closePage = async (page: Page): Promise<string[]> => {
    const problems = problemsOf(page);
    await page.close();
    return problems;
  };
  return { context, problemsOf, openApp, closePage };
}

/** One timeline row as rendered. */
export interface RowView {
  kind: string;
  dir: string;
  opcode: number;
  position: number;
  flags: string;
  preview: string;
}

/** The rendered timeline rows, top to bottom. */
export async function timelineRows(page: Page): Promise<RowView[]> {
  const rows = await page.getByTestId('timeline-row').evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind') ?? '',
      dir: element.getAttribute('data-dir') ?? '',
      opcode: Number(element.getAttribute('data-opcode')),
      position: Number(element.getAttribute('data-position')),
      flags: element.querySelector('.flags')?.textContent ?? '',
      preview: element.querySelector('.preview')?.textContent ?? '',
    })),
  );
  return rows.sort((a, b) => a.position - b.position);
}

/** The row total in the toolbar ("20,001 frames" → 20001), whatever the locale's digit grouping. */
export async function timelineCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('timeline-count').textContent()) ?? '';
  return Number(/^[\d.,\s\u00a0\u202f]+/.exec(text)?.[0].replace(/\D/g, '') ?? NaN);
}

/** The composer's Monaco editor, once it has loaded. */
function composerEditor(page: Page): Locator {
  return page.locator('[data-testid=composer-editor][data-ready=true] .monaco-editor');
}

/** Replaces the composer's draft by typing, as a person would. */
export async function typeDraft(page: Page, text: string): Promise<void> {
  await composerEditor(page).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/** Opens a connection from the New Connection form and waits until it is open. */
export async function connectFromForm(page: Page, url: string): Promise<void> {
  await page.getByTestId('new-connection-button').click();
  await page.getByTestId('url-input').fill(url);
  await page.getByTestId('connect-button').click();
  await page.getByTestId('connection-form').waitFor({ state: 'detached' });
}

/** The rendered frame rows of the selected connection, in order, as "dir opcode [flags] preview". */
export async function frameRows(page: Page): Promise<string[]> {
  const rows = await page.getByTestId('timeline-row').evaluateAll((elements) =>
    elements.map((element) => ({
      kind: element.getAttribute('data-kind'),
      position: Number(element.getAttribute('data-position')),
      text: `${element.getAttribute('data-dir')} ${element.getAttribute('data-opcode')} [${element.getAttribute('data-flags')}] ${element.querySelector('.preview')?.textContent ?? ''}`,
    })),
  );
  return rows.filter((row) => row.kind === 'frame').sort((a, b) => a.position - b.position).map((row) => row.text);
}
