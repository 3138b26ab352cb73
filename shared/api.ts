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
  /**
   * Who sent the first close frame: Framescope ('local'), the server ('remote'), the app through the
   * proxy ('app'), or nobody ('abnormal': the transport ended first).
   */
  by: 'local' | 'remote' | 'app' | 'abnormal';
  clean: boolean;
}

/** Where a connection came from: opened from Framescope, or an app's connection through the proxy. */
export type ConnectionOrigin = 'client' | 'proxied';

/** A proxied connection: who connected, and where the proxy took it. */
export interface ProxiedInfo {
  mode: ProxyMode;
  /** The app's address, host:port. */
  clientAddress: string;
  /** True when the app's side was TLS (CONNECT + MITM, or a TLS reverse listener). */
  clientTls: boolean;
  /** The extensions the app offered were removed before going upstream. */
  strippedExtensions: boolean;
  /** A direction whose messages are re-encoded by the proxy since one was edited or injected (permessage-deflate). */
  reencoding: ProxyDirection[];
  /** Frames held right now, per direction. */
  held: { client: number; server: number };
}

export interface ConnectionSummary {
  id: number;
  origin: ConnectionOrigin;
  /** For proxied connections; null for client connections. */
  proxied: ProxiedInfo | null;
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
  /**
   * False for a connection read back from the session file (recorded earlier, or imported): it can be
   * inspected, exported, replayed and deleted, but not sent on or reconnected.
   */
  live: boolean;
  /** A replay's connection: the run it belongs to and the connection it replays. */
  replayOf: { runId: number; connectionId: number } | null;
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

/**
 * 'out' is toward the server (what a client connection sends, or what the app sends through the
 * proxy); 'in' is toward the app (what the server sends).
 */
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
  /** Rows from this time on, and before this time (epoch microseconds). */
  from?: Micros;
  to?: Micros;
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
  /** FrameFlag bits: what the proxy did to the frame (0 for client connections). */
  flags: number;
  /** The first rule that touched the frame, by name. */
  rule: string | null;
}

/** What the proxy did with a frame; bits of TimelineRow.flags. */
export const FrameFlag = {
  /** Its payload was changed (by hand or by a rule); the original is kept. */
  EDITED: 1,
  /** It was not forwarded. */
  DROPPED: 2,
  /** Framescope wrote it (inject), it did not come from either peer. */
  INJECTED: 4,
  /** It waited in the hold queue before its fate was decided. */
  HELD: 8,
  /** A rule delayed it. */
  DELAYED: 16,
  /** The proxy's own keepalive ping, or the pong answering it (never shown to the app). */
  KEEPALIVE: 32,
  /** Re-encoded by the proxy (permessage-deflate after an edit): the wire bytes differ from what the sender sent. */
  REENCODED: 64,
  /** The payload was larger than the session's recording cap: only its first bytes were stored. */
  CAPPED: 128,
  /** Read from a HAR file that had no frame-level data: header and wire bytes are not known. */
  IMPORTED: 256,
} as const;

export interface RangeRequest {
  connectionId: number;
  view: TimelineView;
  /** Index among matching rows (after the filter). */
  start: number;
  count: number;
  filter?: TimelineFilter;
}

export interface RangeResult {
  /** Matching rows in the view (so far, when not `complete`). */
  total: number;
  rows: TimelineRow[];
  /**
   * False while a filter over a long timeline is still being counted: the engine answers after a
   * short while with the rows found so far, and asking again (the same filter) goes on from there.
   */
  complete: boolean;
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
  /** Capped rows: the payload length as it crossed the wire, of which only the recording cap was stored. */
  fullLength: number | null;
  /** Edited frames: the payload as the sender sent it (base64) and as text when UTF-8. */
  original: { payloadBase64: string; text: string | null } | null;
  /** Names of every rule that touched the frame, in order. */
  rules: string[];
  /** Held frames: how long they waited, in ms. */
  heldMs: number | null;
}

// ------------------------------------------------------------------------------------ the proxy

