// The one contract between the engine and the UI: commands (name → argument and result) and events
// (name → payload). Electron IPC and browser mode's WebSocket RPC are two transports of this map;
// the engine validates every argument against it before acting. Types only: no Node, no DOM.

/** Microseconds since the Unix epoch (exact in a double until the year 2255). */
export type Micros = number;

/** How bytes travel as text in the contract. */
export type ByteFormat = 'text' | 'hex' | 'base64';

// ------------------------------------------------------------------------------------ connections

export interface DeflateSettings {
  /** Offer permessage-deflate (RFC 7692). */
  enabled: boolean;
  clientNoContextTakeover?: boolean;
  serverNoContextTakeover?: boolean;
  /** 8-15, or true to offer the parameter without a value. */
  clientMaxWindowBits?: number | true;
  serverMaxWindowBits?: number;
}

export interface TlsSettings {
  /** Accept an invalid or self-signed certificate for this connection only. */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM), added to the system's. */
  caPem?: string;
  /** Server name sent in SNI and checked against the certificate, when it differs from the URL host. */
  servername?: string;
}

export interface ReconnectSettings {
  enabled: boolean;
  /** First delay; doubles after each failed attempt. Default 1000 ms. */
  initialDelayMs?: number;
  /** Largest delay. Default 30000 ms. */
  maxDelayMs?: number;
  /** Give up after this many attempts in a row. Default 10; 0 means no limit. */
  maxAttempts?: number;
}

export interface ConnectOptions {
  /** ws:// or wss:// */
  url: string;
  /** Extra request headers, in order. Handshake headers (Upgrade, Sec-WebSocket-*) cannot be set here. */
  headers?: Array<[name: string, value: string]>;
  subprotocols?: string[];
  origin?: string;
  deflate?: DeflateSettings;
  tls?: TlsSettings;
  /** DNS, TCP, TLS and the opening handshake together. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Send a ping this often while open; fail the connection when the previous one got no pong. 0 = off. */
  keepaliveIntervalMs?: number;
  reconnect?: ReconnectSettings;
  /** A name shown in the connections list instead of the URL. */
  label?: string;
}

export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed' | 'error';

/** Why a connection did not open (or dropped), each with its own code. */
export type DialErrorCode =
  | 'INVALID_URL'
  | 'DNS_FAILED'
  | 'TCP_REFUSED'
  | 'TCP_FAILED'
  | 'TLS_FAILED'
  | 'TIMEOUT'
  | 'HANDSHAKE_REJECTED'
  | 'HANDSHAKE_REDIRECT'
  | 'HANDSHAKE_FAILED'
  | 'KEEPALIVE_TIMEOUT'
  | 'SOCKET_ERROR';

export interface DialError {
  code: DialErrorCode;
  /** What happened and what to do, for a person. */
  message: string;
  /** The underlying error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, WS_ERR_HANDSHAKE_…), when there is one. */
  cause?: string;
}

export interface HttpExchange {
  /** Request head as sent. */
  requestHeaders: Array<[string, string]>;
  requestLine: string;
  /** Response status line and headers, when a response arrived. */
  status?: number;
  statusText?: string;
  responseHeaders?: Array<[string, string]>;
  /** A rejection's body (UTF-8, lossy), capped at 64 KiB. */
  body?: string;
  /** Where a 3xx pointed. */
  location?: string;
}

export interface CloseInfo {
  code: number | null;
  reason: string;
  by: 'local' | 'remote' | 'abnormal';
  clean: boolean;
}

export interface ConnectionSummary {
  id: number;
  url: string;
  label: string | null;
  state: ConnectionState;
  /** When the first attempt started, and when the last one ended. */
  createdAt: Micros;
  openedAt: Micros | null;
  endedAt: Micros | null;
  /** 1 for the first attempt; grows with each reconnect. */
  attempt: number;
  /** Set while a reconnect is scheduled. */
  reconnectAt: Micros | null;
  protocol: string | null;
  extensions: string | null;
  framesIn: number;
  framesOut: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Rows in the frames view and in the messages view. */
  frameRows: number;
  messageRows: number;
  handshake: HttpExchange | null;
  close: CloseInfo | null;
  error: DialError | null;
  /** The options it was opened with (for "reconnect" and "duplicate"). */
  options: ConnectOptions;
}

