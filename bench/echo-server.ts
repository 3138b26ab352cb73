// The far end of the proxy benchmark: a `ws` server on loopback that sends every message straight
// back, text as text and binary as binary. Runs in its own process (bench/proxy-child.ts).
import { WebSocketServer } from 'ws';

export interface EchoServer {
  /** ws://127.0.0.1:PORT/ */
  readonly url: string;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    // A proxy that drops a connection mid-case must not take the echo server down with it.
    socket.on('error', () => socket.terminate());
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}
