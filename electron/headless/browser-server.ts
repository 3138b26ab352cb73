// Browser mode's HTTP server: serves the built renderer on a loopback port to a browser holding the access token.
// The token arrives once as `?token=` and then lives in an HttpOnly cookie; foreign origins are refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RPC_PATH } from '../../shared/api.ts';
import type { Engine } from '../core/engine.ts';
import { RpcEndpoint } from './rpc-endpoint.ts';

export interface BrowserServerOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Folder holding the built renderer (index.html and its assets). */
  rootDir: string;
  /** The engine the page drives over the WebSocket RPC at RPC_PATH; without it, files only. */
  engine?: Engine;
}

export interface BrowserServer {
  /** The address to open, token included. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const securityHeaders: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export class PortInUseError extends Error {
  readonly port: number;

  constructor(port: number) {
    super(`Port ${port} is in use — pick another with --port (--port 0 picks a free one)`);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const rootDir = resolve(options.rootDir);
  const token = randomBytes(16).toString('base64url');
  const server = createServer();

  await new Promise<void>((resolveListen, rejectListen) => {
    const onListenError = (error: NodeJS.ErrnoException): void => {
      rejectListen(error.code === 'EADDRINUSE' ? new PortInUseError(options.port) : error);
    };
    server.once('error', onListenError);
    server.listen(options.port, options.host, () => {
      server.off('error', onListenError);
      resolveListen();
    });
  });

  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const ownOrigin = `http://${hostInUrl}:${port}`;
  const origins = new Set(isLoopback(options.host) ? [ownOrigin, `http://localhost:${port}`] : [ownOrigin]);
  // Cookies are scoped by host, not port: a per-port name keeps two instances from overwriting each other.
  const cookieName = `framescope-${port}`;

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);

    // A page on another site must not drive the debugger through the user's browser.
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return sendText(response, 403, 'Forbidden: foreign origin.');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendText(response, 405, 'Method not allowed.');
    }

    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));

    const queryToken = query.get('token');
    if (queryToken !== null && sameSecret(queryToken, token)) {
      response.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    } else if (!sameSecret(readCookie(request, cookieName) ?? '', token)) {
      return sendText(response, 403, 'Forbidden: open the address Framescope printed at start-up; it carries the access token.');
    }

    const file = resolveFile(rootDir, rawPath);
    if (file === undefined) return sendText(response, 400, 'Bad request: the path is malformed or leaves the app folder.');
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) return sendText(response, 404, 'Not found.');
      size = info.size;
    } catch {
      return sendText(response, 404, 'Not found.');
    }
    response.statusCode = 200;
    response.setHeader('Content-Type', contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream');
    response.setHeader('Content-Length', size);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    await pipeline(createReadStream(file), response);
  }

  const rpc = options.engine === undefined ? null : new RpcEndpoint({
    engine: options.engine,
    authorize: (request) => {
      // Browsers always send Origin on a WebSocket; requiring it refuses cross-site hijacking.
      const origin = request.headers.origin;
      if (origin === undefined || !origins.has(origin)) return { ok: false, status: 403, message: 'Forbidden: the RPC socket accepts only the Framescope page\'s own origin.' };
      const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
      const presented = query.get('token') ?? readCookie(request, cookieName) ?? '';
      if (!sameSecret(presented, token)) return { ok: false, status: 403, message: 'Forbidden: the RPC socket needs the access token Framescope printed at start-up.' };
      return { ok: true };
    },
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '/').split('?')[0];
    if (rpc === null || path !== RPC_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    rpc.upgrade(request, socket, head);
  });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch(() => {
      if (!response.headersSent) sendText(response, 500, 'Internal error while serving the file.');
      else response.destroy();
    });
  });

  return {
    url: `${ownOrigin}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolveClose, rejectClose) => {
        rpc?.close();
        server.close((error) => (error ? rejectClose(error) : resolveClose()));
        server.closeAllConnections();
      }),
  };
}

// Maps a request path to a file under rootDir, or undefined when it is malformed or tries to leave rootDir.
function resolveFile(rootDir: string, rawPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (!path.startsWith('/') || path.includes('\0')) return undefined;
  // Dot segments are refused outright rather than normalised: no legitimate asset URL has them.
  if (path.split(/[/\\]/).includes('..')) return undefined;
  const file = resolve(rootDir, `.${path.endsWith('/') ? `${path}index.html` : path}`);
  return file.startsWith(rootDir + sep) ? file : undefined;
}

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

function sameSecret(candidate: string, secret: string): boolean {
  const a = Buffer.from(candidate);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function sendText(response: ServerResponse, status: number, message: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(`${message}\n`);
}
