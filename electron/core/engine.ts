// The engine facade: implements the command map of shared/api.ts over live connections and the
// timeline store, validates every argument first, and emits the event map, batched so the UI gets
// at most one update per connection every `batchMs` however fast frames arrive.
import type {
  CommandArg, CommandError, CommandName, CommandResult, ConnectionSummary, EventName, Events, Micros, Outcome, TimelineGrowth,
} from '../../shared/api.ts';
import { DialFailure, parseTarget } from './client/dial.ts';
import { SendRequestError } from './client/outgoing.ts';
import { NotOpenError } from './client/client-connection.ts';
import { LiveConnection } from './live-connection.ts';
import { InvalidStateError, type ConnectionHooks, type TimelineRecord, type TrackedConnection } from './tracked-connection.ts';
import { UnknownHeldFrameError } from './intercept/hold-queue.ts';
import { LocalProtocolError } from './protocol/index.ts';
import { ProxiedConnection } from './proxy/proxied-connection.ts';
import { ProxyService } from './proxy/proxy-service.ts';
import { MemoryStore } from './store/memory-store.ts';
import { RowOutOfRangeError, UnknownTimelineError, type TimelineStore } from './store/records.ts';
import { InvalidArgumentError, isCommandName, validateArgument } from './validation.ts';

export interface EngineOptions {
  mode: 'electron' | 'browser' | 'cli';
  version: string;
  store?: TimelineStore;
  now?: () => Micros;
  /** Longest wait before changes reach listeners. Default 50 ms. */
  batchMs?: number;
  /** The app's data folder (the proxy's CA is kept there). */
  dataDir?: string | null;
}

export type EngineListener = <K extends EventName>(name: K, payload: Events[K]) => void;
export type RecordListener = (connectionId: number, rec: TimelineRecord) => void;

type Handlers = { [K in CommandName]: (arg: CommandArg<K>) => CommandResult<K> | Promise<CommandResult<K>> };

class CommandFailure extends Error {
  readonly code: CommandError['code'];

  constructor(code: CommandError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Wall-clock microseconds, monotonic within the process. */
export function nowMicros(): Micros {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export class Engine {
  private readonly mode: EngineOptions['mode'];
  private readonly version: string;
  private readonly store: TimelineStore;
  private readonly now: () => Micros;
  private readonly batchMs: number;
  private readonly connections = new Map<number, TrackedConnection>();
  private nextId = 1;
  private readonly listeners = new Set<EngineListener>();
  private readonly recordListeners = new Set<RecordListener>();
  private readonly dirty = new Set<number>();
  /** Row totals last announced per connection. */
  private readonly announced = new Map<number, TimelineGrowth>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly handlers: Handlers;
  private readonly hooks: ConnectionHooks;
  private readonly proxy: ProxyService;

  constructor(opts: EngineOptions) {
    this.mode = opts.mode;
    this.version = opts.version;
    this.store = opts.store ?? new MemoryStore();
    this.now = opts.now ?? nowMicros;
    this.batchMs = opts.batchMs ?? 50;
    this.hooks = {
      store: this.store,
      now: this.now,
      changed: (c) => this.changed(c),
      record: (c, rec) => {
        for (const listener of this.recordListeners) listener(c.id, rec);
      },
    };
    this.proxy = new ProxyService({
      dataDir: opts.dataDir ?? null,
      now: this.now,
      webSocket: (init, ctx) => {
        const id = this.nextId++;
        const conn = new ProxiedConnection(id, init, this.hooks, ctx);
        this.connections.set(id, conn);
        conn.start();
      },
      statusChanged: (status) => this.emit('proxy.updated', status),
      interceptChanged: (state) => this.emit('intercept.updated', state),
    });
    this.handlers = {
      'app.info': () => ({ version: this.version, mode: this.mode }),
      'connections.open': (options) => {
        try {
          parseTarget(options.url);
        } catch (err) {
          if (err instanceof DialFailure) throw new InvalidArgumentError(err.message);
          throw err;
        }
        const id = this.nextId++;
        const conn = new LiveConnection(id, options, this.hooks);
        this.connections.set(id, conn);
        conn.connect();
        return { id };
      },
      'connections.list': () => [...this.connections.values()].map((c) => c.summary()),
      'connections.close': ({ id, code, reason, abort }) => this.connection(id).close(code, reason, abort),
      'connections.reconnect': ({ id }) => this.connection(id).reconnect(),
      'connections.delete': ({ id }) => {
        this.connection(id).dispose();
        this.connections.delete(id);
        this.dirty.delete(id);
        this.announced.delete(id);
        this.emit('connection.removed', { id });
      },
      'connections.send': ({ id, message, toward }) => this.connection(id).send(message, toward),
      'timeline.range': (req) => this.store.range(req),
      'timeline.detail': (req) => this.store.detail(req),
      'proxy.status': () => this.proxy.status(),
      'proxy.start': (settings) => this.proxy.start(settings),
      'proxy.stop': () => this.proxy.stop(),
      'intercept.get': () => this.proxy.interceptState(),
      'intercept.configure': (settings) => this.proxy.configure(settings),
      'intercept.setRules': (rules) => this.proxy.setRules(rules),
      'intercept.resolve': ({ id, action, edit }) => this.proxy.resolve(id, action, edit),
      'intercept.forwardAll': () => this.proxy.forwardAll(),
      'ca.info': () => this.proxy.caInfo(),
      'ca.regenerate': () => this.proxy.regenerateCa(),
      'browser.launch': ({ url }) => this.proxy.launchBrowser(url),
    };
  }

  /**
   * Runs a command from a transport: the name and argument are untrusted. Never throws; a failure
   * comes back as an outcome with a code and a message for a person.
   */
  dispatch(name: string, arg: unknown): Outcome<unknown> | Promise<Outcome<unknown>> {
    if (!isCommandName(name)) return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `There is no command "${name}"` } };
    try {
      const result = this.run(name, validateArgument(name, arg));
      // Most commands answer at once; a few (starting the proxy) wait for the system.
      if (result instanceof Promise) {
        return result.then((r: unknown): Outcome<unknown> => ({ ok: true, result: r }), (err: unknown): Outcome<unknown> => ({ ok: false, error: toCommandError(err) }));
      }
      return { ok: true, result };
    } catch (err) {
      return { ok: false, error: toCommandError(err) };
    }
  }

  /** `dispatch` for commands that answer at once (all but proxy.start and proxy.stop). */
  invoke(name: string, arg: unknown): Outcome<unknown> {
    const outcome = this.dispatch(name, arg);
    if (outcome instanceof Promise) return { ok: false, error: { code: 'INTERNAL', message: `${name} answers later — use dispatch() or request()` } };
    return outcome;
  }

  /** In-process callers with typed arguments (the CLI), for commands that answer at once; throws the command's error. */
  call<K extends CommandName>(name: K, arg: CommandArg<K>): Awaited<CommandResult<K>> {
    const outcome = this.invoke(name, arg);
    if (!outcome.ok) throw new CommandFailure(outcome.error.code, outcome.error.message);
    return outcome.result as Awaited<CommandResult<K>>;
  }

  /** Like `call`, for any command. */
  async request<K extends CommandName>(name: K, arg: CommandArg<K>): Promise<Awaited<CommandResult<K>>> {
    const outcome = await this.dispatch(name, arg);
    if (!outcome.ok) throw new CommandFailure(outcome.error.code, outcome.error.message);
    return outcome.result as Awaited<CommandResult<K>>;
  }

  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every record as stored, unbatched: for in-process consumers such as the CLI's JSONL output. */
  onRecord(listener: RecordListener): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /** Sends pending batches now. */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const summaries: ConnectionSummary[] = [];
    const growth: TimelineGrowth[] = [];
    for (const id of this.dirty) {
      const conn = this.connections.get(id);
      if (conn === undefined) continue;
      const summary = conn.summary();
      summaries.push(summary);
      const last = this.announced.get(id);
      if (last === undefined || last.frameRows !== summary.frameRows || last.messageRows !== summary.messageRows) {
        const grew = { connectionId: id, frameRows: summary.frameRows, messageRows: summary.messageRows };
        this.announced.set(id, grew);
        growth.push(grew);
      }
    }
    this.dirty.clear();
    for (const s of summaries) this.emit('connection.updated', s);
    if (growth.length > 0) this.emit('timeline.grew', growth);
  }

