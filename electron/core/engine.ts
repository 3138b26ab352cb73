// The engine facade: implements the command map of shared/api.ts over live connections and the
// timeline store, validates every argument first, and emits the event map, batched so the UI gets
// at most one update per connection every `batchMs` however fast frames arrive.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type {
  CommandArg, CommandError, CommandName, CommandResult, ConnectionSummary, ConnectOptions, EventName, Events, HarExport, HarImport, Micros, Outcome,
  SessionInfo, TimelineGrowth,
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
import { RecordedConnection } from './recorded-connection.ts';
import { ReplayService } from './replay/replay-service.ts';
import { SavedMessages } from './replay/saved-messages.ts';
import { exportHar, HarFormatError, importHar } from './store/har.ts';
import { NotFoundError, RowOutOfRangeError, UnknownTimelineError } from './store/records.ts';
import { SessionManager } from './store/session-manager.ts';
import type { SessionStore } from './store/session-store.ts';
import { InvalidArgumentError, isCommandName, validateArgument } from './validation.ts';

export interface EngineOptions {
  mode: 'electron' | 'browser' | 'cli';
  version: string;
  now?: () => Micros;
  /** Longest wait before changes reach listeners. Default 50 ms. */
  batchMs?: number;
  /** The app's data folder (the proxy's CA is kept there, sessions in its sessions/ folder). */
  dataDir?: string | null;
  /** Where session files live. Default: dataDir/sessions, or a temporary folder removed at shutdown when there is no data folder. */
  sessionsDir?: string;
  /** Keep sessions in a temporary folder removed at shutdown, even with a data folder (commands that record nothing). */
  ephemeral?: boolean;
  /** Start a new session instead of reopening the last one (the CLI records each run apart). */
  freshSession?: boolean;
  /** The new session's name, when one is started. */
  sessionName?: string;
  /** Open this session (id, file path or name) instead of the last one, without remembering it as the last. */
  sessionId?: string;
}

export type EngineListener = <K extends EventName>(name: K, payload: Events[K]) => void;
export type RecordListener = (connectionId: number, rec: TimelineRecord) => void;

/**
 * How long a filtered `timeline.range` from a transport may scan before answering with what it found
 * (the relay shares this thread; the UI asks again for the rest).
 */
