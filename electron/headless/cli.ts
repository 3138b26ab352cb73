#!/usr/bin/env -S node --max-semi-space-size=8
// The `framescope` command: `serve` runs browser mode; `connect` is a terminal WebSocket client in
// the manner of wscat and websocat; `proxy` is the intercepting proxy without a UI, like mitmdump;
// `ca` and `browser` help apps trust and use it. All drive the same engine as the GUI.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isUtf8 } from 'node:buffer';
import { FrameFlag, type ConnectionSummary, type ConnectOptions, type Direction, type ProxySettings, type ProxyStatus, type Rule } from '../../shared/api.ts';
import { Opcode } from '../../shared/websocket.ts';
import { Engine } from '../core/engine.ts';
import type { TimelineRecord } from '../core/tracked-connection.ts';
import { PortInUseError } from './browser-server.ts';
import { exportCommand, importCommand, replayCommand, SESSIONS_USAGE, SessionUsageError, sessionsCommand } from './cli-sessions.ts';
import { dataDir } from './data-dir.ts';
import { appVersion, ensureRendererBuilt, startBrowserMode } from './serve.ts';

const USAGE = `Usage:
  framescope serve [--port N] [--host ADDRESS]
      Browser mode: the engine and the UI on http://127.0.0.1:N (default 7331; 0 picks a free port).
  framescope connect URL [options]
      Each line of standard input is sent as a text message; the end of input closes the connection.
      Received messages are printed; status goes to standard error.
      -H, --header 'Name: value'   add a request header (repeatable)
      -s, --subprotocol P          offer a subprotocol (repeatable)
      -o, --origin ORIGIN          send an Origin header
          --no-deflate             do not offer permessage-deflate
      -k, --insecure               accept an invalid or self-signed TLS certificate
          --ca FILE                trust this CA certificate (PEM) too
          --sni NAME               server name for TLS SNI and certificate checks
          --connect-timeout MS     give up connecting after MS milliseconds (default 10000)
          --keepalive MS           send a ping every MS milliseconds while open
          --jsonl                  print one JSON object per line (see README: "framescope connect --jsonl")
  framescope proxy [options]
      The intercepting proxy without a UI. Prints its address first, then a line per connection.
          --port N                 listen on port N (default 8080; 0 picks a free port)
          --host ADDRESS           listen on ADDRESS (default 127.0.0.1)
          --reverse URL            reverse mode: forward every connection to this ws:// or wss:// URL
          --insecure-upstream      do not verify servers' TLS certificates
          --strip-extensions       remove Sec-WebSocket-Extensions (no compression on either hop)
          --passthrough HOST       tunnel HTTPS to HOST (a pattern such as *.example.com) without MITM (repeatable)
          --rules FILE             apply the rules in FILE (JSON, a list of rules as the UI saves them)
          --jsonl                  one JSON object per line: the connect --jsonl format plus "id";
                                   "dir" is "client" (app to server) or "server" (server to app)
  framescope ca [--pem | --spki | --path | --regenerate]
      The proxy's CA certificate: how to trust it (default), the PEM, the base64 SHA-256 SPKI hash
      that Chromium's --ignore-certificate-errors-spki-list takes, or where it is stored.
  framescope browser [URL] [--port N]
      Starts the proxy and an installed Chromium or Chrome that uses it and trusts its CA.
${SESSIONS_USAGE}
  framescope --version | --help

  The CA, sessions and other data live in FRAMESCOPE_DATA_DIR (default: the desktop app's data folder).
  connect, proxy and browser record into a new session each run.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'connect':
      return connect(rest);
    case 'proxy':
      return proxy(rest);
    case 'ca':
      return ca(rest);
    case 'browser':
      return browser(rest);
    case 'sessions':
      return sessionsCommand(rest);
    case 'export':
      return exportCommand(rest);
    case 'import':
      return importCommand(rest);
    case 'replay':
      return replayCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${appVersion()}\n`);
      return 0;
    case '--help':
    case '-h':
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