  /** Drops every connection at once (no closing handshakes: the process is going away) and stops timers. */
  shutdown(): void {
    void this.proxy.shutdown();
    for (const conn of this.connections.values()) conn.dispose();
    this.connections.clear();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private run<K extends CommandName>(name: K, arg: CommandArg<K>): CommandResult<K> | Promise<CommandResult<K>> {
    return (this.handlers[name] as (a: CommandArg<K>) => CommandResult<K> | Promise<CommandResult<K>>)(arg);
  }

  private connection(id: number): TrackedConnection {
    const conn = this.connections.get(id);
    if (conn === undefined) throw new CommandFailure('NOT_FOUND', `There is no connection ${id} — it may have been deleted`);
    return conn;
  }

  private changed(conn: TrackedConnection): void {
    if (!this.connections.has(conn.id)) return;
    this.dirty.add(conn.id);
    this.flushTimer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  private emit<K extends EventName>(name: K, payload: Events[K]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // A broken transport must not stop the others, nor the connection that caused the event.
      }
    }
  }
}

function toCommandError(err: unknown): CommandError {
  if (err instanceof CommandFailure) return { code: err.code, message: err.message };
  if (err instanceof InvalidArgumentError || err instanceof SendRequestError) return { code: 'INVALID_ARGUMENT', message: err.message };
  if (err instanceof UnknownTimelineError || err instanceof RowOutOfRangeError || err instanceof UnknownHeldFrameError) return { code: 'NOT_FOUND', message: err.message };
  if (err instanceof InvalidStateError) return { code: 'INVALID_STATE', message: err.message };
  if (err instanceof NotOpenError) return { code: 'INVALID_STATE', message: `Cannot send: ${err.message}` };
  // The core says "in state X" when the state is what forbids it; otherwise the input was wrong.
  if (err instanceof LocalProtocolError) {
    return /\bin state\b/.test(err.message)
      ? { code: 'INVALID_STATE', message: `Cannot do that now: ${err.message}` }
      : { code: 'INVALID_ARGUMENT', message: `Cannot send that: ${err.message}` };
  }
  return { code: 'INTERNAL', message: `Internal error: ${err instanceof Error ? err.message : String(err)} — please report it with the steps that led here` };
}