export type ProxyMode = 'explicit' | 'reverse';

/** Who sent a proxied frame: 'client' for app → server, 'server' for server → app. */
export type ProxyDirection = 'client' | 'server';

export interface ProxySettings {
  /** Default 127.0.0.1. */
  host: string;
  /** Default 8080; 0 picks a free port. */
  port: number;
  mode: ProxyMode;
  /** Reverse mode: the ws:// or wss:// URL every connection is forwarded to (its path is prefixed to the app's). */
  reverseUrl: string | null;
  /** Host patterns (`example.com`, `*.example.com`, `*`) whose CONNECT tunnels pass through as raw TCP, without MITM. */
  passthroughHosts: string[];
  /** Host patterns whose upstream TLS certificate is not verified. */
  insecureUpstreamHosts: string[];
  /** Remove Sec-WebSocket-Extensions from upgrade requests, so nothing is compressed. */
  stripExtensions: boolean;
}

export interface ProxyStatus {
  state: 'stopped' | 'listening' | 'error';
  settings: ProxySettings;
  /** Where apps should point, host:port, while listening. */
  address: string | null;
  /** Why it stopped or could not listen, for a person. */
  error: string | null;
  /** Proxied connections open now, and since the listener started. */
  activeConnections: number;
  totalConnections: number;
}

export interface InterceptSettings {
  /** Hold every data frame going this way. */
  client: boolean;
  server: boolean;
  /** Hold ping, pong and close frames too (by default they pass). */
  holdControlFrames: boolean;
  /** While a frame is held, ping the server this often and swallow the pongs. 0 = off. Default 15000. */
  keepaliveIntervalMs: number;
  /** A held frame waits at most this long, then `timeoutAction` applies. 0 = wait forever. Default 60000. */
  holdTimeoutMs: number;
  timeoutAction: 'forward' | 'drop';
}

export interface RuleMatch {
  /** Glob on the connection's URL or host (`*` any run of characters): `*.example.com`, `wss://api.*\/feed`. */
  url?: string;
  direction?: ProxyDirection;
  opcodes?: number[];
  /** Substring (or regex) searched in text payloads. */
  payload?: string;
  regex?: boolean;
  caseSensitive?: boolean;
}

export type RuleAction =
  | { kind: 'hold' }
  /** Text payloads only; `$1`… in `replace` when `regex`. Every match is replaced. */
  | { kind: 'replace'; find: string; replace: string; regex?: boolean; caseSensitive?: boolean }
  | { kind: 'drop' }
  | { kind: 'delay'; ms: number };

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  match: RuleMatch;
  action: RuleAction;
}

/** A frame (or a whole fragmented message) waiting in the hold queue. */
export interface HeldFrame {
  id: number;
  connectionId: number;
  url: string;
  direction: ProxyDirection;
  heldAt: Micros;
  /** When the timeout action applies, or null. */
  expiresAt: Micros | null;
  opcode: number;
  /** Frames it came in (a fragmented message is held whole). */
  frames: number;
  size: number;
  compressed: boolean;
  /** Payload as the receiver would see it (after rules), base64, and as text when UTF-8. */
  payloadBase64: string;
  text: string | null;
  /** The hold rule that caught it, or null when the direction toggle did. */
  rule: string | null;
}

export interface InterceptState {
  settings: InterceptSettings;
  rules: Rule[];
  /** Oldest first. */
  held: HeldFrame[];
}

/** A replacement payload for a held frame. */
export type HeldEdit =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; data: string; format: 'hex' | 'base64' };

export interface CaInfo {
  /** The CA certificate, PEM. */
  pem: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list. */
  spki: string;
  /** Where the certificate is stored (the key sits beside it, readable by the user alone). */
  certPath: string;
  subject: string;
  notAfter: string;
  /** Short trust instructions for browsers and operating systems. */
  instructions: string;
}

export interface BrowserLaunch {
  executable: string;
  pid: number;
  profileDir: string;
}

// ------------------------------------------------------------------------------------ sessions

