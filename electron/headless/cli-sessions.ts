// The `framescope` commands that work on sessions on disk: list them, export one as HAR, import a HAR
// file into a new session, and replay a recorded connection headless against its server.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ReplayRun, ReplayTiming, SessionInfo } from '../../shared/api.ts';
import { Engine } from '../core/engine.ts';
import { dataDir } from './data-dir.ts';
import { appVersion } from './serve.ts';

export class SessionUsageError extends Error {}

export const SESSIONS_USAGE = `  framescope sessions
      Lists the sessions in the data folder: id, name, connections, size, last change (newest first).
  framescope export SESSION --har FILE [--connection ID]… [--sensitive]
      Writes a session (its id, file or name; "last" for the last one used) as a HAR 1.2 file
      with Chrome's _webSocketMessages and Framescope's _framescope fields. "-" writes to stdout.
      Authorization, Proxy-Authorization, Cookie and Set-Cookie headers are left out unless
      --sensitive is given (a replay of the imported file then sends them again).
  framescope import FILE
      Reads a HAR file (Chrome DevTools, HTTP Toolkit, mitmproxy or Framescope) into a new session.
  framescope replay SESSION --connection ID [--speed X | --fast | --wait-reply [--reply-timeout MS]] [--url URL]
      Opens the connection's URL again with its recorded headers and subprotocols, sends its
      client messages with the recorded timing (or X times faster, at once, or each after the
      server's next reply), waits --settle MS (default 1000) for the last replies, then compares
      the server's messages with the recording. Exit status: 0 same, 1 the replay failed,
      2 the server answered differently.`;

function openEngine(session: string | null): Engine {
  try {
    return new Engine({ mode: 'cli', version: appVersion(), dataDir: dataDir(), ...(session === null || session === 'last' ? {} : { sessionId: session }) });
  } catch (err) {
    throw new SessionUsageError((err as Error).message);
  }
}

function describe(s: SessionInfo): string {
  const size = s.sizeBytes >= 1024 * 1024 ? `${(s.sizeBytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(s.sizeBytes / 1024)} KiB`;
  return `${s.id}  ${s.name}  (${s.connections} connection${s.connections === 1 ? '' : 's'}, ${size}, ${new Date(s.modifiedAt / 1000).toISOString()})${s.current ? '  [last used]' : ''}`;
}