// ------------------------------------------------------------------------------------ serve

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '7331' }, host: { type: 'string', default: '127.0.0.1' } } });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) throw new UsageError(`--port needs a number from 0 to 65535, not "${values.port}"`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    process.stderr.write(`Warning: listening on ${values.host} lets other machines reach the debugger (the access token still applies).\n`);
  }
  await ensureRendererBuilt((line) => process.stderr.write(`${line}\n`));
  let mode;
  try {
    mode = await startBrowserMode(port, values.host);
  } catch (error) {
    if (error instanceof PortInUseError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  process.stdout.write(`Framescope (browser mode): ${mode.url}\n`);
  process.stderr.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await mode.close();
  return 0;
}

// ------------------------------------------------------------------------------------ connect

function connectOptions(args: string[]): { options: ConnectOptions; jsonl: boolean } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      header: { type: 'string', short: 'H', multiple: true, default: [] },
      subprotocol: { type: 'string', short: 's', multiple: true, default: [] },
      origin: { type: 'string', short: 'o' },
      'no-deflate': { type: 'boolean', default: false },
      insecure: { type: 'boolean', short: 'k', default: false },
      ca: { type: 'string' },
      sni: { type: 'string' },
      'connect-timeout': { type: 'string' },
      keepalive: { type: 'string' },
      jsonl: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'connect needs a URL' : `connect takes one URL, got ${positionals.length}`);
  const headers = values.header.map((h): [string, string] => {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`A header is written "Name: value", not "${h}"`);
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  });
  const millis = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${name} needs a number of milliseconds, not "${value}"`);
    return Number(value);
  };
  let caPem: string | undefined;
  if (values.ca !== undefined) {
    try {
      caPem = readFileSync(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the CA file ${values.ca}: ${(error as Error).message}`);
    }
  }
  const tls = { ...(values.insecure ? { insecure: true } : {}), ...(caPem ? { caPem } : {}), ...(values.sni ? { servername: values.sni } : {}) };
  const connectTimeoutMs = millis('connect-timeout', values['connect-timeout']);
  const keepaliveIntervalMs = millis('keepalive', values.keepalive);
  const options: ConnectOptions = {
    url: positionals[0]!,
    headers,
    subprotocols: values.subprotocol,
    deflate: { enabled: !values['no-deflate'] },
    ...(values.origin === undefined ? {} : { origin: values.origin }),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(keepaliveIntervalMs === undefined ? {} : { keepaliveIntervalMs }),
  };
  return { options, jsonl: values.jsonl };
}

async function connect(args: string[]): Promise<number> {
  const { options, jsonl } = connectOptions(args);
  const engine = new Engine({ mode: 'cli', version: appVersion(), dataDir: dataDir(), freshSession: true, sessionName: `connect ${options.url}` });
  const out = jsonl ? new JsonlPrinter() : new PlainPrinter();
  const opened = engine.invoke('connections.open', options);
  if (!opened.ok) throw new UsageError(opened.error.message);
  const id = (opened.result as { id: number }).id;
  const summary = (): ConnectionSummary => engine.call('connections.list', undefined).find((c) => c.id === id)!;

  return new Promise<number>((resolve) => {
    const queued: string[] = [];
    let open = false;
    let inputEnded = false;
    let closing = false;

    const closeNormally = (): void => {
      if (closing) return;
      closing = true;
      const result = engine.invoke('connections.close', { id, code: 1000 });
      if (!result.ok) process.stderr.write(`${result.error.message}\n`);
    };
    const sendLine = (line: string): void => {
      const result = engine.invoke('connections.send', { id, message: { kind: 'text', text: line } });
      if (!result.ok) process.stderr.write(`Not sent: ${result.error.message}\n`);
    };

    engine.onRecord((connectionId, rec) => {
      if (connectionId !== id) return;
      if (rec.kind === 'note') {
        if (rec.event === 'open') {
          open = true;
          out.open(summary());
          for (const line of queued.splice(0)) sendLine(line);
          if (inputEnded) closeNormally();
        } else if (rec.event === 'ended') {
          const s = summary();
          out.close(s);
          stdin.close();
          process.stdin.destroy();
          engine.shutdown();
          if (s.error !== null) process.stderr.write(`framescope: ${s.error.message}\n`);
          resolve(s.error === null && s.close?.clean === true ? 0 : 1);
        }
        return;
      }
      out.record(rec);
    });

    const stdin = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
    stdin.on('line', (line) => {
      if (closing) return;
      if (open) sendLine(line);
      else queued.push(line);
    });
    stdin.on('close', () => {
      inputEnded = true;
      if (open) closeNormally();
    });
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      // Whoever read the output went away (`framescope connect … | head -1`): nothing more can be
      // shown, so close as if input had ended instead of dying on a stack trace.
      stdoutOpen = false;
      if (open) closeNormally();
      else engine.invoke('connections.close', { id });
    });
    let interrupted = false;
    process.on('SIGINT', () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write('Closing (Ctrl-C again to quit at once)…\n');
      if (open) closeNormally();
      else engine.invoke('connections.close', { id });
    });
  });
}

