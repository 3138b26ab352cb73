// permessage-deflate negotiation (RFC 7692 §7.1) and the Sec-WebSocket-Extensions grammar
// (RFC 6455 §9.1): offers from a client, the server's pick, and the client's check of the answer.

import { HandshakeError } from './errors.ts';

export interface ExtensionOffer {
  readonly name: string;
  /** Parameters in order; a parameter without a value is `true`. Duplicates are kept, to be refused. */
  readonly params: ReadonlyArray<readonly [string, string | true]>;
}

/** What both ends agreed on. Window bits are the sender's LZ77 window for that direction. */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

/** What a side wants from the negotiation (client: what to offer; server: what to accept). */
export interface DeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** Client: ask the server to use at most this window. Server: the largest window it will use. */
  serverMaxWindowBits?: number;
  /** Client: the window it will use (`client_max_window_bits=N`); by default the bare token is offered, so the server may choose (RFC 7692 §7.1.2.2). */
  clientMaxWindowBits?: number | true;
}

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** Parses a Sec-WebSocket-Extensions value (or several, joined with commas). */
export function parseExtensions(header: string): ExtensionOffer[] {
  const offers: ExtensionOffer[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => { while (i < n && (header[i] === ' ' || header[i] === '\t')) i++; };
  const token = (): string => {
    const start = i;
    while (i < n && isTokenChar(header.charCodeAt(i))) i++;
    return header.slice(start, i);
  };
  const fail = (what: string): never => {
    throw new HandshakeError('WS_ERR_BAD_EXTENSION_HEADER',
      `Sec-WebSocket-Extensions is malformed at character ${i + 1} (${what}): "${header}"`);
  };
  while (i < n) {
    skipSpace();
    if (header[i] === ',') { i++; continue; }
    if (i >= n) break;
    const name = token();
    if (!name) fail('expected an extension name');
    const params: Array<readonly [string, string | true]> = [];
    skipSpace();
    while (header[i] === ';') {
      i++;
      skipSpace();
      const key = token();
      if (!key) fail('expected a parameter name');
      skipSpace();
      let value: string | true = true;
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          const start = i;
          while (i < n && header[i] !== '"') i++;
          if (i >= n) fail('unterminated quoted string');
          value = header.slice(start, i);
          i++;
        } else {
          value = token();
        }
        if (value === '') fail(`parameter ${key} has an empty value`);
      }
      params.push([key.toLowerCase(), value]);
      skipSpace();
    }
    if (i < n && header[i] !== ',') fail('expected "," or ";"');
    offers.push({ name: name.toLowerCase(), params });
  }
  return offers;
}

export function formatExtension(offer: ExtensionOffer): string {
  return [offer.name, ...offer.params.map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; ');
}

/** The client's offer for permessage-deflate. */
export function deflateOffer(opts: DeflateOptions = {}): ExtensionOffer {
  const params: Array<readonly [string, string | true]> = [];
  if (opts.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (opts.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (opts.serverMaxWindowBits !== undefined) params.push(['server_max_window_bits', String(checkBits(opts.serverMaxWindowBits))]);
  const cmwb = opts.clientMaxWindowBits ?? true;
  params.push(['client_max_window_bits', cmwb === true ? true : String(checkBits(cmwb))]);
  return { name: PERMESSAGE_DEFLATE, params };
}

function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < 8 || bits > 15) {
    throw new RangeError(`window bits must be an integer from 8 to 15, got ${bits}`);
  }
  return bits;
}

/** RFC 7692 §7.1.2: a window-bits value is 1*DIGIT from 8 to 15, no leading zeros. */
function parseBits(value: string | true): number | null {
  if (value === true || !/^(?:8|9|1[0-5])$/.test(value)) return null;
  return Number(value);
}

/**
 * Server side: picks the first acceptable permessage-deflate offer (RFC 7692 §5: offers are in the
 * client's order of preference) and returns what to answer, or null to decline compression.
 */
export function acceptDeflateOffer(
  offers: readonly ExtensionOffer[],
  opts: DeflateOptions = {},
): { params: DeflateParams; response: ExtensionOffer } | null {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const seen = new Set<string>();
    let ok = true;
    let serverNoCtx = opts.serverNoContextTakeover ?? false;
    let clientNoCtx = opts.clientNoContextTakeover ?? false;
    let serverBits: number | null = null;
    let clientBits: number | true | null = null;
    for (const [key, value] of offer.params) {
      if (seen.has(key)) { ok = false; break; }
      seen.add(key);
      if (key === 'server_no_context_takeover' && value === true) serverNoCtx = true;
      else if (key === 'client_no_context_takeover' && value === true) clientNoCtx = true;
      else if (key === 'server_max_window_bits') {
        serverBits = parseBits(value);
        if (serverBits === null) { ok = false; break; }
      } else if (key === 'client_max_window_bits') {
        if (value === true) clientBits = true;
        else {
          clientBits = parseBits(value);
          if (clientBits === null) { ok = false; break; }
        }
      } else { ok = false; break; }
    }
    if (!ok) continue;
    const params: Array<readonly [string, string | true]> = [];
    if (serverNoCtx) params.push(['server_no_context_takeover', true]);
    if (clientNoCtx) params.push(['client_no_context_takeover', true]);
    // The server's own window: the smaller of what the client allows and what we want.
    const ourBits = opts.serverMaxWindowBits ?? 15;
    let serverMax = 15;
    if (serverBits !== null || ourBits < 15) {
      serverMax = Math.min(serverBits ?? 15, ourBits);
      params.push(['server_max_window_bits', String(serverMax)]);
    }
    // The client's window: only answerable when offered (RFC 7692 §7.1.2.2).
    let clientMax = 15;
    if (clientBits !== null) {
      const wanted = typeof opts.clientMaxWindowBits === 'number' ? opts.clientMaxWindowBits : 15;
      clientMax = clientBits === true ? wanted : Math.min(clientBits, wanted);
      if (clientBits !== true || clientMax < 15) params.push(['client_max_window_bits', String(clientMax)]);
    } else if (typeof opts.clientMaxWindowBits === 'number' && opts.clientMaxWindowBits < 15) {
      // We would need to limit the client's window but it did not offer to be limited: try the next offer.
      continue;
    }
    return {
      params: { serverNoContextTakeover: serverNoCtx, clientNoContextTakeover: clientNoCtx, serverMaxWindowBits: serverMax, clientMaxWindowBits: clientMax },
      response: { name: PERMESSAGE_DEFLATE, params },
    };
  }
  return null;
}

