// Test-only driver that runs a sans-IO Connection on a real loopback net.Socket, with awaitable events.
import net from 'node:net';
import {
  Connection,
  type AcceptedEvent, type ClientRequestOptions, type ClosedEvent, type ConnectionEvent, type ConnectionOptions,
  type MessageEvent, type RequestEvent, type SendEvent, type ServerAcceptOptions,
} from '../../electron/core/protocol/index.ts';

export type EventOf<T extends ConnectionEvent['type']> = Extract<ConnectionEvent, { type: T }>;

interface Waiter<T> {
  readonly match: (item: T) => boolean;
  readonly resolve: (item: T) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Items arrive in order; `take` hands out the first unclaimed item that matches, now or when it
 * arrives, so a test can await an event that already happened. After `end`, waiters that can no
 * longer be satisfied fail instead of hanging until the test timeout.
 */
export class AsyncQueue<T> {
  private readonly pending: T[] = [];
  private waiters: Waiter<T>[] = [];
  private endedWith: Error | null = null;

  push(item: T): void {
    const i = this.waiters.findIndex((w) => w.match(item));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(item);
    } else {
      this.pending.push(item);
    }
  }

  take<U extends T>(match: (item: T) => item is U): Promise<U>;
  take(match: (item: T) => boolean): Promise<T>;
  take(match: (item: T) => boolean): Promise<T> {
    const i = this.pending.findIndex(match);
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]!);
    if (this.endedWith) return Promise.reject(this.endedWith);
    return new Promise<T>((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  end(err: Error): void {
    this.endedWith = err;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }
}

type Closer = () => void | Promise<void>;
const live = new Set<Closer>();

/** Destroys every socket and closes every server the driver opened and that is still open. */
export async function closeAllDriverHandles(): Promise<void> {
  const closers = [...live];
  live.clear();
  await Promise.all(closers.map((close) => close()));
}

/** One Connection bound to one socket: bytes in feed `receive`, produced bytes are written out. */
export class SocketConnection {
  readonly conn: Connection;
  readonly socket: net.Socket;
  /** Every event the connection reported, in order. */
  readonly log: ConnectionEvent[] = [];
  /** The `closed` event; resolves once, whoever ends the connection. */
  readonly closed: Promise<ClosedEvent>;
  /** Resolves when the socket is fully closed. */
  readonly socketClosed: Promise<void>;
  /** Socket errors seen (a peer's reset shows up here). */
  readonly socketErrors: Error[] = [];
  private readonly queue = new AsyncQueue<ConnectionEvent>();
  private readonly onRequest: ((req: RequestEvent) => ServerAcceptOptions) | null;

  constructor(conn: Connection, socket: net.Socket, onRequest: ((req: RequestEvent) => ServerAcceptOptions) | null = null) {
    this.conn = conn;
    this.socket = socket;
    this.onRequest = onRequest;
    const destroy: Closer = () => { socket.destroy(); };
    live.add(destroy);
    this.closed = this.next('closed');
    // A test that never looks at `closed` must not see an unhandled rejection when the socket ends first.
    this.closed.catch(() => undefined);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('end', () => this.feed(null));
    socket.on('error', (err) => this.socketErrors.push(err));
    socket.on('close', () => {
      live.delete(destroy);
      this.feed(null);
      this.queue.end(new Error(`the socket closed; connection state ${this.conn.state}`));
    });
  }

  /** Sends what the application wants and returns the bytes written for it. */
  send(ev: SendEvent): Uint8Array {
    const bytes = this.conn.send(ev);
    this.write(bytes);
    // Answering a peer's close by hand moves the connection to CLOSED: report it and end.
    this.dispatch(this.conn.pollEvents());
    return bytes;
  }

  /** Writes bytes that bypass the connection entirely. */
  writeRaw(bytes: Uint8Array): void {
    this.write(bytes);
  }

  /** The next unclaimed event of a type, already received or still to come. */
  next<T extends ConnectionEvent['type']>(type: T): Promise<EventOf<T>> {
    return this.queue.take((ev): ev is EventOf<T> => ev.type === type);
  }

  /** The next unclaimed event of any of the types. */
  nextOf<T extends ConnectionEvent['type']>(...types: T[]): Promise<EventOf<T>> {
    return this.queue.take((ev): ev is EventOf<T> => (types as string[]).includes(ev.type));
  }

  nextMessage(): Promise<MessageEvent> {
    return this.next('message');
  }

  async messages(n: number): Promise<MessageEvent[]> {
    const out: MessageEvent[] = [];
    for (let i = 0; i < n; i++) out.push(await this.nextMessage());
    return out;
  }

  /** Frame events with sequence numbers from `first` to `last`, as the timeline would show them. */
  frames(first: number, last: number): EventOf<'frame'>[] {
    return this.log.filter((ev): ev is EventOf<'frame'> => ev.type === 'frame' && ev.seq >= first && ev.seq <= last);
  }

  private feed(chunk: Uint8Array | null): void {
    if (chunk === null && this.conn.state === 'CLOSED') return;
    this.dispatch(this.conn.receive(chunk));
  }

  private dispatch(events: ConnectionEvent[]): void {
    let batch = events;
    while (batch.length > 0) {
      let closed = false;
      for (const ev of batch) {
        if (ev.type === 'request' && this.onRequest) this.write(this.conn.accept(this.onRequest(ev)));
        if (ev.type === 'closed') closed = true;
        this.log.push(ev);
        this.queue.push(ev);
      }
      for (const bytes of this.conn.dataToSend()) this.write(bytes);
      // The transport closes once everything the connection produced is queued before the FIN.
      if (closed && !this.socket.destroyed) this.socket.end();
      // accept() replays bytes the client sent early, which queues events of their own.
      batch = this.conn.pollEvents();
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.socket.writable) this.socket.write(bytes);
  }
}

export interface ClientOptions extends Omit<ClientRequestOptions, 'host' | 'path'> {
  path?: string;
  connection?: Omit<ConnectionOptions, 'role' | 'open'>;
}

/** Client role: dials 127.0.0.1:port and resolves once the server accepted the handshake. */
export async function connectClient(port: number, opts: ClientOptions = {}): Promise<{ client: SocketConnection; accepted: AcceptedEvent }> {
  const { path = '/', connection, ...request } = opts;
  const conn = new Connection({ ...connection, role: 'client' });
  const socket = net.connect({ host: '127.0.0.1', port });
  const client = new SocketConnection(conn, socket);
  // Written before the connect completes: the socket queues it.
  socket.write(conn.initiate({ ...request, host: `127.0.0.1:${port}`, path }));
  const first = await client.nextOf('accepted', 'rejected', 'handshake-failed');
  if (first.type !== 'accepted') {
    socket.destroy();
    throw new Error(`the handshake did not succeed: ${JSON.stringify(first.type === 'rejected' ? first.status : first.message)}`);
  }
  return { client, accepted: first };
}

export interface ServerOptions {
  /** How to answer each `request` event (default: accept with no subprotocol and no extension). */
  accept?: ServerAcceptOptions | ((req: RequestEvent) => ServerAcceptOptions);
  connection?: Omit<ConnectionOptions, 'role' | 'open'>;
}

/** Server role: a net.Server on 127.0.0.1 whose accepted sockets each run a server Connection. */
export class ConnectionServer {
  readonly port: number;
  private readonly server: net.Server;
  private readonly accepted = new AsyncQueue<SocketConnection>();

  private constructor(server: net.Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async listen(opts: ServerOptions = {}): Promise<ConnectionServer> {
    const answer = opts.accept ?? {};
    const onRequest = typeof answer === 'function' ? answer : () => answer;
    let self: ConnectionServer | null = null;
    const server = net.createServer((socket) => {
      const conn = new Connection({ ...opts.connection, role: 'server' });
      self!.accepted.push(new SocketConnection(conn, socket, onRequest));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new ConnectionServer(server, (server.address() as net.AddressInfo).port);
    const close: Closer = () => self!.close();
    live.add(close);
    server.once('close', () => live.delete(close));
    return self;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The next connection the server accepted at the TCP level (its handshake may still be running). */
  nextConnection(): Promise<SocketConnection> {
    return this.accepted.take(() => true);
  }

  /** Stops listening; sockets already accepted are the tests' to close (or `closeAllDriverHandles`). */
  close(): Promise<void> {
    this.accepted.end(new Error('the server was closed'));
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
