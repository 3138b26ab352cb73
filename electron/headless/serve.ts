// Browser mode: the engine plus the built renderer on a loopback port, shared by `npm start` (when
// Electron is missing) and `framescope serve`. Rebuilds the renderer when its sources are newer.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Engine } from '../core/engine.ts';
import { dataDir } from './data-dir.ts';
import { startBrowserServer, type BrowserServer } from './browser-server.ts';

/** The folder holding package.json, whether running from source or from dist/. */
export const appRoot = findAppRoot(import.meta.dirname);
export const rendererDir = join(appRoot, 'dist', 'renderer');

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function findAppRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Newest modification time under `dir` (0 when it does not exist). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds dist/renderer when it is missing or older than renderer/ or shared/ (a source checkout). */
export async function ensureRendererBuilt(log: (line: string) => void): Promise<void> {
  const index = join(rendererDir, 'index.html');
  const sources = join(appRoot, 'renderer');
  if (!existsSync(sources)) {
    if (existsSync(index)) return;
    throw new Error(`the renderer is not built and its sources are missing: ${index} does not exist`);
  }
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built > 0 && built >= Math.max(newestMtime(sources), newestMtime(join(appRoot, 'shared')))) return;
  log(built === 0 ? 'Building the renderer into dist/renderer (first start)…' : 'Rebuilding the renderer (its sources changed)…');
  const { build } = await import('vite');
  await build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn' });
}

export interface BrowserMode {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

/** `data`: the data folder (sessions, CA); the user's own (data-dir.ts) unless given, as tests and benchmarks do. */
export async function startBrowserMode(port: number, host = '127.0.0.1', data = dataDir()): Promise<BrowserMode> {
  const engine = new Engine({ mode: 'browser', version: appVersion(), dataDir: data });
  let server: BrowserServer;
  try {
    server = await startBrowserServer({ port, host, rootDir: rendererDir, engine });
  } catch (error) {
    engine.shutdown();
    throw error;
  }
  return {
    url: server.url,
    engine,
    close: async () => {
      engine.shutdown();
      await server.close();
    },
  };
}
