// The engine's heap flags (electron/core/v8-flags.ts) are only worth something if every launcher
// passes them and V8 sizes the young generation as the module says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENGINE_V8_FLAGS, SEMI_SPACE_MB, YOUNG_GENERATION_MB } from '../../../electron/core/v8-flags.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

// Allocates with some survivors across scavenges (as a relay does); answers the new space's size in MiB.
const CHURN = `const v8 = require('node:v8');
function churn() {
  const keep = [];
  for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep.splice(0, 10000); }
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
}`;

/** The new space after the churn: in a process started with `flags`, or in a worker given `workerYoungMb`. */
function newSpaceMiB(flags: readonly string[], workerYoungMb = 0): number {
  const inWorker = `const { Worker } = require('node:worker_threads');
    new Worker(${JSON.stringify(`${CHURN}\nrequire('node:worker_threads').parentPort.postMessage(churn());`)},
      { eval: true, resourceLimits: { maxYoungGenerationSizeMb: ${workerYoungMb} } }).once('message', (mb) => console.log(mb));`;
  const script = workerYoungMb > 0 ? inWorker : `${CHURN}\nconsole.log(churn());`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).trim());
}

describe('the engine heap flags', () => {
  it('are on every command line that starts the engine', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const cliShebang = read('electron/headless/cli.ts').split('\n')[0]!;
    for (const flag of ENGINE_V8_FLAGS) {
      expect(scripts.start!.split(' ')).toContain(flag);
      expect(scripts.framescope!.split(' ')).toContain(flag);
      expect(cliShebang.startsWith('#!/usr/bin/env -S node ')).toBe(true);
      expect(cliShebang.split(' ')).toContain(flag);
    }
    // Electron takes them as --js-flags; start.ts and main.ts build that from the list itself.
    expect(read('electron/headless/start.ts')).toContain("`--js-flags=${ENGINE_V8_FLAGS.join(' ')}`");
    expect(read('electron/app/main.ts')).toMatch(/ENGINE_V8_FLAGS\.filter/);
  });

  it('bound the main isolate\'s young generation, which V8 otherwise grows to several times that', () => {
    const bounded = newSpaceMiB(ENGINE_V8_FLAGS);
    expect(bounded).toBeLessThanOrEqual(2 * SEMI_SPACE_MB);
    expect(newSpaceMiB([])).toBeGreaterThan(2 * SEMI_SPACE_MB);
  });

  it('bound a worker\'s young generation the same way through YOUNG_GENERATION_MB', () => {
    expect(newSpaceMiB([], YOUNG_GENERATION_MB)).toBeLessThanOrEqual(2 * SEMI_SPACE_MB);
    expect(newSpaceMiB([], 4 * YOUNG_GENERATION_MB)).toBeGreaterThan(2 * SEMI_SPACE_MB);
  });
});
