// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as Framescope writes and reads it: the
// spec's fields, the WebSocket fields Chrome DevTools, HTTP Toolkit and mitmproxy add, and Framescope's
// own `_framescope` fields that make a Framescope → Framescope round trip lossless. Types only.
import type { ConnectionSummary, Direction, Micros } from './api.ts';

export interface Har {
  log: HarLog;
}

export interface HarLog {
  /** "1.2" */
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarPage {
  /** ISO 8601 */
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarEntry {
  pageref?: string;
  /** ISO 8601, with a time zone. */
  startedDateTime: string;
  /** Milliseconds: the sum of the non-negative `timings` (ssl excluded, it is part of connect). */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: HarCache;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  /** Chrome DevTools: "websocket" marks a WebSocket connection (HTTP Toolkit and mitmproxy write it too). */
  _resourceType?: string;
  /** Chrome DevTools' list of a WebSocket connection's messages (HTTP Toolkit and mitmproxy write it too). */
  _webSocketMessages?: HarWebSocketMessage[];
  /** HTTP Toolkit: how the connection closed, or "aborted" when it dropped without a close. */
  _webSocketClose?: HarWebSocketClose | 'aborted';
  _framescope?: FramescopeEntry;
}

export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  /** ISO 8601 */
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  comment?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** Bytes of the request head up to and including the blank line, or -1. */
  headersSize: number;
  /** Bytes of the body, or -1. */
  bodySize: number;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  params?: Array<{ name: string; value?: string; fileName?: string; contentType?: string; comment?: string }>;
  text?: string;
  comment?: string;
}

export interface HarResponse {
  /** 0 when no response arrived. */
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
  /** Chrome DevTools: why the request failed, for a person. */
  _error?: string | null;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  /** "base64" when `text` is base64. */
  encoding?: string;
  comment?: string;
}

export interface HarCache {
  beforeRequest?: HarCacheState | null;
  afterRequest?: HarCacheState | null;
  comment?: string;
}

export interface HarCacheState {
  expires?: string;
  lastAccess: string;
  eTag: string;
  hitCount: number;
  comment?: string;
}

/** Milliseconds; -1 where the phase does not apply (send, wait and receive are never -1). */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

/** One WebSocket message as Chrome DevTools writes it. */
export interface HarWebSocketMessage {
  /** 'send' is client → server; Chrome also writes 'error' (opcode -1) for frames it could not read. */
  type: 'send' | 'receive';
  /** Epoch seconds, with the microseconds as the fraction. */
  time: number;
  opcode: number;
  /** UTF-8 text for opcode 1, base64 otherwise. */
  data: string;
  /** Framescope: what the proxy did with the message (FrameFlag bits), when it did anything. */
  _framescope?: { flags: number; dropped?: true };
}

/** HTTP Toolkit's close details; `timestamp` in epoch seconds. */
export interface HarWebSocketClose {
  code?: number;
  reason?: string;
  timestamp?: number;
}

// ------------------------------------------------------------------------------------ _framescope

/** Everything Framescope needs to give back the connection's rows exactly; byte fields are base64. */
export interface FramescopeEntry {
  /** The layout of these fields; readers take a newer one as a plain WebSocket entry. */
  format: 1;
  summary: FramescopeSummary;
  /** The frames view, row i at index i. */
  frames: FramescopeFrameRow[];
  /** The messages view, row i at index i. */
  messages: FramescopeMessageRow[];
  /**
   * Headers the export left out of the handshake and the connection's options (a sanitized export, the
   * default): their names as written. Absent when nothing was left out.
   */
  leftOut?: string[];
}

/** The connection as it was, minus what belongs to the session it lived in; `originalId` was its id there. */
export type FramescopeSummary = Omit<ConnectionSummary, 'id' | 'frameRows' | 'messageRows' | 'live' | 'replayOf'> & {
  originalId: number;
};

export type FramescopeFrameRow = FramescopeFrame | FramescopeNote;

/** A FrameRecord (electron/core/store/records.ts) with its bytes as base64. */
export interface FramescopeFrame {
  kind: 'frame' | 'error';
  /** The messages-view row of the message it belongs to, or -1. */
  message: number;
  dir: Direction;
  time: Micros;
  opcode: number;
  fin: boolean;
  rsv: number;
  maskKey: string | null;
  payloadLength: number;
  headerLength: number;
  nonMinimalLength: boolean;
  wire: string;
  payload: string;
  compressed: boolean;
  textual: boolean;
  error: { code: string; closeCode: number; reason: string } | null;
  flags?: number;
  rules?: string[];
  original?: string | null;
  heldMs?: number | null;
  fullLength?: number | null;
}

export interface FramescopeNote {
  kind: 'note';
  time: Micros;
  /** A NoteEvent (electron/core/store/records.ts). */
  event: string;
  text: string;
}

export type FramescopeMessageRow = FramescopeMessage | { frameRow: number };

/** A MessageRecord with the frame rows it spans. */
export interface FramescopeMessage {
  kind: 'message';
  first: number;
  last: number;
  dir: Direction;
  time: Micros;
  opcode: number;
  data: string;
  compressed: boolean;
  flags?: number;
  rules?: string[];
  fullLength?: number | null;
}
