// Loopback `ws` servers for the benchmarks: the far end of the proxy benchmark, which sends every
// message straight back (it runs in its own process, bench/proxy-child.ts), and the UI benchmark's blaster.
import { WebSocketServer, type WebSocket } from 'ws';

export interface LoopbackServer {
  /** ws://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

/** A `ws` server on loopback (no compression) running `onConnection` for each client. */
export async function startWsServer(onConnection: (socket: WebSocket) => void): Promise<LoopbackServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', onConnection);
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}

export function startEchoServer(): Promise<LoopbackServer> {
  return startWsServer((socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    // A proxy that drops a connection mid-case must not take the echo server down with it.
    socket.on('error', () => socket.terminate());
  });
}
