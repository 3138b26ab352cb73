// One process of the proxy benchmark, started by bench/proxy.ts with IPC: the echo server or one
// proxy, so each one's CPU time and RSS can be read from /proc apart from the load generator.
// Usage: proxy-child.ts <role> [echo URL]; it answers with one ChildReport, then serves until the
// parent disconnects. With --expose-gc, a `gc` request collects garbage before an RSS reading and
// answers with what the heap still holds, which tells retained memory from allocator slack.
import net from 'node:net';
import { importBenchPackage } from './bench-packages.ts';
import { startEchoServer } from './echo-server.ts';

export type ChildRole = 'echo' | 'mockttp' | 'framescope-explicit' | 'framescope-reverse';

export type ChildReport =
  /** `address` is host:port; for the echo server `url` is where clients connect. */
  | { type: 'ready'; address: string; url: string }
  | { type: 'unavailable'; reason: string }
  /** After a full collection: V8 heap in use plus memory outside it (Buffers), in bytes. */
  | { type: 'gc-done'; retained: number };

export type ChildRequest = { type: 'gc' };

interface Serving {
  address: string;
  url: string;
  stop(): void | Promise<void>;
}

/** The part of mockttp's API the benchmark uses (the package lives in the bench cache, not node_modules). */
interface MockttpModule {
  getLocal(): {
    port: number;
    start(port: number): Promise<void>;
    stop(): Promise<void>;
    forAnyWebSocket(): { thenPassThrough(): Promise<unknown> };
  };
}

async function startMockttp(): Promise<Serving> {
  // mockttp has no host option and listens on every interface: keep the benchmark on loopback.
  const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    return listen.apply(this, args.length === 1 && typeof args[0] === 'number' ? [args[0], '127.0.0.1'] : args);
  } as typeof net.Server.prototype.listen;
  const { getLocal } = await importBenchPackage<MockttpModule>('mockttp');
  const server = getLocal();
  await server.start(0);
  await server.forAnyWebSocket().thenPassThrough();
  const address = `127.0.0.1:${server.port}`;
  return { address, url: `http://${address}`, stop: () => server.stop() };
}

async function startFramescope(mode: 'explicit' | 'reverse', echoUrl: string): Promise<Serving> {
  const { startFramescopeProxy } = await import('./framescope-proxy.ts');
  const proxy = await startFramescopeProxy(mode, echoUrl);
  return { address: proxy.address, url: mode === 'reverse' ? `ws://${proxy.address}/` : `http://${proxy.address}`, stop: () => proxy.stop() };
}

async function start(role: ChildRole, echoUrl: string): Promise<Serving> {
  switch (role) {
    case 'echo': {
      const echo = await startEchoServer();
      return { address: new URL(echo.url).host, url: echo.url, stop: () => echo.close() };
    }
    case 'mockttp':
      return startMockttp();
    case 'framescope-explicit':
      return startFramescope('explicit', echoUrl);
    case 'framescope-reverse':
      return startFramescope('reverse', echoUrl);
    default: {
      const never: never = role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}

function report(msg: ChildReport): Promise<void> {
  return new Promise((resolve) => process.send?.(msg, () => resolve()) ?? resolve());
}

async function main(): Promise<void> {
  const [role, echoUrl = ''] = process.argv.slice(2) as [ChildRole, string?];
  let serving: Serving;
  try {
    serving = await start(role, echoUrl);
  } catch (err) {
    // Not ready yet, or broken: the parent prints the reason in place of the figures.
    await report({ type: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    process.exit(0);
  }
  process.on('message', (req: ChildRequest) => {
    if (req.type !== 'gc') return;
    globalThis.gc?.();
    const { heapUsed, external } = process.memoryUsage();
    void report({ type: 'gc-done', retained: heapUsed + external });
  });
  process.once('disconnect', () => {
    // A peer that hangs while closing must not outlive the benchmark.
    setTimeout(() => process.exit(0), 2000).unref();
    void Promise.resolve(serving.stop()).finally(() => process.exit(0));
  });
  await report({ type: 'ready', address: serving.address, url: serving.url });
}

await main();
