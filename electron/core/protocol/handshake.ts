// The opening handshake (RFC 6455 §4): the client's request and its check of the response, the
// server's check of the request and its response. Pure functions over parsed heads.

import { createHash, randomBytes } from 'node:crypto';
import {
  acceptDeflateOffer, checkDeflateResponse, deflateOffer, formatExtension, parseExtensions,
  type DeflateOptions, type DeflateParams, type ExtensionOffer,
} from './deflate-params.ts';
import { HandshakeError } from './errors.ts';
import { headerTokens, headerValue, serializeHead, type HeaderList, type HttpHead } from './http-head.ts';

/** RFC 6455 §1.3: the GUID appended to the key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** RFC 6455 §4.1: a nonce of 16 random bytes, base64-encoded. */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/** RFC 6455 §4.1: a subprotocol is a token (RFC 2616 separators excluded). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface ClientRequestOptions {
  /** Host header value (host[:port]). */
  host: string;
  /** Request target: path and query. */
  path: string;
  key?: string;
  subprotocols?: readonly string[];
  /** permessage-deflate offers in order of preference; empty or absent offers none. */
  deflate?: readonly DeflateOptions[];
  origin?: string;
  /** Extra headers, sent after the handshake's own. */
  headers?: HeaderList;
}

export interface ClientRequest {
  readonly bytes: Uint8Array;
  readonly key: string;
  readonly headers: HeaderList;
}

