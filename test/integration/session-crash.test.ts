// A session file survives its process being killed mid-capture: it opens intact, every row reads
// back, every batch the process reported as written is there, and at most the batch being written
// when it died is missing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SessionStore } from '../../electron/core/store/session-store.ts';

const RECORDER = fileURLToPath(new URL('../support/session-recorder.ts', import.meta.url));

interface Counts {
  frames: number;
  messages: number;
}

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'framescope-crash-'));
  path = join(dir, 'crash.framescope');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the recorder (test/support/session-recorder.ts) on `path` and kills it with SIGKILL once it has
 * reported `batches` batches written. With `stop`, the recorder blocks after that report, so nothing
 * is written between the report and the kill. Returns the counts it reported.
 */
async function recordAndKill(batches: number, stop: boolean): Promise<Counts[]> {
  const args = ['--experimental-strip-types', '--no-warnings', RECORDER, path, ...(stop ? [String(batches)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: Counts[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [frames, messages] = line.split(' ').map(Number);
      reports.push({ frames: frames!, messages: messages! });
    }
    if (reports.length >= batches && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
  expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
  return reports;
}

/** Opens the killed recorder's file and reads every row back; returns its row counts. */
function readBack(): Counts {
  const db = new DatabaseSync(path);
  expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
  db.close();

  const store = new SessionStore(path);
  try {
    expect(store.connections().map((c) => c.id)).toEqual([1]);
    const { frameRows, messageRows } = store.counts(1);
    const frames = store.range({ connectionId: 1, view: 'frames', start: 0, count: frameRows });
    const messages = store.range({ connectionId: 1, view: 'messages', start: 0, count: messageRows });
    expect(frames.rows.map((r) => r.index)).toEqual([...Array(frameRows).keys()]);
    expect(messages.rows.map((r) => r.index)).toEqual([...Array(messageRows).keys()]);
    // Data messages are numbered from 1 in the order they were recorded: no gap means none was lost in between.
    const numbers = messages.rows.filter((r) => r.kind === 'message').map((r) => Number(/^message (\d+) /.exec(r.preview)![1]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    for (const r of frames.rows) expect(r.ref).toBeLessThan(messageRows);

    expect(store.detail({ connectionId: 1, view: 'frames', index: frameRows - 1 }).row.index).toBe(frameRows - 1);
    const last = store.detail({ connectionId: 1, view: 'messages', index: messageRows - 1 });
    expect(last.text ?? last.row.preview).toMatch(/^(message|ping) \d+/);
    expect([...store.frames(1)]).toHaveLength(frameRows);
    expect([...store.messages(1)]).toHaveLength(messageRows);
    return { frames: frameRows, messages: messageRows };
  } finally {
    store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  }
}

test('a recording killed with SIGKILL mid-capture opens intact and loses at most its last batch', async () => {
  const reports = await recordAndKill(40, false);
  const last = reports.at(-1)!;
  // The largest batch reported bounds what may be on disk beyond the last report.
  const batch = { frames: reports[0]!.frames, messages: reports[0]!.messages };
  for (let i = 1; i < reports.length; i++) {
    batch.frames = Math.max(batch.frames, reports[i]!.frames - reports[i - 1]!.frames);
    batch.messages = Math.max(batch.messages, reports[i]!.messages - reports[i - 1]!.messages);
  }
  const stored = readBack();
  expect(stored.frames).toBeGreaterThanOrEqual(last.frames);
  expect(stored.messages).toBeGreaterThanOrEqual(last.messages);
  expect(stored.frames - last.frames).toBeLessThanOrEqual(batch.frames);
  expect(stored.messages - last.messages).toBeLessThanOrEqual(batch.messages);
});

test('every batch the writer reported committed is on disk when the process is killed right after', async () => {
  const reports = await recordAndKill(20, true);
  expect(reports).toHaveLength(20);
  expect(readBack()).toEqual(reports.at(-1));
});