export function sessionsCommand(args: string[]): number {
  if (args.length > 0) throw new SessionUsageError('sessions takes no arguments');
  const engine = openEngine(null);
  try {
    for (const s of engine.call('sessions.list', undefined)) process.stdout.write(`${describe(s)}\n`);
  } finally {
    engine.shutdown();
  }
  return 0;
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { har: { type: 'string' }, connection: { type: 'string', multiple: true }, sensitive: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new SessionUsageError('export takes one SESSION (an id, a file, a name, or "last")');
  const target = values.har;
  if (target === undefined) throw new SessionUsageError('say where to write the HAR file: --har FILE (or --har - for stdout)');
  const connectionIds = values.connection?.map((v) => {
    const id = Number(v);
    if (!Number.isInteger(id) || id < 1) throw new SessionUsageError(`--connection takes a connection id (a positive whole number), got "${v}"`);
    return id;
  });
  const engine = openEngine(positionals[0]!);
  try {
    const result = await engine.request('har.export', { ...(connectionIds === undefined ? {} : { connectionIds }), sensitive: values.sensitive === true });
    if (target === '-') process.stdout.write(`${result.har}\n`);
    else writeFileSync(target, result.har);
    process.stderr.write(`Exported ${result.entries} connection${result.entries === 1 ? '' : 's'} from "${engine.call('sessions.current', undefined).name}"${target === '-' ? '' : ` to ${target}`}\n`);
    if (result.leftOut.length > 0) process.stderr.write(`Left out the ${result.leftOut.join(', ')} header${result.leftOut.length === 1 ? '' : 's'} (credentials); --sensitive keeps them\n`);
    return 0;
  } catch (err) {
    throw new SessionUsageError((err as Error).message);
  } finally {
    engine.shutdown();
  }
}

export async function importCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new SessionUsageError('import takes one FILE');
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SessionUsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const engine = openEngine(null);
  try {
    const result = await engine.request('har.import', { har: text, fileName: file, into: 'new' });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(`Imported ${result.connectionIds.length} connection${result.connectionIds.length === 1 ? '' : 's'} (${result.messages} messages) into session ${describe(result.session)}\n`);
    return 0;
  } catch (err) {
    throw new SessionUsageError((err as Error).message);
  } finally {
    engine.shutdown();
  }
}

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      connection: { type: 'string' },
      speed: { type: 'string' },
      fast: { type: 'boolean', default: false },
      'wait-reply': { type: 'boolean', default: false },
      'reply-timeout': { type: 'string' },
      url: { type: 'string' },
      settle: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new SessionUsageError('replay takes one SESSION (an id, a file, a name, or "last")');
  const connectionId = Number(values.connection);
  if (!Number.isInteger(connectionId) || connectionId < 1) throw new SessionUsageError('say which connection to replay: --connection ID (see the connection ids with `framescope export SESSION --har -`)');
  const modes = [values.speed !== undefined, values.fast, values['wait-reply']].filter(Boolean).length;
  if (modes > 1) throw new SessionUsageError('choose one of --speed, --fast and --wait-reply');
  const number = (name: string, v: string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new SessionUsageError(`--${name} takes a positive number, got "${v}"`);
    return n;
  };
  let timing: ReplayTiming = { mode: 'original' };
  if (values.speed !== undefined) timing = { mode: 'speed', factor: number('speed', values.speed, 1) };
  else if (values.fast) timing = { mode: 'fast' };
  else if (values['wait-reply']) timing = values['reply-timeout'] === undefined ? { mode: 'wait-reply' } : { mode: 'wait-reply', timeoutMs: Math.round(number('reply-timeout', values['reply-timeout'], 10_000)) };
  const settleMs = number('settle', values.settle, 1000);

  const engine = openEngine(positionals[0]!);
  try {
    const run = await new Promise<ReplayRun>((resolve, reject) => {
      let started: ReplayRun | null = null;
      const finished = (r: ReplayRun): boolean => r.state !== 'running';
      engine.on((name, payload) => {
        if (name !== 'replay.updated') return;
        const r = payload as ReplayRun;
        if (started === null || r.id !== started.id) return;
        const noReply = r.timedOut > 0 ? ` (${r.timedOut} after no reply within the timeout)` : '';
        process.stderr.write(`replay ${r.id}: ${r.state}, sent ${r.sent}/${r.total}${noReply}${r.error ? ` — ${r.error}` : ''}\n`);
        if (finished(r)) resolve(r);
      });
      engine.request('replay.start', { connectionId, timing, ...(values.url === undefined ? {} : { url: values.url }) }).then((r) => {
        started = r;
        process.stderr.write(`Replaying connection ${connectionId} as connection ${r.replayId} (${r.total} messages)\n`);
        if (finished(r)) resolve(r);
      }, reject);
    });
    if (run.state !== 'done') {
      process.stderr.write(`framescope: the replay ${run.state}${run.error ? `: ${run.error}` : ''}\n`);
      return 1;
    }
    await quiet(engine, run.replayId, settleMs);
    const comparison = engine.call('replay.compare', { runId: run.id });
    for (const pair of comparison.pairs) {
      if (pair.dir !== 'in' || pair.equal) continue;
      process.stdout.write(`server message ${pair.original?.index ?? '-'} → ${pair.replay?.index ?? '-'} differs:\n  recorded: ${pair.original?.preview ?? '(none)'}\n  replayed: ${pair.replay?.preview ?? '(none)'}\n`);
    }
    process.stdout.write(`${comparison.differences === 0 ? 'The server answered as recorded' : `${comparison.differences} server message${comparison.differences === 1 ? '' : 's'} differ`} (replay connection ${run.replayId})\n`);
    return comparison.differences === 0 ? 0 : 2;
  } catch (err) {
    throw new SessionUsageError((err as Error).message);
  } finally {
    engine.shutdown();
  }
}

/** Resolves once the connection has recorded nothing for `ms` (its last replies are in). */
function quiet(engine: Engine, connectionId: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, ms);
    const stop = engine.onRecord((id) => {
      if (id !== connectionId) return;
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    });
    function done(): void {
      stop();
      resolve();
    }
  });
}
