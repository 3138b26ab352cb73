// HAR export and import of WebSocket connections, without I/O: connections and their stored rows in,
// a HAR 1.2 object out; HAR text (Chrome DevTools, HTTP Toolkit, mitmproxy or Framescope) in, rows out.
import { Buffer } from 'node:buffer';
import {
  FrameFlag,
  type CloseInfo, type ConnectionState, type ConnectionSummary, type ConnectOptions, type DialError, type DialErrorCode,
  type Direction, type HttpExchange, type Micros, type ProxiedInfo,
} from '../../../shared/api.ts';
import type {
  FramescopeEntry, FramescopeFrameRow, FramescopeMessageRow, FramescopeSummary, Har, HarCookie, HarEntry, HarNameValue,
  HarResponse, HarWebSocketClose, HarWebSocketMessage,
} from '../../../shared/har.ts';
import { Opcode } from '../../../shared/websocket.ts';
import { checkConnectOptions } from '../validation.ts';
import type { FrameRecord, MessageRecord, NoteEvent, NoteRecord, StoredFrame, StoredMessage } from './records.ts';

export interface HarConnection {
  summary: ConnectionSummary;
  frames: Iterable<StoredFrame>;
  messages: Iterable<StoredMessage>;
}

export type ImportedSummary = Omit<ConnectionSummary, 'id' | 'frameRows' | 'messageRows' | 'live' | 'replayOf'>;

export interface ImportedConnection {
  summary: ImportedSummary;
  frames: StoredFrame[];
  messages: StoredMessage[];
}

export interface HarImportResult {
  connections: ImportedConnection[];
  /** What the file had that was left out, for a person. */
  warnings: string[];
}

/** The file cannot be read; the message names the entry and field, and what was expected there. */
export class HarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarFormatError';
  }
}

const FRAMESCOPE_FORMAT = 1;
const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

// ------------------------------------------------------------------------------------ export

/** One HAR entry per connection, in the order given. */
/**
 * Headers that carry credentials, left out of an export unless asked for (as Chrome DevTools' default
 * "sanitized" HAR export does): a HAR file is made to be shared.
 */
const SENSITIVE_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * The connections as HAR 1.2 entries with Framescope's own fields. Unless `sensitive`, the headers of
 * SENSITIVE_HEADERS are left out of each handshake and set of options, and each entry names those it lost.
 */
export function exportHar(connections: Iterable<HarConnection>, creator: { name: string; version: string }, opts: { sensitive?: boolean } = {}): Har {
  const entries: HarEntry[] = [];
  for (const c of connections) entries.push(entryOf(c, opts.sensitive === true));
  return { log: { version: '1.2', creator: { name: creator.name, version: creator.version }, entries } };
}

/** The summary without credentials in its handshake or options, and the names of the headers taken out. */
function withoutSensitive(s: ConnectionSummary): { summary: ConnectionSummary; leftOut: string[] } {
  const leftOut: string[] = [];
  const keep = (headers: Array<[string, string]>): Array<[string, string]> => headers.filter(([name]) => {
    if (!SENSITIVE_HEADERS.has(name.toLowerCase())) return true;
    if (!leftOut.some((n) => n.toLowerCase() === name.toLowerCase())) leftOut.push(name);
    return false;
  });
  const h = s.handshake;
  const handshake = h === null ? null : {
    ...h,
    requestHeaders: keep(h.requestHeaders),
    ...(h.responseHeaders === undefined ? {} : { responseHeaders: keep(h.responseHeaders) }),
  };
  const options = s.options.headers === undefined ? s.options : { ...s.options, headers: keep(s.options.headers) };
  return { summary: { ...s, handshake, options }, leftOut };
}

function entryOf(c: HarConnection, sensitive: boolean): HarEntry {
  const cleaned = sensitive ? null : withoutSensitive(c.summary);
  const s = cleaned?.summary ?? c.summary;
  const frames: FramescopeFrameRow[] = [];
  const messages: FramescopeMessageRow[] = [];
  const wsMessages: HarWebSocketMessage[] = [];
  let lastTime = s.createdAt;
  for (const row of c.frames) {
    frames.push(frameRowOut(row));
    lastTime = Math.max(lastTime, row.rec.time);
  }
  for (const row of c.messages) {
    if ('frameRow' in row) {
      messages.push({ frameRow: row.frameRow });
      continue;
    }
    messages.push(messageRowOut(row.rec, row.first, row.last));
    wsMessages.push(webSocketMessageOf(row.rec));
    lastTime = Math.max(lastTime, row.rec.time);
  }

  // The handshake is the wait; the open connection is the receive (as Chrome times a WebSocket).
  const end = Math.max(s.endedAt ?? 0, s.openedAt ?? 0, lastTime);
  const opened = s.openedAt ?? end;
  const wait = Math.max(0, opened - s.createdAt) / 1000;
  const receive = s.openedAt === null ? 0 : Math.max(0, end - s.openedAt) / 1000;

  const { id, frameRows: _f, messageRows: _m, live: _l, replayOf: _r, ...kept } = s;
  const framescope: FramescopeEntry = { format: FRAMESCOPE_FORMAT, summary: { ...kept, originalId: id }, frames, messages };
  if (cleaned !== null && cleaned.leftOut.length > 0) framescope.leftOut = cleaned.leftOut;
  const entry: HarEntry = {
    startedDateTime: isoDate(s.createdAt),
    time: wait + receive,
    request: requestOf(s),
    response: responseOf(s),
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive },
    _resourceType: 'websocket',
    _webSocketMessages: wsMessages,
  };
  if (s.close !== null) entry._webSocketClose = webSocketCloseOf(s.close, s.endedAt);
  entry._framescope = framescope;
  return entry;
}