// ------------------------------------------------------------------------------------ proxy

function proxyOptions(args: string[]): { settings: Partial<ProxySettings>; jsonl: boolean; rules: Rule[] | null; positionals: string[] } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      reverse: { type: 'string' },
      'insecure-upstream': { type: 'boolean', default: false },
      'strip-extensions': { type: 'boolean', default: false },
      passthrough: { type: 'string', multiple: true, default: [] },
      rules: { type: 'string' },
      jsonl: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) throw new UsageError(`--port needs a number from 0 to 65535, not "${values.port}"`);
  let rules: Rule[] | null = null;
  if (values.rules !== undefined) {
    try {
      rules = JSON.parse(readFileSync(values.rules, 'utf8')) as Rule[];
    } catch (error) {
      throw new UsageError(`Cannot read the rules file ${values.rules}: ${(error as Error).message}`);
    }
  }
  const settings: Partial<ProxySettings> = {
    host: values.host,
    port,
    mode: values.reverse === undefined ? 'explicit' : 'reverse',
    reverseUrl: values.reverse ?? null,
    insecureUpstreamHosts: values['insecure-upstream'] ? ['*'] : [],
    stripExtensions: values['strip-extensions'],
    passthroughHosts: values.passthrough,
  };
  return { settings, jsonl: values.jsonl, rules, positionals };
}

/** Runs the proxy until Ctrl-C (or `until` resolves), printing connections and, with --jsonl, every frame. */
async function runProxy(engine: Engine, settings: Partial<ProxySettings>, jsonl: boolean, rules: Rule[] | null, started: (status: ProxyStatus) => void | Promise<unknown>): Promise<number> {
  if (rules !== null) {
    const outcome = engine.invoke('intercept.setRules', rules);
    if (!outcome.ok) throw new UsageError(`The rules file is not valid: ${outcome.error.message}`);
  }
  const status = await engine.request('proxy.start', settings);
  if (status.state !== 'listening') {
    process.stderr.write(`framescope: ${status.error}\n`);
    return 1;
  }
  const modeText = status.settings.mode === 'reverse' ? `reverse mode to ${status.settings.reverseUrl}` : 'explicit mode';
  if (jsonl) printOut(`${JSON.stringify({ type: 'listening', address: status.address, mode: status.settings.mode, ...(status.settings.reverseUrl ? { upstream: status.settings.reverseUrl } : {}) })}\n`);
  else printOut(`Framescope proxy listening on ${status.address} (${modeText})\n`);
  const printers = new Map<number, JsonlPrinter>();
  const summary = (id: number): ConnectionSummary | undefined => engine.call('connections.list', undefined).find((c) => c.id === id);
  engine.onRecord((id, rec) => {
    if (rec.kind === 'note') {
      const s = summary(id);
      if (s === undefined) return;
      if (rec.event === 'open') {
        if (jsonl) {
          const printer = new JsonlPrinter(id);
          printers.set(id, printer);
          printer.open(s);
        } else {
          printOut(`#${id} open ${s.url} from ${s.proxied?.clientAddress ?? '?'}${s.extensions ? ` (${s.extensions})` : ''}\n`);
        }
      } else if (rec.event === 'ended') {
        if (jsonl) (printers.get(id) ?? new JsonlPrinter(id)).close(s);
        else printOut(`#${id} ${s.error ? `failed: ${s.error.message}` : rec.text} — ${s.messagesOut} messages from the app, ${s.messagesIn} from the server\n`);
        printers.delete(id);
      }
      return;
    }
    printers.get(id)?.record(rec);
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutOpen = false;
  });
  await started(status);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stderr.write('Stopping: closing proxied connections…\n');
  await engine.request('proxy.stop', undefined);
  // Going away (1001) toward both sides of every open connection, then a moment for the replies.
  for (const c of engine.call('connections.list', undefined)) {
    if (c.state === 'open') engine.invoke('connections.close', { id: c.id, code: 1001, reason: 'Framescope proxy stopped' });
  }
  await new Promise((resolve) => setTimeout(resolve, engine.call('connections.list', undefined).some((c) => c.state === 'closing') ? 500 : 0));
  engine.shutdown();
  return 0;
}

