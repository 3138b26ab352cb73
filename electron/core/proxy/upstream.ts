// The proxy's hop to the real server: dial (TCP, TLS verified unless the host is listed as
// insecure), send the app's upgrade request with only proxy-hop headers removed, and read the
// server's answer head, keeping its exact bytes for the app.
import type { Socket } from 'node:net';
import { dial, DialFailure, type Target } from '../client/dial.ts';
import { HttpHeadReader, serializeHead, type HeaderList, type HttpHead } from '../protocol/index.ts';

export interface UpgradeRequest {
  method: string;
  /** Origin-form path and query as it goes to the server. */
  path: string;
  /** As the app sent them, Host already pointing at the server. */
  headers: HeaderList;
}

export interface UpstreamResult {
  socket: Socket;
  head: HttpHead;
  /** The answer head exactly as the server wrote it. */
  headBytes: Uint8Array;
  /** Bytes after the head (frames, or a rejection's body). */
  rest: Uint8Array;
  /** The request headers as sent upstream. */
  requestHeaders: HeaderList;
}

/** Headers meant for the proxy itself (RFC 9110 §7.6.1 and common practice), never forwarded. */
const PROXY_HOP = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive']);
const ANSWER_TIMEOUT_MS = 15_000;

export async function openUpstream(opts: {
  target: Target;
  request: UpgradeRequest;
  insecure: boolean;
  stripExtensions: boolean;
  signal: AbortSignal;
}): Promise<UpstreamResult> {
  const { target, request } = opts;
  const headers = request.headers.filter(([name]) => {
    const n = name.toLowerCase();
    return !PROXY_HOP.has(n) && !(opts.stripExtensions && n === 'sec-websocket-extensions');
  });
  const socket = await dial(target, { signal: opts.signal, tls: { insecure: opts.insecure } });
  socket.write(serializeHead(`${request.method} ${request.path} HTTP/1.1`, headers));
  return new Promise<UpstreamResult>((resolve, reject) => {
    const reader = new HttpHeadReader();
    const received: Buffer[] = [];
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new DialFailure('TIMEOUT', `The server at ${target.host}:${target.port} did not answer the upgrade within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
    const onAbort = (): void => fail(opts.signal.reason as Error);
    const onData = (chunk: Buffer): void => {
      received.push(chunk);
      let got;
      try {
        got = reader.push(chunk, 'response');
      } catch (err) {
        fail(new DialFailure('HANDSHAKE_FAILED', `The server's answer to the upgrade is not HTTP: ${(err as Error).message}`));
        return;
      }
      if (got === null) return;
      cleanup();
      socket.pause();
      const all = Buffer.concat(received);
      resolve({ socket, head: got.head, headBytes: all.subarray(0, got.head.length), rest: got.rest, requestHeaders: headers });
    };
    const onEnd = (): void => fail(new DialFailure('HANDSHAKE_FAILED', `The server at ${target.host}:${target.port} closed the connection without answering the upgrade`));
    const onError = (err: NodeJS.ErrnoException): void => fail(new DialFailure('SOCKET_ERROR', `The connection to ${target.host}:${target.port} failed (${err.code ?? err.message})`, err.code));
    function cleanup(): void {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    }
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });
}