function requestOf(s: ConnectionSummary): HarEntry['request'] {
  // Chrome writes the URL without its fragment, which never goes on the wire.
  const url = s.url.split('#', 1)[0]!;
  const h = s.handshake;
  const [method = 'GET', , httpVersion = 'HTTP/1.1'] = h === null ? [] : h.requestLine.split(' ');
  const headers = h === null ? [] : h.requestHeaders;
  return {
    method,
    url,
    httpVersion,
    cookies: requestCookies(headers),
    headers: nameValues(headers),
    queryString: queryOf(url),
    headersSize: h === null ? -1 : headSize(h.requestLine, headers),
    bodySize: 0,
  };
}

function responseOf(s: ConnectionSummary): HarResponse {
  const h = s.handshake;
  const error = s.error === null ? {} : { _error: s.error.message };
  if (h === null || h.status === undefined) {
    return {
      status: 0, statusText: '', httpVersion: '', cookies: [], headers: [],
      content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1, ...error,
    };
  }
  const headers = h.responseHeaders ?? [];
  const statusText = h.statusText ?? '';
  const bodySize = h.body === undefined ? 0 : Buffer.byteLength(h.body, 'utf8');
  return {
    status: h.status,
    statusText,
    // The opening handshake is HTTP/1.1 (RFC 6455 §4.1); Framescope refuses any other answer.
    httpVersion: 'HTTP/1.1',
    cookies: responseCookies(headers),
    headers: nameValues(headers),
    content: {
      size: bodySize,
      mimeType: headerValue(headers, 'content-type') ?? 'x-unknown',
      ...(h.body === undefined ? {} : { text: h.body }),
    },
    redirectURL: h.location ?? '',
    headersSize: headSize(`HTTP/1.1 ${h.status} ${statusText}`, headers),
    bodySize,
    ...error,
  };
}

function webSocketMessageOf(rec: MessageRecord): HarWebSocketMessage {
  const m: HarWebSocketMessage = {
    type: rec.dir === 'out' ? 'send' : 'receive',
    time: rec.time / 1e6,
    opcode: rec.opcode,
    data: rec.opcode === Opcode.TEXT ? decoder.decode(rec.data) : base64(rec.data),
  };
  const flags = rec.flags ?? 0;
  if (flags !== 0) m._framescope = (flags & FrameFlag.DROPPED) !== 0 ? { flags, dropped: true } : { flags };
  return m;
}

function webSocketCloseOf(close: CloseInfo, endedAt: Micros | null): HarWebSocketClose {
  return {
    ...(close.code === null ? {} : { code: close.code }),
    reason: close.reason,
    ...(endedAt === null ? {} : { timestamp: endedAt / 1e6 }),
  };
}

function frameRowOut(row: StoredFrame): FramescopeFrameRow {
  const r = row.rec;
  if (r.kind === 'note') return { kind: 'note', time: r.time, event: r.event, text: r.text };
  return {
    kind: r.kind,
    message: row.message,
    dir: r.dir,
    time: r.time,
    opcode: r.opcode,
    fin: r.fin,
    rsv: r.rsv,
    maskKey: r.maskKey === null ? null : base64(r.maskKey),
    payloadLength: r.payloadLength,
    headerLength: r.headerLength,
    nonMinimalLength: r.nonMinimalLength,
    wire: base64(r.wire),
    payload: base64(r.payload),
    compressed: r.compressed,
    textual: r.textual,
    error: r.error === null ? null : { code: r.error.code, closeCode: r.error.closeCode, reason: r.error.reason },
    ...(r.flags === undefined ? {} : { flags: r.flags }),
    ...(r.rules === undefined ? {} : { rules: [...r.rules] }),
    ...(r.original === undefined ? {} : { original: r.original === null ? null : base64(r.original) }),
    ...(r.heldMs === undefined ? {} : { heldMs: r.heldMs }),
    ...(r.fullLength === undefined ? {} : { fullLength: r.fullLength }),
  };
}

