// Opens the transport under a client WebSocket: DNS, TCP and (for wss://) TLS, each failing with its
// own readable error, so a person can tell "no such host" from "nothing listening" from "bad cert".
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { DialError, DialErrorCode, TlsSettings } from '../../../shared/api.ts';

/** The parts of a ws:// or wss:// URL a dial needs. */
export interface Target {
  secure: boolean;
  /** Host name or IP literal, without brackets. */
  host: string;
  port: number;
  /** Path and query, never empty. */
  path: string;
  /** The Host header's value: the port only when it is not the scheme's default. */
  hostHeader: string;
}

export class DialFailure extends Error {
  readonly info: DialError;

  constructor(code: DialErrorCode, message: string, cause?: string) {
    super(message);
    this.name = 'DialFailure';
    this.info = cause === undefined ? { code, message } : { code, message, cause };
  }
}

/** Parses a ws:// or wss:// URL; RFC 6455 §3 forbids a fragment. */
export function parseTarget(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DialFailure('INVALID_URL', `"${url}" is not a URL — write it as ws://host:port/path or wss://host/path`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new DialFailure('INVALID_URL', `"${url}" uses ${u.protocol}// — a WebSocket URL starts with ws:// or wss://`);
  }
  if (u.hash !== '') throw new DialFailure('INVALID_URL', `"${url}" has a #fragment, which a WebSocket URL may not have (RFC 6455 §3) — remove it`);
  if (u.hostname === '') throw new DialFailure('INVALID_URL', `"${url}" has no host`);
  if (u.username !== '' || u.password !== '') {
    throw new DialFailure('INVALID_URL', `"${url}" carries a user name or password — send credentials as an Authorization header instead`);
  }
  const secure = u.protocol === 'wss:';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
  return { secure, host, port, path: `${u.pathname || '/'}${u.search}`, hostHeader: u.host };
}

export type DialPhase = 'DNS lookup' | 'TCP connect' | 'TLS handshake' | 'WebSocket handshake';

export interface DialOptions {
  tls?: TlsSettings;
  /** Called as each phase starts, so a timeout can say where it struck. */
  onPhase?: (phase: DialPhase) => void;
  /** Aborts the dial (the connect timeout, or the user closing the connection). */
  signal: AbortSignal;
}

/** Resolves with a connected socket (TLS-wrapped for wss://) or rejects with a DialFailure. */
export async function dial(target: Target, opts: DialOptions): Promise<net.Socket> {
  const { signal } = opts;
  let address = target.host;
  if (net.isIP(target.host) === 0) {
    opts.onPhase?.('DNS lookup');
    try {
      address = (await lookup(target.host)).address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      throw new DialFailure('DNS_FAILED', `Could not resolve the host name "${target.host}" (${code}) — check the URL's host, or your DNS and network`, code);
    }
    signal.throwIfAborted();
  }
  opts.onPhase?.('TCP connect');
  const socket = await connectTcp(address, target, signal);
  if (!target.secure) return socket;
  opts.onPhase?.('TLS handshake');
  return connectTls(socket, target, opts.tls ?? {}, signal);
}

function connectTcp(address: string, target: Target, signal: AbortSignal): Promise<net.Socket> {
  const where = `${target.host}:${target.port}${address === target.host ? '' : ` (${address})`}`;
  return established(net.connect({ host: address, port: target.port }), 'connect', signal, (err) => {
    const code = err.code ?? 'EUNKNOWN';
    return code === 'ECONNREFUSED'
      ? new DialFailure('TCP_REFUSED', `Nothing is listening on ${where}: the connection was refused — is the server running on that port?`, code)
      : new DialFailure('TCP_FAILED', `Could not open a TCP connection to ${where} (${code}: ${err.message}) — check the address and your network`, code);
  });
}

/** Resolves once `socket` emits `ready`; rejects with `failure(err)` on an error before that, or with the abort reason. */
function established<T extends net.Socket>(socket: T, ready: 'connect' | 'secureConnect', signal: AbortSignal, failure: (err: NodeJS.ErrnoException) => DialFailure): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(ready, () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(failure(err));
    });
  });
}

function connectTls(socket: net.Socket, target: Target, settings: TlsSettings, signal: AbortSignal): Promise<net.Socket> {
  let ca: string[] | undefined;
  if (settings.caPem) {
    try {
      new X509Certificate(settings.caPem);
    } catch {
      socket.destroy();
      return Promise.reject(new DialFailure('TLS_FAILED', 'The extra CA certificate is not a PEM certificate — paste the whole "-----BEGIN CERTIFICATE-----" block', 'INVALID_CA_PEM'));
    }
    ca = [...tls.rootCertificates, settings.caPem];
  }
  const servername = settings.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
  const secure = tls.connect({
    socket,
    servername,
    rejectUnauthorized: settings.insecure !== true,
    ALPNProtocols: ['http/1.1'],
    ...(ca ? { ca } : {}),
    ...(servername === undefined ? {} : { host: servername }),
  });
  // The TLS socket's failure also tears down the TCP socket under it.
  secure.once('close', () => socket.destroy());
  return established(secure, 'secureConnect', signal, (err) => tlsFailure(err, target, servername));
}

/** Certificate errors name what is wrong and the two ways out; other TLS errors pass their message on. */
function tlsFailure(err: NodeJS.ErrnoException, target: Target, servername: string | undefined): DialFailure {
  const code = err.code ?? 'EUNKNOWN';
  const fix = 'add the issuing CA under TLS options, or allow invalid certificates for this connection';
  const what: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed CA that is not trusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate was issued by a CA that is not trusted',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate was issued by a CA that is not trusted',
    CERT_HAS_EXPIRED: 'its certificate has expired',
    CERT_NOT_YET_VALID: 'its certificate is not valid yet',
    ERR_TLS_CERT_ALTNAME_INVALID: `its certificate is not for "${servername ?? target.host}"`,
  };
  const known = what[code];
  if (known !== undefined) {
    const hint = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'set the SNI override to a name the certificate covers, or allow invalid certificates for this connection' : fix;
    return new DialFailure('TLS_FAILED', `The TLS server at ${target.host}:${target.port} was not trusted: ${known} (${code}) — ${hint}`, code);
  }
  return new DialFailure('TLS_FAILED', `The TLS handshake with ${target.host}:${target.port} failed (${code}: ${err.message}) — is it a TLS port? Try ws:// if it is not`, code);
}
