// The proxy as the engine offers it: the listener and its settings, the intercept settings, the
// rules and the hold queue, the MITM CA, and launching a browser through the proxy.
import path from 'node:path';
import type {
  BrowserLaunch, CaInfo, HeldEdit, InterceptSettings, InterceptState, Micros, ProxyDirection, ProxySettings, ProxyStatus, Rule,
} from '../../../shared/api.ts';
import { decodeBytes } from '../client/outgoing.ts';
import { HoldQueue } from '../intercept/hold-queue.ts';
import { RuleSet } from '../intercept/rules.ts';
import { Opcode } from '../protocol/index.ts';
import { InvalidStateError } from '../tracked-connection.ts';
import { launchBrowser } from './browser-launch.ts';
import { CertificateAuthority, trustInstructions } from './certificates.ts';
import { ProxyListener } from './listener.ts';
import type { ProxiedConnectionInit, ProxyContext } from './proxied-connection.ts';

export const DEFAULT_PROXY_SETTINGS: ProxySettings = {
  host: '127.0.0.1',
  port: 8080,
  mode: 'explicit',
  reverseUrl: null,
  passthroughHosts: [],
  insecureUpstreamHosts: [],
  stripExtensions: false,
};

export const DEFAULT_INTERCEPT: InterceptSettings = {
  client: false,
  server: false,
  holdControlFrames: false,
  keepaliveIntervalMs: 15_000,
  holdTimeoutMs: 60_000,
  timeoutAction: 'forward',
};

type InterceptView = ReturnType<ProxyContext['intercept']>;

export interface ProxyServiceOptions {
  /** The app's data folder (the CA lives in its `ca` subfolder); null when there is none. */
  dataDir: string | null;
  now: () => Micros;
  /** A WebSocket upgrade arrived: the engine makes it a proxied connection. */
  webSocket: (init: ProxiedConnectionInit, ctx: ProxyContext) => void;
  statusChanged: (status: ProxyStatus) => void;
  interceptChanged: (state: InterceptState) => void;
}

export class ProxyService {
  private readonly opts: ProxyServiceOptions;
  private settings: ProxySettings = DEFAULT_PROXY_SETTINGS;
  private listener: ProxyListener | null = null;
  private state: ProxyStatus['state'] = 'stopped';
  private address: string | null = null;
  private error: string | null = null;
  private active = 0;
  private total = 0;
  private interceptSettings: InterceptSettings = DEFAULT_INTERCEPT;
  private rules: Rule[] = [];
  private ruleSet = new RuleSet([]);
  private readonly holdQueue: HoldQueue;
  private authority: CertificateAuthority | null = null;
  private interceptPending = false;
  /** What the pipes ask for on every message, rebuilt only when the settings or rules change. */
  private interceptView = this.viewOfIntercept();
  readonly context: ProxyContext;

  constructor(opts: ProxyServiceOptions) {
    this.opts = opts;
    this.holdQueue = new HoldQueue({ now: opts.now, settings: () => this.interceptSettings, changed: () => this.interceptDirty() });
    this.context = {
      intercept: (direction: ProxyDirection) => this.interceptView[direction],
      hold: (description, decide) => this.holdQueue.hold(description, decide),
      forgetHeld: (id) => this.holdQueue.forgetConnection(id),
      keepaliveIntervalMs: () => this.interceptSettings.keepaliveIntervalMs,
      activeChanged: (delta) => {
        this.active += delta;
        if (delta > 0) this.total += delta;
        this.opts.statusChanged(this.status());
      },
    };
  }

  status(): ProxyStatus {
    return {
      state: this.state,
      settings: this.settings,
      address: this.address,
      error: this.error,
      activeConnections: this.active,
      totalConnections: this.total,
    };
  }

  /** Listens with these settings (merged into the current ones), replacing a listener already running. */
  async start(changes: Partial<ProxySettings>): Promise<ProxyStatus> {
    const settings = { ...this.settings, ...changes };
    if (settings.mode === 'reverse' && !settings.reverseUrl) {
      throw new InvalidStateError('Reverse mode needs the upstream URL to forward to — give a ws:// or wss:// URL');
    }
    await this.closeListener();
    this.settings = settings;
    this.total = 0;
    try {
      const listener = new ProxyListener(settings, {
        webSocket: (init) => this.opts.webSocket(init, this.context),
        secureContext: (host) => this.ca().secureContext(host),
      });
      this.address = await listener.listen();
      this.listener = listener;
      this.state = 'listening';
      this.error = null;
    } catch (err) {
      this.state = 'error';
      this.address = null;
      this.error = (err as Error).message;
    }
    const status = this.status();
    this.opts.statusChanged(status);
    return status;
  }

