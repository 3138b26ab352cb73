// Packages only the benchmarks compare against, installed on first use into a cache folder instead of
// devDependencies: mockttp lists an optional dependency (tls-impersonate) the registry does not serve,
// which `npm install` tolerates but leaves package-lock.json in a state `npm ci` refuses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Pinned so that runs on different days compare the same peer. */
export const BENCH_PACKAGES = { mockttp: '4.6.5' } as const;
export type BenchPackage = keyof typeof BENCH_PACKAGES;

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'framescope-bench');
}

function installedVersion(name: BenchPackage): string | null {
  const manifest = join(cacheDir(), 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return null;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Installs the pinned version when the cache lacks it; returns null when it is there, else why it is not. */
export function ensureBenchPackage(name: BenchPackage): string | null {
  const wanted = BENCH_PACKAGES[name];
  if (installedVersion(name) === wanted) return null;
  mkdirSync(cacheDir(), { recursive: true });
  console.log(`Installing ${name}@${wanted} for the benchmark into ${cacheDir()} (once)…`);
  const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', cacheDir(), `${name}@${wanted}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (npm.status === 0 && installedVersion(name) === wanted) return null;
  return `npm install ${name}@${wanted} into ${cacheDir()} failed (exit ${npm.status ?? npm.signal})`;
}

export function benchPackageVersion(name: BenchPackage): string | null {
  return installedVersion(name);
}

/** Imports a package ensureBenchPackage installed. */
export async function importBenchPackage<T>(name: BenchPackage): Promise<T> {
  const entry = createRequire(join(cacheDir(), 'package.json')).resolve(name);
  return (await import(pathToFileURL(entry).href)) as T;
}