function messageRowOut(r: MessageRecord, first: number, last: number): FramescopeMessageRow {
  return {
    kind: 'message',
    first,
    last,
    dir: r.dir,
    time: r.time,
    opcode: r.opcode,
    data: base64(r.data),
    compressed: r.compressed,
    ...(r.flags === undefined ? {} : { flags: r.flags }),
    ...(r.rules === undefined ? {} : { rules: [...r.rules] }),
    ...(r.fullLength === undefined ? {} : { fullLength: r.fullLength }),
  };
}

function nameValues(headers: ReadonlyArray<readonly [string, string]>): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value }));
}

/** RFC 9112 §2.1: the start line and each field line end with CRLF, and a blank line ends the head. */
function headSize(startLine: string, headers: ReadonlyArray<readonly [string, string]>): number {
  let size = Buffer.byteLength(startLine, 'utf8') + 4;
  for (const [name, value] of headers) size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8') + 4;
  return size;
}

function requestCookies(headers: ReadonlyArray<readonly [string, string]>): HarCookie[] {
  const cookies: HarCookie[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'cookie') continue;
    for (const pair of value.split(';')) {
      const c = cookieOf(pair);
      if (c !== null) cookies.push(c);
    }
  }
  return cookies;
}

function responseCookies(headers: ReadonlyArray<readonly [string, string]>): HarCookie[] {
  const cookies: HarCookie[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'set-cookie') continue;
    const c = cookieOf(value.split(';', 1)[0]!);
    if (c !== null) cookies.push(c);
  }
  return cookies;
}

function cookieOf(pair: string): HarCookie | null {
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  return name === '' ? null : { name, value: eq === -1 ? '' : pair.slice(eq + 1).trim() };
}