/** A session file: every connection, frame, saved message and replay run of one capture. */
export interface SessionInfo {
  /** The file's name without its extension; stable across renames of the display name. */
  id: string;
  name: string;
  path: string;
  sizeBytes: number;
  createdAt: Micros;
  modifiedAt: Micros;
  connections: number;
  current: boolean;
}

export interface SessionSettings {
  /** Payloads (and wire bytes) larger than this are stored cut to it; the rows say so. Default 16 MiB. */
  recordingCapBytes: number;
}

export interface SearchRequest {
  /** Words (full-text, FTS5) or, with `regex`, a regular expression checked on each text payload. */
  text: string;
  regex?: boolean;
  /** Only these connections; default all in the session. */
  connectionIds?: number[];
  /** Default 200, at most 5000. */
  limit?: number;
}

export interface SearchHit {
  connectionId: number;
  /** Row in the frames view, and in the messages view (or -1). */
  frameIndex: number;
  messageIndex: number;
  time: Micros;
  dir: Direction | null;
  opcode: number;
  preview: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** More rows matched than `limit`. */
  more: boolean;
  /**
   * Frame rows recorded that the search index has not taken in yet, so not searched: the engine indexes
   * them once traffic lets it (recording never waits for the index). 0 when everything was searched.
   */
  indexing: number;
}

export interface HarExport {
  /** The HAR file's text (JSON). */
  har: string;
  fileName: string;
  entries: number;
  /** Headers left out because they carry credentials (Authorization, Cookie, …), by name; empty when asked to keep them. */
  leftOut: string[];
}

export interface HarImport {
  /** What was read: the session it went into and the connections it made there. */
  session: SessionInfo;
  connectionIds: number[];
  messages: number;
  /** What the file had that could not be used, for a person (entry and field named). */
  warnings: string[];
}

// ------------------------------------------------------------------------------------ saved messages

export type SavedMessageKind = 'text' | 'json' | 'binary';

/** A message kept for sending again; `body` may hold {{variables}}. */
export interface SavedMessage {
  id: number;
  collection: string;
  name: string;
  kind: SavedMessageKind;
  /** Text or JSON as written; binary as hex or base64 per `format`. */
  body: string;
  format: 'hex' | 'base64' | null;
  createdAt: Micros;
  updatedAt: Micros;
}

export interface SavedMessageInput {
  /** Given to update a saved message, omitted to add one. */
  id?: number;
  collection: string;
  name: string;
  kind: SavedMessageKind;
  body: string;
  format?: 'hex' | 'base64';
}

/**
 * Values for {{name}} in saved messages. Built in: {{$timestamp}} (epoch seconds), {{$isoTimestamp}},
 * {{$uuid}}, {{$randomInt}} (0-1000), {{$randomInt min max}}.
 */
export interface Environments {
  /** The environment in use, or null for none. */
  active: string | null;
  environments: Record<string, Record<string, string>>;
}

export interface RenderedMessage {
  /** The body with every variable replaced. */
  body: string;
  /** Variables with no value: left as written. */
  missing: string[];
}

// ------------------------------------------------------------------------------------ replay

export type ReplayTiming =
  /** The recorded gaps between client messages. */
  | { mode: 'original' }
  /** The recorded gaps divided by `factor` (2 = twice as fast). */
  | { mode: 'speed'; factor: number }
  /** Every message at once, in order. */
  | { mode: 'fast' }
  /** Each client message only after the server's next message since the previous one (or the timeout). */
  | { mode: 'wait-reply'; timeoutMs?: number };

export interface ReplayRequest {
  /** The recorded connection to replay (live or not). */
  connectionId: number;
  timing: ReplayTiming;
  /** Defaults: the recorded URL, request headers (handshake headers removed) and subprotocols. */
  url?: string;
  headers?: Array<[string, string]>;
  subprotocols?: string[];
}

/** What a replay of a connection would send, for the replay form's defaults. */
export interface ReplayPlan {
  connectionId: number;
  url: string;
  headers: Array<[string, string]>;
  subprotocols: string[];
  /** Client → server data messages that would be sent. */
  messages: number;
  /** From the first to the last of them as recorded, in ms. */
  durationMs: number;
}