/**
 * Client side: checks the server's Sec-WebSocket-Extensions answer against the offers that were
 * sent (RFC 7692 §7.1) and returns the agreed parameters, or null when the server declined. With
 * several offers, the answer must fit one of them.
 */
export function checkDeflateResponse(header: string | undefined, offered: readonly DeflateOptions[]): DeflateParams | null {
  if (header === undefined || header.trim() === '') return null;
  const answers = parseExtensions(header);
  if (answers.length === 0) return null;
  if (offered.length === 0) {
    throw new HandshakeError('WS_ERR_UNOFFERED_EXTENSION', `the server accepted extensions that were not offered: "${header}"`);
  }
  if (answers.length > 1) {
    throw new HandshakeError('WS_ERR_BAD_EXTENSION_RESPONSE', `the server answered with more than one extension: "${header}"`);
  }
  const answer = answers[0]!;
  if (answer.name !== PERMESSAGE_DEFLATE) {
    throw new HandshakeError('WS_ERR_UNOFFERED_EXTENSION', `the server accepted "${answer.name}", which was not offered`);
  }
  let firstError: unknown;
  for (const offer of offered) {
    try {
      return checkAnswer(answer, offer);
    } catch (err) {
      firstError ??= err;
    }
  }
  throw firstError;
}

function checkAnswer(answer: ExtensionOffer, offered: DeflateOptions): DeflateParams {
  const fail = (msg: string): never => { throw new HandshakeError('WS_ERR_BAD_EXTENSION_RESPONSE', msg); };
  const seen = new Set<string>();
  let serverNoCtx = false;
  let clientNoCtx = false;
  let serverMax = 15;
  let clientMax = typeof offered.clientMaxWindowBits === 'number' ? offered.clientMaxWindowBits : 15;
  for (const [key, value] of answer.params) {
    if (seen.has(key)) fail(`permessage-deflate parameter ${key} appears twice`);
    seen.add(key);
    if (key === 'server_no_context_takeover' && value === true) serverNoCtx = true;
    else if (key === 'client_no_context_takeover' && value === true) clientNoCtx = true;
    else if (key === 'server_max_window_bits') {
      const bits = parseBits(value) ?? fail(`server_max_window_bits=${String(value)} is not 8-15`);
      if (offered.serverMaxWindowBits !== undefined && bits > offered.serverMaxWindowBits) {
        fail(`server_max_window_bits=${bits} exceeds the offered ${offered.serverMaxWindowBits}`);
      }
      serverMax = bits;
    } else if (key === 'client_max_window_bits') {
      const bits = parseBits(value) ?? fail(`client_max_window_bits=${String(value)} is not 8-15`);
      clientMax = Math.min(clientMax, bits);
    } else {
      fail(`unknown permessage-deflate parameter "${key}"`);
    }
  }
  if (offered.serverNoContextTakeover && !serverNoCtx) {
    fail('the server did not agree to server_no_context_takeover, which was requested');
  }
  return {
    serverNoContextTakeover: serverNoCtx,
    clientNoContextTakeover: clientNoCtx || !!offered.clientNoContextTakeover,
    serverMaxWindowBits: serverMax,
    clientMaxWindowBits: clientMax,
  };
}

/** RFC 7230 token characters. */
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !'()<>@,;:\\"/[]?={}'.includes(String.fromCharCode(c));
}

/**
 * A proxy between two peers: the parameters a server's Sec-WebSocket-Extensions answer puts in
 * force, as both ends will apply them (RFC 7692 §7.1: an absent window size means 15). Null when
 * the answer names no permessage-deflate; throws HandshakeError for an answer no client accepts.
 */
export function deflateParamsOfAnswer(header: string | undefined): DeflateParams | null {
  if (header === undefined || header.trim() === '') return null;
  const answer = parseExtensions(header).find((a) => a.name === PERMESSAGE_DEFLATE);
  return answer === undefined ? null : checkAnswer(answer, {});
}
