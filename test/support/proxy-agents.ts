// HTTP agents that send a `ws` client through an explicit proxy, as proxy-aware apps do: ws://
// as an absolute-URI request to the proxy, wss:// inside a CONNECT tunnel (TLS end to end through it).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

/** ws:// through an HTTP proxy: the request line carries the absolute URI. */
export class AbsoluteUriAgent extends http.Agent {
  private readonly proxy: { host: string; port: number };

  constructor(proxyAddress: string) {
    super({ keepAlive: false });
    this.proxy = splitAddress(proxyAddress);
  }

  override createConnection(): net.Socket {
    return net.connect(this.proxy.port, this.proxy.host);
  }

  addRequest(req: http.ClientRequest & { _header?: string | null; _implicitHeader?: () => void }, options: { host?: string; port?: number | string }): void {
    req.path = `http://${options.host}:${options.port}${req.path}`;
    if (req._header) {
      req._header = null;
      req._implicitHeader?.();
    }
    (http.Agent.prototype as unknown as { addRequest: (r: unknown, o: unknown) => void }).addRequest.call(this, req, options);
  }
}

/** wss:// (or ws:// with `secure` false) inside a CONNECT tunnel. */
export class ConnectTunnelAgent extends https.Agent {
  private readonly proxy: { host: string; port: number };
  private readonly secure: boolean;
  /** The CONNECT answers seen, for tests that check them. */
  readonly answers: string[] = [];

  constructor(proxyAddress: string, opts: { ca?: string; secure?: boolean } = {}) {
    super({ keepAlive: false, ...(opts.ca ? { ca: opts.ca } : {}) });
    this.proxy = splitAddress(proxyAddress);
    this.secure = opts.secure ?? true;
  }

  // Node's Agent takes the callback form when createConnection returns nothing.
  override createConnection = ((options: tls.ConnectionOptions & { host?: string; port?: number }, callback?: (err: Error | null, socket?: net.Socket) => void): undefined => {
    const socket = net.connect(this.proxy.port, this.proxy.host);
    socket.once('connect', () => socket.write(`CONNECT ${options.host}:${options.port} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n\r\n`));
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const head = buffered.subarray(0, end).toString('latin1');
      this.answers.push(head);
      if (!/^HTTP\/1\.[01] 200/.test(head)) {
        socket.destroy();
        callback?.(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`));
        return;
      }
      if (!this.secure) {
        callback?.(null, socket);
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername ?? options.host });
      secure.once('secureConnect', () => callback?.(null, secure));
      secure.once('error', (err) => callback?.(err));
    };
    socket.on('data', onData);
    socket.once('error', (err) => callback?.(err));
    return undefined;
  }) as unknown as https.Agent['createConnection'];
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}