export function buildClientRequest(opts: ClientRequestOptions): ClientRequest {
  const key = opts.key ?? generateKey();
  const headers: Array<readonly [string, string]> = [
    ['Host', opts.host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
  ];
  const protocols = opts.subprotocols ?? [];
  for (const p of protocols) {
    if (!TOKEN.test(p)) throw new HandshakeError('WS_ERR_BAD_SUBPROTOCOL', `subprotocol ${JSON.stringify(p)} is not a valid token`);
  }
  if (new Set(protocols).size !== protocols.length) {
    throw new HandshakeError('WS_ERR_BAD_SUBPROTOCOL', 'the same subprotocol is listed twice');
  }
  if (protocols.length > 0) headers.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  if (opts.deflate && opts.deflate.length > 0) {
    headers.push(['Sec-WebSocket-Extensions', opts.deflate.map((o) => formatExtension(deflateOffer(o))).join(', ')]);
  }
  if (opts.origin !== undefined) headers.push(['Origin', opts.origin]);
  const own = new Set(headers.map(([k]) => k.toLowerCase()));
  for (const [k, v] of opts.headers ?? []) {
    if (own.has(k.toLowerCase())) {
      throw new HandshakeError('WS_ERR_BAD_HEADER', `header ${k} is set by the handshake itself; use the matching option`);
    }
    headers.push([k, v]);
  }
  return { bytes: serializeHead(`GET ${opts.path} HTTP/1.1`, headers), key, headers };
}

export interface AcceptedResponse {
  readonly protocol: string | null;
  readonly deflate: DeflateParams | null;
  readonly extensions: string | null;
}

/**
 * RFC 6455 §4.1, the client's checks of a 101 response. A non-101 status is a rejection and not
 * checked here (see `isUpgradeResponse`).
 */
export function checkServerResponse(
  head: HttpHead,
  expect: { key: string; subprotocols?: readonly string[]; deflate?: readonly DeflateOptions[] },
): AcceptedResponse {
  const [, status] = head.startLine;
  if (status !== '101') {
    throw new HandshakeError('WS_ERR_UNEXPECTED_STATUS', `the server answered ${status} instead of 101 Switching Protocols`);
  }
  const h = head.headers;
  if (!headerTokens(h, 'upgrade').includes('websocket')) {
    throw new HandshakeError('WS_ERR_BAD_UPGRADE', `the Upgrade header is ${quoteOrMissing(headerValue(h, 'upgrade'))}, expected "websocket"`);
  }
  if (!headerTokens(h, 'connection').includes('upgrade')) {
    throw new HandshakeError('WS_ERR_BAD_CONNECTION', `the Connection header is ${quoteOrMissing(headerValue(h, 'connection'))}, expected it to include "Upgrade"`);
  }
  const accept = headerValue(h, 'sec-websocket-accept');
  const expected = acceptKey(expect.key);
  if (accept !== expected) {
    throw new HandshakeError('WS_ERR_BAD_ACCEPT', `Sec-WebSocket-Accept is ${quoteOrMissing(accept)}, expected "${expected}"`);
  }
  const protocolHeader = headerValue(h, 'sec-websocket-protocol');
  let protocol: string | null = null;
  if (protocolHeader !== undefined) {
    const offered = expect.subprotocols ?? [];
    if (offered.length === 0) {
      throw new HandshakeError('WS_ERR_BAD_SUBPROTOCOL', `the server chose subprotocol "${protocolHeader}" but none was requested`);
    }
    if (!offered.includes(protocolHeader)) {
      throw new HandshakeError('WS_ERR_BAD_SUBPROTOCOL', `the server chose subprotocol "${protocolHeader}", which is not one of ${offered.join(', ')}`);
    }
    protocol = protocolHeader;
  }
  const extensions = headerValue(h, 'sec-websocket-extensions');
  const deflate = checkDeflateResponse(extensions, expect.deflate ?? []);
  return { protocol, deflate, extensions: extensions ?? null };
}

export interface ClientHandshakeRequest {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly key: string;
  readonly origin: string | null;
  readonly subprotocols: readonly string[];
  readonly extensions: readonly ExtensionOffer[];
  readonly headers: HeaderList;
}

/** A request the server must refuse, with the status and headers to refuse it with. */
export class UpgradeRequestError extends HandshakeError {
  override name = 'UpgradeRequestError';
  readonly status: number;
  readonly responseHeaders: HeaderList;
  constructor(code: string, message: string, status = 400, responseHeaders: HeaderList = []) {
    super(code, message);
    this.status = status;
    this.responseHeaders = responseHeaders;
  }
}

/** RFC 6455 §4.2.1, the server's checks of an opening handshake request. */
export function checkClientRequest(head: HttpHead): ClientHandshakeRequest {
  const [method, path, version] = head.startLine;
  const h = head.headers;
  if (method !== 'GET') throw new UpgradeRequestError('WS_ERR_BAD_METHOD', `the method is ${method}, a WebSocket handshake must be GET`, 405, [['Allow', 'GET']]);
  if (version !== 'HTTP/1.1') throw new UpgradeRequestError('WS_ERR_BAD_HTTP_VERSION', `the request is ${version}, a WebSocket handshake needs HTTP/1.1`, 505);
  const host = headerValue(h, 'host');
  if (host === undefined || host === '') throw new UpgradeRequestError('WS_ERR_MISSING_HOST', 'the request has no Host header');
  if (!headerTokens(h, 'upgrade').includes('websocket')) {
    throw new UpgradeRequestError('WS_ERR_BAD_UPGRADE', `the Upgrade header is ${quoteOrMissing(headerValue(h, 'upgrade'))}, expected "websocket"`, 426, [['Upgrade', 'websocket']]);
  }
  if (!headerTokens(h, 'connection').includes('upgrade')) {
    throw new UpgradeRequestError('WS_ERR_BAD_CONNECTION', `the Connection header is ${quoteOrMissing(headerValue(h, 'connection'))}, expected it to include "Upgrade"`);
  }
  const versionHeader = headerValue(h, 'sec-websocket-version');
  if (versionHeader !== '13') {
    throw new UpgradeRequestError('WS_ERR_BAD_VERSION', `Sec-WebSocket-Version is ${quoteOrMissing(versionHeader)}, only 13 is supported`, 426, [['Sec-WebSocket-Version', '13']]);
  }
  const key = headerValue(h, 'sec-websocket-key');
  if (key === undefined || !/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    throw new UpgradeRequestError('WS_ERR_BAD_KEY', `Sec-WebSocket-Key is ${quoteOrMissing(key)}, expected 16 bytes in base64`);
  }
  const subprotocols: string[] = [];
  const protocolHeader = headerValue(h, 'sec-websocket-protocol');
  if (protocolHeader !== undefined) {
    for (const p of protocolHeader.split(',').map((s) => s.trim())) {
      if (!TOKEN.test(p) || subprotocols.includes(p)) {
        throw new UpgradeRequestError('WS_ERR_BAD_SUBPROTOCOL', `Sec-WebSocket-Protocol is malformed: "${protocolHeader}"`);
      }
      subprotocols.push(p);
    }
  }
  const ext = headerValue(h, 'sec-websocket-extensions');
  let extensions: ExtensionOffer[] = [];
  if (ext !== undefined) {
    try {
      extensions = parseExtensions(ext);
    } catch (err) {
      throw new UpgradeRequestError('WS_ERR_BAD_EXTENSION_HEADER', (err as Error).message);
    }
  }
  return { method, path, host, key, origin: headerValue(h, 'origin') ?? null, subprotocols, extensions, headers: h };
}

export interface ServerAcceptOptions {
  /** The subprotocol to select; must be one the client offered. */
  protocol?: string | null;
  /** Accept permessage-deflate with these preferences; absent or null declines it. */
  deflate?: DeflateOptions | null;
  headers?: HeaderList;
}

export interface ServerResponse {
  readonly bytes: Uint8Array;
  readonly protocol: string | null;
  readonly deflate: DeflateParams | null;
  readonly headers: HeaderList;
}

export function buildServerResponse(request: ClientHandshakeRequest, opts: ServerAcceptOptions = {}): ServerResponse {
  const headers: Array<readonly [string, string]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', acceptKey(request.key)],
  ];
  const protocol = opts.protocol ?? null;
  if (protocol !== null) {
    if (!request.subprotocols.includes(protocol)) {
      throw new HandshakeError('WS_ERR_BAD_SUBPROTOCOL', `subprotocol "${protocol}" was not offered by the client`);
    }
    headers.push(['Sec-WebSocket-Protocol', protocol]);
  }
  let deflate: DeflateParams | null = null;
  if (opts.deflate) {
    const picked = acceptDeflateOffer(request.extensions, opts.deflate);
    if (picked) {
      deflate = picked.params;
      headers.push(['Sec-WebSocket-Extensions', formatExtension(picked.response)]);
    }
  }
  headers.push(...(opts.headers ?? []));
  return { bytes: serializeHead('HTTP/1.1 101 Switching Protocols', headers), protocol, deflate, headers };
}

/** An HTTP response refusing the upgrade. */
export function buildRejection(status: number, reason: string, headers: HeaderList = [], body = ''): Uint8Array {
  const bodyBytes = Buffer.from(body, 'utf8');
  const head = serializeHead(`HTTP/1.1 ${status} ${reason}`, [
    ...headers,
    ['Content-Length', String(bodyBytes.length)],
    ['Connection', 'close'],
  ]);
  return Buffer.concat([head, bodyBytes]);
}

function quoteOrMissing(v: string | undefined): string {
  return v === undefined ? 'missing' : `"${v}"`;
}