const RANGE_BUDGET_MS = 40;
/** Commands that read the session file: they wait for its writer thread to catch up (see `whenWritten`). */
const SESSION_READS: ReadonlySet<string> = new Set<CommandName>(['timeline.range', 'timeline.detail', 'session.search']);

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
  private readonly sessions: SessionManager;
  /** A temporary sessions folder to remove at shutdown. */
  private readonly scratchDir: string | null;
  private readonly now: () => Micros;
  /** Inside invoke(): the caller is in this process and wants whole answers. */
  private inProcess = false;
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
  private readonly saved: SavedMessages;
  private readonly replay: ReplayService;

  constructor(opts: EngineOptions) {
    this.mode = opts.mode;
    this.version = opts.version;
    this.now = opts.now ?? nowMicros;
    this.batchMs = opts.batchMs ?? 50;
    let sessionsDir = opts.ephemeral ? null : opts.sessionsDir ?? (opts.dataDir ? join(opts.dataDir, 'sessions') : null);
    this.scratchDir = sessionsDir === null ? mkdtempSync(join(tmpdir(), 'framescope-sessions-')) : null;
    sessionsDir ??= this.scratchDir!;
    this.sessions = new SessionManager(sessionsDir, this.now, { fresh: opts.freshSession, name: opts.sessionName, open: opts.sessionId });
    this.loadRecorded();
    const sessions = this.sessions;
    this.hooks = {
      get store() {
        return sessions.store;
      },
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
        this.store.saveConnection(conn.summary());
        conn.start();
      },
      statusChanged: (status) => this.emit('proxy.updated', status),
      interceptChanged: (state) => this.emit('intercept.updated', state),
    });
    this.saved = new SavedMessages({
      library: () => this.store,
      now: this.now,
      changed: (list) => this.emit('saved.updated', list),
      send: (connectionId, req, toward) => this.connection(connectionId).send(req, toward),
      detail: (req) => this.store.detail(req),
    });
    this.replay = new ReplayService({
      library: () => this.store,
      timeline: () => this.store,
      now: this.now,
      summary: (connectionId) => this.connection(connectionId).summary(),
      open: (options, replayOf) => this.openClient(options, replayOf),
      send: (connectionId, req) => this.connection(connectionId).send(req),
      close: (connectionId) => this.connection(connectionId).close(1000, 'replay finished'),
      onRecord: (listener) => this.onRecord(listener),
      updated: (run) => this.emit('replay.updated', run),
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
        return { id: this.openClient(options, null) };
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
      'timeline.range': (req) => {
        // A transport's caller gets a filter's first rows soon and asks again for the rest; an in-process one the whole answer.
        const budgetMs = this.inProcess ? Infinity : RANGE_BUDGET_MS;
        return this.whenWritten((store) => store.range(req, budgetMs));
      },
      'timeline.detail': (req) => this.whenWritten((store) => store.detail(req)),
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
      'sessions.list': () => this.sessions.list(),
      'sessions.current': () => this.sessions.current(),
      'sessions.new': ({ name }) => this.switchSession(() => this.sessions.create(name)),
      'sessions.open': ({ id }) => this.switchSession(() => this.sessions.open(id)),
      'sessions.rename': ({ id, name }) => {
        const info = this.sessions.rename(id, name);
        if (info.current) this.emit('session.changed', info);
        return info;
      },
      'sessions.delete': ({ id }) => {
        if (id === this.sessions.currentSessionId) this.switchSession(() => this.sessions.create());
        this.sessions.delete(id);
      },
      'session.settings': () => this.store.settings(),
      'session.configure': (settings) => this.store.configure(settings),
      // A transport's caller (the UI) gets what is indexed now and how much is not yet; an in-process one waits for the index.
      'session.search': (req) => (this.inProcess ? this.store.search(req) : this.whenWritten((store) => store.search(req, false))),
      'har.export': ({ connectionIds, sensitive }) => this.exportHar(connectionIds, sensitive === true),
      'har.import': ({ har, fileName, into }) => this.importHar(har, fileName, into ?? 'new'),
      'saved.list': () => this.saved.list(),
      'saved.save': (input) => this.saved.save(input),
      'saved.fromRow': (arg) => this.saved.fromRow(arg),
      'saved.delete': ({ id }) => this.saved.delete(id),
      'saved.render': ({ body }) => this.saved.render(body),
      'saved.send': (arg) => this.saved.send(arg),
      'env.get': () => this.saved.environments(),
      'env.set': (e) => this.saved.setEnvironments(e),
      'replay.plan': ({ connectionId }) => this.replay.plan(connectionId),
      'replay.start': (req) => this.replay.start(req),
      'replay.stop': ({ id }) => this.replay.stop(id),
      'replay.list': ({ connectionId }) => this.replay.list(connectionId),
      'replay.compare': ({ runId }) => this.replay.compare(runId),
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
    // A read of the session answers at once when the writer has caught up: an in-process caller waits for it.
    if (SESSION_READS.has(name)) this.store.sync();
    this.inProcess = true;
    let outcome: Outcome<unknown> | Promise<Outcome<unknown>>;
    try {
      outcome = this.dispatch(name, arg);
    } finally {
      this.inProcess = false;
    }
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
    for (const s of summaries) this.store.saveConnection(s);
    for (const s of summaries) this.emit('connection.updated', s);
    if (growth.length > 0) this.emit('timeline.grew', growth);
  }

  /**
   * Drops every connection at once (no closing handshakes: the process is going away), stops timers,
   * and writes and closes the session.
   */
  shutdown(): void {
    void this.proxy.shutdown();
    this.replay.reset();
    this.detachAll('Framescope quit');
    this.connections.clear();
    this.sessions.close();
    if (this.scratchDir !== null) rmSync(this.scratchDir, { recursive: true, force: true });
  }

  /**
   * A read of the session for a transport: at once when every row is written, else once the writer
   * catches up, while frames go on being relayed.
   */
  private whenWritten<T>(read: (store: SessionStore) => T): T | Promise<T> {
    const store = this.store;
    return store.whenWritten(() => read(store));
  }

  /** The current session's store. */
  get store(): SessionStore {
    return this.sessions.store;
  }

  private openClient(options: ConnectOptions, replayOf: ConnectionSummary['replayOf']): number {
    const id = this.nextId++;
    const conn = new LiveConnection(id, options, this.hooks);
    conn.replayOf = replayOf;
    this.connections.set(id, conn);
    this.store.saveConnection(conn.summary());
    conn.connect();
    return id;
  }

  /** The current session's recorded connections, listed again (not live). */
  private loadRecorded(): void {
    for (const summary of this.sessions.store.connections()) {
      this.connections.set(summary.id, new RecordedConnection(summary, () => this.store));
    }
    this.nextId = this.sessions.store.maxConnectionId() + 1;
  }

  /** Ends live connections (what they recorded stays), saves every summary and flushes pending events. */
  private detachAll(reason: string): void {
    for (const conn of this.connections.values()) {
      conn.detach(reason);
      this.dirty.add(conn.id);
    }
    this.flush();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private switchSession(open: () => SessionStore): SessionInfo {
    this.replay.reset();
    this.detachAll('Another session was opened');
    for (const id of this.connections.keys()) this.emit('connection.removed', { id });
    this.connections.clear();
    this.announced.clear();
    open();
    this.loadRecorded();
    const info = this.sessions.current();
    this.emit('session.changed', info);
    this.emit('saved.updated', this.saved.list());
    return info;
  }

  private exportHar(connectionIds: number[] | undefined, sensitive: boolean): HarExport {
    this.flush();
    const ids = connectionIds ?? [...this.connections.keys()].sort((a, b) => a - b);
    const connections = ids.map((id) => {
      const summary = this.connection(id).summary();
      return { summary, frames: this.store.frames(id), messages: this.store.messages(id) };
    });
    const har = exportHar(connections, { name: 'Framescope', version: this.version }, { sensitive });
    const leftOut: string[] = [];
    for (const entry of har.log.entries) {
      for (const name of entry._framescope?.leftOut ?? []) if (!leftOut.some((n) => n.toLowerCase() === name.toLowerCase())) leftOut.push(name);
    }
    const session = this.sessions.current().name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'session';
    const fileName = ids.length === 1 && connectionIds !== undefined ? `${session}-connection-${ids[0]}.har` : `${session}.har`;
    return { har: JSON.stringify(har, null, 2), fileName, entries: connections.length, leftOut };
  }

  private importHar(text: string, fileName: string | undefined, into: 'new' | 'current'): HarImport {
    // Read the whole file before touching any session: a malformed file changes nothing.
    const parsed = importHar(text);
    if (into === 'new') this.switchSession(() => this.sessions.create(fileName === undefined ? undefined : `Imported ${basename(fileName)}`));
    const connectionIds: number[] = [];
    let messages = 0;
    for (const imported of parsed.connections) {
      const id = this.nextId++;
      const summary: ConnectionSummary = { ...imported.summary, id, frameRows: 0, messageRows: 0, live: false, replayOf: null };
      this.store.createTimeline(id);
      this.store.importRows(id, imported.frames, imported.messages);
      this.store.saveConnection(summary);
      const conn = new RecordedConnection(summary, () => this.store);
      this.connections.set(id, conn);
      connectionIds.push(id);
      messages += imported.messages.filter((m) => 'rec' in m).length;
      this.emit('connection.updated', conn.summary());
    }
    return { session: this.sessions.current(), connectionIds, messages, warnings: parsed.warnings };
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
  if (err instanceof UnknownTimelineError || err instanceof RowOutOfRangeError || err instanceof UnknownHeldFrameError || err instanceof NotFoundError) {
    return { code: 'NOT_FOUND', message: err.message };
  }
  if (err instanceof HarFormatError) return { code: 'INVALID_ARGUMENT', message: `That is not a HAR file Framescope can read: ${err.message}` };
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