export interface ReplayRun {
  id: number;
  /** The recorded connection, and the new connection the replay opened. */
  originalId: number;
  replayId: number;
  timing: ReplayTiming;
  state: 'running' | 'done' | 'failed' | 'stopped';
  sent: number;
  total: number;
  /** 'wait-reply': how many messages went out because no server message came within the timeout. */
  timedOut: number;
  startedAt: Micros;
  endedAt: Micros | null;
  /** Why it failed, for a person. */
  error: string | null;
}

/** One side of an aligned pair: a message in the messages view of its connection. */
export interface CompareSide {
  index: number;
  /** Microseconds since the connection opened. */
  offset: Micros;
  opcode: number;
  size: number;
  preview: string;
}

export interface ComparePair {
  dir: Direction;
  /** The n-th message that way in each connection; null when one side has fewer. */
  original: CompareSide | null;
  replay: CompareSide | null;
  /** Same opcode and the same bytes. */
  equal: boolean;
}

export interface ReplayComparison {
  run: ReplayRun;
  /** In the original's order, server messages after the client message they followed. */
  pairs: ComparePair[];
  /** Server messages that differ or are missing on one side. */
  differences: number;
}

// ------------------------------------------------------------------------------------ the map

export interface Commands {
  'app.info': { arg: void; result: { version: string; mode: 'electron' | 'browser' | 'cli' } };
  'connections.open': { arg: ConnectOptions; result: { id: number } };
  'connections.list': { arg: void; result: ConnectionSummary[] };
  /** `abort`: drop the connection at once, without a closing handshake (a proxied connection's both sides). */
  'connections.close': { arg: { id: number; code?: number; reason?: string; abort?: boolean }; result: void };
  'connections.reconnect': { arg: { id: number }; result: void };
  'connections.delete': { arg: { id: number }; result: void };
  /** `toward` is for proxied connections: inject toward the server (default) or the app. */
  'connections.send': { arg: { id: number; message: SendRequest; toward?: 'server' | 'client' }; result: SendResult };
  'timeline.range': { arg: RangeRequest; result: RangeResult };
  'timeline.detail': { arg: RowDetailRequest; result: RowDetail };
  'proxy.status': { arg: void; result: ProxyStatus };
  /** Starts (or restarts with new settings) the listener; settings not given keep their values. */
  'proxy.start': { arg: Partial<ProxySettings>; result: ProxyStatus };
  /** Stops listening; open proxied connections go on until they end. */
  'proxy.stop': { arg: void; result: ProxyStatus };
  'intercept.get': { arg: void; result: InterceptState };
  'intercept.configure': { arg: Partial<InterceptSettings>; result: InterceptState };
  /** Replaces the rule list (the order is the order rules apply in). */
  'intercept.setRules': { arg: Rule[]; result: InterceptState };
  /** Forward a held frame (edited when `edit` is given), or drop it. */
  'intercept.resolve': { arg: { id: number; action: 'forward' | 'drop'; edit?: HeldEdit }; result: InterceptState };
  /** Forward everything held, in order. */
  'intercept.forwardAll': { arg: void; result: InterceptState };
  'ca.info': { arg: void; result: CaInfo };
  /** A new CA; apps must trust the new certificate. */
  'ca.regenerate': { arg: void; result: CaInfo };
  /** Starts an installed Chromium or Chrome through the proxy, with the CA trusted, at `url`. */
  'browser.launch': { arg: { url?: string }; result: BrowserLaunch };
  'sessions.list': { arg: void; result: SessionInfo[] };
  'sessions.current': { arg: void; result: SessionInfo };
  /** Starts a new empty session and makes it current. Live connections end first (closed 1001; proxied ones dropped). */
  'sessions.new': { arg: { name?: string }; result: SessionInfo };
  /** Makes a saved session current (its connections come back, not live). Live connections end first. */
  'sessions.open': { arg: { id: string }; result: SessionInfo };
  'sessions.rename': { arg: { id: string; name: string }; result: SessionInfo };
  /** Deletes a session file; deleting the current session starts a new one. */
  'sessions.delete': { arg: { id: string }; result: void };
  'session.settings': { arg: void; result: SessionSettings };
  'session.configure': { arg: Partial<SessionSettings>; result: SessionSettings };
  /** Full-text search across the current session, in the store. */
  'session.search': { arg: SearchRequest; result: SearchResult };
  /** The current session (or the listed connections) as a HAR 1.2 file. */
  /** Unless `sensitive`, credentials headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie) are left out, as Chrome's default export does. */
  'har.export': { arg: { connectionIds?: number[]; sensitive?: boolean }; result: HarExport };
  /** Reads a HAR file (Chrome, HTTP Toolkit, mitmproxy or Framescope) into a new session, or into the current one. */
  'har.import': { arg: { har: string; fileName?: string; into?: 'new' | 'current' }; result: HarImport };
  'saved.list': { arg: void; result: SavedMessage[] };
  'saved.save': { arg: SavedMessageInput; result: SavedMessage };
  /** Saves a timeline row's payload (a data frame or message) as a saved message. */
  'saved.fromRow': { arg: { connectionId: number; view: TimelineView; index: number; collection: string; name: string }; result: SavedMessage };
  'saved.delete': { arg: { id: number }; result: void };
  /** The body with variables replaced, as it would be sent. */
  'saved.render': { arg: { body: string }; result: RenderedMessage };
  /** Sends a saved message (variables replaced) on a live connection. */
  'saved.send': { arg: { id: number; connectionId: number; toward?: 'server' | 'client' }; result: SendResult };
  'env.get': { arg: void; result: Environments };
  'env.set': { arg: Environments; result: Environments };
  'replay.plan': { arg: { connectionId: number }; result: ReplayPlan };
  'replay.start': { arg: ReplayRequest; result: ReplayRun };
  'replay.stop': { arg: { id: number }; result: ReplayRun };
  'replay.list': { arg: { connectionId?: number }; result: ReplayRun[] };
  'replay.compare': { arg: { runId: number }; result: ReplayComparison };
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
  'proxy.updated': ProxyStatus;
  /** The hold queue, the intercept settings or the rules changed. */
  'intercept.updated': InterceptState;
  /** Another session became current (the UI reloads its connections), or the current one was renamed. */
  'session.changed': SessionInfo;
  'saved.updated': SavedMessage[];
  'replay.updated': ReplayRun;
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
  'proxy.status': true,
  'proxy.start': true,
  'proxy.stop': true,
  'intercept.get': true,
  'intercept.configure': true,
  'intercept.setRules': true,
  'intercept.resolve': true,
  'intercept.forwardAll': true,
  'ca.info': true,
  'ca.regenerate': true,
  'browser.launch': true,
  'sessions.list': true,
  'sessions.current': true,
  'sessions.new': true,
  'sessions.open': true,
  'sessions.rename': true,
  'sessions.delete': true,
  'session.settings': true,
  'session.configure': true,
  'session.search': true,
  'har.export': true,
  'har.import': true,
  'saved.list': true,
  'saved.save': true,
  'saved.fromRow': true,
  'saved.delete': true,
  'saved.render': true,
  'saved.send': true,
  'env.get': true,
  'env.set': true,
  'replay.plan': true,
  'replay.start': true,
  'replay.stop': true,
  'replay.list': true,
  'replay.compare': true,
};
const eventSet: Record<EventName, true> = {
  'connection.updated': true,
  'connection.removed': true,
  'timeline.grew': true,
  'proxy.updated': true,
  'intercept.updated': true,
  'session.changed': true,
  'saved.updated': true,
  'replay.updated': true,
};

/** Every command name: the preload exposes these and main registers one handler each. */
export const COMMAND_NAMES = Object.keys(commandSet) as readonly CommandName[];
export const EVENT_NAMES = Object.keys(eventSet) as readonly EventName[];
