#!/usr/bin/env node
// The `framescope` command: `serve` runs browser mode; `connect` is a terminal WebSocket client in
// the manner of wscat and websocat, driving the same engine through the same contract as the GUI.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isUtf8 } from 'node:buffer';
import type { ConnectionSummary, ConnectOptions } from '../../shared/api.ts';
import { Opcode } from '../../shared/websocket.ts';
import { Engine } from '../core/engine.ts';
import type { TimelineRecord } from '../core/tracked-connection.ts';
import { PortInUseError } from './browser-server.ts';
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
  framescope --version | --help`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'connect':
      return connect(rest);
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
  const engine = new Engine({ mode: 'cli', version: appVersion() });
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

/** The documented --jsonl format: one object per line; `close` is always the last line. */
class JsonlPrinter implements Printer {
  open(s: ConnectionSummary): void {
    this.line({ type: 'open', url: s.url, protocol: s.protocol, extensions: s.extensions });
  }

  record(rec: Exclude<TimelineRecord, { kind: 'note' }>): void {
    if (rec.kind === 'message') {
      this.line({ type: 'message', dir: rec.dir, opcode: rec.opcode, ...payloadField(rec.data, rec.opcode === Opcode.TEXT) });
      return;
    }
    if (rec.kind === 'error') {
      this.line({ type: 'error', code: rec.error!.code, closeCode: rec.error!.closeCode, reason: rec.error!.reason });
      return;
    }
    this.line({
      type: 'frame',
      dir: rec.dir,
      opcode: rec.opcode,
      fin: rec.fin,
      rsv1: (rec.rsv & 4) !== 0,
      rsv2: (rec.rsv & 2) !== 0,
      rsv3: (rec.rsv & 1) !== 0,
      len: rec.payloadLength,
      // A compressed message's frames before the last carry compressed bytes, never text.
      ...payloadField(rec.payload, rec.textual && !(rec.compressed && !rec.fin)),
    });
  }

  close(s: ConnectionSummary): void {
    const c = s.close;
    this.line({ type: 'close', code: c?.code ?? null, reason: c?.reason ?? s.error?.message ?? '', by: c?.by ?? 'abnormal' });
  }

  private line(obj: object): void {
    printOut(`${JSON.stringify(obj)}\n`);
  }
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
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`framescope: ${(error as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`framescope: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
