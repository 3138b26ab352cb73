// The New Connection form's fields as typed, and their translation to ConnectOptions with a readable
// message for each field that is wrong. Pure functions: no React, no engine.
import type { ConnectOptions } from '../../../shared/api.ts';

export interface ConnectFormFields {
  url: string;
  label: string;
  /** One `Name: value` a line. */
  headers: string;
  /** Comma-separated. */
  subprotocols: string;
  origin: string;
  deflate: boolean;
  clientNoContextTakeover: boolean;
  serverNoContextTakeover: boolean;
  /** Empty (not offered), "offer" (the parameter without a value), or 8-15. */
  clientMaxWindowBits: string;
  /** Empty (not offered) or 8-15. */
  serverMaxWindowBits: string;
  tlsInsecure: boolean;
  caPem: string;
  servername: string;
  connectTimeoutMs: string;
  keepaliveIntervalMs: string;
  reconnect: boolean;
  reconnectInitialDelayMs: string;
  reconnectMaxDelayMs: string;
  reconnectMaxAttempts: string;
}

export type FieldProblems = Partial<Record<keyof ConnectFormFields, string>>;

export const BLANK_FORM: ConnectFormFields = {
  url: '',
  label: '',
  headers: '',
  subprotocols: '',
  origin: '',
  deflate: true,
  clientNoContextTakeover: false,
  serverNoContextTakeover: false,
  clientMaxWindowBits: 'offer',
  serverMaxWindowBits: '',
  tlsInsecure: false,
  caPem: '',
  servername: '',
  connectTimeoutMs: '10000',
  keepaliveIntervalMs: '0',
  reconnect: false,
  reconnectInitialDelayMs: '1000',
  reconnectMaxDelayMs: '30000',
  reconnectMaxAttempts: '10',
};

// RFC 6455 §4.1: the client sets these itself; a user-supplied copy would break the handshake.
const HANDSHAKE_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

/** Why a URL cannot be dialled, or null when it can. */
export function urlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === '') return 'Enter the server address, for example ws://localhost:8080/socket.';
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return `"${trimmed}" is not a valid address — write it like ws://localhost:8080/socket or wss://example.com/ws.`;
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    const suggestion = `${parsed.protocol === 'https:' ? 'wss' : 'ws'}://${trimmed.slice(parsed.protocol.length + 2)}`;
    return `WebSocket addresses start with ws:// or wss://, not ${parsed.protocol}// — try ${suggestion}.`;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return `Only ws:// and wss:// addresses can be opened, not ${parsed.protocol}// — write it like ws://localhost:8080/socket.`;
  }
  if (parsed.hostname === '') return 'The address has no host — write it like ws://localhost:8080/socket.';
  if (parsed.hash !== '') return 'WebSocket addresses cannot have a #fragment (RFC 6455 §3) — remove the part from "#".';
  return null;
}

function wholeNumber(text: string, min: number, max: number, what: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !/^\d+$/.test(trimmed) || value < min || value > max) {
    return `${what} must be a whole number from ${min} to ${max}.`;
  }
  return value;
}