  async stop(): Promise<ProxyStatus> {
    await this.closeListener();
    this.state = 'stopped';
    this.address = null;
    this.error = null;
    const status = this.status();
    this.opts.statusChanged(status);
    return status;
  }

  interceptState(): InterceptState {
    return { settings: this.interceptSettings, rules: this.rules, held: this.holdQueue.list() };
  }

  configure(changes: Partial<InterceptSettings>): InterceptState {
    const before = this.interceptSettings;
    this.interceptSettings = { ...before, ...changes };
    this.interceptView = this.viewOfIntercept();
    // Turning a direction's intercept off lets go of what that toggle held, in order.
    for (const dir of ['client', 'server'] as const) {
      if (before[dir] && !this.interceptSettings[dir]) this.holdQueue.forwardAll((h) => h.direction === dir && h.rule === null);
    }
    this.interceptDirty();
    return this.interceptState();
  }

  setRules(rules: Rule[]): InterceptState {
    this.ruleSet = new RuleSet(rules);
    this.interceptView = this.viewOfIntercept();
    this.rules = rules;
    this.interceptDirty();
    return this.interceptState();
  }

  resolve(id: number, action: 'forward' | 'drop', edit: HeldEdit | undefined): InterceptState {
    if (action === 'drop') {
      this.holdQueue.resolve(id, { action: 'drop' });
    } else if (edit === undefined) {
      this.holdQueue.resolve(id, { action: 'forward', edit: null });
    } else {
      const held = this.holdQueue.get(id);
      const payload = edit.kind === 'text' ? decodeBytes(edit.text, 'text') : decodeBytes(edit.data, edit.format);
      // A data message may change between text and binary; a control frame keeps its opcode.
      const opcode = held.opcode >= 0x8 ? held.opcode : edit.kind === 'text' ? Opcode.TEXT : Opcode.BINARY;
      if (held.opcode >= 0x8 && payload.length > 125) {
        throw new InvalidStateError(`A control frame carries at most 125 bytes; the edit has ${payload.length}`);
      }
      this.holdQueue.resolve(id, { action: 'forward', edit: { opcode, payload } });
    }
    return this.interceptState();
  }

  forwardAll(): InterceptState {
    this.holdQueue.forwardAll();
    return this.interceptState();
  }

  caInfo(): CaInfo {
    return this.describe(this.ca());
  }

  regenerateCa(): CaInfo {
    this.authority = CertificateAuthority.regenerate(this.caDir());
    return this.describe(this.authority);
  }

  launchBrowser(url: string | undefined): BrowserLaunch {
    if (this.state !== 'listening' || this.address === null) throw new InvalidStateError('Start the proxy first: the browser is pointed at it');
    if (this.settings.mode !== 'explicit') throw new InvalidStateError('The browser needs the proxy in explicit mode (reverse mode serves one upstream only)');
    const launched = launchBrowser({ proxyAddress: this.address, spki: this.ca().spki, ...(url === undefined ? {} : { url }) });
    launched.child.unref();
    return { executable: launched.executable, pid: launched.pid, profileDir: launched.profileDir };
  }

  /** Stops listening and every hold timer (the engine is going away). */
  async shutdown(): Promise<void> {
    this.holdQueue.clear();
    await this.closeListener();
  }

  private async closeListener(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    if (listener !== null) await listener.close();
  }

  private viewOfIntercept(): Record<ProxyDirection, InterceptView> {
    const view = (direction: ProxyDirection): InterceptView => ({
      holdData: this.interceptSettings[direction],
      holdControl: this.interceptSettings[direction] && this.interceptSettings.holdControlFrames,
      rules: this.ruleSet,
    });
    return { client: view('client'), server: view('server') };
  }

  private ca(): CertificateAuthority {
    this.authority ??= CertificateAuthority.loadOrCreate(this.caDir());
    return this.authority;
  }

  private caDir(): string {
    if (this.opts.dataDir === null) throw new InvalidStateError('Framescope has no data folder to keep its CA in');
    return path.join(this.opts.dataDir, 'ca');
  }

  private describe(ca: CertificateAuthority): CaInfo {
    return { pem: ca.certPem, spki: ca.spki, certPath: ca.certPath, subject: ca.subject, notAfter: ca.notAfter, instructions: trustInstructions(ca.certPath) };
  }

  /** One intercept.updated per tick, however many frames were held or released in it. */
  private interceptDirty(): void {
    if (this.interceptPending) return;
    this.interceptPending = true;
    queueMicrotask(() => {
      this.interceptPending = false;
      this.opts.interceptChanged(this.interceptState());
    });
  }
}