// ------------------------------------------------------------------------------------ sending

export type SendRequest =
  | { kind: 'text'; text: string; fragmentSize?: number; compress?: boolean }
  /** Checked to be JSON, then sent as a text message exactly as given. */
  | { kind: 'json'; text: string; fragmentSize?: number; compress?: boolean }
  | { kind: 'binary'; data: string; format: 'hex' | 'base64'; fragmentSize?: number; compress?: boolean }
  | { kind: 'ping' | 'pong'; data?: string; format?: ByteFormat }
  | { kind: 'close'; code?: number; reason?: string }
  /** Any frame or frames, unchecked, for testing servers: invalid combinations are sent as asked. */
  | {
      kind: 'raw';
      opcode: number;
      fin: boolean;
      rsv1: boolean;
      rsv2: boolean;
      rsv3: boolean;
      data: string;
      format: ByteFormat;
      /** Split the payload into frames of this size: the first with `opcode`, the rest continuation, FIN on the last (when `fin`). */
      fragmentSize?: number;
      /** Client frames are masked unless this is false (sending unmasked breaks RFC 6455 on purpose). */
      mask?: boolean;
    };

export interface SendResult {
  /** Timeline rows (frames view) of the frames written. */
  rows: number[];
  bytes: number;
}

// ------------------------------------------------------------------------------------ the timeline

export type TimelineView = 'frames' | 'messages';

export type Direction = 'in' | 'out';

export interface TimelineFilter {
  /** Matched against the payload preview (text) and the full text of small payloads. */
  text?: string;
  regex?: boolean;
  caseSensitive?: boolean;
  direction?: Direction;
  /** Keep rows with these opcodes (errors and notes are kept when `errors` is not false). */
  opcodes?: number[];
  errors?: boolean;
}

export type RowKind = 'frame' | 'message' | 'error' | 'note';

/** One timeline row, small enough to send thousands at once. */
export interface TimelineRow {
  /** Index in its view (0-based, stable: rows are only appended). */
  index: number;
  kind: RowKind;
  time: Micros;
  dir: Direction | null;
  /** Frame opcode; for a message, its data opcode; for an error, the malformed frame's opcode or -1. */
  opcode: number;
  fin: boolean;
  rsv: number;
  /** Payload length (a message: its data length after decompression). */
  size: number;
  /** Up to 200 characters: text, or hex of the first bytes, or the error or note text. */
  preview: string;
  /** Frames: the message it belongs to (messages-view index), or -1. Messages: the frame rows it spans. */
  ref: number;
  refEnd: number;
  compressed: boolean;
  /** WS_ERR_* for error rows. */
  errorCode: string | null;
}

export interface RangeRequest {
  connectionId: number;
  view: TimelineView;
  /** Index among matching rows (after the filter). */
  start: number;
  count: number;
  filter?: TimelineFilter;
}

export interface RangeResult {
  /** Matching rows in the view. */
  total: number;
  rows: TimelineRow[];
}

export interface RowDetailRequest {
  connectionId: number;
  view: TimelineView;
  index: number;
}

export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Hex, or null when unmasked. */
  maskKey: string | null;
  payloadLength: number;
  headerLength: number;
  nonMinimalLength: boolean;
}

export interface RowDetail {
  row: TimelineRow;
  /** Frames and errors: the header as on the wire. */
  header: FrameHeader | null;
  /** The payload as the application sees it (unmasked, decompressed), base64. */
  payloadBase64: string;
  /** The payload as UTF-8 text when it is valid UTF-8, else null. */
  text: string | null;
  /** Header and payload bytes as on the wire, base64 (frames and errors; for a message, null). */
  wireBase64: string | null;
  /** Close frames: the code and reason carried. */
  close: { code: number | null; reason: string } | null;
  error: { code: string; closeCode: number; reason: string } | null;
  /** Set when a payload was larger than the stored cap and was cut. */
  truncated: boolean;
}