function queryOf(url: string): HarNameValue[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | null {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return null;
}

/** ISO 8601 in UTC with microseconds (Date alone keeps milliseconds). */
function isoDate(time: Micros): string {
  const t = Math.round(time);
  const micros = t - Math.floor(t / 1e6) * 1e6;
  return `${new Date(Math.floor(t / 1000)).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// ------------------------------------------------------------------------------------ import

/** Reads every WebSocket entry of a HAR file; throws HarFormatError when the file is malformed. */
export function importHar(text: string): HarImportResult {
  const root = parseJson(text);
  if (!isObject(root)) throw new HarFormatError(`the file: expected a JSON object with a "log" field, got ${describe(root)}`);
  const log = objectAt(root.log, 'log');
  const entries = arrayAt(log.entries, 'log.entries');
  const connections: ImportedConnection[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  entries.forEach((value, i) => {
    const path = `log.entries[${i}]`;
    const entry = objectAt(value, path);
    if (!isWebSocketEntry(entry)) {
      skipped++;
      return;
    }
    const own = entry._framescope;
    if (own !== undefined) {
      const fs = objectAt(own, `${path}._framescope`);
      const format = integerAt(fs.format, `${path}._framescope.format`);
      if (format === FRAMESCOPE_FORMAT) {
        connections.push(readFramescope(fs, `${path}._framescope`));
        if (fs.leftOut !== undefined) {
          const names = arrayAt(fs.leftOut, `${path}._framescope.leftOut`).map((n, j) => stringAt(n, `${path}._framescope.leftOut[${j}]`));
          if (names.length > 0) warnings.push(`${path}: exported without its ${names.join(', ')} header${names.length === 1 ? '' : 's'}; a replay will not send ${names.length === 1 ? 'it' : 'them'}`);
        }
        return;
      }
      if (format < FRAMESCOPE_FORMAT) fail(`${path}._framescope.format`, `${FRAMESCOPE_FORMAT} or a newer format`, fs.format);
      warnings.push(`${path}: written by a newer Framescope (format ${format}); read from its standard HAR fields only, without frame-level details`);
    }
    connections.push(readForeign(entry, path, warnings));
  });
  if (skipped > 0) {
    warnings.push(skipped === 1
      ? 'Skipped 1 entry that is not a WebSocket connection (a plain HTTP request)'
      : `Skipped ${skipped} entries that are not WebSocket connections (plain HTTP requests)`);
  }
  if (connections.length === 0) warnings.push('The file has no WebSocket connections: nothing was imported');
  return { connections, warnings };
}

function isWebSocketEntry(entry: Record<string, unknown>): boolean {
  return (typeof entry._resourceType === 'string' && entry._resourceType.toLowerCase() === 'websocket')
    || Array.isArray(entry._webSocketMessages)
    || entry._framescope !== undefined;
}

// ------------------------------------------------------------------------------------ foreign files

/** Chrome DevTools, HTTP Toolkit, mitmproxy: one frame row per message, marked IMPORTED. */
function readForeign(entry: Record<string, unknown>, path: string, warnings: string[]): ImportedConnection {
  const createdAt = dateAt(entry.startedDateTime, `${path}.startedDateTime`);
  const duration = numberAt(entry.time, `${path}.time`);
  const request = objectAt(entry.request, `${path}.request`);
  const response = objectAt(entry.response, `${path}.response`);
  const url = webSocketUrl(stringAt(request.url, `${path}.request.url`), `${path}.request.url`);
  const handshake = handshakeOf(request, response, url, path);

  const frames: StoredFrame[] = [];
  const messages: StoredMessage[] = [];
  const counts = { framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
  const closes: Array<{ dir: Direction; payload: Uint8Array }> = [];
  let lastTime = createdAt;
  const list = entry._webSocketMessages === undefined ? [] : arrayAt(entry._webSocketMessages, `${path}._webSocketMessages`);
  list.forEach((value, i) => {
    const at = `${path}._webSocketMessages[${i}]`;
    const m = objectAt(value, at);
    const type = stringAt(m.type, `${at}.type`);
    if (type === 'error') {
      // Chrome's note that it could not read a frame: there is no frame to show.
      warnings.push(`${at}: skipped an error the browser recorded instead of a frame (${describe(m.data)})`);
      return;
    }
    if (type !== 'send' && type !== 'receive') fail(`${at}.type`, '"send" or "receive"', m.type);
    const dir: Direction = type === 'send' ? 'out' : 'in';
    const time = Math.round(numberAt(m.time, `${at}.time`) * 1e6);
    const opcode = numberAt(m.opcode, `${at}.opcode`);
    if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) fail(`${at}.opcode`, 'an opcode from 0 to 15', m.opcode);
    const data = stringAt(m.data, `${at}.data`);
    const payload = opcode === Opcode.TEXT ? encoder.encode(data) : base64At(data, `${at}.data`);
    const dataMessage = opcode === Opcode.TEXT || opcode === Opcode.BINARY;
    const row = frames.length;
    const rec: FrameRecord = {
      kind: 'frame', dir, time, opcode, fin: true, rsv: 0, maskKey: null,
      payloadLength: payload.length, headerLength: 0, nonMinimalLength: false, wire: new Uint8Array(0), payload,
      compressed: false, textual: opcode === Opcode.TEXT, error: null, flags: FrameFlag.IMPORTED,
    };
    if (dataMessage) {
      const index = messages.length;
      frames.push({ index: row, rec, message: index });
      messages.push({
        index,
        rec: { kind: 'message', dir, time, opcode, data: payload, compressed: false, flags: FrameFlag.IMPORTED },
        first: row,
        last: row,
      });
    } else {
      frames.push({ index: row, rec, message: -1 });
      messages.push({ index: messages.length, frameRow: row });
    }
    if (opcode === Opcode.CLOSE) closes.push({ dir, payload });
    counts[dir === 'in' ? 'framesIn' : 'framesOut']++;
    counts[dir === 'in' ? 'bytesIn' : 'bytesOut'] += payload.length;
    if (dataMessage) counts[dir === 'in' ? 'messagesIn' : 'messagesOut']++;
    lastTime = Math.max(lastTime, time);
  });

  const toolkitClose = entry._webSocketClose === undefined ? null : webSocketCloseAt(entry._webSocketClose, `${path}._webSocketClose`);
  const timings = isObject(entry.timings) ? entry.timings : {};
  const upgraded = handshake.status === 101;
  // HAR timings end with the response head (the end of `wait`): that is when the connection opened.
  const headAt = createdAt + Math.round(['blocked', 'dns', 'connect', 'send', 'wait'].reduce((sum, k) => sum + nonNegative(timings[k]), 0) * 1000);
  const openedAt = upgraded ? Math.min(headAt, frames[0]?.rec.time ?? headAt) : null;
  const closedAt = typeof toolkitClose === 'object' && toolkitClose?.timestamp !== undefined ? Math.round(toolkitClose.timestamp * 1e6) : createdAt;
  const endedAt = Math.max(lastTime, closedAt, duration >= 0 ? createdAt + Math.round(duration * 1000) : createdAt);
  const responseHeaders = handshake.responseHeaders ?? [];
  const summary: ImportedSummary = {
    origin: 'client',
    proxied: null,
    url,
    label: null,
    state: 'closed',
    createdAt,
    openedAt,
    endedAt,
    attempt: 1,
    reconnectAt: null,
    protocol: upgraded ? headerValue(responseHeaders, 'sec-websocket-protocol') : null,
    extensions: upgraded ? headerValue(responseHeaders, 'sec-websocket-extensions') : null,
    ...counts,
    handshake,
    close: closeOf(toolkitClose, closes),
    error: null,
    options: { url },
  };
  return { summary, frames, messages };
}

/** Chrome writes ws:// and wss://; mitmproxy writes the upgrade request's http:// or https://. */
function webSocketUrl(url: string, path: string): string {
  const parsed = URL.parse(url);
  if (parsed === null) fail(path, 'a URL', url);
  if (parsed.protocol === 'http:') return `ws:${url.slice(5)}`;
  if (parsed.protocol === 'https:') return `wss:${url.slice(6)}`;
  return url;
}

function handshakeOf(request: Record<string, unknown>, response: Record<string, unknown>, url: string, path: string): HttpExchange {
  const parsed = new URL(url);
  const method = request.method === undefined ? 'GET' : stringAt(request.method, `${path}.request.method`);
  const version = request.httpVersion === undefined || request.httpVersion === '' ? 'HTTP/1.1' : stringAt(request.httpVersion, `${path}.request.httpVersion`);
  const exchange: HttpExchange = {
    requestLine: `${method} ${parsed.pathname}${parsed.search} ${version}`,
    requestHeaders: headersAt(request.headers, `${path}.request.headers`),
  };
  const status = numberAt(response.status, `${path}.response.status`);
  if (status <= 0) return exchange;
  exchange.status = status;
  exchange.statusText = response.statusText === undefined ? '' : stringAt(response.statusText, `${path}.response.statusText`);
  exchange.responseHeaders = headersAt(response.headers, `${path}.response.headers`);
  if (status !== 101 && isObject(response.content) && response.content.text !== undefined) {
    const content = response.content;
    const text = stringAt(content.text, `${path}.response.content.text`);
    exchange.body = content.encoding === 'base64' ? decoder.decode(base64At(text, `${path}.response.content.text`)) : text;
  }
  if (typeof response.redirectURL === 'string' && response.redirectURL !== '') exchange.location = response.redirectURL;
  return exchange;
}

function headersAt(value: unknown, path: string): Array<[string, string]> {
  if (value === undefined) return [];
  return arrayAt(value, path).map((h, i) => {
    const o = objectAt(h, `${path}[${i}]`);
    return [stringAt(o.name, `${path}[${i}].name`), stringAt(o.value, `${path}[${i}].value`)];
  });
}

function webSocketCloseAt(value: unknown, path: string): HarWebSocketClose | 'aborted' {
  if (value === 'aborted') return value;
  const o = objectAt(value, path);
  const close: HarWebSocketClose = {};
  if (o.code !== undefined && o.code !== null) close.code = numberAt(o.code, `${path}.code`);
  if (o.reason !== undefined && o.reason !== null) close.reason = stringAt(o.reason, `${path}.reason`);
  if (o.timestamp !== undefined && o.timestamp !== null) close.timestamp = numberAt(o.timestamp, `${path}.timestamp`);
  return close;
}

/**
 * Close frames in the list say who closed first and whether both sides did; HTTP Toolkit's
 * `_webSocketClose` says the code and reason but not who sent them.
 */
function closeOf(toolkit: HarWebSocketClose | 'aborted' | null, closes: ReadonlyArray<{ dir: Direction; payload: Uint8Array }>): CloseInfo | null {
  const first = closes[0];
  const clean = closes.some((c) => c.dir === 'in') && closes.some((c) => c.dir === 'out');
  const by: CloseInfo['by'] = first === undefined ? 'abnormal' : first.dir === 'out' ? 'local' : 'remote';
  if (toolkit === 'aborted') return { code: null, reason: '', by: 'abnormal', clean: false };
  if (toolkit !== null) return { code: toolkit.code ?? null, reason: toolkit.reason ?? '', by, clean };
  if (first === undefined) return null;
  // RFC 6455 §5.5.1: a close payload is empty, or a 2-byte code then a UTF-8 reason.
  const p = first.payload;
  const code = p.length >= 2 ? (p[0]! << 8) | p[1]! : null;
  return { code, reason: p.length > 2 ? decoder.decode(p.subarray(2)) : '', by, clean };
}

function nonNegative(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

// ------------------------------------------------------------------------------------ Framescope's own

const STATES: Record<ConnectionState, true> = { connecting: true, open: true, closing: true, closed: true, error: true };
const CLOSED_BY: Record<CloseInfo['by'], true> = { local: true, remote: true, app: true, abnormal: true };
const NOTE_EVENTS: Record<NoteEvent, true> = {
  'connecting': true, 'open': true, 'ended': true, 'reconnect-scheduled': true, 'reconnect-cancelled': true, 'gave-up': true,
};
const DIAL_ERROR_CODES: Record<DialErrorCode, true> = {
  INVALID_URL: true, DNS_FAILED: true, TCP_REFUSED: true, TCP_FAILED: true, TLS_FAILED: true, TIMEOUT: true,
  HANDSHAKE_REJECTED: true, HANDSHAKE_REDIRECT: true, HANDSHAKE_FAILED: true, KEEPALIVE_TIMEOUT: true, SOCKET_ERROR: true,
};

function readFramescope(fs: Record<string, unknown>, path: string): ImportedConnection {
  const summary = summaryAt(fs.summary, `${path}.summary`);
  const frameList = arrayAt(fs.frames, `${path}.frames`);
  const messageList = arrayAt(fs.messages, `${path}.messages`);
  const frames = frameList.map((v, i) => frameRowAt(v, i, `${path}.frames[${i}]`, messageList.length));
  const messages = messageList.map((v, i) => messageRowAt(v, i, `${path}.messages[${i}]`, frameList.length));
  return { summary, frames, messages };
}

function frameRowAt(value: unknown, index: number, path: string, messageRows: number): StoredFrame {
  const o = objectAt(value, path);
  const kind = o.kind;
  if (kind === 'note') {
    const event = stringAt(o.event, `${path}.event`);
    if (!Object.hasOwn(NOTE_EVENTS, event)) fail(`${path}.event`, `one of ${Object.keys(NOTE_EVENTS).join(', ')}`, o.event);
    const rec: NoteRecord = { kind: 'note', time: numberAt(o.time, `${path}.time`), event: event as NoteEvent, text: stringAt(o.text, `${path}.text`) };
    return { index, rec, message: -1 };
  }
  if (kind !== 'frame' && kind !== 'error') fail(`${path}.kind`, '"frame", "error" or "note"', kind);
  const message = integerAt(o.message, `${path}.message`);
  if (message < -1 || message >= messageRows) fail(`${path}.message`, `-1 or a messages row below ${messageRows}`, o.message);
  const rec: FrameRecord = {
    kind,
    dir: directionAt(o.dir, `${path}.dir`),
    time: numberAt(o.time, `${path}.time`),
    opcode: integerAt(o.opcode, `${path}.opcode`),
    fin: booleanAt(o.fin, `${path}.fin`),
    rsv: integerAt(o.rsv, `${path}.rsv`),
    maskKey: o.maskKey === null ? null : base64At(o.maskKey, `${path}.maskKey`),
    payloadLength: integerAt(o.payloadLength, `${path}.payloadLength`),
    headerLength: integerAt(o.headerLength, `${path}.headerLength`),
    nonMinimalLength: booleanAt(o.nonMinimalLength, `${path}.nonMinimalLength`),
    wire: base64At(o.wire, `${path}.wire`),
    payload: base64At(o.payload, `${path}.payload`),
    compressed: booleanAt(o.compressed, `${path}.compressed`),
    textual: booleanAt(o.textual, `${path}.textual`),
    error: o.error === null ? null : frameErrorAt(o.error, `${path}.error`),
    ...(o.flags === undefined ? {} : { flags: integerAt(o.flags, `${path}.flags`) }),
    ...(o.rules === undefined ? {} : { rules: stringsAt(o.rules, `${path}.rules`) }),
    ...(o.original === undefined ? {} : { original: o.original === null ? null : base64At(o.original, `${path}.original`) }),
    ...(o.heldMs === undefined ? {} : { heldMs: nullableNumberAt(o.heldMs, `${path}.heldMs`) }),
    ...(o.fullLength === undefined ? {} : { fullLength: nullableNumberAt(o.fullLength, `${path}.fullLength`) }),
  };
  return { index, rec, message };
}

function frameErrorAt(value: unknown, path: string): NonNullable<FrameRecord['error']> {
  const o = objectAt(value, path);
  return { code: stringAt(o.code, `${path}.code`), closeCode: integerAt(o.closeCode, `${path}.closeCode`), reason: stringAt(o.reason, `${path}.reason`) };
}

function messageRowAt(value: unknown, index: number, path: string, frameRows: number): StoredMessage {
  const o = objectAt(value, path);
  const row = (v: unknown, at: string): number => {
    const n = integerAt(v, at);
    if (n < 0 || n >= frameRows) fail(at, `a frames row below ${frameRows}`, v);
    return n;
  };
  if (o.frameRow !== undefined) return { index, frameRow: row(o.frameRow, `${path}.frameRow`) };
  if (o.kind !== 'message') fail(`${path}.kind`, '"message" (or a "frameRow")', o.kind);
  const first = row(o.first, `${path}.first`);
  const last = row(o.last, `${path}.last`);
  if (last < first) fail(`${path}.last`, `a row from ${first} on`, o.last);
  const rec: MessageRecord = {
    kind: 'message',
    dir: directionAt(o.dir, `${path}.dir`),
    time: numberAt(o.time, `${path}.time`),
    opcode: integerAt(o.opcode, `${path}.opcode`),
    data: base64At(o.data, `${path}.data`),
    compressed: booleanAt(o.compressed, `${path}.compressed`),
    ...(o.flags === undefined ? {} : { flags: integerAt(o.flags, `${path}.flags`) }),
    ...(o.rules === undefined ? {} : { rules: stringsAt(o.rules, `${path}.rules`) }),
    ...(o.fullLength === undefined ? {} : { fullLength: nullableNumberAt(o.fullLength, `${path}.fullLength`) }),
  };
  return { index, rec, first, last };
}

function summaryAt(value: unknown, path: string): ImportedSummary {
  const o = objectAt(value, path);
  const at = (k: keyof FramescopeSummary): string => `${path}.${k}`;
  const origin = o.origin;
  if (origin !== 'client' && origin !== 'proxied') fail(at('origin'), '"client" or "proxied"', origin);
  const state = stringAt(o.state, at('state'));
  if (!Object.hasOwn(STATES, state)) fail(at('state'), `one of ${Object.keys(STATES).join(', ')}`, o.state);
  return {
    origin,
    proxied: o.proxied === null ? null : proxiedAt(o.proxied, at('proxied')),
    url: stringAt(o.url, at('url')),
    label: nullableStringAt(o.label, at('label')),
    state: state as ConnectionState,
    createdAt: numberAt(o.createdAt, at('createdAt')),
    openedAt: nullableNumberAt(o.openedAt, at('openedAt')),
    endedAt: nullableNumberAt(o.endedAt, at('endedAt')),
    attempt: integerAt(o.attempt, at('attempt')),
    reconnectAt: nullableNumberAt(o.reconnectAt, at('reconnectAt')),
    protocol: nullableStringAt(o.protocol, at('protocol')),
    extensions: nullableStringAt(o.extensions, at('extensions')),
    framesIn: integerAt(o.framesIn, at('framesIn')),
    framesOut: integerAt(o.framesOut, at('framesOut')),
    messagesIn: integerAt(o.messagesIn, at('messagesIn')),
    messagesOut: integerAt(o.messagesOut, at('messagesOut')),
    bytesIn: integerAt(o.bytesIn, at('bytesIn')),
    bytesOut: integerAt(o.bytesOut, at('bytesOut')),
    handshake: o.handshake === null ? null : exchangeAt(o.handshake, at('handshake')),
    close: o.close === null ? null : closeInfoAt(o.close, at('close')),
    error: o.error === null ? null : dialErrorAt(o.error, at('error')),
    options: optionsAt(o.options, at('options')),
  };
}

function proxiedAt(value: unknown, path: string): ProxiedInfo {
  const o = objectAt(value, path);
  if (o.mode !== 'explicit' && o.mode !== 'reverse') fail(`${path}.mode`, '"explicit" or "reverse"', o.mode);
  const held = objectAt(o.held, `${path}.held`);
  return {
    mode: o.mode,
    clientAddress: stringAt(o.clientAddress, `${path}.clientAddress`),
    clientTls: booleanAt(o.clientTls, `${path}.clientTls`),
    strippedExtensions: booleanAt(o.strippedExtensions, `${path}.strippedExtensions`),
    reencoding: arrayAt(o.reencoding, `${path}.reencoding`).map((d, i) => {
      if (d !== 'client' && d !== 'server') fail(`${path}.reencoding[${i}]`, '"client" or "server"', d);
      return d;
    }),
    held: { client: integerAt(held.client, `${path}.held.client`), server: integerAt(held.server, `${path}.held.server`) },
  };
}

function exchangeAt(value: unknown, path: string): HttpExchange {
  const o = objectAt(value, path);
  const pairs = (v: unknown, at: string): Array<[string, string]> =>
    arrayAt(v, at).map((p, i) => {
      const pair = arrayAt(p, `${at}[${i}]`);
      if (pair.length !== 2) fail(`${at}[${i}]`, 'a [name, value] pair', p);
      return [stringAt(pair[0], `${at}[${i}][0]`), stringAt(pair[1], `${at}[${i}][1]`)];
    });
  const exchange: HttpExchange = {
    requestHeaders: pairs(o.requestHeaders, `${path}.requestHeaders`),
    requestLine: stringAt(o.requestLine, `${path}.requestLine`),
  };
  if (o.status !== undefined) exchange.status = integerAt(o.status, `${path}.status`);
  if (o.statusText !== undefined) exchange.statusText = stringAt(o.statusText, `${path}.statusText`);
  if (o.responseHeaders !== undefined) exchange.responseHeaders = pairs(o.responseHeaders, `${path}.responseHeaders`);
  if (o.body !== undefined) exchange.body = stringAt(o.body, `${path}.body`);
  if (o.location !== undefined) exchange.location = stringAt(o.location, `${path}.location`);
  return exchange;
}

function closeInfoAt(value: unknown, path: string): CloseInfo {
  const o = objectAt(value, path);
  const by = stringAt(o.by, `${path}.by`);
  if (!Object.hasOwn(CLOSED_BY, by)) fail(`${path}.by`, `one of ${Object.keys(CLOSED_BY).join(', ')}`, o.by);
  return {
    code: o.code === null ? null : integerAt(o.code, `${path}.code`),
    reason: stringAt(o.reason, `${path}.reason`),
    by: by as CloseInfo['by'],
    clean: booleanAt(o.clean, `${path}.clean`),
  };
}

function dialErrorAt(value: unknown, path: string): DialError {
  const o = objectAt(value, path);
  const code = stringAt(o.code, `${path}.code`);
  if (!Object.hasOwn(DIAL_ERROR_CODES, code)) fail(`${path}.code`, 'a dial error code such as TCP_REFUSED', o.code);
  return {
    code: code as DialErrorCode,
    message: stringAt(o.message, `${path}.message`),
    ...(o.cause === undefined ? {} : { cause: stringAt(o.cause, `${path}.cause`) }),
  };
}

/** Checked as connections.open checks them: a replay opens a connection from them. */
function optionsAt(value: unknown, path: string): ConnectOptions {
  const checked = checkConnectOptions(objectAt(value, path));
  if ('problem' in checked) throw new HarFormatError(`${path}${checked.path}: ${checked.problem}`);
  return checked.options;
}

// ------------------------------------------------------------------------------------ reading values

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    if (/position \d+/.test(message)) throw new HarFormatError(`The file is not valid JSON: ${message}`);
    const pos = jsonErrorOffset(text);
    const line = text.slice(0, pos).split('\n').length;
    const column = pos - text.lastIndexOf('\n', pos - 1);
    throw new HarFormatError(`The file is not valid JSON: ${message} at position ${pos} (line ${line} column ${column})`);
  }
}

const JSON_LITERALS: Readonly<Record<string, string>> = { t: 'true', f: 'false', n: 'null' };

/**
 * Where a JSON text first goes wrong (RFC 8259's grammar), for the parse errors whose message does not
 * say; iterative, so deep nesting cannot overflow the stack.
 */
function jsonErrorOffset(text: string): number {
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const stack: string[] = [];
  let expect: 'value' | 'key' | 'colon' | 'next' | 'end' = 'value';
  let closeAllowed = false;
  let i = 0;
  const sticky = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= text.length) return i;
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (expect === 'end') return i;
    if (expect === 'colon') {
      if (c !== ':') return i;
      i++;
      expect = 'value';
      closeAllowed = false;
      continue;
    }
    if (expect === 'next' || ((expect === 'key' || expect === 'value') && closeAllowed && (c === '}' || c === ']'))) {
      if (c === ',' && expect === 'next') {
        i++;
        expect = top === '{' ? 'key' : 'value';
        closeAllowed = false;
        continue;
      }
      if ((c === '}' && top === '{') || (c === ']' && top === '[')) {
        i++;
        stack.pop();
        expect = stack.length === 0 ? 'end' : 'next';
        continue;
      }
      return i;
    }
    if (expect === 'key') {
      if (c !== '"' || !sticky(STRING)) return i;
      expect = 'colon';
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      expect = c === '{' ? 'key' : 'value';
      closeAllowed = true;
      continue;
    }
    const literal = JSON_LITERALS[c];
    if (literal !== undefined) {
      for (let k = 0; k < literal.length; k++, i++) if (text[i] !== literal[k]) return i;
    } else if (!(c === '"' ? sticky(STRING) : sticky(NUMBER))) {
      return i;
    }
    expect = stack.length === 0 ? 'end' : 'next';
  }
}

function fail(path: string, expected: string, got: unknown): never {
  throw new HarFormatError(`${path}: expected ${expected}, got ${describe(got)}`);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, 'an object', v);
  return v;
}

function arrayAt(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

function stringAt(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function nullableStringAt(v: unknown, path: string): string | null {
  return v === null ? null : stringAt(v, path);
}

function stringsAt(v: unknown, path: string): string[] {
  return arrayAt(v, path).map((s, i) => stringAt(s, `${path}[${i}]`));
}

function numberAt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a number', v);
  return v;
}

function nullableNumberAt(v: unknown, path: string): number | null {
  return v === null ? null : numberAt(v, path);
}

function integerAt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'an integer', v);
  return v;
}

function booleanAt(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}

function directionAt(v: unknown, path: string): Direction {
  if (v !== 'in' && v !== 'out') fail(path, '"in" or "out"', v);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64At(v: unknown, path: string): Uint8Array {
  const s = stringAt(v, path);
  if (!BASE64.test(s)) fail(path, 'base64', v);
  // A plain Uint8Array like the engine's records, not a Buffer over Node's shared pool.
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Epoch microseconds of an ISO 8601 date, keeping digits past the millisecond (mitmproxy writes six). */
function dateAt(v: unknown, path: string): Micros {
  const s = stringAt(v, path);
  const m = /^(.*T\d{2}:\d{2}:\d{2})[.,](\d+)(.*)$/.exec(s);
  const ms = Date.parse(m === null ? s : `${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) fail(path, 'an ISO 8601 date', v);
  return ms * 1000 + (m === null ? 0 : Number(m[2]!.slice(0, 6).padEnd(6, '0')));
}
