// ws clients as the benchmarks open and close them, and a deadline for anything they wait on.
import { WebSocket } from 'ws';

/** `promise`, or an error saying what did not happen within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens `count` sockets with `open` and waits until every one is open (or fails them all). */
export async function openAll(open: () => WebSocket, count: number, timeoutMs: number): Promise<WebSocket[]> {
  const sockets = Array.from({ length: count }, open);
  try {
    await within(Promise.all(sockets.map((s) => new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
      s.once('unexpected-response', (_req, res) => reject(new Error(`the upgrade was answered ${res.statusCode} ${res.statusMessage ?? ''}`)));
    }))), timeoutMs, `the answer to ${count} upgrade${count > 1 ? 's' : ''}`);
  } catch (err) {
    for (const s of sockets) s.terminate();
    throw err;
  }
  for (const s of sockets) s.removeAllListeners();
  return sockets;
}

/** Closes with a closing handshake, as an app would; terminates what has not closed after a while. */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
    s.removeAllListeners();
    s.on('error', () => {});
    if (s.readyState === WebSocket.CLOSED) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      s.terminate();
      resolve();
    }, 3000);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.close(1000);
  })));
}
