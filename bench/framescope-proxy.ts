// Starts Framescope's proxy for the benchmark the way the CLI does: an engine in this process with
// recording on (the default), the listener on 127.0.0.1 port 0, explicit or reverse mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxyStatus } from '../shared/api.ts';
import { Engine } from '../electron/core/engine.ts';

export type FramescopeMode = 'explicit' | 'reverse';

export interface FramescopeProxyOptions {
  /**
   * The data folder (sessions are recorded in its sessions/ folder), kept at stop so the session
   * can be opened again; the caller removes it. Default: a temporary folder removed at stop.
   */
  dataDir?: string;
}

export interface RunningProxy {
  /** host:port the load generator connects to. */
  readonly address: string;
  /** The engine recording the traffic, for readings of what it stored. */
  readonly engine: Engine;
  stop(): Promise<void>;
}

/** Throws, with the engine's reason, when the proxy cannot start: the benchmark prints it instead of figures. */
export async function startFramescopeProxy(mode: FramescopeMode, echoUrl: string, opts: FramescopeProxyOptions = {}): Promise<RunningProxy> {
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'framescope-bench-'));
  const engine = new Engine({ mode: 'cli', version: 'bench', dataDir });
  const stop = async (): Promise<void> => {
    await engine.dispatch('proxy.stop', undefined);
    engine.shutdown();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // dispatch, not call: proxy.start answers once the listener is bound.
    const started = await engine.dispatch('proxy.start', mode === 'explicit'
      ? { host: '127.0.0.1', port: 0, mode }
      : { host: '127.0.0.1', port: 0, mode, reverseUrl: echoUrl });
    if (!started.ok) throw new Error(`proxy.start failed: ${started.error.code} ${started.error.message}`);
    const status = started.result as ProxyStatus;
    if (status.address === null) throw new Error(`the proxy is not listening (${status.state}): ${status.error ?? 'no reason given'}`);
    return { address: status.address, engine, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
