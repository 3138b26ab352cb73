// The HTTP/1.1 head of an upgrade request or response (RFC 9112 §2-5): start line and header
// fields up to the blank line, nothing more; a WebSocket handshake never has a body we must parse.

import { HandshakeError } from './errors.ts';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export interface HttpHead {
  /** Request: [method, target, version]; response: [version, status, reason]. */
  readonly startLine: readonly [string, string, string];
  /** Header fields in order, names as sent. */
  readonly headers: HeaderList;
  /** Bytes the head took, CRLFs included. */
  readonly length: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Collects bytes until a complete head has arrived; returns it and the bytes after it. */
export class HttpHeadReader {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private readonly maxSize: number;

  constructor(maxSize = 64 * 1024) {
    this.maxSize = maxSize;
  }

  push(chunk: Uint8Array, kind: 'request' | 'response'): { head: HttpHead; rest: Uint8Array } | null {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const all = this.chunks.length === 1 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat(this.chunks);
    this.chunks = [all];
    // A head may end across the chunk boundary: look from three bytes before the new data.
    const end = all.indexOf(CRLFCRLF, Math.max(0, this.size - chunk.length - 3));
    if (end < 0) {
      if (this.size > this.maxSize) {
        throw new HandshakeError('WS_ERR_HEAD_TOO_LARGE', `the HTTP ${kind} head is larger than ${this.maxSize} bytes`);
      }
      return null;
    }
    if (end + 4 > this.maxSize) {
      throw new HandshakeError('WS_ERR_HEAD_TOO_LARGE', `the HTTP ${kind} head is larger than ${this.maxSize} bytes`);
    }
    const head = parseHead(all.subarray(0, end + 4), kind);
    this.chunks = [];
    this.size = 0;
    return { head, rest: all.subarray(end + 4) };
  }
}

export function parseHead(bytes: Uint8Array, kind: 'request' | 'response'): HttpHead {
  // latin1 keeps every byte; header values are ASCII in practice and opaque otherwise.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const lines = text.slice(0, text.length - 4).split('\r\n');
  const start = lines[0] ?? '';
  let startLine: [string, string, string];
  if (kind === 'request') {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/\d\.\d)$/.exec(start);
    if (!m) throw new HandshakeError('WS_ERR_BAD_REQUEST_LINE', `malformed HTTP request line: "${start}"`);
    startLine = [m[1]!, m[2]!, m[3]!];
  } else {
    const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(start);
    if (!m) throw new HandshakeError('WS_ERR_BAD_STATUS_LINE', `malformed HTTP status line: "${start}"`);
    startLine = [m[1]!, m[2]!, m[3] ?? ''];
  }
  const headers: Array<readonly [string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) {
      throw new HandshakeError('WS_ERR_BAD_HEADER', `malformed HTTP header line: "${line}"`);
    }
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { startLine, headers, length: bytes.length };
}

/** All values of a header (case-insensitive name) joined with ", ", or undefined when absent. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  let out: string | undefined;
  for (const [k, v] of headers) {
    if (k.toLowerCase() === lower) out = out === undefined ? v : `${out}, ${v}`;
  }
  return out;
}

/** Comma-separated tokens of a header, trimmed and lower-cased. */
export function headerTokens(headers: HeaderList, name: string): string[] {
  const v = headerValue(headers, name);
  if (v === undefined) return [];
  return v.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

export function serializeHead(startLine: string, headers: HeaderList): Uint8Array {
  let s = `${startLine}\r\n`;
  for (const [k, v] of headers) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) {
      throw new HandshakeError('WS_ERR_BAD_HEADER', `header ${JSON.stringify(k)} contains a line break`);
    }
    s += `${k}: ${v}\r\n`;
  }
  return Buffer.from(`${s}\r\n`, 'latin1');
}
