// The proxy's listening socket. Explicit mode is an HTTP proxy: absolute-URI requests and CONNECT
// tunnels (TLS inside a tunnel is terminated with a leaf from our CA, unless the host passes
// through as raw TCP). Reverse mode sends every connection to one upstream URL. WebSocket upgrades
// become proxied connections; every other request is passed on unchanged.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { ProxySettings } from '../../../shared/api.ts';
import { dial, DialFailure, parseTarget, type Target } from '../client/dial.ts';
import { HostPatterns } from '../intercept/patterns.ts';
import { serializeHead, type HeaderList } from '../protocol/index.ts';
import type { ProxiedConnectionInit } from './proxied-connection.ts';

export interface ListenerHooks {
  /** A WebSocket upgrade to relay. */
  webSocket(init: ProxiedConnectionInit): void;
  /** The TLS material for MITM, made on first use. */
  secureContext(host: string): tls.SecureContext;
}

/** Where a tunnel's requests go: the CONNECT target, or the reverse upstream when TLS came in directly. */
interface Tunnel {
  host: string;
  port: number;
  tls: boolean;
}

const PROXY_HOP = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive']);

export class ListenError extends Error {
  override name = 'ListenError';
}

export class ProxyListener {
  private readonly settings: ProxySettings;
  private readonly hooks: ListenerHooks;
  private readonly server: net.Server;
  /** Parses the HTTP of every accepted socket and of every tunnel. */
  private readonly http: http.Server;
  private readonly tunnels = new WeakMap<net.Socket, Tunnel>();
  private readonly sockets = new Set<net.Socket>();
  private readonly passthrough: HostPatterns;
  private readonly insecure: HostPatterns;
  private readonly reverse: Target | null;

  constructor(settings: ProxySettings, hooks: ListenerHooks) {
    this.settings = settings;
    this.hooks = hooks;
    this.passthrough = new HostPatterns(settings.passthroughHosts);
    this.insecure = new HostPatterns(settings.insecureUpstreamHosts);
    this.reverse = settings.mode === 'reverse' ? reverseTarget(settings.reverseUrl) : null;
    this.http = http.createServer({ requestTimeout: 0, headersTimeout: 60_000 });
    this.http.on('request', (req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('connect', (req, socket: net.Socket, head: Buffer) => this.onConnect(req, socket, head));
    this.http.on('clientError', (_err, socket: net.Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Resolves with host:port once listening; rejects with a ListenError saying what to do. */
  listen(): Promise<string> {
    const { host, port } = this.settings;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const what = err.code === 'EADDRINUSE'
          ? `Port ${port} on ${host} is in use — pick another port (0 picks a free one)`
          : err.code === 'EACCES'
            ? `Not allowed to listen on port ${port} — pick a port above 1023`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
              ? `${host} is not an address of this machine — listen on 127.0.0.1, or on an address this machine has`
              : `Could not listen on ${host}:${port} (${err.code ?? err.message})`;
        reject(new ListenError(what));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const addr = this.server.address() as net.AddressInfo;
        resolve(`${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`);
      });
    });
  }

  /** Stops accepting; connections already relaying go on (their sockets are no longer the listener's). */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    // The listening socket closes at once; server.close's callback would also wait for every relayed
    // connection to end, and those are meant to go on.
    this.server.close();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- accepting

  private accept(socket: net.Socket): void {
    // Sockets still speaking HTTP to the listener itself; relayed ones leave this set.
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.reverse === null) {
      this.http.emit('connection', socket);
      return;
    }
    // Reverse mode: the app may speak TLS straight away (it was given wss://localhost:PORT).
    this.peek(socket, Buffer.alloc(0), (tlsFirst) => {
      if (tlsFirst) this.terminateTls(socket, { host: this.reverse!.host, port: this.reverse!.port, tls: this.reverse!.secure }, 'localhost');
      else this.http.emit('connection', socket);
    });
  }

  /** Waits for the first byte (unless `head` has it) and puts it back; a TLS handshake starts with 0x16. */
  private peek(socket: net.Socket, head: Buffer, then: (tlsFirst: boolean) => void): void {
    const go = (chunk: Buffer): void => {
      socket.pause();
      socket.unshift(chunk);
      const tlsFirst = chunk[0] === 0x16;
      then(tlsFirst);
      // A TLS socket reads the raw one's handle itself; resuming the raw one would throw its bytes away.
      if (!tlsFirst) socket.resume();
    };
    if (head.length > 0) go(head);
    else socket.once('data', go);
  }

