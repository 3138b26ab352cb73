// The session commands of `framescope` as a script runs them: connect records into a session on disk,
// sessions lists it, export writes HAR, import reads it back, replay reruns a connection against a
// real ws server and says through its exit status whether the server answered as recorded.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--experimental-strip-types', '--no-warnings', 'electron/headless/cli.ts'];
/** A hang guard, not a timing assertion. */
const HANG_GUARD_MS = 30_000;

interface Exit { code: number | null; stdout: string; stderr: string }

let dataDir: string;
let wss: WebSocketServer;
let url: string;
/** The server answers each message with its text and a count that grows across connections, unless told to echo. */
let replies = 0;
let echo = true;

function framescope(args: string[], input: string[] = []): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: repoRoot, timeout: HANG_GUARD_MS, env: { ...process.env, FRAMESCOPE_DATA_DIR: dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => undefined);
    for (const line of input) child.stdin.write(`${line}\n`);
    child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'framescope-cli-sessions-'));
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/chat`;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(echo ? String(data) : `${String(data)} #${++replies}`));
  });
});

afterAll(async () => {
  await new Promise((resolve) => wss.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sessions on the command line', () => {
  let sessionId: string;
  let harFile: string;

  test('connect records into a new session that `sessions` lists', async () => {
    const connected = await framescope(['connect', url, '-H', 'Authorization: Bearer cli-s3cret'], ['hello', 'world']);
    expect(connected.code).toBe(0);
    const listed = await framescope(['sessions']);
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.includes(`connect ${url}`));
    expect(line).toMatch(/\(1 connection, /);
    sessionId = line!.split(/\s+/)[0]!;
  });

  test('export writes the session as HAR with Chrome\'s _webSocketMessages', async () => {
    harFile = path.join(dataDir, 'out.har');
    const exported = await framescope(['export', sessionId, '--har', harFile]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/Exported 1 connection/);
    expect(exported.stderr).toMatch(/Left out the Authorization header \(credentials\); --sensitive keeps them/);
    expect(readFileSync(harFile, 'utf8')).not.toContain('cli-s3cret');
    const full = await framescope(['export', sessionId, '--har', '-', '--sensitive']);
    expect(full.stdout).toContain('Bearer cli-s3cret');
    expect(full.stderr).not.toMatch(/Left out/);
    const har = JSON.parse(readFileSync(harFile, 'utf8')) as { log: { entries: Array<{ request: { url: string }; _webSocketMessages: Array<{ type: string; data: string }> }> } };
    expect(har.log.entries[0]!.request.url).toBe(url);
    // Both lines are sent before the first echo arrives.
    expect(har.log.entries[0]!._webSocketMessages.map((m) => `${m.type} ${m.data}`).sort()).toEqual(['receive hello', 'receive world', 'send hello', 'send world']);
    const toStdout = await framescope(['export', sessionId, '--har', '-', '--connection', '1']);
    expect(JSON.parse(toStdout.stdout)).toEqual(har);
  });

  test('import reads the HAR file into a new session', async () => {
    const imported = await framescope(['import', harFile]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^Imported 1 connection \(4 messages\) into session \S+ {2}Imported out\.har/);
    const broken = path.join(dataDir, 'broken.har');
    writeFileSync(broken, '{"log": {"entries": 3}}');
    const refused = await framescope(['import', broken]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/entries/);
  });

  test('replay exits 0 when the server answers as recorded', async () => {
    echo = true;
    const replayed = await framescope(['replay', sessionId, '--connection', '1', '--fast', '--settle', '300']);
    expect(replayed.stderr).toMatch(/Replaying connection 1 as connection \d+ \(2 messages\)/);
    expect(replayed.stdout).toMatch(/The server answered as recorded/);
    expect(replayed.code).toBe(0);
  });

  test('replay exits 2 and shows the difference when the server answers otherwise', async () => {
    echo = false;
    const replayed = await framescope(['replay', sessionId, '--connection', '1', '--wait-reply', '--settle', '300']);
    expect(replayed.stdout).toMatch(/recorded: hello\n {2}replayed: hello #\d+/);
    expect(replayed.stdout).toMatch(/2 server messages differ/);
    expect(replayed.code).toBe(2);
  });

  test('an unknown session or connection is a clear error', async () => {
    const unknown = await framescope(['export', 'no-such-session', '--har', '-']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no session "no-such-session"/);
    const noConnection = await framescope(['replay', sessionId, '--connection', '99', '--fast']);
    expect(noConnection.code).toBe(2);
    expect(noConnection.stderr).toMatch(/no connection 99/);
  });
});
