// What `npm start` runs: Framescope in Electron when its binary is installed, otherwise in browser mode.
// Runs from source under `node --experimental-strip-types`; builds what is missing on the way.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ENGINE_V8_FLAGS } from '../core/v8-flags.ts';
import { PortInUseError } from './browser-server.ts';
import { appRoot as repoRoot, ensureRendererBuilt, startBrowserMode } from './serve.ts';

const requireFromRepo = createRequire(join(repoRoot, 'package.json'));
const electronDownloadTimeoutMs = 60_000;
const usage = 'Usage: npm start [-- --port N]   (browser mode listens on 127.0.0.1:N, default 7331; 0 picks a free port)';

type ElectronLookup = { binary: string } | { missing: string };

function parsePort(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '7331' } } });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) throw new Error(`--port needs a number from 0 to 65535, not "${values.port}"`);
  return port;
}

function electronPackageDir(): string | undefined {
  try {
    return dirname(requireFromRepo.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

// Mirrors what require('electron') does (path.txt names the binary inside dist/) without its
// side effect of downloading with no time limit.
function findElectronBinary(electronDir: string): ElectronLookup {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'its download has not run' };
  const binary = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist'), readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? { binary } : { missing: `${binary} does not exist` };
}

// npm install skips electron's download (.npmrc ignore-scripts), so a start without it tries it once.
// Its output is a stack trace on failure: keep it, and show only its first line.
function downloadElectron(electronDir: string): Promise<string | undefined> {
  console.log(`Electron binary not found; downloading it (giving up after ${electronDownloadTimeoutMs / 1000} s)…`);
  return new Promise((resolveDownload) => {
    const child = spawn(process.execPath, [join(electronDir, 'install.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: electronDownloadTimeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolveDownload(`the download could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      if (code === 0) resolveDownload(undefined);
      else if (signal !== null) resolveDownload(`its download did not finish within ${electronDownloadTimeoutMs / 1000} s`);
      else {
        const firstLine = output.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${code}`;
        resolveDownload(`its download failed: ${firstLine.slice(0, 200)}`);
      }
    });
  });
}

async function locateElectron(): Promise<ElectronLookup> {
  const electronDir = electronPackageDir();
  if (electronDir === undefined) return { missing: 'the electron package is not installed; run npm install' };
  const found = findElectronBinary(electronDir);
  if ('binary' in found) return found;
  const failure = await downloadElectron(electronDir);
  return failure === undefined ? findElectronBinary(electronDir) : { missing: failure };
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', rejectRun);
    child.on('close', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolveRun(code ?? 1);
    });
  });
}

async function startElectron(binary: string): Promise<void> {
  const tsc = join(dirname(requireFromRepo.resolve('typescript/package.json')), 'bin', 'tsc');
  const compiled = await run(process.execPath, [tsc, '-p', join(repoRoot, 'electron', 'tsconfig.build.json')]);
  if (compiled !== 0) throw new Error('compiling electron/ failed (errors above)');
  // Electron is given the app folder, not main.js, so it reads package.json for the app's name and version.
  process.exitCode = await run(binary, [`--js-flags=${ENGINE_V8_FLAGS.join(' ')}`, repoRoot]);
}

async function runBrowserMode(port: number): Promise<void> {
  const mode = await startBrowserMode(port);
  console.log(`Framescope (browser mode): ${mode.url}`);
  console.log('Press Ctrl-C to stop.');
  const stop = (): void => {
    mode.close().catch((error: unknown) => {
      console.error(`Closing the server failed: ${String(error)}`);
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function headlessReason(): string | undefined {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display: DISPLAY and WAYLAND_DISPLAY are unset';
  }
  return undefined;
}

async function main(): Promise<void> {
  let port: number;
  try {
    port = parsePort(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  await ensureRendererBuilt((line) => console.log(line));
  const electron = await locateElectron();
  if ('binary' in electron) {
    const noDisplay = headlessReason();
    if (noDisplay === undefined) return startElectron(electron.binary);
    console.log(`Electron cannot open a window (${noDisplay}) — starting Framescope in browser mode`);
  } else {
    console.log(`Electron binary is not installed (${electron.missing}) — starting Framescope in browser mode`);
  }
  try {
    await runBrowserMode(port);
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`Framescope could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