// ------------------------------------------------------------------------------------ the map

export interface Commands {
  'app.info': { arg: void; result: { version: string; mode: 'electron' | 'browser' | 'cli' } };
  'connections.open': { arg: ConnectOptions; result: { id: number } };
  'connections.list': { arg: void; result: ConnectionSummary[] };
  'connections.close': { arg: { id: number; code?: number; reason?: string }; result: void };
  'connections.reconnect': { arg: { id: number }; result: void };
  'connections.delete': { arg: { id: number }; result: void };
  'connections.send': { arg: { id: number; message: SendRequest }; result: SendResult };
  'timeline.range': { arg: RangeRequest; result: RangeResult };
  'timeline.detail': { arg: RowDetailRequest; result: RowDetail };
}

export type CommandName = keyof Commands;
export type CommandArg<K extends CommandName> = Commands[K]['arg'];
export type CommandResult<K extends CommandName> = Commands[K]['result'];

/** Per connection, what grew since the last batch (sent at most about every 50 ms). */
export interface TimelineGrowth {
  connectionId: number;
  frameRows: number;
  messageRows: number;
}

export interface Events {
  /** A connection was added or changed (state, counts, handshake, close). */
  'connection.updated': ConnectionSummary;
  'connection.removed': { id: number };
  /** Batched: the new row totals of connections whose timelines grew. */
  'timeline.grew': TimelineGrowth[];
}

export type EventName = keyof Events;

/** What every transport hands the UI. */
export interface FramescopeApi {
  invoke<K extends CommandName>(name: K, arg: CommandArg<K>): Promise<CommandResult<K>>;
  /** Returns a function that stops listening. */
  on<K extends EventName>(name: K, listener: (payload: Events[K]) => void): () => void;
}

/** A command failed: bad argument, unknown connection, or a state that forbids it. */
export interface CommandError {
  code: 'INVALID_ARGUMENT' | 'UNKNOWN_COMMAND' | 'NOT_FOUND' | 'INVALID_STATE' | 'INTERNAL';
  message: string;
}

/** A command's outcome as it crosses a transport; the UI's transport turns a failure into a thrown error. */
export type Outcome<T> = { ok: true; result: T } | { ok: false; error: CommandError };

/** Electron: what the preload puts on `window.framescope`, one named function per command, plus `on`. */
export type ElectronBridge = {
  [K in CommandName]: (arg: CommandArg<K>) => Promise<Outcome<CommandResult<K>>>;
} & {
  on<K extends EventName>(name: K, listener: (payload: Events[K]) => void): () => void;
};

/** IPC channel names: a prefix and a direction, checked on both sides. */
export const invokeChannel = (name: CommandName): string => `framescope:invoke:${name}`;
export const eventChannel = (name: EventName): string => `framescope:event:${name}`;

// ------------------------------------------------------------------------------------ WebSocket RPC

/** Browser mode, browser → engine, one JSON text message each. */
export interface RpcRequest {
  id: number;
  cmd: string;
  arg?: unknown;
}

/** Engine → browser. */
export type RpcMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: CommandError }
  | { event: EventName; payload: unknown };

/** Path of the RPC WebSocket on the browser-mode server. */
export const RPC_PATH = '/rpc';

// Written as records so that the compiler insists on every name of the maps.
const commandSet: Record<CommandName, true> = {
  'app.info': true,
  'connections.open': true,
  'connections.list': true,
  'connections.close': true,
  'connections.reconnect': true,
  'connections.delete': true,
  'connections.send': true,
  'timeline.range': true,
  'timeline.detail': true,
};
const eventSet: Record<EventName, true> = { 'connection.updated': true, 'connection.removed': true, 'timeline.grew': true };

/** Every command name: the preload exposes these and main registers one handler each. */
export const COMMAND_NAMES = Object.keys(commandSet) as readonly CommandName[];
export const EVENT_NAMES = Object.keys(eventSet) as readonly EventName[];