async function proxy(args: string[]): Promise<number> {
  const { settings, jsonl, rules, positionals } = proxyOptions(args);
  if (positionals.length > 0) throw new UsageError(`proxy takes no arguments besides options, got "${positionals[0]}"`);
  const engine = new Engine({ mode: 'cli', version: appVersion(), dataDir: dataDir(), freshSession: true, sessionName: 'proxy (headless)' });
  return runProxy(engine, settings, jsonl, rules, () => {
    if (!jsonl) process.stderr.write('Press Ctrl-C to stop.\n');
  });
}

async function browser(args: string[]): Promise<number> {
  const { settings, jsonl, rules, positionals } = proxyOptions(args);
  if (positionals.length > 1) throw new UsageError('browser takes at most one URL');
  if (settings.mode === 'reverse') throw new UsageError('browser runs the proxy in explicit mode; --reverse does not apply');
  const url = positionals[0];
  const engine = new Engine({ mode: 'cli', version: appVersion(), dataDir: dataDir(), freshSession: true, sessionName: 'browser (headless proxy)' });
  return runProxy(engine, settings, jsonl, rules, () => {
    const launched = engine.invoke('browser.launch', url === undefined ? {} : { url });
    if (!launched.ok) {
      process.stderr.write(`framescope: ${launched.error.message}\n`);
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    const { executable, profileDir } = launched.result as { executable: string; profileDir: string };
    process.stderr.write(`Started ${executable} (profile ${profileDir}) through the proxy. Press Ctrl-C to stop the proxy.\n`);
  });
}

// ------------------------------------------------------------------------------------ ca

function ca(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { pem: { type: 'boolean', default: false }, spki: { type: 'boolean', default: false }, path: { type: 'boolean', default: false }, regenerate: { type: 'boolean', default: false } },
  });
  const engine = new Engine({ mode: 'cli', version: appVersion(), dataDir: dataDir(), ephemeral: true });
  const info = engine.call(values.regenerate ? 'ca.regenerate' : 'ca.info', undefined);
  if (values.pem) printOut(info.pem.endsWith('\n') ? info.pem : `${info.pem}\n`);
  else if (values.spki) printOut(`${info.spki}\n`);
  else if (values.path) printOut(`${info.certPath}\n`);
  else printOut(`${values.regenerate ? 'A new CA was made; trust it again wherever the old one was trusted.\n\n' : ''}${info.subject}\nValid until ${info.notAfter}\nSPKI (SHA-256, base64): ${info.spki}\nCertificate: ${info.certPath}\n\n${info.instructions}\n`);
  engine.shutdown();
  return 0;
}

interface Printer {
  open(s: ConnectionSummary): void;
  record(rec: Exclude<TimelineRecord, { kind: 'note' }>): void;
  close(s: ConnectionSummary): void;
}

const decoder = new TextDecoder('utf-8');

/** False once the reader of standard output has gone away (EPIPE). */
let stdoutOpen = true;

function printOut(text: string): void {
  if (stdoutOpen) process.stdout.write(text);
}

/**
 * The documented --jsonl format: one object per line; `close` is always the last line of a
 * connection. For the proxy, each line carries the connection's `id`, and `dir` names the sender.
 */
class JsonlPrinter implements Printer {
  private readonly extra: { id?: number };
  private readonly dirName: (dir: Direction) => string;

  constructor(proxiedId?: number) {
    this.extra = proxiedId === undefined ? {} : { id: proxiedId };
    this.dirName = proxiedId === undefined ? (dir) => dir : (dir) => (dir === 'out' ? 'client' : 'server');
  }