  private terminateTls(socket: net.Socket, tunnel: Tunnel, defaultName: string): void {
    let context: tls.SecureContext;
    try {
      context = this.hooks.secureContext(defaultName);
    } catch {
      // Not a name a certificate can be issued for (the CA says why): nothing to terminate TLS with.
      socket.destroy();
      return;
    }
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      SNICallback: (name, cb) => {
        try {
          cb(null, this.hooks.secureContext(name));
        } catch (err) {
          cb(err as Error);
        }
      },
      ALPNProtocols: ['http/1.1'],
    });
    secure.on('error', () => secure.destroy());
    this.tunnels.set(secure, tunnel);
    this.sockets.add(secure);
    secure.on('close', () => this.sockets.delete(secure));
    this.http.emit('connection', secure);
  }

  // ---------------------------------------------------------------- CONNECT

  private onConnect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    if (this.reverse !== null) {
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\nFramescope is running as a reverse proxy here, not an HTTP proxy.\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(req.url ?? '');
    if (m === null) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nCONNECT needs host:port.\n');
      return;
    }
    const host = m[1]!;
    const port = Number(m[2]);
    if (this.passthrough.matches(host)) {
      const upstream = net.connect({ host, port });
      upstream.on('connect', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (socket.writable) socket.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\nFramescope could not reach ${host}:${port} (${err.code ?? err.message}).\n`);
        socket.destroy();
      });
      socket.on('error', () => upstream.destroy());
      socket.on('close', () => upstream.destroy());
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    this.peek(socket, head, (tlsFirst) => {
      if (tlsFirst) {
        this.terminateTls(socket, { host, port, tls: true }, host);
      } else {
        this.tunnels.set(socket, { host, port, tls: false });
        this.http.emit('connection', socket);
      }
    });
  }

  // ---------------------------------------------------------------- upgrades

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const where = this.destination(req, socket);
    if (typeof where === 'string') {
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${where}\n`);
      return;
    }
    const { target, headers, tunnelTls } = where;
    this.sockets.delete(socket);
    socket.pause();
    const websocket = /(^|,)\s*websocket\s*(,|$)/i.test(String(req.headers.upgrade ?? ''));
    if (!websocket) {
      this.pipeRaw(req, socket, head, target, headers);
      return;
    }
    this.hooks.webSocket({
      mode: this.settings.mode,
      client: socket,
      clientTls: tunnelTls,
      early: head,
      request: { method: req.method ?? 'GET', path: target.path, headers },
      target,
      url: `${target.secure ? 'wss' : 'ws'}://${target.hostHeader}${target.path}`,
      insecureUpstream: this.insecure.matches(target.host),
      stripExtensions: this.settings.stripExtensions,
    });
  }

  /** Where a request goes: a tunnel's host, the reverse upstream, or an absolute URI; a string says why not. */
  private destination(req: http.IncomingMessage, socket: net.Socket): { target: Target; headers: HeaderList; tunnelTls: boolean } | string {
    const headers = pairs(req.rawHeaders).filter(([n]) => !PROXY_HOP.has(n.toLowerCase()));
    const url = req.url ?? '/';
    const tunnel = this.tunnels.get(socket);
    if (tunnel !== undefined && (this.reverse === null || tunnel.host !== this.reverse.host || tunnel.port !== this.reverse.port)) {
      const hostHeader = formatHost(tunnel.host, tunnel.port, tunnel.tls);
      return { target: { secure: tunnel.tls, host: tunnel.host, port: tunnel.port, path: originForm(url), hostHeader }, headers, tunnelTls: tunnel.tls };
    }
    if (this.reverse !== null) {
      const base = this.reverse;
      const path = base.path === '/' ? originForm(url) : `${base.path.replace(/\/$/, '')}${originForm(url) === '/' ? '' : originForm(url)}`;
      // The server sees its own name in Host, as if the app had connected to it.
      const rewritten = headers.map(([n, v]): readonly [string, string] => (n.toLowerCase() === 'host' ? [n, base.hostHeader] : [n, v]));
      return { target: { ...base, path }, headers: rewritten, tunnelTls: tunnel !== undefined };
    }
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      return 'Framescope is an HTTP proxy: configure it as the proxy of your app or browser (or use its reverse mode to point an app at one server).';
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return `"${url}" is not a valid absolute URL.`;
    }
    const secure = u.protocol === 'https:' || u.protocol === 'wss:';
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return `${u.protocol}// URLs are not proxied.`;
    try {
      const target = parseTarget(`${secure ? 'wss' : 'ws'}://${u.host}${u.pathname}${u.search}`);
      return { target, headers, tunnelTls: false };
    } catch (err) {
      return err instanceof DialFailure ? err.message : String(err);
    }
  }

  /** A non-WebSocket upgrade: the request goes on as it came, then bytes flow both ways untouched. */
  private pipeRaw(req: http.IncomingMessage, socket: net.Socket, head: Buffer, target: Target, headers: HeaderList): void {
    const abort = new AbortController();
    socket.on('close', () => abort.abort(new Error('the client went away')));
    dial(target, { signal: abort.signal, tls: { insecure: this.insecure.matches(target.host) } }).then((upstream) => {
      upstream.write(serializeHead(`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, headers));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      socket.resume();
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      socket.on('close', () => upstream.destroy());
    }, (err: unknown) => {
      const message = err instanceof DialFailure ? err.message : String(err);
      if (socket.writable) socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${message}\n`);
    });
  }

  // ---------------------------------------------------------------- plain HTTP

  /** Requests that are not upgrades pass through unchanged (hop-by-hop proxy headers aside). */
  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const where = this.destination(req, req.socket);
    if (typeof where === 'string') {
      res.writeHead(this.reverse === null && !this.tunnels.has(req.socket) ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${where}\n`);
      return;
    }
    const { target, headers } = where;
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: req.method,
      path: target.path,
      headers: headers.flatMap(([n, v]) => [n, v]) as unknown as http.OutgoingHttpHeaders,
      setHost: false,
      ...(target.secure ? { rejectUnauthorized: !this.insecure.matches(target.host), servername: net.isIP(target.host) ? undefined : target.host } : {}),
    };
    const upstream = (target.secure ? https : http).request(options, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`Framescope could not reach ${target.host}:${target.port} (${err.code ?? err.message}).\n`);
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  }
}

function reverseTarget(url: string | null): Target {
  if (url === null || url === '') throw new ListenError('Reverse mode needs the upstream URL to forward to (ws://host:port/path or wss://…)');
  try {
    return parseTarget(url);
  } catch (err) {
    throw new ListenError(err instanceof DialFailure ? err.message : String(err));
  }
}

function pairs(raw: readonly string[]): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** An absolute URI sent inside a tunnel is cut to its path, as the server expects. */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

function formatHost(host: string, port: number, secure: boolean): string {
  const h = net.isIPv6(host) ? `[${host}]` : host;
  return port === (secure ? 443 : 80) ? h : `${h}:${port}`;
}