function parseHeaders(text: string): Array<[string, string]> | string {
  const headers: Array<[string, string]> = [];
  for (const [lineIndex, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (colon === -1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return `Line ${lineIndex + 1} is not a header — write one "Name: value" a line.`;
    }
    if (HANDSHAKE_HEADERS.has(name.toLowerCase())) {
      return `${name} is set by the WebSocket handshake itself — use the subprotocol and deflate fields instead, or remove it.`;
    }
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** The options to open, or the problems to fix first (by field). */
export function formToOptions(fields: ConnectFormFields): { options: ConnectOptions } | { problems: FieldProblems } {
  const problems: FieldProblems = {};
  const options: ConnectOptions = { url: fields.url.trim() };

  const badUrl = urlProblem(fields.url);
  if (badUrl !== null) problems.url = badUrl;
  if (fields.label.trim() !== '') options.label = fields.label.trim();

  const headers = parseHeaders(fields.headers);
  if (typeof headers === 'string') problems.headers = headers;
  else if (headers.length > 0) options.headers = headers;

  const subprotocols = fields.subprotocols.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const badProtocol = subprotocols.find((name) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name));
  if (badProtocol !== undefined) problems.subprotocols = `"${badProtocol}" is not a valid subprotocol name — use letters, digits and - . _ only, separated by commas.`;
  else if (subprotocols.length > 0) options.subprotocols = subprotocols;

  if (fields.origin.trim() !== '') options.origin = fields.origin.trim();

  if (fields.deflate) {
    options.deflate = { enabled: true };
    if (fields.clientNoContextTakeover) options.deflate.clientNoContextTakeover = true;
    if (fields.serverNoContextTakeover) options.deflate.serverNoContextTakeover = true;
    if (fields.clientMaxWindowBits === 'offer') options.deflate.clientMaxWindowBits = true;
    else if (fields.clientMaxWindowBits.trim() !== '') {
      const bits = wholeNumber(fields.clientMaxWindowBits, 8, 15, 'client_max_window_bits');
      if (typeof bits === 'string') problems.clientMaxWindowBits = bits;
      else options.deflate.clientMaxWindowBits = bits;
    }
    if (fields.serverMaxWindowBits.trim() !== '') {
      const bits = wholeNumber(fields.serverMaxWindowBits, 8, 15, 'server_max_window_bits');
      if (typeof bits === 'string') problems.serverMaxWindowBits = bits;
      else options.deflate.serverMaxWindowBits = bits;
    }
  }

  const tls: NonNullable<ConnectOptions['tls']> = {};
  if (fields.tlsInsecure) tls.insecure = true;
  if (fields.caPem.trim() !== '') {
    if (!fields.caPem.includes('-----BEGIN CERTIFICATE-----')) {
      problems.caPem = 'Paste the CA certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.';
    } else {
      tls.caPem = fields.caPem.trim();
    }
  }
  if (fields.servername.trim() !== '') tls.servername = fields.servername.trim();
  if (Object.keys(tls).length > 0) options.tls = tls;

  const timeout = wholeNumber(fields.connectTimeoutMs, 1, 600_000, 'Connect timeout (ms)');
  if (typeof timeout === 'string') problems.connectTimeoutMs = timeout;
  else options.connectTimeoutMs = timeout;

  const keepalive = wholeNumber(fields.keepaliveIntervalMs, 0, 3_600_000, 'Keepalive interval (ms)');
  if (typeof keepalive === 'string') problems.keepaliveIntervalMs = keepalive;
  else options.keepaliveIntervalMs = keepalive;

  if (fields.reconnect) {
    const initialDelayMs = wholeNumber(fields.reconnectInitialDelayMs, 1, 3_600_000, 'First retry delay (ms)');
    const maxDelayMs = wholeNumber(fields.reconnectMaxDelayMs, 1, 3_600_000, 'Longest retry delay (ms)');
    const maxAttempts = wholeNumber(fields.reconnectMaxAttempts, 0, 1_000_000, 'Attempts');
    if (typeof initialDelayMs === 'string') problems.reconnectInitialDelayMs = initialDelayMs;
    if (typeof maxDelayMs === 'string') problems.reconnectMaxDelayMs = maxDelayMs;
    if (typeof maxAttempts === 'string') problems.reconnectMaxAttempts = maxAttempts;
    if (typeof initialDelayMs === 'number' && typeof maxDelayMs === 'number' && typeof maxAttempts === 'number') {
      if (maxDelayMs < initialDelayMs) problems.reconnectMaxDelayMs = 'The longest retry delay cannot be shorter than the first.';
      else options.reconnect = { enabled: true, initialDelayMs, maxDelayMs, maxAttempts };
    }
  }

  return Object.keys(problems).length > 0 ? { problems } : { options };
}

/** The form filled from options a connection was opened with ("duplicate"). */
export function optionsToForm(options: ConnectOptions): ConnectFormFields {
  const bits = options.deflate?.clientMaxWindowBits;
  return {
    url: options.url,
    label: options.label ?? '',
    headers: (options.headers ?? []).map(([name, value]) => `${name}: ${value}`).join('\n'),
    subprotocols: (options.subprotocols ?? []).join(', '),
    origin: options.origin ?? '',
    deflate: options.deflate?.enabled ?? false,
    clientNoContextTakeover: options.deflate?.clientNoContextTakeover ?? false,
    serverNoContextTakeover: options.deflate?.serverNoContextTakeover ?? false,
    clientMaxWindowBits: bits === true ? 'offer' : bits === undefined ? '' : String(bits),
    serverMaxWindowBits: options.deflate?.serverMaxWindowBits === undefined ? '' : String(options.deflate.serverMaxWindowBits),
    tlsInsecure: options.tls?.insecure ?? false,
    caPem: options.tls?.caPem ?? '',
    servername: options.tls?.servername ?? '',
    connectTimeoutMs: String(options.connectTimeoutMs ?? 10_000),
    keepaliveIntervalMs: String(options.keepaliveIntervalMs ?? 0),
    reconnect: options.reconnect?.enabled ?? false,
    reconnectInitialDelayMs: String(options.reconnect?.initialDelayMs ?? 1000),
    reconnectMaxDelayMs: String(options.reconnect?.maxDelayMs ?? 30_000),
    reconnectMaxAttempts: String(options.reconnect?.maxAttempts ?? 10),
  };
}