  open(s: ConnectionSummary): void {
    this.line({ type: 'open', url: s.url, protocol: s.protocol, extensions: s.extensions, ...(s.proxied ? { from: s.proxied.clientAddress } : {}) });
  }

  record(rec: Exclude<TimelineRecord, { kind: 'note' }>): void {
    if (rec.kind === 'message') {
      this.line({ type: 'message', dir: this.dirName(rec.dir), opcode: rec.opcode, ...payloadField(rec.data, rec.opcode === Opcode.TEXT), ...flagsField(rec.flags) });
      return;
    }
    if (rec.kind === 'error') {
      this.line({ type: 'error', ...(this.extra.id === undefined ? {} : { dir: this.dirName(rec.dir) }), code: rec.error!.code, closeCode: rec.error!.closeCode, reason: rec.error!.reason });
      return;
    }
    this.line({
      type: 'frame',
      dir: this.dirName(rec.dir),
      opcode: rec.opcode,
      fin: rec.fin,
      rsv1: (rec.rsv & 4) !== 0,
      rsv2: (rec.rsv & 2) !== 0,
      rsv3: (rec.rsv & 1) !== 0,
      len: rec.payloadLength,
      // A compressed message's frames before the last carry compressed bytes, never text.
      ...payloadField(rec.payload, rec.textual && !(rec.compressed && !rec.fin)),
      ...flagsField(rec.flags),
    });
  }

  close(s: ConnectionSummary): void {
    const c = s.close;
    this.line({ type: 'close', code: c?.code ?? null, reason: c?.reason ?? s.error?.message ?? '', by: c?.by ?? 'abnormal' });
  }

  private line(obj: { type: string } & Record<string, unknown>): void {
    const { type, ...rest } = obj;
    printOut(`${JSON.stringify({ type, ...this.extra, ...rest })}\n`);
  }
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = Object.entries(FrameFlag).map(([name, bit]) => [bit, name.toLowerCase()]);

/** What the proxy did to a frame, by name, when it did anything. */
function flagsField(flags: number | undefined): { flags: string[] } | Record<string, never> {
  if (!flags) return {};
  return { flags: FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name) };
}

function payloadField(data: Uint8Array, textual: boolean): { text: string } | { base64: string } {
  return textual && isUtf8(data) ? { text: decoder.decode(data) } : { base64: Buffer.from(data).toString('base64') };
}

/** For people: received messages on stdout (binary as hex), everything else on stderr. */
class PlainPrinter implements Printer {
  open(s: ConnectionSummary): void {
    const extra = [s.protocol && `subprotocol ${s.protocol}`, s.extensions && `extensions ${s.extensions}`].filter(Boolean).join(', ');
    process.stderr.write(`Connected to ${s.url}${extra ? ` (${extra})` : ''}. Type messages; end input (Ctrl-D) to close.\n`);
  }

  record(rec: Exclude<TimelineRecord, { kind: 'note' }>): void {
    if (rec.kind === 'error') {
      process.stderr.write(`Protocol error from the server: ${rec.error!.reason} (${rec.error!.code}, closing with ${rec.error!.closeCode})\n`);
    } else if (rec.kind === 'message' && rec.dir === 'in') {
      const text = rec.opcode === Opcode.TEXT ? decoder.decode(rec.data) : `[binary ${rec.data.length} bytes] ${Buffer.from(rec.data).toString('hex')}`;
      printOut(`${text}\n`);
    } else if (rec.kind === 'frame' && rec.dir === 'in' && (rec.opcode === Opcode.PING || rec.opcode === Opcode.PONG)) {
      process.stderr.write(`[${rec.opcode === Opcode.PING ? 'ping' : 'pong'} ${rec.payload.length} bytes]\n`);
    }
  }

  close(s: ConnectionSummary): void {
    if (s.error !== null) return;
    const c = s.close;
    process.stderr.write(c === null ? 'Disconnected.\n' : `Disconnected: ${c.code ?? 'no status code'}${c.reason ? ` ${c.reason}` : ''}${c.clean ? '' : ' (not clean)'}.\n`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof SessionUsageError) {
      process.stderr.write(`framescope: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`framescope: ${(error as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`framescope: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
